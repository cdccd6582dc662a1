"""Signed webhook delivery to the operator from the D1 outbox, with retries as data.

Decisions are pure (`sign`, `outcome`, `next_attempt`); `Webhooks` claims due rows, sends them
through the injected `send`, and records every attempt. Events of one order go out in the order
they happened; a claim keeps two overlapping runs from sending one event at the same time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import time
from datetime import datetime, timedelta
from enum import Enum

from orders.api.auth import authorize_operator
from orders.api.http import Request, Response, json_response
from orders.domain.order import timestamp
from orders.errors import FieldError, NotFound, ValidationFailed
from orders.ports import Deps, OutboundRequest, SendError, changes

log = logging.getLogger("onecash.webhooks")

# Seconds to wait before attempt n+1 after attempt n failed: ~42 hours in all, past SPEC's 24.
RETRY_DELAYS: tuple[int, ...] = (30, 120, 600, 1800, 3600, 10800, 21600, 43200, 86400)
JITTER = 0.1  # ±10%, so a receiver coming back is not hit by every queue at once
CLAIM_FOR = timedelta(seconds=60)
BATCH_LIMIT = 50
AFTER_RESPONSE_LIMIT = 5


class Outcome(Enum):
    DELIVERED = "delivered"
    GONE = "gone"  # 410: the receiver asked us to stop
    RETRY = "retry"


def signing_key(secret: str) -> bytes:
    """Standard Webhooks: a `whsec_` secret is base64 after the prefix; any other value is used
    as its raw UTF-8 bytes (so a plain Make.com-style shared secret works too)."""
    if secret.startswith("whsec_"):
        return base64.b64decode(secret.removeprefix("whsec_"))
    return secret.encode("utf-8")


def sign(secret: str, event_id: str, unix_time: int, body: bytes) -> str:
    message = f"{event_id}.{unix_time}.".encode() + body
    digest = hmac.new(signing_key(secret), message, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def outcome(status: int | None) -> Outcome:
    if status is not None and 200 <= status < 300:
        return Outcome.DELIVERED
    if status == 410:
        return Outcome.GONE
    return Outcome.RETRY


def next_attempt(
    attempts: int, now: datetime, retry_after: int | None, jitter: float
) -> datetime | None:
    """When to try again after `attempts` failed attempts; None once the schedule is spent.
    `jitter` in [-1, 1] comes from the caller so this stays pure."""
    if attempts > len(RETRY_DELAYS):
        return None
    delay = RETRY_DELAYS[attempts - 1] * (1 + JITTER * jitter)
    if retry_after is not None:
        delay = max(delay, min(retry_after, RETRY_DELAYS[-1]))
    return now + timedelta(seconds=delay)


def _retry_after(value: str | None) -> int | None:
    if value and value.strip().isdigit():
        return int(value.strip())
    return None


class Webhooks:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    async def deliver_due(self) -> None:
        """After a response (waitUntil): a small batch, so it ends well inside the runtime's
        grace period; the cron entry picks up the rest. Never raises: nobody is listening."""
        try:
            await self.deliver_due_count(AFTER_RESPONSE_LIMIT)
        except Exception:
            log.exception("webhook delivery after the response failed; cron retries")

    async def deliver_due_count(self, limit: int = BATCH_LIMIT) -> int:
        """Delivers what is due, oldest first and in order per order; returns attempts made."""
        settings = self.deps.settings
        if not settings.webhook_url or not settings.webhook_secret:
            # Events stay queued (visible to the operator) until both are configured.
            return 0
        if await self._gone(settings.webhook_url):
            return 0
        attempts = 0
        while attempts < limit:
            row = await self._claim_next()
            if row is None:
                break
            attempts += 1
            if await self._attempt(row, settings.webhook_url, settings.webhook_secret):
                break  # 410: the receiver asked us to stop
        return attempts

    async def _gone(self, url: str) -> bool:
        row = (
            await self.deps.db.prepare("SELECT at FROM webhook_gone WHERE url = ?")
            .bind(url)
            .first()
        )
        return row is not None

    async def _claim_next(self) -> dict[str, object] | None:
        now = timestamp(self.deps.clock())
        for candidate in await self._due(now):
            token = self.deps.tokens(12)
            result = (
                await self.deps.db.prepare(
                    "UPDATE webhook_outbox SET claim_token = ?, claimed_until = ? "
                    "WHERE seq = ? AND status = 'pending' "
                    "AND (claimed_until IS NULL OR claimed_until <= ?)"
                )
                .bind(token, timestamp(self.deps.clock() + CLAIM_FOR), candidate["seq"], now)
                .run()
            )
            if changes(result) == 1:
                return {**candidate, "claim_token": token}
        return None

    async def _due(self, now: str) -> list[dict[str, object]]:
        result = (
            await self.deps.db.prepare(
                "SELECT seq, event_id, payload, attempts FROM webhook_outbox AS w "
                "WHERE status = 'pending' AND next_attempt_at <= ? "
                "AND (claimed_until IS NULL OR claimed_until <= ?) "
                "AND NOT EXISTS (SELECT 1 FROM webhook_outbox AS e WHERE e.order_id = w.order_id "
                "AND e.status = 'pending' AND e.seq < w.seq) "
                "ORDER BY seq LIMIT 10"
            )
            .bind(now, now)
            .all()
        )
        return list(result.get("results") or [])

    async def _attempt(self, row: dict[str, object], url: str, secret: str) -> bool:
        """One delivery; True when the receiver answered 410 Gone."""
        deps = self.deps
        body = str(row["payload"]).encode("utf-8")
        event_id = str(row["event_id"])
        started = deps.clock()
        unix_time = int(started.timestamp())
        request = OutboundRequest(
            "POST",
            url,
            {
                "Content-Type": "application/json",
                "User-Agent": "onecash-webhooks/1",
                "webhook-id": event_id,
                "webhook-timestamp": str(unix_time),
                "webhook-signature": sign(secret, event_id, unix_time, body),
            },
            body,
            deps.settings.webhook_timeout_seconds,
        )
        status: int | None = None
        error: str | None = None
        retry_after = None
        # A measurement for the operator's log, not a decision, so real elapsed time is right here.
        clock_start = time.monotonic()
        try:
            response = await deps.send(request)
            status = response.status
            retry_after = _retry_after(response.headers.get("retry-after"))
            if outcome(status) is Outcome.RETRY:
                error = f"HTTP {status}"
        except SendError as exc:
            error = str(exc) or exc.__class__.__name__
        duration_ms = int((time.monotonic() - clock_start) * 1000)
        await self._record(row, started, status, error, retry_after, duration_ms)
        if outcome(status) is Outcome.GONE:
            log.warning("webhook receiver %s answered 410 Gone: deliveries stop until an "
                        "operator redelivers an event", url)  # fmt: skip
            await (
                deps.db.prepare(
                    "INSERT INTO webhook_gone (url, at) VALUES (?, ?) ON CONFLICT DO NOTHING"
                )
                .bind(url, timestamp(deps.clock()))
                .run()
            )
            return True
        return False

    async def _record(
        self,
        row: dict[str, object],
        at: datetime,
        status: int | None,
        error: str | None,
        retry_after: int | None,
        duration_ms: int,
    ) -> None:
        attempts = int(str(row["attempts"])) + 1
        result = outcome(status)
        now = self.deps.clock()
        state, next_at, last_error = "pending", timestamp(now), error
        if result is Outcome.DELIVERED:
            state = "delivered"
        elif result is Outcome.GONE:
            state, last_error = "dead", "HTTP 410: the receiver asked us to stop"
        else:
            jitter = int(self.deps.tokens(2).encode().hex(), 16) % 2001 / 1000 - 1
            when = next_attempt(attempts, now, retry_after, jitter)
            if when is None:
                state = "dead"
            else:
                next_at = timestamp(when)
        db = self.deps.db
        await db.batch([
            db.prepare(
                "INSERT INTO webhook_attempts (event_id, at, status_code, error, duration_ms) "
                "VALUES (?, ?, ?, ?, ?)"
            ).bind(row["event_id"], timestamp(at), status, error, duration_ms),
            db.prepare(
                "UPDATE webhook_outbox SET status = ?, attempts = ?, next_attempt_at = ?, "
                "last_error = ?, delivered_at = ?, claimed_until = NULL, claim_token = NULL "
                "WHERE seq = ? AND claim_token = ?"
            ).bind(
                state, attempts, next_at, last_error,
                timestamp(now) if state == "delivered" else None,
                row["seq"], row["claim_token"],
            ),
        ])  # fmt: skip
        if state == "dead":
            log.warning(
                "webhook %s is dead after %d attempts: %s", row["event_id"], attempts, last_error
            )

    async def list_events(self, request: Request) -> Response:
        authorize_operator(self.deps.settings.admin_token, request.headers.get("authorization"))
        status = request.query.get("status", "pending")
        if status not in ("pending", "delivered", "dead"):
            raise ValidationFailed([FieldError("status", "must be pending, delivered or dead")])
        db = self.deps.db
        rows = (
            await db.prepare(
                "SELECT event_id, order_id, type, status, attempts, created_at, next_attempt_at, "
                "delivered_at, last_error FROM webhook_outbox WHERE status = ? "
                "ORDER BY seq LIMIT 200"
            )
            .bind(status)
            .all()
        )
        events = list(rows.get("results") or [])
        for event in events:
            tried = (
                await db.prepare(
                    "SELECT at, status_code, error, duration_ms FROM webhook_attempts "
                    "WHERE event_id = ? ORDER BY seq"
                )
                .bind(event["event_id"])
                .all()
            )
            event["attempt_log"] = list(tried.get("results") or [])
        url = self.deps.settings.webhook_url
        return json_response({
            "status": status,
            "webhook_url_configured": bool(url),
            "endpoint_disabled_by_410": bool(url) and await self._gone(url or ""),
            "events": events,
        })  # fmt: skip

    async def redeliver(self, request: Request, event_id: str) -> Response:
        authorize_operator(self.deps.settings.admin_token, request.headers.get("authorization"))
        db = self.deps.db
        results = await db.batch([
            db.prepare(
                "UPDATE webhook_outbox SET status = 'pending', attempts = 0, next_attempt_at = ?, "
                "claimed_until = NULL, claim_token = NULL WHERE event_id = ?"
            ).bind(timestamp(self.deps.clock()), event_id),
            # Redelivering is the operator saying the receiver is back: re-enable it, but only
            # for an event that exists (in the same round trip, so an unknown id changes nothing).
            db.prepare(
                "DELETE FROM webhook_gone WHERE url = ? "
                "AND EXISTS (SELECT 1 FROM webhook_outbox WHERE event_id = ?)"
            ).bind(self.deps.settings.webhook_url or "", event_id),
        ])  # fmt: skip
        if changes(results[0]) != 1:
            raise NotFound("No webhook event with this id.")
        return json_response({"event_id": event_id, "status": "pending"}, 202)
