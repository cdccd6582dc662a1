"""A decided change, planned and then committed: the order, its timeline event and its webhook
(with the use case's own statements) in one batch, where the order is still as it was read; a
lost race is decided again on the order as it then is."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from orders.domain.changes import Change, Decide, WebhookEvent, evolve, webhook_event
from orders.domain.emails import email_for
from orders.domain.order import Order
from orders.domain.times import timestamp
from orders.errors import NotFound, VersionConflict
from orders.ports import Deps, Statement, changes
from orders.storage.orders import OrderStore
from orders.storage.outbox import Outbox

MAX_RACES = 5
TOO_FAST = "The order is changing too fast; please retry."

# What a change queues in place of what its status would (the customer's emailed link): made for
# the order as it will be written, and written only if the change is.
# A planned change: the order after it, and the statements that write it (none when nothing
# changes; the first, when there are any, is the order's versioned update).
Plan = tuple[Order, list[Statement]]
# A use case's plan on the order as read: the order after, the change's statements and its own
# (a receipt, a "heard from" mark) made for that order after. Pure: `write` does the writing.
Step = Callable[[Order], tuple[Order, list[Statement], list[Statement]]]


def outbox_of(deps: Deps, order: Order, created: bool = False) -> list[WebhookEvent]:
    """What a status change (or, with `created`, a new order) queues: the operator's `order.*`
    webhook, and the customer's email when there is one to send."""
    now = timestamp(deps.clock())
    webhook = webhook_event(order, deps.new_id("evt"), now, "order.created" if created else None)
    email = email_for(order, deps.settings, deps.new_id("msg"), now, "created" if created else None)
    return [webhook] if email is None else [webhook, email]


class Changer:
    """Plans a decided change without writing it, and commits a plan in one batch with the use
    case's own statements after it (a processor's receipt, a "heard from" mark), so that what
    it writes is made for the order as this batch leaves it. A lost race is planned again, on
    the fresh order, by whoever commits: `change` for a use case that adds nothing."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.store = OrderStore(deps.db)
        self.outbox = Outbox(deps.db)

    async def read(self, order_id: str) -> Order:
        """The order as it is now, to plan on (again, after a lost race)."""
        order = await self.store.get(order_id)
        if order is None:
            raise NotFound("No order with this id.")
        return order

    def plan(self, before: Order, decide: Decide) -> Plan:
        """`decide` applied to `before`: the order after, and the statements that write it, its
        timeline event, its webhook and the customer's email (or what the change itself says it
        queues); `(before, [])` when nothing changes. Nothing is written."""
        change = decide(before)
        return (before, []) if change is None else self._write(before, change)

    async def commit(self, planned: list[Statement], *own: Statement) -> bool:
        """Writes a plan's statements and then `own` in one batch; whether the plan won (one that
        changes nothing always does, and nothing at all to write takes no round trip). `own`
        are written either way: guard them as they must be (a receipt on the order's state)."""
        statements = [*planned, *own]
        if not statements:
            return True
        results = await self.deps.db.batch(statements)
        return not planned or changes(results[0]) == 1

    async def change(
        self,
        order_id: str,
        decide: Decide,
        *,
        expected_version: int | None = None,
        current: Order | None = None,
    ) -> tuple[Order, bool]:
        """Plans and commits `decide` on the order; (order after, whether anything changed). One
        batch when `current` is the order as just read, one more round trip when it is not
        given."""
        return await self.write(
            order_id, lambda before: (*self.plan(before, decide), []),
            expected_version=expected_version, current=current,
        )  # fmt: skip

    async def write(
        self,
        order_id: str,
        step: Step,
        *,
        expected_version: int | None = None,
        current: Order | None = None,
    ) -> tuple[Order, bool]:
        """Writes what `step` plans on the order (the change's statements, then the use case's
        own, judged on the order after it) in one batch; (order after, whether it changed).

        With `expected_version` a lost race is a `VersionConflict`; without it `step` plans again
        on the fresh order, so no change is ever applied over a stale read.
        """
        before = current
        for _ in range(MAX_RACES):
            if before is None:
                before = await self.read(order_id)
            if expected_version is not None and before.version != expected_version:
                raise VersionConflict()
            after, planned, own = step(before)
            if await self.commit(planned, *own):
                return after, bool(planned)
            if expected_version is not None:
                raise VersionConflict()
            before = None
        raise VersionConflict(TOO_FAST)

    async def change_all(self, orders: list[Order], decide: Decide) -> list[Order]:
        """Applies `decide` to each order in one batch; the orders that changed."""
        return await self.commit_all([self.plan(order, decide) for order in orders])

    async def commit_all(self, plans: list[Plan], own: Sequence[Statement] = ()) -> list[Order]:
        """Writes the plans of several orders and then `own`, in one batch; the orders after
        the plans that won. One that moved on since it was read is left as it is, for the next
        run to judge again."""
        written: list[tuple[Order, int]] = []
        statements: list[Statement] = []
        for after, planned in plans:
            if planned:
                written.append((after, len(statements)))
                statements.extend(planned)
        statements.extend(own)
        if not statements:
            return []
        results = await self.deps.db.batch(statements)
        return [after for after, at in written if changes(results[at]) == 1]

    def _write(self, before: Order, change: Change) -> Plan:
        """The order after `change`, and the statements that write it, its event and webhook."""
        now = timestamp(self.deps.clock())
        after, event = evolve(before, change, now, self.deps.tokens(12))
        if change.outbox:
            outbox = list(change.outbox)
        elif change.notify:
            outbox = [webhook_event(after, self.deps.new_id("evt"), now, change.notify)]
        else:
            outbox = outbox_of(self.deps, after) if event else []
        statements = self.store.update(before, after, event, change.unique_tx)
        return after, [*statements, *self.outbox.with_change(after, outbox)]
