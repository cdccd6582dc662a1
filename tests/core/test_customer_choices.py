"""The customer's choices as a client sees them when other changes interleave with them (in
process, on the real App): a choice that keeps losing its write is answered as the docs say,
never with an undocumented status."""

from __future__ import annotations

import contextvars
from collections.abc import Awaitable, Callable
from typing import Any

from orders.api.openapi import document
from tests.support.inprocess import BTC_ADDRESS, Harness

# BIP-173's P2WPKH example: another valid refund address.
OTHER_BTC_ADDRESS = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"

Batch = Callable[[list[Any]], Awaitable[list[dict[str, Any]]]]
_winning: contextvars.ContextVar[bool] = contextvars.ContextVar("winning", default=False)


def interleave(harness: Harness, winner: Callable[[int], Awaitable[Any]]) -> list[int]:
    """Before each write of an order (a batch starting with its versioned UPDATE) made outside
    `winner`, `winner(n)` runs to its end first: the write then finds the order moved on, as
    when another tab's request lands between a request's read and its write. The statuses the
    winners were answered with are returned, as they come."""
    batch: Batch = harness.db.batch
    answered: list[int] = []

    async def interleaved(statements: list[Any]) -> list[dict[str, Any]]:
        if not _winning.get() and statements and statements[0].sql.startswith("UPDATE orders"):
            token = _winning.set(True)
            try:
                answered.append((await winner(len(answered))).status)
            finally:
                _winning.reset(token)
        return await batch(statements)

    harness.db.batch = interleaved  # type: ignore[method-assign]
    return answered


async def short_paid(harness: Harness) -> dict[str, Any]:
    order = await harness.create(refund_address=BTC_ADDRESS)
    paid = await harness.call("POST", f"/api/sandbox/pay/{order['id']}", {"amount": "0.004"})
    assert paid.json["order"]["status"] == "action_required", paid.json
    return order


async def test_a_choice_that_keeps_losing_the_race_is_409_choice_unavailable(
    harness: Harness,
) -> None:
    order = await short_paid(harness)
    addresses = (OTHER_BTC_ADDRESS, BTC_ADDRESS)

    def other_tab(n: int) -> Awaitable[Any]:
        # The customer's other tab changes the refund address each time this choice is about
        # to be written: the order keeps its status, so the choice is judged again, and loses.
        return harness.choose(order["id"], "refund_address", refund_address=addresses[n % 2])

    winners = interleave(harness, other_tab)
    reply = await harness.choose(order["id"], "refund")

    assert len(winners) >= 2 and set(winners) == {200}
    assert reply.status == 409, reply.json
    error = reply.json["error"]
    assert error["code"] == "choice_unavailable" and "choose again" in error["message"]
    assert reply.json["request_id"] == reply.headers["X-Request-Id"]
    shown = (await harness.call("GET", f"/api/order/{order['id']}")).json
    assert shown["status"] == "action_required"  # the refund was not chosen
    assert "refunding" not in [e["status"] for e in shown["timeline"]]
    # What it answered is what the document says this operation answers.
    answers = document(harness.deps.settings)["paths"]["/api/order/{id}/choice"]["post"]
    assert "409" in answers["responses"] and "412" not in answers["responses"]


async def test_a_choice_that_loses_once_is_judged_again_and_made(harness: Harness) -> None:
    order = await short_paid(harness)

    def other_tab(n: int) -> Awaitable[Any]:
        if n:  # only the first write is overtaken
            return harness.call("GET", f"/api/order/{order['id']}")
        return harness.choose(order["id"], "refund_address", refund_address=OTHER_BTC_ADDRESS)

    interleave(harness, other_tab)
    reply = await harness.choose(order["id"], "refund")

    assert reply.status == 200, reply.json
    assert reply.json["status"] == "refunding"
    assert reply.json["refund_address"] == OTHER_BTC_ADDRESS  # the winner's, kept
