"""A change to an order, decided in plain code: the new status (or none, for data only), the
fields that go with it, and what it leaves behind: the order after it, its timeline event and
the webhook event that tells the operator. Pure: the time and the tokens come in as values."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from orders.domain.lifecycle import Source, Status, allowed_next, can_move
from orders.domain.order import Event, Note, Order
from orders.errors import InvalidTransition


@dataclass(frozen=True)
class Change:
    """A decided change: a new status (or None for data only) and the fields that go with it."""

    status: Status | None
    source: Source
    note: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    actor: str | None = None  # the operator who made it, by name
    internal_note: str | None = None  # for the operators' eyes only


Decide = Callable[[Order], Change | None]


@dataclass(frozen=True)
class WebhookEvent:
    """One `order.*` event for the operator, as it waits in the outbox."""

    event_id: str
    order_id: str
    type: str
    payload: str
    created_at: str


def refuse_transition(order: Order, target: Status) -> InvalidTransition:
    nexts = allowed_next(order.status)
    allowed = ", ".join(nexts) if nexts else "none (it is final)"
    return InvalidTransition(
        f"An order that is {order.status.value} cannot become {target.value}; "
        f"allowed next: {allowed}."
    )


def evolve(before: Order, change: Change, now: str, change_id: str) -> tuple[Order, Event | None]:
    """The order after `change`, and its timeline event when the status moves. A status is
    never an edge to itself: a data-only change carries `status=None`. An internal note is
    appended to `notes` (its row is written where the order carries `change_id`)."""
    event = None
    notes = before.notes
    if change.internal_note:
        notes = (*notes, Note(at=now, note=change.internal_note, actor=change.actor))
    events = before.events
    status = before.status
    if change.status is not None:
        if not can_move(before.status, change.status):
            raise refuse_transition(before, change.status)
        status = change.status
        event = Event(
            to_status=status.value,
            at=now,
            source=change.source.value,
            note=change.note,
            from_status=before.status.value,
            actor=change.actor,
        )
        events = (*events, event)
    after = replace(
        before,
        **change.fields,
        status=status,
        version=before.version + 1,
        updated_at=now,
        change_id=change_id,
        events=events,
        notes=notes,
    )
    return after, event


def webhook_event(
    order: Order, event_id: str, created_at: str, kind: str | None = None
) -> WebhookEvent:
    """The `order.<status>` event (or `kind`), with the order as it is after the change, in the
    operator's view: the webhook is the operator's own signed channel."""
    event_type = kind or f"order.{order.status.value}"
    body = {
        "id": event_id,
        "type": event_type,
        "created_at": created_at,
        "data": {"order": order.operator()},
    }
    payload = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return WebhookEvent(event_id, order.id, event_type, payload, created_at)
