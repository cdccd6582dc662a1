"""The outbox in D1: events queued with the change that makes them, due events, claims, attempts,
receivers that said 410 Gone, and the operator's view of it all. Every SQL statement about it
lives here.

One table holds two channels: `webhook` (the operator's `order.*` events) and `email` (messages
to the customer, docs/emails.md). They share the claims, the attempt log and the retry rules,
but never wait on each other: every method takes the channel it is about, and the order of one
order's events is kept within a channel, so an email the provider keeps refusing never holds
back a webhook of the same order (nor a stuck webhook an email)."""

from __future__ import annotations

import json
from typing import Any

from orders.domain.changes import WebhookEvent
from orders.domain.order import Order
from orders.ports import Database, Statement, changes

WEBHOOK = "webhook"
EMAIL = "email"

# Claims the oldest due event of a channel in one statement, so two runs never take the same
# one: an event is due when its time has come, nobody holds a live claim on it, no earlier event
# of its order in the same channel is still pending (the events of one order go out in the order
# they happened), and the receiver has not said 410 Gone.
_CLAIM_NEXT = (
    "UPDATE webhook_outbox SET claim_token = ?, claimed_until = ? WHERE seq = ("
    "SELECT seq FROM webhook_outbox AS w "
    "WHERE status = 'pending' AND channel = ? AND next_attempt_at <= ? "
    "AND (claimed_until IS NULL OR claimed_until <= ?) "
    "AND NOT EXISTS (SELECT 1 FROM webhook_outbox AS e WHERE e.order_id = w.order_id "
    "AND e.channel = w.channel AND e.status = 'pending' AND e.seq < w.seq) "
    "AND NOT EXISTS (SELECT 1 FROM webhook_gone WHERE url = ?) "
    "ORDER BY seq LIMIT 1) RETURNING seq, event_id, payload, attempts, claim_token"
)

_EVENTS = (
    "SELECT event_id, order_id, type, status, attempts, created_at, next_attempt_at, "
    "delivered_at, last_error, (SELECT json_group_array(json_object('at', at, "
    "'status_code', status_code, 'error', error, 'duration_ms', duration_ms)) "
    "FROM (SELECT * FROM webhook_attempts AS a WHERE a.event_id = w.event_id "
    "ORDER BY seq)) AS attempt_log FROM webhook_outbox AS w"
)


# Queues an event only where the order's row carries the mark of the write it goes with: the
# change's token (`change_id`), or the overdue event's own id (`overdue_event_id`).
_QUEUE = (
    "INSERT INTO webhook_outbox (event_id, order_id, type, payload, created_at, "
    "next_attempt_at, channel) SELECT ?, id, ?, ?, ?, ?, ? FROM orders WHERE id = ? AND {mark} = ?"
)


