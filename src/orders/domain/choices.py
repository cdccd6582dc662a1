"""The change each of the customer's choices makes to a problem payment's order (what the
choices are and when each is offered: `domain.problems`). Pure: the time and any fresh quote come
in as values. Apart from `problems` because these build a `Change`, and `changes` imports
`order`, whose public view reads `problems`: one module for both would be an import cycle."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal

from orders.domain import money
from orders.domain.changes import Change
from orders.domain.lifecycle import Source, Status
from orders.domain.order import Order
from orders.domain.problems import Choice, available, partial_payout, remaining
from orders.domain.times import timestamp
from orders.errors import ChoiceUnavailable, OfferExpired

# The webhook of a customer's new refund address (the status stays as it was).
REFUND_ADDRESS_CHANGED = "order.refund_address_changed"
OFFER_VALID_FOR = timedelta(minutes=5)


def offer(order: Order, to_amount: Decimal, rate: Decimal, now: datetime) -> Change:
    """A fresh quote for everything that arrived late, open for OFFER_VALID_FOR."""
    check(order, Choice.FRESH_QUOTE, now)
    quoted = {
        "amount": order.received_amount,
        "to_amount": money.to_text(to_amount),
        "rate": money.to_text(rate),
        "expires_at": timestamp(now + OFFER_VALID_FOR),
    }
    return Change(None, Source.API, fields={"offer": json.dumps(quoted, sort_keys=True)})


def decide(
    order: Order,
    choice: Choice,
    now: datetime,
    refund_to: tuple[str, str | None] | None = None,
) -> Change:
    """The change a choice makes (all but `fresh_quote`, which needs a quote: `offer`).
    `refund_to` is the refund address and memo, already checked, when the customer gave one."""
    check(order, choice, now)
    refund_fields = (
        {"refund_address": refund_to[0], "refund_extra_id": refund_to[1]} if refund_to else {}
    )
    received = order.received_amount
    currency = order.pay_currency
    if choice is Choice.REFUND_ADDRESS:
        # No status moves, but a receiver acting on an earlier payload would refund to the old
        # address: the change is on the timeline and announced (docs/api.md, webhooks).
        where = _where(refund_to) if refund_to else "none"
        return Change(None, Source.API, f"the customer set the refund address to {where}",
                      refund_fields, notify=REFUND_ADDRESS_CHANGED)  # fmt: skip
    if choice is Choice.REFUND:
        return Change(Status.REFUNDING, Source.API,
                      f"the customer asked for a refund of {received} {currency}",
                      refund_fields)  # fmt: skip
    if choice is Choice.SEND_REST:
        # Within the lock the short deposit started, never beyond it: the rate holds that long.
        return Change(Status.PARTIALLY_PAID, Source.API,
                      f"the customer will send the remaining {money.to_text(remaining(order))} "
                      f"{currency} by {order.expires_at}")  # fmt: skip
    if choice is Choice.PARTIAL_PAYOUT:
        payout = money.to_text(partial_payout(order))
        return Change(Status.PAID, Source.API,
                      f"the customer accepted {payout} {order.to_currency} for the {received} "
                      f"{currency} received, at the locked rate",
                      {"from_amount": received, "pay_amount": received,
                       "to_amount": payout})  # fmt: skip
    quoted = json.loads(order.offer) if order.offer else None
    if not quoted or quoted["expires_at"] <= timestamp(now) or quoted["amount"] != received:
        raise OfferExpired()
    return Change(Status.PAID, Source.API,
                  f"the customer accepted a fresh quote: {quoted['to_amount']} "
                  f"{order.to_currency} for the {received} {currency} received late",
                  {"from_amount": received, "pay_amount": received,
                   "to_amount": quoted["to_amount"], "rate": quoted["rate"]})  # fmt: skip


def check(order: Order, choice: Choice, now: datetime) -> None:
    """Refuses a choice the order does not offer now, naming those it does."""
    choices = available(order)
    if choice not in choices:
        names = ", ".join(c.value for c in choices) or "none"
        raise ChoiceUnavailable(
            f"This order ({order.status.value}) does not offer {choice.value}; "
            f"its choices now: {names}."
        )
    if choice in LOCKED and order.expires_at <= timestamp(now):
        # The scheduler re-prices it within a minute (settlement.expiry); until then, refuse.
        raise ChoiceUnavailable(
            f"The rate lock for this deposit ended at {order.expires_at}: {choice.value} is no "
            "longer offered. Ask for a fresh quote or a refund in a minute."
        )


# The choices made at the locked rate: they hold only while the lock does.
LOCKED = (Choice.SEND_REST, Choice.PARTIAL_PAYOUT)


def _where(refund_to: tuple[str, str | None]) -> str:
    address, extra_id = refund_to
    return f"{address} (memo/tag {extra_id})" if extra_id else address
