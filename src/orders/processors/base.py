"""What the exchange needs from a payment processor, whichever it is (NOWPayments, the sandbox).

Payment statuses use NOWPayments' vocabulary (`waiting`, `confirming`, `finished`, …), the lingua
franca here: the sandbox speaks it too, and `payments` maps it onto the order lifecycle.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from orders.domain.currencies import Currency
from orders.domain.payment import Payment

# Payment is the processors' word, but domain.settlement and the sandbox's ledger in storage read
# it too, so it lives below them both (importing it from here would load this package, and with
# it the sandbox, whose ledger imports it: a cycle). Named here for the processors' callers.
__all__ = ["Deposits", "Payment", "Processor", "ProcessorError"]


class ProcessorError(Exception):
    """The processor could not be reached, timed out, or refused; `message` is for people."""

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable


class Processor(Protocol):
    name: str

    async def currencies(self) -> list[Currency]: ...

    async def min_amount(self, from_currency: str, to_currency: str) -> Decimal: ...

    async def estimate(self, from_currency: str, to_currency: str, amount: Decimal) -> Decimal:
        """What `amount` of `from_currency` buys in `to_currency`, before our fee."""
        ...

    async def create_payment(
        self, *, order_id: str, currency: str, amount: Decimal, callback_url: str
    ) -> Payment: ...

    async def get_payment(self, payment_id: str) -> Payment | None: ...

    async def deposits(self, asked: Sequence[Deposits]) -> dict[str, list[Payment]]:
        """For each order asked about, every payment to its address: its own payment and each
        repeat deposit (a child payment), including those we never heard of; by order id."""
        ...


@dataclass(frozen=True)
class Deposits:
    """What reconciliation asks about one order: its own payment, the repeat deposits already
    recorded on it, and when it was made (no deposit to it is older)."""

    order_id: str
    payment_id: str
    known: tuple[str, ...]
    since: datetime
