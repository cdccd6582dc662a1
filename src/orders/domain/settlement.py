"""What the processor's reports of an order's payments, or the end of a rate lock, mean for an
order. Pure: no I/O, and the time comes in as a value.

A callback is a trigger, not the truth: these functions are fed the payments as the processor
reports them when asked, and only ever move the order forward along the lifecycle. Each deposit
is judged once per state: a report that repeats what the order already holds (the same status,
the same amount) is no news and changes nothing, so re-reading a short deposit never undoes the
customer's choice. Lateness is judged by when the processor saw the money, not when we heard.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal

from orders.domain import money, problems
from orders.domain.changes import Change
from orders.domain.lifecycle import (
    BEFORE_LOCK,
    EXPECTS_NO_MONEY,
    FINAL,
    MAY_BE_LATE,
    NOTHING_SEEN,
    Source,
    Status,
    can_move,
)
from orders.domain.order import Order
from orders.domain.payment import ENDED, SEEN, SETTLED, Payment, PaymentStatus
from orders.domain.times import parse_timestamp, timestamp

# NOWPayments' payment statuses → the order status they point to (None: nothing to do yet).
P = PaymentStatus
STATUS_MAP: dict[str, Status | None] = {
    P.WAITING: None,
    P.CONFIRMING: Status.CONFIRMING,
    P.CONFIRMED: Status.CONFIRMING,
    P.SENDING: Status.CONFIRMING,
    P.PARTIALLY_PAID: Status.PARTIALLY_PAID,
    P.FINISHED: Status.PAID,
    P.FAILED: Status.FAILED,
    P.EXPIRED: Status.EXPIRED,
    P.REFUNDED: Status.REFUNDED,
}
UNEXPECTED_DEPOSIT = "order.unexpected_deposit"


def settle(order: Order, reports: Sequence[Payment], now: str, lock: timedelta) -> Change | None:
    """The change the processor's `reports` of the order's payments (at `now`) call for; None
    when they tell us nothing new. `lock` is how long a rate lock lasts.

    Money first seen after the rate lock ended is late: once final, the order waits for the
    customer (a fresh quote or a refund), never settling at the old rate. Final money short of the
    amount waits for the customer too (send the rest, a partial payout, or a refund), within a
    rate lock that starts with the short deposit. Money that reaches an order that expects none
    is recorded, and waits in the operator's queue to be refunded."""
    deposits: dict[str, str] = json.loads(order.deposits or "{}")
    # Before deposit states were kept, the order's status told what its deposits were.
    held = P.CONFIRMING.value if order.status is Status.CONFIRMING else P.FINISHED.value
    states: dict[str, str] = {pid: held for pid in deposits} | json.loads(order.deposit_states)
    news = [p for p in reports if _is_news(p, deposits, states)]
    if not news:
        return None
    for payment in news:
        if payment.actually_paid > 0:
            deposits[payment.payment_id] = money.to_text(payment.actually_paid)
        if payment.payment_id in deposits:  # a payment that never held money has no state
            states[payment.payment_id] = payment.status
    fields: dict[str, object] = {"deposit_states": json.dumps(states, sort_keys=True)}
    received = money.total(map(Decimal, deposits.values()))
    fresh = received > order.received
    if fresh:
        fields["deposits"] = json.dumps(deposits, sort_keys=True)
        fields["received_amount"] = money.to_text(received)
        if order.offer:
            fields["offer"] = None  # it quoted what had arrived before this
    hashes = [p.tx_hash for p in news if p.tx_hash and p.tx_hash != order.deposit_tx_hash]
    if hashes:
        fields["deposit_tx_hash"] = hashes[-1]
    paid_at = _paid_at(news, now)

    if order.status in EXPECTS_NO_MONEY:
        return _unexpected(order, received, fields) if fresh else None

    # Late: money first seen after the lock, either new money or the first word of a deposit.
    first_word = any(p.status in SEEN for p in news) and order.status in NOTHING_SEEN
    seen_late = (
        (fresh or first_word) and paid_at >= order.expires_at and order.status in MAY_BE_LATE
    )
    late = order.late or seen_late
    if seen_late and not order.late:
        fields["late"] = True

    target, problem = _target(order, deposits, states, received, late, news)
    if target is not None and not fresh and order.status is Status.PARTIALLY_PAID:
        target = None  # no new money: the customer's `send_rest` stands until its lock ends
    if target is not None and not can_move(order.status, target):
        if target is order.status and problem and problem != order.problem:
            fields |= {"problem": problem, "offer": None}  # short, then late: what counts now
        target = None  # forward only: a late `confirming` never undoes `paid`
    if target is Status.ACTION_REQUIRED:
        fields["problem"] = problem
        if problem == problems.UNDERPAID and order.status in BEFORE_LOCK:
            # The short deposit's choices hold for one rate lock from when it was paid.
            fields["expires_at"] = timestamp(parse_timestamp(paid_at) + lock)
    if target is Status.FAILED and received > 0:
        fields["refund_owed"] = True  # the money it holds goes back: the queue shows it now
    if target is None and fields.keys() <= {"deposit_states"}:
        return None  # a status moved on that changes nothing: judged the same way next time
    note = _note(order, news, target, received, late) if target is not None else None
    return Change(target, Source.PROCESSOR, note, fields)


