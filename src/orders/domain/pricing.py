"""Quote arithmetic: from the processor's estimate to what the customer receives after our fee.
Pure; amounts are `Decimal` and the customer's side is always rounded down."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from orders.domain import money
from orders.domain.currencies import Currency

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


@dataclass(frozen=True)
class Quote:
    from_currency: Currency
    to_currency: Currency
    amount: Decimal
    to_amount: Decimal
    rate: Decimal
    fee_percent: Decimal
    min_amount: Decimal
    expires_at: str
    rate_lock_minutes: int  # how long the rate holds once the order is placed

    def public(self) -> dict[str, Any]:
        return {
            "from": {"currency": self.from_currency.code, "amount": money.to_text(self.amount)},
            "to": {"currency": self.to_currency.code, "amount": money.to_text(self.to_amount)},
            "rate": money.to_text(self.rate),
            "fee_percent": money.to_text(self.fee_percent),
            "min_amount": money.to_text(self.min_amount),
            "expires_at": self.expires_at,
            "rate_lock_minutes": self.rate_lock_minutes,
        }
