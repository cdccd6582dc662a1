"""The customer's choices for a problem payment (domain.problems, domain.choices), made with the
order's key.

The key is the customer's alone: only its SHA-256 is stored, it travels in the request's body
(never a URL), and without it an order can be read but not changed.
"""

from __future__ import annotations

from orders.domain import choices
from orders.domain.changes import Change
from orders.domain.currencies import Currency
from orders.domain.exchange import destination_problems
from orders.domain.order import Order
from orders.domain.problems import Choice
from orders.errors import (
    ChoiceUnavailable,
    FieldError,
    Forbidden,
    ValidationFailed,
    VersionConflict,
)
from orders.usecases.changing import Changer
from orders.usecases.ordering import Ordering


class Choices:
    """The customer's side of an order, beside `Ordering` (create, read, the operator's side)."""

    def __init__(self, ordering: Ordering) -> None:
        self.ordering = ordering
        self.deps = ordering.deps
        self.catalog = ordering.catalog

    async def choose(
        self,
        order_id: str,
        key: str,
        choice: Choice,
        refund_address: str | None = None,
        refund_extra_id: str | None = None,
        refund_no_tag: bool = False,
    ) -> Order:
        """Makes `choice` for the order, as it is when written (a lost race is judged again)."""
        order = await self.ordering.read(order_id)
        # An order made before keys existed has none: it is read-only, as with a wrong key.
        if not order.opens_with(key):
            raise Forbidden()
        now = self.deps.clock()
        choices.check(order, choice, now)  # before asking the processor for anything
        currencies = await self.catalog.currencies()
        refund_to = _refund_to(
            order, choice, currencies, refund_address, refund_extra_id, refund_no_tag
        )
        if choice is Choice.FRESH_QUOTE:
            source, target = currencies.get(order.pay_currency), currencies.get(order.to_currency)
            if source is None or target is None:
                raise ChoiceUnavailable("This pair is no longer offered; choose a refund.")
            quote = await self.catalog.quote(source, target, order.received, "choice")

            def decide(current: Order) -> Change | None:
                _still_opens(current, key)
                if current.received != quote.amount:
                    raise ChoiceUnavailable(
                        "More arrived while we were quoting; ask for a fresh quote again."
                    )
                return choices.offer(current, quote.to_amount, quote.rate, now)
        else:

            def decide(current: Order) -> Change | None:
                _still_opens(current, key)
                unchanged = (current.refund_address, current.refund_extra_id) == refund_to
                if choice is Choice.REFUND_ADDRESS and unchanged:
                    return None  # already where a refund goes: nothing to write or announce
                return choices.decide(current, choice, now, refund_to)

        try:
            changed, _ = await Changer(self.deps).change(order.id, decide, current=order)
        except VersionConflict:
            # Other changes (another tab, a callback) won every write it tried: this choice was
            # not made. The customer is answered as for any choice the order no longer takes
            # as they saw it, never with an If-Match status they did not ask for.
            raise ChoiceUnavailable(
                "The order changed while your choice was being made, so it was not made; look "
                "at the order again and choose again."
            ) from None
        return changed


def _still_opens(order: Order, key: str) -> None:
    """A choice judged again on a fresh read (a lost race) is judged with the key it holds now:
    a new link emailed meanwhile (usecases.links) has retired the old key."""
    if not order.opens_with(key):
        raise Forbidden()


def _refund_to(
    order: Order,
    choice: Choice,
    currencies: dict[str, Currency],
    address: str | None,
    extra_id: str | None,
    no_tag: bool = False,
) -> tuple[str, str | None] | None:
    """The refund address (and memo) given with a refund, checked like a payout address;
    None when none is given and the order's own will do."""
    if choice not in (Choice.REFUND, Choice.REFUND_ADDRESS):
        if address or extra_id or no_tag:
            problem = f"goes only with refund or refund_address, not {choice.value}"
            raise ValidationFailed([FieldError("refund_address", problem)])
        return None
    if not address:
        if choice is Choice.REFUND_ADDRESS or not order.refund_address:
            raise ValidationFailed([FieldError("refund_address", "is required: where "
                                               "should the refund go?")])  # fmt: skip
        return None
    currency = currencies.get(order.pay_currency)
    if currency is None:
        raise ChoiceUnavailable(f"{order.pay_currency} is no longer offered, so a refund "
                                "address cannot be checked here; contact support.")  # fmt: skip
    if found := destination_problems(currency, address, extra_id, "refund", no_tag):
        raise ValidationFailed(found)
    return address, extra_id
