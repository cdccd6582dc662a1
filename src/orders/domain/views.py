"""The order as people see it: the public view (docs/api.md; the email masked) and the operator's
view (the full email, the deposits one by one, internal notes, who acted, what may be recorded
now). The API answers with them, the webhooks carry the operator's view."""

from __future__ import annotations

import json
from typing import Any

from orders.domain import money, problems
from orders.domain.currencies import payment_uri
from orders.domain.due import due
from orders.domain.order import Event, Note, Order


def public(order: Order) -> dict[str, Any]:
    """The order as docs/api.md shows it; the email is masked in every public response."""
    to_send = problems.to_send(order)
    uri = payment_uri(order.pay_currency, order.pay_address, to_send, order.pay_extra_id)
    return {
        "id": order.id,
        "status": order.status.value,
        "version": order.version,
        "created_at": order.created_at,
        "updated_at": order.updated_at,
        "expires_at": order.expires_at,
        "late": order.late,
        "from": {"currency": order.from_currency, "amount": order.from_amount},
        "to": {
            "currency": order.to_currency,
            "amount": order.to_amount,
            "address": order.payout_address,
            "extra_id": order.payout_extra_id,
        },
        "rate": order.rate,
        "fee_percent": order.fee_percent,
        "refund_address": order.refund_address,
        "refund_extra_id": order.refund_extra_id,
        "email": mask_email(order.email),
        "payment": {
            "processor": order.processor,
            "id": order.payment_id,
            "address": order.pay_address,
            "extra_id": order.pay_extra_id,
            "amount": order.pay_amount,
            "to_send": money.to_text(to_send),
            "currency": order.pay_currency,
            "uri": uri,
            "received": order.received_amount,
            "tx_hash": order.deposit_tx_hash,
        },
        "payout": {"tx_hash": order.payout_tx_hash},
        "refund": {"tx_hash": order.refund_tx_hash, "amount": order.refund_amount},
        "excess": money.to_text(excess) if (excess := problems.excess(order)) else None,
        "action": problems.action(order),
        "timeline": [public_event(event) for event in order.events],
    }


def operator(order: Order) -> dict[str, Any]:
    """The operator's view: the public order with the full email, the deposits one by one, the
    refund, the internal notes, who made each change, and what may be recorded now."""
    return {
        **public(order),
        "email": order.email,
        "deposits": json.loads(order.deposits or "{}"),
        "payout_overdue_notified": order.overdue_event_id is not None,
        "due": due(order),
        "notes": [operator_note(note) for note in order.notes],
        "timeline": [operator_event(event) for event in order.events],
    }


def public_event(event: Event) -> dict[str, Any]:
    return {"status": event.to_status, "at": event.at, "source": event.source, "note": event.note}


def operator_event(event: Event) -> dict[str, Any]:
    return {**public_event(event), "actor": event.actor}


def operator_note(note: Note) -> dict[str, Any]:
    return {"at": note.at, "note": note.note, "actor": note.actor}


def mask_email(email: str | None) -> str | None:
    """`alice@example.com` → `a***@example.com`: enough for its owner to recognise it."""
    if not email:
        return None
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"
