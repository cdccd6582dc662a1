"""Signed webhook delivery to the operator from the D1 outbox.

The rules are data and pure functions (`domain.delivery`); `Webhooks` claims due events, sends
them through the injected `send`, and records every attempt. Events of one order go out in the
order they happened; a claim keeps two overlapping runs from sending one event at the same time.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any

from orders.domain.delivery import Outcome, after_attempt, outcome, retry_after, sign
from orders.domain.order import timestamp
from orders.errors import FieldError, NotFound, ValidationFailed
from orders.ports import Deps, OutboundRequest, SendError
from orders.storage.outbox import Outbox

log = logging.getLogger("onecash.webhooks")

CLAIM_FOR = timedelta(seconds=60)
BATCH_LIMIT = 50
AFTER_RESPONSE_LIMIT = 5
STATUSES = ("pending", "delivered", "dead")


class Webhooks:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.outbox = Outbox(deps.db)

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
        attempts = 0
        while attempts < limit:
            row = await self.outbox.claim_next(
                settings.webhook_url,
                self.deps.tokens(12),
                timestamp(self.deps.clock() + CLAIM_FOR),
                timestamp(self.deps.clock()),
            )
            if row is None:
                break
            attempts += 1
            if await self._attempt(row, settings.webhook_url, settings.webhook_secret):
                break  # 410: the receiver asked us to stop
        return attempts

    async def _attempt(self, row: dict[str, Any], url: str, secret: str) -> bool:
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
        wait = None
        # A measurement for the operator's log, not a decision, so real elapsed time is right here.
        clock_start = time.monotonic()
        try:
            response = await deps.send(request)
            status = response.status
            wait = retry_after(response.headers.get("retry-after"))
            if outcome(status) is Outcome.RETRY:
                error = f"HTTP {status}"
        except SendError as exc:
            error = str(exc) or exc.__class__.__name__
        duration_ms = int((time.monotonic() - clock_start) * 1000)
        attempts = int(row["attempts"]) + 1
        now = deps.clock()
        jitter = int(deps.tokens(2).encode().hex(), 16) % 2001 / 1000 - 1
        after = after_attempt(attempts, status, error, now, wait, jitter)
        gone = outcome(status) is Outcome.GONE
        await self.outbox.record(
            row,
            {"at": timestamp(started), "status_code": status, "error": error,
             "duration_ms": duration_ms},
            {"state": after.state, "attempts": attempts,
             "next_attempt_at": timestamp(after.next_attempt_at or now),
             "last_error": after.last_error,
             "delivered_at": timestamp(now) if after.state == "delivered" else None},
            url if gone else None,
        )  # fmt: skip
        if after.state == "dead":
            log.warning("webhook %s is dead after %d attempts: %s", event_id, attempts,
                        after.last_error)  # fmt: skip
        if gone:
            log.warning("webhook receiver %s answered 410 Gone: deliveries stop until an "
                        "operator redelivers an event", url)  # fmt: skip
        return gone

    async def events(self, status: str = "pending") -> dict[str, Any]:
        """The operator's view of the outbox: events in `status`, each with its attempts."""
        if status not in STATUSES:
            raise ValidationFailed([FieldError("status", "must be pending, delivered or dead")])
        events = await self.outbox.events(status)
        url = self.deps.settings.webhook_url
        return {
            "status": status,
            "webhook_url_configured": bool(url),
            "endpoint_disabled_by_410": bool(url) and await self.outbox.gone(url or ""),
            "events": events,
        }

    async def redeliver(self, event_id: str) -> None:
        now = timestamp(self.deps.clock())
        if not await self.outbox.redeliver(event_id, now, self.deps.settings.webhook_url):
            raise NotFound("No webhook event with this id.")
