"""What waits on the operator, decided from the order alone: a paid order waits for its payout,
a part-paid order whose window has ended waits for a payout of what came or a refund. Each waits
since it entered that state; the oldest comes first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from orders.domain.lifecycle import Status
from orders.domain.order import Order, parse_timestamp

# The statuses the operator's queue is drawn from (the storage query narrows by these).
WAITING: tuple[Status, ...] = (Status.PAID, Status.PARTIALLY_PAID)


@dataclass(frozen=True)
class Waiting:
    order: Order
    reason: str  # "payout" or "refund_or_payout"
    since: str

    def age_seconds(self, now: datetime) -> int:
        return max(0, int((now - parse_timestamp(self.since)).total_seconds()))

    def operator(self, now: datetime) -> dict[str, Any]:
        return {
            "reason": self.reason,
            "waiting_since": self.since,
            "age_seconds": self.age_seconds(now),
            "order": self.order.operator(),
        }


def entered(order: Order) -> str:
    """When the order entered its current status (its creation, if the timeline says nothing)."""
    for event in reversed(order.events):
        if event.to_status == order.status.value:
            return event.at
    return order.created_at


def waiting(order: Order, now: str) -> Waiting | None:
    """Whether (and why, and since when) `order` waits on the operator at `now`."""
    if order.status is Status.PAID:
        return Waiting(order, "payout", entered(order))
    if order.status is Status.PARTIALLY_PAID and order.expires_at <= now:
        return Waiting(order, "refund_or_payout", max(entered(order), order.expires_at))
    return None


def queue(orders: list[Order], now: str) -> list[Waiting]:
    """The orders that wait on the operator, the longest waiting first."""
    found = [w for order in orders if (w := waiting(order, now)) is not None]
    return sorted(found, key=lambda w: (w.since, w.order.id))
