"""Quote arithmetic: from the processor's estimate to what the customer receives after our fee.
Pure; amounts are `Decimal` and the customer's side is always rounded down."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from orders.domain import money

RATE_DECIMALS = 8


@dataclass(frozen=True)
class Price:
    rate: Decimal  # units of `to` per unit of `from`, before the fee
    to_amount: Decimal  # what arrives, after the fee


def price(amount: Decimal, estimated: Decimal, fee_percent: Decimal, to_decimals: int) -> Price:
    if amount <= 0 or estimated <= 0:
        raise ValueError("amount and estimate must be positive")
    exact = money.CONTEXT
    rate = exact.divide(estimated, amount).quantize(
        Decimal(1).scaleb(-RATE_DECIMALS), ROUND_HALF_EVEN, exact
    )
    after_fee = exact.divide(exact.multiply(estimated, exact.subtract(100, fee_percent)), 100)
    return Price(rate=rate, to_amount=money.round_down(after_fee, to_decimals))
