"""A change to an order, decided in plain code: the new status (or none, for data only), the
fields that go with it, and what it leaves behind: the order after it, its timeline event and
the webhook event that tells the operator. Pure: the time and the tokens come in as values."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from orders import strict_json
from orders.domain import money, text, views
from orders.domain.exchange import check_note, check_tx_hash
from orders.domain.lifecycle import WITH_REFUND, Source, Status, allowed_next, can_move
from orders.domain.order import Event, Note, Order
from orders.errors import FieldError, InvalidTransition, ValidationFailed


@dataclass(frozen=True)
class Change:
    """A decided change: a new status (or None for data only) and the fields that go with it."""

    status: Status | None
    source: Source
    note: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    actor: str | None = None  # the operator who made it, by name
    internal_note: str | None = None  # for the operators' eyes only
    # A change that keeps the status but must not pass unseen (money on a closed order, a
    # refund recorded after completion): the webhook type that announces it. It leaves an
    # event on the timeline too, from the status to itself, with the note.
    notify: str | None = None
    # What a data-only change queues instead, decided with it (a new key's email): no event.
    outbox: tuple[WebhookEvent, ...] = ()
    # The spellings of transaction hashes this change records that no other order may hold
    # (`records.spellings`): the write is refused if one of them was recorded on another order
    # since the change was decided, so two operators never record one transaction twice.
    unique_tx: tuple[str, ...] = ()


Decide = Callable[[Order], Change | None]


@dataclass(frozen=True)
class WebhookEvent:
    """One `order.*` event for the operator, as it waits in the outbox."""

    event_id: str
    order_id: str
    type: str
    payload: str
    created_at: str
    channel: str = "webhook"  # or "email": a message to the customer (domain.emails)


def refuse_transition(order: Order, target: Status) -> InvalidTransition:
    nexts = allowed_next(order.status)
    allowed = ", ".join(nexts) if nexts else "none (it is final)"
    return InvalidTransition(
        f"An order that is {order.status.value} cannot become {target.value}; "
        f"allowed next: {allowed}."
    )


def evolve(before: Order, change: Change, now: str, change_id: str) -> tuple[Order, Event | None]:
    """The order after `change`, and its timeline event when the status moves (or the change
    is one to announce: `notify`). A status is never an edge to itself: a data-only change
    carries `status=None`. An internal note is appended to `notes` (its row is written where
    the order carries `change_id`)."""
    event = None
    notes = before.notes
    if change.internal_note:
        notes = (*notes, Note(at=now, note=change.internal_note, actor=change.actor))
    events = before.events
    status = before.status
    fields = dict(change.fields)
    if change.status not in (None, Status.ACTION_REQUIRED) and before.problem is not None:
        fields |= {"problem": None, "offer": None}  # the problem is behind it
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
    elif change.notify:
        event = Event(to_status=status.value, at=now, source=change.source.value,
                      note=change.note, from_status=status.value, actor=change.actor)  # fmt: skip
        events = (*events, event)
    after = replace(
        before,
        **fields,
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
        "data": {"order": views.operator(order)},
    }
    payload = strict_json.dumps(body)
    return WebhookEvent(event_id, order.id, event_type, payload, created_at)


MAX_INTERNAL_NOTE = 2000


def check_operator_change(
    target: Status | None,
    payout_tx_hash: str | None,
    refund_tx_hash: str | None,
    refund_amount: str | None,
    note: str | None,
    internal_note: str | None,
) -> dict[str, str]:
    """The fields an operator's change writes, or every reason it cannot be made."""
    check_tx_hash(payout_tx_hash, "payout_tx_hash")
    check_tx_hash(refund_tx_hash, "refund_tx_hash")
    check_note(note)
    errors: list[FieldError] = []
    if internal_note is not None and (
        not internal_note or len(internal_note) > MAX_INTERNAL_NOTE
        or not text.is_plain_note(internal_note)
    ):  # fmt: skip
        errors.append(FieldError("internal_note", f"must be plain text of 1 to "
                                 f"{MAX_INTERNAL_NOTE} characters"))  # fmt: skip
    if target is None and not internal_note and not refund_tx_hash:
        errors.append(FieldError("status", "is required (or an internal_note, or a refund "
                                 "recorded after the fact, on its own)"))  # fmt: skip
    if target is None and note:
        errors.append(FieldError("note", "goes with a status change; use internal_note"))
    if target is Status.COMPLETED and not payout_tx_hash:
        errors.append(FieldError("payout_tx_hash", "is required to mark an order completed"))
    if target is Status.REFUNDED and not refund_tx_hash:
        errors.append(FieldError("refund_tx_hash", "is required to mark an order refunded"))
    if target is not None and target not in WITH_REFUND and refund_tx_hash:
        errors.append(FieldError("refund_tx_hash", "goes only with status refunded, with "
                                 "completed for an over-payment's excess, or alone"))  # fmt: skip
    if refund_amount is not None and not refund_tx_hash:
        errors.append(FieldError("refund_amount", "goes with the refund's refund_tx_hash"))
    if refund_amount is not None:
        try:
            money.parse_amount(refund_amount)
        except money.NotAnAmount as exc:
            errors.append(FieldError("refund_amount", str(exc)))
    if errors:
        raise ValidationFailed(errors)
    fields = {"payout_tx_hash": payout_tx_hash} if payout_tx_hash else {}
    if refund_tx_hash:
        fields["refund_tx_hash"] = refund_tx_hash
    if refund_amount:
        fields["refund_amount"] = refund_amount
    return fields
