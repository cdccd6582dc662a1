"""What a processor's report of a payment, or the end of the payment window, means for an
order. Pure: no I/O, and the time comes in as a value.

A callback is a trigger, not the truth: these functions are fed the payment as the processor
reports it when asked, and only ever move the order forward along the lifecycle.
"""

from __future__ import annotations

import json
from decimal import Decimal

from orders.domain import money, problems
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
_SETTLED = {"partially_paid", "finished"}  # the money is final: what came is what counts


def settle(order: Order, payment: Payment, now: str) -> Change | None:
    """The change `payment`, reported at `now`, calls for; None when it tells us nothing new.

    Money first seen after the rate lock ended is late: once final, the order waits for the
    customer (a fresh quote or a refund), never settling at the old rate. Final money short of the
    amount waits for the customer too (send the rest, a partial payout, or a refund)."""
    deposits: dict[str, str] = json.loads(order.deposits or "{}")
    fields: dict[str, object] = {}
    if payment.actually_paid > 0 and deposits.get(payment.payment_id) != money.to_text(
        payment.actually_paid
    ):
        deposits[payment.payment_id] = money.to_text(payment.actually_paid)
        fields["deposits"] = json.dumps(deposits, sort_keys=True)
        fields["received_amount"] = money.to_text(money.total(map(Decimal, deposits.values())))
        if order.offer:
            fields["offer"] = None  # it quoted what had arrived before this
    if payment.tx_hash and payment.tx_hash != order.deposit_tx_hash:
        fields["deposit_tx_hash"] = payment.tx_hash
    received = Decimal(str(fields.get("received_amount", order.received_amount)))
    # Late: money first seen after the window, either new money or the first word of a deposit.
    first_word = payment.status in _SEEN and order.status in _NOTHING_SEEN
    seen_late = (
        (received > order.received or first_word)
        and order.expires_at <= now and order.status in _MAY_BE_LATE
    )  # fmt: skip
    late = order.late or seen_late
    if seen_late and not order.late:
        fields["late"] = True

    target = STATUS_MAP.get(payment.status)
    problem = None
    if payment.status in _SETTLED:
        if late:
            target, problem = Status.ACTION_REQUIRED, problems.LATE
        elif received >= Decimal(order.pay_amount):
            target = Status.PAID
        else:
            target, problem = Status.ACTION_REQUIRED, problems.UNDERPAID
    if payment.parent_payment_id and target in (Status.FAILED, Status.EXPIRED):
        # A failed or expired repeat deposit says nothing about the order's own payment.
        target = None
    if target is not None and not can_move(order.status, target):
        if target is order.status and problem and problem != order.problem:
            fields |= {"problem": problem, "offer": None}  # short, then late: what counts now
        target = None  # forward only: a late `confirming` never undoes `paid`
    if target is None and not fields:
        return None
    if target is Status.ACTION_REQUIRED:
        fields["problem"] = problem
    return Change(target, Source.PROCESSOR, _note(order, payment, target, received, late), fields)


# Where money arriving after the window is late; in any later status it was seen in time, or
# the order has already settled.
_MAY_BE_LATE = (Status.AWAITING_PAYMENT, Status.EXPIRED, Status.PARTIALLY_PAID,
                Status.ACTION_REQUIRED)  # fmt: skip
_NOTHING_SEEN = (Status.AWAITING_PAYMENT, Status.EXPIRED)
_SEEN = {"confirming", "confirmed", "sending", *_SETTLED}


def _note(
    order: Order, payment: Payment, target: Status | None, received: Decimal, late: bool
) -> str:
    parts = [f"processor reports {payment.status}"]
    if received > 0:
        parts.append(
            f"received {money.to_text(received)} of {order.pay_amount} {order.pay_currency}"
        )
    if payment.parent_payment_id:
        parts.append(f"repeat deposit {payment.payment_id}")
    if target is Status.ACTION_REQUIRED:
        parts.append(
            "paid after the rate lock ended: the customer chooses a fresh quote or a refund"
            if late
            else "short of the amount: the customer chooses to send the rest, a partial "
            "payout or a refund"
        )
    if target is Status.PAID and received > Decimal(order.pay_amount):
        parts.append("overpaid: the excess is refunded")
    return "; ".join(parts)


def expiry(order: Order, now: str) -> Change | None:
    """The payment window ended: an order still waiting for its deposit expires; one still
    waiting for the rest of it goes back to the customer's choice."""
    if order.expires_at > now:
        return None
    if order.status is Status.AWAITING_PAYMENT:
        return Change(Status.EXPIRED, Source.SCHEDULER, "the payment window ended")
    if order.status is Status.PARTIALLY_PAID:
        return Change(
            Status.ACTION_REQUIRED, Source.SCHEDULER,
            "the payment window ended before the rest arrived", {"problem": problems.UNDERPAID},
        )  # fmt: skip
    return None