def _is_news(payment: Payment, deposits: dict[str, str], states: dict[str, str]) -> bool:
    """Whether `payment` says something the order does not hold yet."""
    amount = money.to_text(payment.actually_paid)
    recorded = deposits.get(payment.payment_id, "0")
    return amount != recorded or states.get(payment.payment_id) != payment.status


def _paid_at(news: list[Payment], now: str) -> str:
    """When the newest money was paid, as the processor saw it; never later than `now`."""
    times = [timestamp(p.paid_at) for p in news if p.paid_at is not None and p.actually_paid > 0]
    return min(max(times), now) if times else now


def _target(
    order: Order,
    deposits: dict[str, str],
    states: dict[str, str],
    received: Decimal,
    late: bool,
    news: list[Payment],
) -> tuple[Status | None, str | None]:
    """The status all the order's deposits point to, and the problem that goes with it."""
    if received <= 0 or all(states.get(pid) in ENDED for pid in deposits):
        # No money (or none that did not fail): the order's own payment speaks (a repeat
        # deposit that failed or expired says nothing about it).
        own = [p for p in news if not p.parent_payment_id]
        return (STATUS_MAP.get(own[-1].status) if own else None), None
    if any(states.get(pid) not in SETTLED for pid in deposits):
        return Status.CONFIRMING, None  # some of the money is not final yet
    if late:
        return Status.ACTION_REQUIRED, problems.LATE
    if received >= Decimal(order.pay_amount):
        return Status.PAID, None
    return Status.ACTION_REQUIRED, problems.UNDERPAID


def _unexpected(order: Order, received: Decimal, fields: dict[str, object]) -> Change:
    """New money on an order that expects none: recorded, announced to the operator, and kept
    in their queue until its refund is recorded (`Order.refund_owed`)."""
    if order.status is Status.REFUNDED and not order.refund_amount:
        fields["refund_amount"] = order.received_amount  # what its refund was for
    if order.status in FINAL:  # a paid or refunding order's refund goes with what it awaits
        fields["refund_owed"] = True
    extra = money.to_text(received - order.received)
    note = (
        f"{extra} {order.pay_currency} arrived after the order was {order.status.value}: "
        "it is kept for a refund"
    )
    return Change(None, Source.PROCESSOR, note, fields, notify=UNEXPECTED_DEPOSIT)


def _note(
    order: Order, news: list[Payment], target: Status | None, received: Decimal, late: bool
) -> str:
    parts = [f"processor reports {', '.join(p.status for p in news)}"]
    if received > 0:
        parts.append(
            f"received {money.to_text(received)} of {order.pay_amount} {order.pay_currency}"
        )
    parts.extend(f"repeat deposit {p.payment_id}" for p in news if p.parent_payment_id)
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
    """A rate lock ended: an order still waiting for its deposit expires; a short deposit whose
    customer did not send the rest (or did not choose) in its lock is re-priced like a late
    deposit: a fresh quote for what arrived, or a refund."""
    if order.expires_at > now:
        return None
    if order.status is Status.AWAITING_PAYMENT:
        return Change(Status.EXPIRED, Source.SCHEDULER, "the payment window ended")
    relocked = {"problem": problems.LATE, "late": True, "offer": None}
    if order.status is Status.PARTIALLY_PAID:
        return Change(
            Status.ACTION_REQUIRED, Source.SCHEDULER,
            "the rate lock ended before the rest arrived: the customer chooses a fresh quote "
            "for what arrived, or a refund", relocked,
        )  # fmt: skip
    if order.status is Status.ACTION_REQUIRED and order.problem == problems.UNDERPAID:
        return Change(None, Source.SCHEDULER,
                      "the rate lock ended before a choice: the customer chooses a fresh quote "
                      "for what arrived, or a refund", relocked,
                      notify="order.action_required")  # fmt: skip
    return None
