"""The one attempt loop every channel of the D1 outbox shares (`Delivery`): the webhooks to the
operator (`usecases.webhooks`) and the customer's emails (`usecases.emails`) each subclass it,
saying only where their events go and what request carries one.

The rules are data and pure functions (`domain.delivery`: the retry schedule, what an answer
means), the SQL is `storage.outbox`. `Delivery` claims due events, sends them through the
injected `send`, and records every attempt. Events of one order go out in the order they
happened, within their channel; a claim keeps two overlapping runs from sending one event at the
same time.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta
from typing import Any, ClassVar

from orders.domain.delivery import STATES, Outcome, after_attempt, outcome, retry_after
from orders.domain.times import timestamp
from orders.errors import FieldError, NotFound, ValidationFailed
from orders.ports import Deps, OutboundRequest, SendError
from orders.storage.outbox import Outbox

CLAIM_FOR = timedelta(seconds=60)
BATCH_LIMIT = 50
AFTER_RESPONSE_LIMIT = 5


class Delivery:
    """One channel of the outbox, delivered on the one schedule (`domain.delivery`): a subclass
    names its channel, where its events go (`target`) and the request that carries one
    (`request`)."""

    channel: ClassVar[str]
    # Whether a 410 Gone stops every delivery to the target until the operator redelivers (a
    # webhook receiver's way of saying "stop"); without it, a 410 ends only that event.
    stops_when_gone: ClassVar[bool] = False

    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.outbox = Outbox(deps.db)
        self.log = logging.getLogger(f"onecash.{self.channel}s")  # onecash.webhooks, .emails

    def target(self) -> str | None:
        """Where due events go now; None while the channel is not configured (they wait)."""
        raise NotImplementedError

    def endpoint(self) -> str | None:
        """The configured target, even when not all of the channel's settings are there: what a
        redelivery re-enables after a 410."""
        return self.target()

    def request(self, row: dict[str, Any], started: datetime, url: str) -> OutboundRequest:
        """The HTTP request that delivers one claimed outbox row to `url`."""
        raise NotImplementedError

    async def deliver_due(self) -> None:
        """After a response (waitUntil): a small batch, so it ends well inside the runtime's
        grace period; the cron entry picks up the rest. Never raises: nobody is listening."""
        try:
            await self.deliver_due_count(AFTER_RESPONSE_LIMIT)
        except Exception:
            self.log.exception("%s delivery after the response failed; cron retries", self.channel)

    async def deliver_due_count(self, limit: int = BATCH_LIMIT) -> int:
        """Delivers what is due, oldest first and in order per order; returns attempts made."""
        url = self.target()
        if url is None:
            # Events stay queued (visible to the operator) until the channel is configured.
            return 0
        attempts = 0
        while attempts < limit:
            row = await self.outbox.claim_next(
                url,
                self.deps.tokens(12),
                timestamp(self.deps.clock() + CLAIM_FOR),
                timestamp(self.deps.clock()),
                self.channel,
            )
            if row is None:
                break
            attempts += 1
            if await self._attempt(row, url):
                break  # 410: the receiver asked us to stop
        return attempts

    async def _attempt(self, row: dict[str, Any], url: str) -> bool:
        """One delivery; True when the receiver answered 410 Gone and that stops the channel."""
        deps = self.deps
        event_id = str(row["event_id"])
        started = deps.clock()
        status: int | None = None
        error: str | None = None
        wait = None
        # A measurement for the operator's log, not a decision, so real elapsed time is right here.
        clock_start = time.monotonic()
        try:
            response = await deps.send(self.request(row, started, url))
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
        gone = self.stops_when_gone and outcome(status) is Outcome.GONE
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
            self.log.warning("%s %s is dead after %d attempts: %s", self.channel, event_id,
                             attempts, after.last_error)  # fmt: skip
        if gone:
            self.log.warning("%s receiver %s answered 410 Gone: deliveries stop until an "
                             "operator redelivers an event", self.channel, url)  # fmt: skip
        return gone

    async def listed(self, status: str) -> list[dict[str, Any]]:
        """This channel's events in `status`, each with its attempts, for the operator."""
        if status not in STATES:
            raise ValidationFailed([FieldError("status", f"must be one of {', '.join(STATES)}")])
        return await self.outbox.events(status, channel=self.channel)

    async def redeliver(self, event_id: str) -> None:
        """Puts one of this channel's events back at the start of its schedule (and, for a
        channel that stops when gone, re-enables its target)."""
        now = timestamp(self.deps.clock())
        url = self.endpoint() if self.stops_when_gone else None
        if not await self.outbox.redeliver(event_id, now, url, self.channel):
            raise NotFound(f"No {self.channel} event with this id.")
