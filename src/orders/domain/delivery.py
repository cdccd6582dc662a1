"""Webhook delivery rules, as data and pure functions: the Standard Webhooks signature, what a
receiver's answer means, the retry schedule, and the outbox state an attempt leaves behind."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

# Seconds to wait before attempt n+1 after attempt n failed: ~47 hours in all, past the 24 the
# operator is promised.
RETRY_DELAYS: tuple[int, ...] = (30, 120, 600, 1800, 3600, 10800, 21600, 43200, 86400)
JITTER = 0.1  # ±10%, so a receiver coming back is not hit by every queue at once


class Outcome(Enum):
    DELIVERED = "delivered"
    GONE = "gone"  # 410: the receiver asked us to stop
    RETRY = "retry"


# The states of an outbox event (webhook or email), as the operator filters them.
STATES: tuple[str, ...] = ("pending", "delivered", "dead")

# The outbox state each outcome leaves: a retry stays pending until the schedule is spent.
STATE_AFTER: dict[Outcome, str] = {
    Outcome.DELIVERED: "delivered",
    Outcome.GONE: "dead",
    Outcome.RETRY: "pending",
}


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


def retry_after(value: str | None) -> int | None:
    """A `Retry-After` in seconds; the HTTP-date form is ignored (the schedule still applies)."""
    if value and value.strip().isdigit():
        return int(value.strip())
    return None


@dataclass(frozen=True)
class AfterAttempt:
    """Where an event stands after an attempt."""

    state: str  # pending, delivered or dead
    next_attempt_at: datetime | None  # when pending
    last_error: str | None


def after_attempt(
    attempts: int, status: int | None, error: str | None, now: datetime,
    retry_after_seconds: int | None, jitter: float,
) -> AfterAttempt:  # fmt: skip
    """The outbox row's state after its `attempts`-th attempt answered `status` (or `error`)."""
    result = outcome(status)
    if result is Outcome.GONE:
        return AfterAttempt(STATE_AFTER[result], None, "HTTP 410: the receiver asked us to stop")
    if result is Outcome.DELIVERED:
        return AfterAttempt(STATE_AFTER[result], None, error)
    when = next_attempt(attempts, now, retry_after_seconds, jitter)
    return AfterAttempt("dead" if when is None else STATE_AFTER[result], when, error)