class Outbox:
    def __init__(self, db: Database) -> None:
        self.db = db

    def with_change(self, order: Order, events: list[WebhookEvent]) -> list[Statement]:
        """Queues `events` with the change that writes `order` (`OrderStore.insert` or
        `update`, earlier in the same batch): they exist exactly when it won."""
        return [self._queue(event, order.id, "change_id", order.change_id) for event in events]

    def overdue(self, event: WebhookEvent) -> Statement:
        """Queues an `order.payout_overdue` event where `OrderStore.mark_overdue`, earlier in
        the same batch, marked its order with it: once, however many runs try."""
        return self._queue(event, event.order_id, "overdue_event_id", event.event_id)

    def _queue(self, event: WebhookEvent, order_id: str, mark: str, value: str | None) -> Statement:
        return self.db.prepare(_QUEUE.format(mark=mark)).bind(
            event.event_id, event.type, event.payload, event.created_at, event.created_at,
            event.channel, order_id, value,
        )  # fmt: skip

    async def gone(self, url: str) -> bool:
        """Whether `url` answered 410 Gone since the operator last redelivered."""
        row = await self.db.prepare("SELECT at FROM webhook_gone WHERE url = ?").bind(url).first()
        return row is not None

    async def claim_next(
        self, url: str, token: str, until: str, now: str, channel: str = WEBHOOK
    ) -> dict[str, Any] | None:
        """Takes the oldest event of `channel` due for `url` for this run until `until`, in one
        round trip; None when nothing is due (or the receiver said 410 Gone)."""
        return await self.db.prepare(_CLAIM_NEXT).bind(token, until, channel, now, now, url).first()

    async def record(
        self, row: dict[str, Any], attempt: dict[str, Any], after: dict[str, Any],
        gone_url: str | None,
    ) -> None:  # fmt: skip
        """One attempt and where it leaves the event, released from its claim; with `gone_url`,
        that receiver is marked gone in the same round trip."""
        db = self.db
        statements = [
            db.prepare(
                "INSERT INTO webhook_attempts (event_id, at, status_code, error, duration_ms) "
                "VALUES (?, ?, ?, ?, ?)"
            ).bind(row["event_id"], attempt["at"], attempt["status_code"], attempt["error"],
                   attempt["duration_ms"]),
            db.prepare(
                "UPDATE webhook_outbox SET status = ?, attempts = ?, next_attempt_at = ?, "
                "last_error = ?, delivered_at = ?, claimed_until = NULL, claim_token = NULL "
                "WHERE seq = ? AND claim_token = ?"
            ).bind(after["state"], after["attempts"], after["next_attempt_at"],
                   after["last_error"], after["delivered_at"], row["seq"], row["claim_token"]),
        ]  # fmt: skip
        if gone_url is not None:
            statements.append(
                db.prepare(
                    "INSERT INTO webhook_gone (url, at) VALUES (?, ?) ON CONFLICT DO NOTHING"
                ).bind(gone_url, attempt["at"])
            )
        await db.batch(statements)

    async def events(
        self, status: str, limit: int = 200, channel: str = WEBHOOK
    ) -> list[dict[str, Any]]:
        """Events of `channel` in `status`, oldest first, each with its attempt log, in one
        round trip."""
        result = await (
            self.db.prepare(f"{_EVENTS} WHERE status = ? AND channel = ? ORDER BY seq LIMIT ?")
            .bind(status, channel, limit)
            .all()
        )
        return [event_of(row) for row in result.get("results") or []]

    def of_order(self, order_id: str, channel: str = WEBHOOK) -> Statement:
        """The events of one order in `channel`, in order, each with its attempt log (rows for
        `event_of`)."""
        return self.db.prepare(f"{_EVENTS} WHERE order_id = ? AND channel = ? ORDER BY seq").bind(
            order_id, channel
        )

    def counts(self, channel: str = WEBHOOK) -> Statement:
        """How many events of `channel` are pending and dead."""
        return self.db.prepare(
            "SELECT status, count(*) AS n FROM webhook_outbox "
            "WHERE status IN ('pending', 'dead') AND channel = ? GROUP BY status"
        ).bind(channel)

    async def redeliver(
        self, event_id: str, now: str, url: str | None, channel: str = WEBHOOK
    ) -> bool:
        """Puts the event back at the head of the schedule; False when `channel` has no such
        event. Redelivering is the operator saying the receiver is back: `url` is re-enabled,
        but only for an event that exists (in the same round trip, so an unknown id changes
        nothing)."""
        db = self.db
        results = await db.batch([
            db.prepare(
                "UPDATE webhook_outbox SET status = 'pending', attempts = 0, next_attempt_at = ?, "
                "claimed_until = NULL, claim_token = NULL WHERE event_id = ? AND channel = ?"
            ).bind(now, event_id, channel),
            db.prepare(
                "DELETE FROM webhook_gone WHERE url = ? AND EXISTS "
                "(SELECT 1 FROM webhook_outbox WHERE event_id = ? AND channel = ?)"
            ).bind(url or "", event_id, channel),
        ])  # fmt: skip
        return changes(results[0]) == 1


def event_of(row: dict[str, Any]) -> dict[str, Any]:
    """An outbox row as the operator sees it: its attempt log, which crosses as JSON, as a list."""
    return {**row, "attempt_log": json.loads(row["attempt_log"] or "[]")}
