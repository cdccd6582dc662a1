"""Webhook signing, the retry schedule, and delivery from the outbox, in-process."""

from __future__ import annotations

import asyncio
import base64
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks.webhooks import Webhook

from orders.domain.delivery import RETRY_DELAYS, Outcome, next_attempt, outcome, sign, signing_key
from orders.ports import OutboundRequest, OutboundResponse
from tests.core.conftest import MakeHarness
from tests.fakes.receiver import SECRET

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def test_signatures_verify_with_the_standard_webhooks_library() -> None:
    body = b'{"id":"evt_1","type":"order.paid"}'
    stamp = int(NOW.timestamp())
    signature = sign(SECRET, "evt_1", stamp, body)
    assert signature == Webhook(SECRET).sign("evt_1", NOW, body.decode())


def test_a_plain_secret_is_used_as_its_raw_bytes() -> None:
    assert signing_key("make-com-shared-secret") == b"make-com-shared-secret"
    assert signing_key("whsec_" + base64.b64encode(b"k3y").decode()) == b"k3y"


@pytest.mark.parametrize(
    ("status", "expected"),
    [(200, Outcome.DELIVERED), (204, Outcome.DELIVERED), (410, Outcome.GONE),
     (429, Outcome.RETRY), (500, Outcome.RETRY), (404, Outcome.RETRY), (None, Outcome.RETRY)],
)  # fmt: skip
def test_only_2xx_delivers_and_only_410_gives_up(status: int | None, expected: Outcome) -> None:
    assert outcome(status) is expected


def test_the_schedule_grows_and_ends() -> None:
    waits = [next_attempt(n, NOW, None, 0.0) for n in range(1, len(RETRY_DELAYS) + 2)]
    assert waits[-1] is None
    gaps = [w - NOW for w in waits[:-1] if w]
    assert gaps == sorted(gaps) and gaps[0] == timedelta(seconds=30)
    assert sum(RETRY_DELAYS) >= 24 * 3600


def test_jitter_stays_within_ten_percent_and_retry_after_is_honoured() -> None:
    low, high = next_attempt(2, NOW, None, -1.0), next_attempt(2, NOW, None, 1.0)
    assert (
        low
        and high
        and low - NOW == timedelta(seconds=108)
        and high - NOW == timedelta(seconds=132)
    )
    later = next_attempt(1, NOW, 900, 0.0)
    assert later and later - NOW == timedelta(seconds=900)


async def test_overlapping_runs_never_send_one_event_twice(make_harness: MakeHarness) -> None:
    harness = make_harness(WEBHOOK_URL="https://hook.example/x", WEBHOOK_SECRET=SECRET)
    for _ in range(3):
        await harness.create()
    gate = asyncio.Event()

    async def slow_ok(request: OutboundRequest) -> OutboundResponse:
        await gate.wait()
        return OutboundResponse(204)

    harness.outbound.answer = slow_ok
    runs = [asyncio.create_task(harness.app.webhooks.deliver_due_count()) for _ in range(4)]
    await asyncio.sleep(0)  # let every run claim what it can before any answer comes back
    gate.set()
    await asyncio.gather(*runs)

    sent = [r.headers["webhook-id"] for r in harness.outbound.sent]
    assert len(sent) == 3 and len(set(sent)) == 3
    assert harness.rows("SELECT DISTINCT status FROM webhook_outbox") == [{"status": "delivered"}]


async def test_events_of_one_order_wait_for_the_earlier_ones(make_harness: MakeHarness) -> None:
    harness = make_harness(WEBHOOK_URL="https://hook.example/x", WEBHOOK_SECRET=SECRET)
    order = await harness.create()
    await harness.call("PUT", f"/api/order/{order['id']}", {"status": "cancelled"},
                       headers=harness.admin())  # fmt: skip

    async def refuse_created(request: OutboundRequest) -> OutboundResponse:
        return OutboundResponse(500 if b'"order.created"' in (request.body or b"") else 204)

    harness.outbound.answer = refuse_created
    await harness.app.webhooks.deliver_due_count()
    assert len(harness.outbound.sent) == 1  # the cancellation waits behind the creation

    harness.clock.advance(minutes=1)

    async def ok(request: OutboundRequest) -> OutboundResponse:
        return OutboundResponse(204)

    harness.outbound.answer = ok
    await harness.app.webhooks.deliver_due_count()
    types = [b'"order.cancelled"' in (r.body or b"") for r in harness.outbound.sent]
    assert types == [False, False, True]


async def test_nothing_is_sent_without_a_webhook_secret(make_harness: MakeHarness) -> None:
    harness = make_harness(WEBHOOK_URL="https://hook.example/x")
    await harness.create()
    assert await harness.app.webhooks.deliver_due_count() == 0
    assert harness.outbound.sent == []
    assert harness.rows("SELECT status FROM webhook_outbox") == [{"status": "pending"}]
