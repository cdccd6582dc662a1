"""How an order changes: decide the next state in plain code, then write it with its timeline
event and webhook in one batch, retrying on a lost race with the order as it then is."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from orders.domain.lifecycle import Source, Status, allowed_next, can_move
from orders.domain.order import Event, Order, timestamp
from orders.errors import InvalidTransition, NotFound, VersionConflict
from orders.ports import Deps, Statement, changes
from orders.storage.store import OrderStore, OutboxRow

MAX_RACES = 5


@dataclass(frozen=True)
class Change:
    """A decided change: a new status (or None for data only) and the fields that go with it."""

    status: Status | None
    source: Source
    note: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)


Decide = Callable[[Order], Change | None]


def refuse_transition(order: Order, target: Status) -> InvalidTransition:
    nexts = allowed_next(order.status)
    allowed = ", ".join(nexts) if nexts else "none (it is final)"
    return InvalidTransition(
        f"An order that is {order.status.value} cannot become {target.value}; "
        f"allowed next: {allowed}."
    )


def webhook_row(deps: Deps, order: Order, kind: str | None = None) -> OutboxRow:
    """The `order.<status>` event (or `kind`), with the order as it is after the change."""
    event_id = deps.new_id("evt")
    created_at = timestamp(deps.clock())
    event_type = kind or f"order.{order.status.value}"
    body = {
        "id": event_id,
        "type": event_type,
        "created_at": created_at,
        "data": {"order": order.public()},
    }
    payload = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return OutboxRow(event_id, order.id, event_type, payload, created_at)


# Statements to write with a change, made for the order as it will be written (or as it was
# read, when nothing changes): processor receipts and "heard from" marks ride in the same batch.
Also = Callable[[Order], list[Statement]]


class Changer:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.store = OrderStore(deps.db)

    async def change(
        self,
        order_id: str,
        decide: Decide,
        *,
        expected_version: int | None = None,
        current: Order | None = None,
        also: Also | None = None,
    ) -> tuple[Order, bool]:
        """Applies `decide` to the order; (order after, whether anything changed). One batch
        when `current` is the order as just read, one more round trip when it is not given.

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
            after, statements = self._write(before, change)
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

    def _write(self, before: Order, change: Change) -> tuple[Order, list[Statement]]:
        """The order after `change`, and the statements that write it, its event and webhook."""
        after, event = self._evolve(before, change)
        outbox = webhook_row(self.deps, after) if event else None
        return after, self.store.update(before, after, event, outbox)

    def _evolve(self, before: Order, change: Change) -> tuple[Order, Event | None]:
        now = timestamp(self.deps.clock())
        event = None
        events = before.events
        status = before.status
        if change.status is not None:
            # No status is an edge to itself: a data-only change carries `status=None`.
            if not can_move(before.status, change.status):
                raise refuse_transition(before, change.status)
            status = change.status
            event = Event(
                to_status=status.value,
                at=now,
                source=change.source.value,
                note=change.note,
                from_status=before.status.value,
            )
            events = (*events, event)
        after = replace(
            before,
            **change.fields,
            status=status,
            version=before.version + 1,
            updated_at=now,
            change_id=self.deps.tokens(12),
            events=events,
        )
        return after, event
