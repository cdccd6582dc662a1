"""Idempotent replays (docs/api.md, "Idempotent creates"): answered from the stored answer after
the pure checks alone, whatever the processor or the catalog says by then; and bound to what the
first request proved, so the customer's key goes only to a caller that sent it."""

from __future__ import annotations

import hashlib
import json
import secrets
from typing import Any

import pytest

from orders.ports import OutboundRequest, OutboundResponse, SendError
from tests.core.conftest import MakeHarness
from tests.support.inprocess import (
    NOWPAYMENTS_ENV,
    Harness,
    Reply,
    nowpayments_harness,
    ok,
    order_body,
)

PATH = "/api/order"


def on_nowpayments(make_harness: MakeHarness) -> Harness:
    return nowpayments_harness(make_harness(**NOWPAYMENTS_ENV))


def without_key(reply: Reply) -> dict[str, Any]:
    return {k: v for k, v in reply.json.items() if k != "customer_key"}


async def create(harness: Harness, key: str, **body: Any) -> Reply:
    first = await harness.call("POST", PATH, order_body(**body), headers={"Idempotency-Key": key})
    assert first.status == 201, first.json
    return first


def assert_replayed(again: Reply, first: Reply) -> None:
    """The stored 201 as a client sees it: the same order, its Location, marked as a replay."""
    assert again.status == 201, again.json
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Content-Type"] == "application/json; charset=utf-8"
    assert again.json == without_key(first)


@pytest.mark.parametrize("failure", ["refused", "502"])
@pytest.mark.parametrize(
    "later", [61, 2 * 3600], ids=["estimate-expired", "every-cache-expired"]
)  # the estimate is cached 60 s, the pair's minimum 10 minutes, the currencies an hour
async def test_a_replay_is_answered_when_the_processor_is_down_and_the_cache_expired(
    make_harness: MakeHarness, failure: str, later: int
) -> None:
    harness = on_nowpayments(make_harness)
    first = await create(harness, "lost-answer")
    harness.clock.advance(seconds=later)

    async def bad_gateway(request: OutboundRequest) -> OutboundResponse:
        return OutboundResponse(502, b"<html>502 Bad Gateway</html>")

    harness.outbound.answer = None if failure == "refused" else bad_gateway
    asked = len(harness.outbound.sent)
    again = await harness.call(
        "POST", PATH, order_body(), headers={"Idempotency-Key": "lost-answer"}
    )

    assert_replayed(again, first)
    assert len(harness.outbound.sent) == asked  # neither priced nor checked against the processor
    # While it is down, a new order is what fails, as before.
    new = await harness.call("POST", PATH, order_body(), headers={"Idempotency-Key": "another"})
    assert new.status == 502 and new.json["error"]["code"] == "processor_unavailable"
    assert len(harness.rows("SELECT id FROM orders")) == 1


async def test_a_replay_after_the_pair_minimum_rose_answers_the_stored_201(
    make_harness: MakeHarness,
) -> None:
    harness = on_nowpayments(make_harness)
    first = await create(harness, "before-the-rise")
    harness.clock.advance(minutes=11)  # the cached minimum is gone
    base = harness.outbound.answer
    assert base is not None

    async def higher_minimum(request: OutboundRequest) -> OutboundResponse:
        if "/min-amount" in request.url:
            return ok({"min_amount": 0.05})
        return await base(request)

    harness.outbound.answer = higher_minimum
    fresh = await harness.call("POST", PATH, order_body(), headers={"Idempotency-Key": "after"})
    assert fresh.status == 422 and "below the minimum of 0.05" in fresh.body.decode()

    again = await harness.call(
        "POST", PATH, order_body(), headers={"Idempotency-Key": "before-the-rise"}
    )
    assert_replayed(again, first)
    assert len(harness.rows("SELECT id FROM orders")) == 1


async def test_who_knows_only_the_key_and_the_body_gets_the_order_but_not_its_customer_key(
    harness: Harness,
) -> None:
    first = await create(harness, "overheard-key")
    customer_key = first.json["customer_key"]

    again = await harness.call(
        "POST", PATH, order_body(), headers={"Idempotency-Key": "overheard-key"}
    )

    assert_replayed(again, first)
    assert "customer_key" not in again.json and customer_key not in again.body.decode()
    # What the order shows anyone who has its id, no more: it cannot be changed with this.
    read = await harness.call("GET", again.headers["Location"])
    assert read.json == again.json
    # And the key is nowhere in the stored answer, nor anywhere a replay could read it from.
    assert customer_key not in str(harness.rows("SELECT * FROM idempotency_keys"))


