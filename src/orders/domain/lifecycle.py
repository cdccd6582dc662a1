"""The order lifecycle (docs/api.md) as data, and the one function that applies it.

Rule 1: a status moves only along an edge of TRANSITIONS; anything else is refused and changes
nothing. Rule 2: the processor's news only ever moves an order forward (a late `confirming` never
undoes `paid`), so a processor-driven move that is not an edge is ignored, not an error.
Rule 3: a payment that does not fit the order (late, or short) never settles at the locked rate by
itself: the order becomes `action_required` and waits for the customer's choice (domain.problems).
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    AWAITING_PAYMENT = "awaiting_payment"
    CONFIRMING = "confirming"
    PARTIALLY_PAID = "partially_paid"
    ACTION_REQUIRED = "action_required"
    PAID = "paid"
    COMPLETED = "completed"
    EXPIRED = "expired"
    FAILED = "failed"
    REFUNDING = "refunding"
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
        {S.CONFIRMING, S.PARTIALLY_PAID, S.ACTION_REQUIRED, S.PAID, S.EXPIRED, S.FAILED}
        | {S.CANCELLED}
    ),
    S.CONFIRMING: frozenset({S.PARTIALLY_PAID, S.ACTION_REQUIRED, S.PAID, S.FAILED}),
    # Part of the amount came and the customer chose to send the rest, within a new window.
    S.PARTIALLY_PAID: frozenset(
        {S.CONFIRMING, S.ACTION_REQUIRED, S.PAID, S.COMPLETED, S.REFUNDED, S.FAILED}
    ),
    # A late or short payment waits for the customer: go on (paid), send the rest
    # (partially_paid) or a refund (refunding); more money may still arrive (confirming).
    S.ACTION_REQUIRED: frozenset(
        {S.CONFIRMING, S.PARTIALLY_PAID, S.PAID, S.REFUNDING, S.REFUNDED, S.FAILED}
    ),
    S.PAID: frozenset({S.COMPLETED, S.REFUNDED}),
    # A late payment is never lost, and never settles at the old rate by itself; one made in time
    # that we heard of only after the window (every callback lost) settles as it would have.
    S.EXPIRED: frozenset({S.CONFIRMING, S.ACTION_REQUIRED, S.PAID}),
    # The customer chose a refund: it waits in the operator's queue.
    S.REFUNDING: frozenset({S.REFUNDED}),
    S.COMPLETED: frozenset(),
    # Money that reached a failed or cancelled order (or arrived after it ended) goes back: the
    # operator records it (refunded), or the customer of a failed order asks for it (refunding),
    # so a failed payment holding money is never a dead end for them.
    S.FAILED: frozenset({S.REFUNDING, S.REFUNDED}),
    S.REFUNDED: frozenset(),
    S.CANCELLED: frozenset({S.REFUNDED}),
}

# The sets of statuses the rules speak of, each named once, here beside the table: the domain's
# rules, the SQL that finds orders (bound, never spelled out), the API's models and the pages
# (pages/js/statuses.js, held to these by tests/core/test_lifecycle.py) all use these names.

# Where the exchange is over: no payment settles it any more. Money that still arrives is kept on
# the order and waits in the operator's queue to be refunded (`Order.refund_owed`).
FINAL: frozenset[Status] = frozenset({S.COMPLETED, S.FAILED, S.REFUNDED, S.CANCELLED})
# Where a deposit may still arrive and settle; reconciliation asks about these first.
OPEN_FOR_PAYMENT: tuple[Status, ...] = (
    S.AWAITING_PAYMENT, S.CONFIRMING, S.PARTIALLY_PAID, S.ACTION_REQUIRED, S.EXPIRED
)  # fmt: skip
# Where money first paid after the rate lock is late; in any later status it came in time.
MAY_BE_LATE: tuple[Status, ...] = (
    S.AWAITING_PAYMENT, S.EXPIRED, S.PARTIALLY_PAID, S.ACTION_REQUIRED
)  # fmt: skip
# Where nothing has been seen of a deposit yet.
NOTHING_SEEN: tuple[Status, ...] = (S.AWAITING_PAYMENT, S.EXPIRED)
# Where no short deposit has started a rate lock of its own yet.
BEFORE_LOCK: tuple[Status, ...] = (S.AWAITING_PAYMENT, S.CONFIRMING, S.EXPIRED)
# Where the order expects no more money: what still arrives is recorded and announced.
EXPECTS_NO_MONEY: tuple[Status, ...] = (*sorted(FINAL), S.PAID, S.REFUNDING)
# Where the end of a rate lock changes the order (with a short deposit's `action_required`).
ENDS_WITH_LOCK: tuple[Status, ...] = (S.AWAITING_PAYMENT, S.PARTIALLY_PAID)
# Where an order waits on the operator by its status alone (domain.queue; others by a refund owed).
WAITS_ON_OPERATOR: tuple[Status, ...] = (S.PAID, S.REFUNDING, S.ACTION_REQUIRED)
# Where the order went ahead: money beyond its amount is an excess to refund.
WENT_AHEAD: tuple[Status, ...] = (S.PAID, S.COMPLETED)
# Where an order ended without going ahead: money it holds goes back (`Order.refund_owed`).
CALLED_OFF: tuple[Status, ...] = (S.FAILED, S.CANCELLED)
# The statuses an operator's change may record a refund's hash with (or none): the refund
# itself, or a completed over-payment's excess.
WITH_REFUND: tuple[Status, ...] = (S.REFUNDED, S.COMPLETED)
# Where the payout may be sent next (an edge to `completed`): a refund now goes instead of it.
PAYS_OUT_NEXT: tuple[Status, ...] = tuple(s for s in Status if S.COMPLETED in TRANSITIONS[s])

# The pages' own sets (pages/js/statuses.js), named here so the two cannot drift apart.
# The payment page's progress steps: the usual path of an order.
STEPS: tuple[Status, ...] = (S.AWAITING_PAYMENT, S.CONFIRMING, S.PAID, S.COMPLETED)
# Off the usual path: the customer may need a person (the page shows the support links).
OFF_THE_PATH: tuple[Status, ...] = tuple(s for s in Status if s not in STEPS)
# Off the path with the money final: it waits for a choice or goes back, confirmations behind it.
CONFIRMED_OFF_PATH: tuple[Status, ...] = (S.ACTION_REQUIRED, S.REFUNDING, S.REFUNDED)
# Where the order may wait a while (a late deposit, the rest, the operator): the page asks less
# often.
QUIET: tuple[Status, ...] = (S.EXPIRED, S.PARTIALLY_PAID)


def allowed_next(current: Status) -> list[str]:
    """The statuses an order may move to next, in the table's reading order."""
    return [s.value for s in Status if s in TRANSITIONS[current]]


def can_move(current: Status, target: Status) -> bool:
    return target in TRANSITIONS[current]
