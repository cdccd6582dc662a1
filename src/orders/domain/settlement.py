"""What a processor's report of a payment, or the end of the payment window, means for an
order. Pure: no I/O, and the time comes in as a value.

A callback is a trigger, not the truth: these functions are fed the payment as the processor
reports it when asked, and only ever move the order forward along the lifecycle.
"""

from __future__ import annotations

import json
from decimal import Decimal

from orders.domain import money
from orders.domain.changes import Change
from orders.domain.lifecycle import Source, Status, can_move
from orders.domain.order import Order
from orders.processors.base import Payment

# NOWPayments' payment statuses → the order status they point to (None: nothing to do yet).
STATUS_MAP: dict[str, Status | None] = {
    "waiting": None,
    "confirming": Status.CONFIRMING,
    "confirmed": Status.CONFIRMING,
    "sending": Status.CONFIRMING,
    "partially_paid": Status.PARTIALLY_PAID,
    "finished": Status.PAID,
    "failed": Status.FAILED,
    "expired": Status.EXPIRED,
    "refunded": Status.REFUNDED,
}
_SETTLED = {"partially_paid", "finished"}


def settle(order: Order, payment: Payment) -> Change | None:
    """The change `payment` calls for, or None when it tells us nothing new."""
    deposits: dict[str, str] = json.loads(order.deposits or "{}")
    fields: dict[str, object] = {}
    if payment.actually_paid > 0 and deposits.get(payment.payment_id) != money.to_text(
        payment.actually_paid
    ):
        deposits[payment.payment_id] = money.to_text(payment.actually_paid)
        fields["deposits"] = json.dumps(deposits, sort_keys=True)
        fields["received_amount"] = money.to_text(money.total(map(Decimal, deposits.values())))
    if payment.tx_hash and payment.tx_hash != order.deposit_tx_hash:
        fields["deposit_tx_hash"] = payment.tx_hash
    received = Decimal(str(fields.get("received_amount", order.received_amount)))

    target = STATUS_MAP.get(payment.status)
    if payment.status in _SETTLED:
        target = Status.PAID if received >= Decimal(order.pay_amount) else Status.PARTIALLY_PAID
    if payment.parent_payment_id and target in (Status.FAILED, Status.EXPIRED):
        # A failed or expired repeat deposit says nothing about the order's own payment.
        target = None
    if target is not None and not can_move(order.status, target):
        target = None  # forward only: a late `confirming` never undoes `paid`
    if target is None and not fields:
        return None
    if target is not None and order.status is Status.EXPIRED:
        fields["late"] = True
    return Change(target, Source.PROCESSOR, _note(order, payment, target, received), fields)


def _note(order: Order, payment: Payment, target: Status | None, received: Decimal) -> str:
    parts = [f"processor reports {payment.status}"]
    if received > 0:
        parts.append(
            f"received {money.to_text(received)} of {order.pay_amount} {order.pay_currency}"
        )
    if payment.parent_payment_id:
        parts.append(f"repeat deposit {payment.payment_id}")
    if order.status is Status.EXPIRED and target is not None:
        parts.append("paid after the payment window ended")
    if target is Status.PAID and received > Decimal(order.pay_amount):
        parts.append("overpaid")
    return "; ".join(parts)


def expiry(order: Order, now: str) -> Change | None:
    """An order still waiting for its deposit when its window has ended expires."""
    if order.status is Status.AWAITING_PAYMENT and order.expires_at <= now:
        return Change(Status.EXPIRED, Source.SCHEDULER, "the payment window ended")
    return None
