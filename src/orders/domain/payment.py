"""A payment as a processor reports it: its status in NOWPayments' vocabulary (`waiting`,
`confirming`, `finished`, …, which the sandbox speaks too and `domain.settlement` maps onto the
order lifecycle), the money that came, and its transaction on the chain."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True)
class Payment:
    processor: str
    payment_id: str
    status: str
    address: str
    amount: Decimal
    currency: str
    extra_id: str | None = None
    actually_paid: Decimal = Decimal(0)
    tx_hash: str | None = None
    order_id: str | None = None
    parent_payment_id: str | None = None
    expires_at: datetime | None = None
    # When the processor saw the money (None: it does not say). Lateness is judged by it, not by
    # when we heard: a callback lost for an hour does not make a deposit late.
    paid_at: datetime | None = None
