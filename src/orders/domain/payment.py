"""A payment as a processor reports it: its status in NOWPayments' vocabulary (`waiting`,
`confirming`, `finished`, …, which the sandbox speaks too and `domain.settlement` maps onto the
order lifecycle), the money that came, and its transaction on the chain."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum


class PaymentStatus(StrEnum):
    """NOWPayments' payment statuses, in the order a payment moves through them."""

    WAITING = "waiting"
    CONFIRMING = "confirming"
    CONFIRMED = "confirmed"
    SENDING = "sending"
    PARTIALLY_PAID = "partially_paid"
    FINISHED = "finished"
    FAILED = "failed"
    EXPIRED = "expired"
    REFUNDED = "refunded"


# The sets of payment statuses the rules speak of, each named once (settlement, the sandbox).
P = PaymentStatus
# Seen on the chain and not final yet: its next report is the same money.
IN_FLIGHT: tuple[PaymentStatus, ...] = (P.CONFIRMING, P.CONFIRMED, P.SENDING)
# The money is final: what came is what counts.
SETTLED: tuple[PaymentStatus, ...] = (P.PARTIALLY_PAID, P.FINISHED)
# The deposit has been seen: on its way, or final.
SEEN: tuple[PaymentStatus, ...] = (*IN_FLIGHT, *SETTLED)
# The payment's money is not the order's to settle.
ENDED: tuple[PaymentStatus, ...] = (P.FAILED, P.EXPIRED, P.REFUNDED)
# What a deposit reports when no money came with it.
NO_MONEY: tuple[PaymentStatus, ...] = (P.WAITING, P.FAILED, P.EXPIRED)


@dataclass(frozen=True)
class Payment:
    processor: str
    payment_id: str
    status: str  # a PaymentStatus value, as the processor spells it
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