async def test_a_key_the_client_chose_is_answered_again_only_to_a_replay_that_sends_it(
    harness: Harness,
) -> None:
    mine = secrets.token_urlsafe(32)
    first = await create(harness, "my-own-key", customer_key=mine)
    assert first.json["customer_key"] == mine
    order_id = first.json["id"]
    assert harness.rows("SELECT customer_key_hash FROM orders") == [
        {"customer_key_hash": hashlib.sha256(mine.encode()).hexdigest()}
    ]

    # The client that lost the first answer sends what it sent: it gets that answer, byte for byte.
    again = await harness.call(
        "POST", PATH, order_body(customer_key=mine), headers={"Idempotency-Key": "my-own-key"}
    )
    assert again.status == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.body == first.body

    # Without it, or with another, the request is not the one that made the order.
    for other in (None, secrets.token_urlsafe(32)):
        refused = await harness.call(
            "POST", PATH, order_body(customer_key=other), headers={"Idempotency-Key": "my-own-key"}
        )
        assert refused.status == 422, refused.json
        assert refused.json["error"]["code"] == "idempotency_key_reused"
        assert mine not in refused.body.decode()
    assert mine not in str(harness.rows("SELECT * FROM idempotency_keys"))

    # The key opens the order (an order waiting for its deposit has no choice to make yet).
    for key, status in ((mine, 409), (secrets.token_urlsafe(32), 403)):
        choice = await harness.call(
            "POST", f"/api/order/{order_id}/choice", {"key": key, "choice": "refund"}
        )
        assert choice.status == status, choice.json


@pytest.mark.parametrize(
    "key", ["short", "a" * 31, "a" * 129, "a" * 31 + "=", " " + "a" * 32, "ключ" * 10, ""]
)
async def test_a_customer_key_that_is_no_random_secret_is_refused_by_name(
    harness: Harness, key: str
) -> None:
    reply = await harness.call(
        "POST", PATH, order_body(customer_key=key), headers={"Idempotency-Key": "k"}
    )

    assert reply.status == 422 and reply.json["error"]["code"] == "validation_error"
    assert [d["field"] for d in reply.json["error"]["details"]] == ["customer_key"]
    assert harness.rows("SELECT id FROM orders") == []
    assert harness.rows("SELECT key FROM idempotency_keys") == []


async def test_a_changed_body_with_the_same_key_is_the_documented_conflict(
    make_harness: MakeHarness,
) -> None:
    harness = on_nowpayments(make_harness)
    await create(harness, "click-1")
    harness.clock.advance(hours=2)
    harness.outbound.answer = None  # the processor is down: the conflict needs it no more

    for changed in (order_body(amount="0.02"), order_body(email="someone@example.com"),
                    order_body(payout_address="not-an-address")):  # fmt: skip
        other = await harness.call("POST", PATH, changed, headers={"Idempotency-Key": "click-1"})
        assert other.status == 422, other.json
        assert other.json["error"]["code"] == "idempotency_key_reused"
        assert other.json["error"]["message"]
    assert len(harness.rows("SELECT id FROM orders")) == 1


async def test_an_invalid_body_under_a_new_key_is_refused_and_leaves_the_key_free(
    harness: Harness,
) -> None:
    key = {"Idempotency-Key": "typo-first"}
    refused = await harness.call("POST", PATH, order_body(payout_address="nope"), headers=key)
    assert refused.status == 422 and refused.json["error"]["code"] == "validation_error"
    assert harness.rows("SELECT key FROM idempotency_keys") == []

    fixed = await harness.call("POST", PATH, order_body(), headers=key)
    assert fixed.status == 201 and "Idempotent-Replayed" not in fixed.headers


async def test_a_stored_answer_from_before_loses_the_customer_key_it_holds(
    harness: Harness,
) -> None:
    first = await create(harness, "stored-long-ago")
    # As an answer was stored before keys were left out of it: the whole first answer.
    harness.connection.execute(
        "UPDATE idempotency_keys SET response_body = ? WHERE key = 'stored-long-ago'",
        (first.body.decode(),),
    )
    again = await harness.call(
        "POST", PATH, order_body(), headers={"Idempotency-Key": "stored-long-ago"}
    )

    assert_replayed(again, first)
    assert first.json["customer_key"] not in again.body.decode()
    assert json.loads(again.body) == without_key(first)


async def test_a_first_attempt_that_fails_leaves_the_key_for_the_retry(
    make_harness: MakeHarness,
) -> None:
    harness = on_nowpayments(make_harness)
    working = harness.outbound.answer
    assert working is not None

    async def no_payment(request: OutboundRequest) -> OutboundResponse:
        if request.method == "POST" and "/payment" in request.url:
            raise SendError("connection reset")
        return await working(request)

    harness.outbound.answer = no_payment
    key = {"Idempotency-Key": "retry-me"}
    failed = await harness.call("POST", PATH, order_body(), headers=key)
    assert failed.status == 502 and failed.json["error"]["code"] == "processor_unavailable"

    harness.outbound.answer = working
    retried = await harness.call("POST", PATH, order_body(), headers=key)
    assert retried.status == 201 and "Idempotent-Replayed" not in retried.headers
    assert retried.json["customer_key"]
