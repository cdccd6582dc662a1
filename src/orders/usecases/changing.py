"""Writing a decided change: the order, its timeline event and its webhook in one batch, where
the order is still as it was read; a lost race is decided again on the order as it then is."""

from __future__ import annotations

from collections.abc import Callable

from orders.domain.changes import Change, Decide, WebhookEvent, evolve, webhook_event
from orders.domain.emails import email_for
from orders.domain.order import Order
from orders.domain.times import timestamp
from orders.errors import NotFound, VersionConflict
from orders.ports import Deps, Statement, changes
from orders.storage.orders import OrderStore
from orders.storage.outbox import Outbox as OutboxStore

MAX_RACES = 5

# Statements to write with a change, made for the order as it will be written (or as it was
# read, when nothing changes): processor receipts and "heard from" marks ride in the same batch.
Also = Callable[[Order], list[Statement]]
# What a change queues in place of what its status would (the customer's emailed link): made for
# the order as it will be written, and written only if the change is.
Outbox = Callable[[Order], list[WebhookEvent]]


def outbox_of(deps: Deps, order: Order, created: bool = False) -> list[WebhookEvent]:
    """What a status change (or, with `created`, a new order) queues: the operator's `order.*`
    webhook, and the customer's email when there is one to send."""
    now = timestamp(deps.clock())
    webhook = webhook_event(order, deps.new_id("evt"), now, "order.created" if created else None)
    email = email_for(order, deps.settings, deps.new_id("msg"), now, "created" if created else None)
    return [webhook] if email is None else [webhook, email]


class Changer:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.store = OrderStore(deps.db)
        self.outbox = OutboxStore(deps.db)

    async def change(
        self,
        order_id: str,
        decide: Decide,
        *,
        expected_version: int | None = None,
        current: Order | None = None,
        also: Also | None = None,
        outbox: Outbox | None = None,
    ) -> tuple[Order, bool]:
        """Applies `decide` to the order; (order after, whether anything changed). One batch
        when `current` is the order as just read, one more round trip when it is not given.
        `outbox`, when given, is what the change queues (with it, in the same guarded batch).

        With `expected_version` a lost race is a `VersionConflict`; without it the decision is
        made again on the fresh order, so no change is ever applied over a stale read.
        """
        before = current
        for _ in range(MAX_RACES):
            if before is None:
                before = await self.store.get(order_id)
                if before is None:
                    raise NotFound("No order with this id.")
            if expected_version is not None and before.version != expected_version:
                raise VersionConflict()
            change = decide(before)
            if change is None:
                if also is not None:
                    await self.deps.db.batch(also(before))
                return before, False
            after, statements = self._write(before, change, outbox)
            results = await self.deps.db.batch([*statements, *(also(after) if also else [])])
            if changes(results[0]) == 1:
                return after, True
            if expected_version is not None:
                raise VersionConflict()
            before = None
        raise VersionConflict("The order is changing too fast; please retry.")

    async def change_all(
        self, orders: list[Order], decide: Decide, also: Also | None = None
    ) -> list[Order]:
        """Applies `decide` to each order in one batch; the orders that changed. One that moved
        on since it was read is left as it is, for the next run to judge again."""
        written: list[tuple[Order, int]] = []
        statements: list[Statement] = []
        for before in orders:
            judged = before
            if (change := decide(before)) is not None:
                judged, writes = self._write(before, change)
                written.append((judged, len(statements)))
                statements.extend(writes)
            statements.extend(also(judged) if also else [])
        if not statements:
            return []
        results = await self.deps.db.batch(statements)
        return [after for after, at in written if changes(results[at]) == 1]

    def _write(
        self, before: Order, change: Change, queued: Outbox | None = None
    ) -> tuple[Order, list[Statement]]:
        """The order after `change`, and the statements that write it, its event and webhook."""
        now = timestamp(self.deps.clock())
        after, event = evolve(before, change, now, self.deps.tokens(12))
        if queued is not None:
            outbox = queued(after)
        elif change.notify:
            outbox = [webhook_event(after, self.deps.new_id("evt"), now, change.notify)]
        else:
            outbox = outbox_of(self.deps, after) if event else []
        statements = self.store.update(before, after, event, change.unique_tx)
        return after, [*statements, *self.outbox.with_change(after, outbox)]
