"""The order lifecycle (docs/api.md) as data, and the one function that applies it.

Rule 1: a status moves only along an edge of TRANSITIONS; anything else is refused and changes
nothing. Rule 2: the processor's news only ever moves an order forward (a late `confirming` never
undoes `paid`), so a processor-driven move that is not an edge is ignored, not an error.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    AWAITING_PAYMENT = "awaiting_payment"
    CONFIRMING = "confirming"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    COMPLETED = "completed"
    EXPIRED = "expired"
    FAILED = "failed"
    REFUNDED = "refunded"
    CANCELLED = "cancelled"


class Source(StrEnum):
    API = "api"
    PROCESSOR = "processor"
    SCHEDULER = "scheduler"
    OPERATOR = "operator"


S = Status
TRANSITIONS: dict[Status, frozenset[Status]] = {
    S.AWAITING_PAYMENT: frozenset(
        {S.CONFIRMING, S.PARTIALLY_PAID, S.PAID, S.EXPIRED, S.FAILED, S.CANCELLED}
    ),
    S.CONFIRMING: frozenset({S.PARTIALLY_PAID, S.PAID, S.FAILED}),
    S.PARTIALLY_PAID: frozenset({S.CONFIRMING, S.PAID, S.COMPLETED, S.REFUNDED, S.FAILED}),
    S.PAID: frozenset({S.COMPLETED, S.REFUNDED}),
    # A late payment is never lost: an expired order still takes the processor's news.
    S.EXPIRED: frozenset({S.CONFIRMING, S.PARTIALLY_PAID, S.PAID}),
    S.COMPLETED: frozenset(),
    S.FAILED: frozenset(),
    S.REFUNDED: frozenset(),
    S.CANCELLED: frozenset(),
}

FINAL: frozenset[Status] = frozenset(s for s, nexts in TRANSITIONS.items() if not nexts)
OPEN_FOR_PAYMENT: tuple[Status, ...] = (S.AWAITING_PAYMENT, S.CONFIRMING, S.PARTIALLY_PAID)


def allowed_next(current: Status) -> list[str]:
    """The statuses an order may move to next, in the table's reading order."""
    return [s.value for s in Status if s in TRANSITIONS[current]]


def can_move(current: Status, target: Status) -> bool:
    return target in TRANSITIONS[current]
