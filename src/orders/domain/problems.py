"""Problem payments: a deposit that came after the rate lock ended, or short of the amount. What
the customer is shown and what they may choose, read off the order (what each choice does to it:
`domain.choices`). Pure (docs/api.md, "Problem payments").

The rate is locked only for the payment window, so a late deposit never settles at it by itself:
the customer takes a fresh quote for what arrived, or a refund. A short deposit is never sent on
as if it were whole: the customer sends the rest, takes a payout for what arrived at the locked
rate, or a refund; those choices hold for one rate lock from the short deposit, after which it is
re-priced like a late deposit (settlement.expiry), so waiting is never a free option on the rate.
An over-payment goes ahead; its excess is refunded, and an excess or deposit that outlives its
order waits in the operator's queue until its refund is recorded (`Order.refund_owed`).
"""

from __future__ import annotations

import json
from decimal import Decimal
from enum import StrEnum
from typing import Any

from orders.domain import money
from orders.domain.currencies import CURRENCIES
from orders.domain.lifecycle import FINAL, WENT_AHEAD, Source, Status
from orders.domain.order import Order

LATE = "late_deposit"
UNDERPAID = "underpaid"
# Not a problem the order waits in, but the same question to its customer: the processor failed
# the payment after money reached it, and that money goes back only if someone asks.
FAILED = "payment_failed"
# What `action.reason` may be.
REASONS: tuple[str, ...] = (LATE, UNDERPAID, FAILED)


class Choice(StrEnum):
    FRESH_QUOTE = "fresh_quote"  # late: a quote for what arrived, at today's rate
    CONTINUE = "continue"  # late: accept that quote
    SEND_REST = "send_rest"  # short: send what is missing, within the same rate lock
    PARTIAL_PAYOUT = "partial_payout"  # short: a payout for what arrived, at the locked rate
    REFUND = "refund"  # late or short: everything that arrived goes back
    REFUND_ADDRESS = "refund_address"  # any time before the end: where a refund would go


C = Choice
CHOICES: dict[str, tuple[Choice, ...]] = {
    LATE: (C.FRESH_QUOTE, C.CONTINUE, C.REFUND),
    UNDERPAID: (C.SEND_REST, C.PARTIAL_PAYOUT, C.REFUND),
}
# What `action.choices` may hold: a problem's choices, never the refund address (given any time).
ACTION_CHOICES: tuple[Choice, ...] = tuple(c for c in Choice if c is not C.REFUND_ADDRESS)


def available(order: Order) -> tuple[Choice, ...]:
    """The choices the customer may make now. A short deposit's choices hold within the rate
    lock that started with it (`expires_at`); `send_rest` is offered once, and a partial payout
    only for at least the pair's minimum. A refund address may be given while the order may still
    refund something."""
    problem: tuple[Choice, ...] = ()
    if order.status is Status.ACTION_REQUIRED:
        problem = tuple(c for c in CHOICES.get(order.problem or "", ()) if _offered(order, c))
    elif failed_holding(order):
        problem = (C.REFUND,)
    if order.status is Status.REFUNDING or (order.status in FINAL and not order.refund_owed):
        return problem
    return (*problem, C.REFUND_ADDRESS)


def failed_holding(order: Order) -> bool:
    """A failed order that still holds money: its customer may ask for it back (→ refunding)."""
    return order.status is Status.FAILED and refundable(order, paying_out=False) > 0


def _offered(order: Order, choice: Choice) -> bool:
    if choice is C.SEND_REST:
        return not rest_asked(order)
    if choice is C.PARTIAL_PAYOUT:
        return order.received >= minimum(order) and partial_payout(order) > 0
    return True


def rest_asked(order: Order) -> bool:
    """Whether the customer already chose to send the rest: it is offered once, in one lock."""
    wanted = Status.PARTIALLY_PAID.value
    return any(e.to_status == wanted and e.source == Source.API.value for e in order.events)


def minimum(order: Order) -> Decimal:
    """The pair's minimum when the order was placed (the currency's own, for older orders)."""
    if order.min_amount:
        return Decimal(order.min_amount)
    return next((c.min_amount for c in CURRENCIES if c.code == order.pay_currency), Decimal(0))


def refundable(order: Order, paying_out: bool) -> Decimal:
    """The most a refund recorded now may be: what arrived, less what the payout is for (when
    the order is paid out or being paid out) and less what was refunded before."""
    kept = Decimal(order.pay_amount) if paying_out else Decimal(0)
    return max(order.received - kept - refunded(order), Decimal(0))


def refunded(order: Order) -> Decimal:
    """What the refunds recorded on the order returned, together."""
    return Decimal(order.refund_amount or 0) if order.refund_tx_hash else Decimal(0)


def remaining(order: Order) -> Decimal:
    """What is still missing of the amount to pay (0 when it all came)."""
    return max(Decimal(order.pay_amount) - order.received, Decimal(0))


def to_send(order: Order) -> Decimal:
    """What the payment page asks the customer to send now: the rest, while they send it (after
    `send_rest`), else the order's amount."""
    if order.status is Status.PARTIALLY_PAID:
        return remaining(order)
    return Decimal(order.pay_amount)


def excess(order: Order) -> Decimal | None:
    """What came beyond the amount of an order that went ahead: it is refunded."""
    if order.status not in WENT_AHEAD:
        return None
    extra = order.received - Decimal(order.pay_amount)
    return extra if extra > 0 else None


def partial_payout(order: Order) -> Decimal:
    """The payout for what arrived, at the locked rate and fee: the quoted payout, pro rata,
    rounded down to what the currency can carry."""
    exact = money.CONTEXT
    share = exact.divide(exact.multiply(Decimal(order.to_amount), order.received),
                         Decimal(order.pay_amount))  # fmt: skip
    return money.round_down(share, _decimals(order.to_currency))


def action(order: Order) -> dict[str, Any] | None:
    """What happened and what the customer may do, as the public order shows it: a late or short
    payment's choices, or a failed payment's refund."""
    if failed_holding(order):
        return {"reason": FAILED, "received": order.received_amount, "choices": [C.REFUND.value],
                "remaining": None, "partial_payout": None, "offer": None}  # fmt: skip
    if order.status is not Status.ACTION_REQUIRED or order.problem not in CHOICES:
        return None
    underpaid = order.problem == UNDERPAID
    choices = available(order)
    return {
        "reason": order.problem,
        "received": order.received_amount,
        "choices": [c.value for c in choices if c in ACTION_CHOICES],
        "remaining": money.to_text(remaining(order)) if underpaid else None,
        "partial_payout": (
            {"amount": money.to_text(partial_payout(order))}
            if underpaid and C.PARTIAL_PAYOUT in choices
            else None
        ),
        "offer": json.loads(order.offer) if order.offer and not underpaid else None,
    }


def _decimals(code: str) -> int:
    return next((c.decimals for c in CURRENCIES if c.code == code), 8)
