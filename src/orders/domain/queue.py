"""What waits on the operator, decided from the order alone: a paid order waits for its payout
(and the refund of any excess), a refunding order for the refund its customer chose, an order in
`action_required` for its customer's answer (shown so that nobody forgets it), and an order that
expects nothing more but holds money beyond its payout and refunds (an excess completed without
its refund, a deposit to a closed order) for that refund. Each waits since it entered that state;
the oldest comes first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from orders.domain import problems, views
from orders.domain.lifecycle import FINAL, WAITS_ON_OPERATOR, Status
from orders.domain.order import Order
from orders.domain.times import parse_timestamp

# Why an order waits, each named once (the API's `QueueItem.reason` is one of REASONS).
PAYOUT = "payout"
PAYOUT_AND_REFUND = "payout_and_refund"  # an over-payment: its excess goes back too
REFUND = "refund"  # chosen, or money that reached a failed, cancelled or refunded order
REFUND_EXCESS = "refund_excess"  # a completed order's excess
CUSTOMER_CHOICE = "customer_choice"  # it waits on the customer
REASONS: tuple[str, ...] = (PAYOUT, PAYOUT_AND_REFUND, REFUND, REFUND_EXCESS, CUSTOMER_CHOICE)


@dataclass(frozen=True)
class Waiting:
    order: Order
    reason: str  # one of REASONS
    since: str

    def age_seconds(self, now: datetime) -> int:
        return max(0, int((now - parse_timestamp(self.since)).total_seconds()))

    def operator(self, now: datetime) -> dict[str, Any]:
        return {
            "reason": self.reason,
            "waiting_since": self.since,
            "age_seconds": self.age_seconds(now),
            "order": views.operator(self.order),
        }


def entered(order: Order) -> str:
    """When the order entered its current status (its creation, if the timeline says nothing);
    for a closed order, when it last changed (money may have come after it closed)."""
    for event in reversed(order.events):
        if order.status in FINAL:
            return event.at
        if event.to_status == order.status.value and event.from_status != event.to_status:
            return event.at
    return order.created_at


def waiting(order: Order) -> Waiting | None:
    """Whether (and why, and since when) `order` waits on the operator: by its status alone
    (WAITS_ON_OPERATOR), or by the refund it owes."""
    if order.status not in WAITS_ON_OPERATOR and not order.refund_owed:
        return None
    return Waiting(order, _reason(order), entered(order))


def _reason(order: Order) -> str:
    if order.status is Status.PAID:
        return PAYOUT_AND_REFUND if problems.excess(order) else PAYOUT
    if order.status is Status.REFUNDING:
        return REFUND
    if order.status is Status.ACTION_REQUIRED:
        return CUSTOMER_CHOICE
    return REFUND_EXCESS if order.status is Status.COMPLETED else REFUND


def queue(orders: list[Order]) -> list[Waiting]:
    """The orders that wait on the operator, the longest waiting first."""
    found = [w for order in orders if (w := waiting(order)) is not None]
    return sorted(found, key=lambda w: (w.since, w.order.id))
