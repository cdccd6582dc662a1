"""The customer's choices as a client and the operator's receiver see them (in process, on the
real App): a choice that keeps losing its write to other changes is answered as the docs say,
never with an undocumented status; a new refund address, which moves no status, is on the
timeline and announced by a signed webhook like any other change."""

from __future__ import annotations

import contextvars
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from standardwebhooks.webhooks import Webhook

from orders.api.openapi import document
from orders.ports import OutboundRequest, OutboundResponse
from tests.core.conftest import MakeHarness
from tests.fakes.receiver import SECRET
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


# --- a new refund address -------------------------------------------------------------------

HOOK = "https://hook.example/onecash"


def receiving(harness: Harness) -> list[dict[str, Any]]:
    """The operator's receiver: answers 204 and keeps each event it got, its signature
    verified with the Standard Webhooks library."""
    received: list[dict[str, Any]] = []

    async def receive(request: OutboundRequest) -> OutboundResponse:
        assert request.url == HOOK and request.body is not None
        headers = dict(request.headers)
        # Signed as the library signs (its verify() would judge the test clock's time too old).
        when = datetime.fromtimestamp(int(headers["webhook-timestamp"]), UTC)
        expected = Webhook(SECRET).sign(headers["webhook-id"], when, request.body.decode())
        assert expected in headers["webhook-signature"].split(" ")
        received.append(json.loads(request.body))
        return OutboundResponse(204)

    harness.outbound.answer = receive
    return received


async def test_a_new_refund_address_is_on_the_timeline_and_announced_by_a_signed_webhook(
    make_harness: MakeHarness,
) -> None:
    harness = make_harness(WEBHOOK_URL=HOOK, WEBHOOK_SECRET=SECRET)
    order = await harness.create(refund_address=BTC_ADDRESS)
    paid = await harness.call("POST", f"/api/sandbox/pay/{order['id']}", {"amount": "0.012"})
    assert paid.json["order"]["status"] == "paid"  # an over-payment: its excess is refunded
    received = receiving(harness)
    await harness.app.webhooks.deliver_due_count()

    reply = await harness.choose(order["id"], "refund_address", refund_address=OTHER_BTC_ADDRESS)
    await harness.app.webhooks.deliver_due_count()

    assert reply.status == 200 and reply.json["status"] == "paid"
    assert reply.json["version"] == paid.json["order"]["version"] + 1
    last = reply.json["timeline"][-1]
    assert (last["status"], last["source"]) == ("paid", "api")
    assert OTHER_BTC_ADDRESS in last["note"]
    assert [e["type"] for e in received] == [
        "order.created", "order.paid", "order.refund_address_changed",
    ]  # fmt: skip
    changed = received[-1]["data"]["order"]
    # The receiver acting on the earlier order.paid learns where the refund goes now, and the
    # order as it stands: the payload is the operator's view after the change.
    assert changed["refund_address"] == OTHER_BTC_ADDRESS
    assert changed["status"] == "paid" and changed["excess"] == "0.002"
    assert changed["version"] == reply.json["version"]
    assert changed["email"] is None or "***" not in changed["email"]  # the operator's view
    shown = await harness.call("GET", f"/api/admin/orders/{order['id']}", headers=harness.admin())
    assert [w["type"] for w in shown.json["webhooks"]][-1] == "order.refund_address_changed"


async def test_the_same_refund_address_again_changes_and_announces_nothing(
    make_harness: MakeHarness,
) -> None:
    harness = make_harness(WEBHOOK_URL=HOOK, WEBHOOK_SECRET=SECRET)
    order = await harness.create()
    first = await harness.choose(order["id"], "refund_address", refund_address=BTC_ADDRESS)
    again = await harness.choose(order["id"], "refund_address", refund_address=BTC_ADDRESS)

    assert first.status == again.status == 200
    assert again.json["version"] == first.json["version"] == order["version"] + 1
    rows = harness.rows("SELECT type FROM webhook_outbox WHERE order_id = ? ORDER BY seq",
                        order["id"])  # fmt: skip
    assert [r["type"] for r in rows] == ["order.created", "order.refund_address_changed"]
    assert len(again.json["timeline"]) == 2


async def test_a_new_refund_address_does_not_restart_the_wait_for_a_payout(
    make_harness: MakeHarness,
) -> None:
    harness = make_harness(PAYOUT_OVERDUE_MINUTES="30")
    order = await harness.create()
    await harness.call("POST", f"/api/sandbox/pay/{order['id']}", {"status": "finished"})
    harness.clock.advance(minutes=20)
    await harness.choose(order["id"], "refund_address", refund_address=BTC_ADDRESS)
    harness.clock.advance(minutes=11)  # 31 minutes paid, 11 since the new address

    await harness.app.scheduled()

    queue = (await harness.call("GET", "/api/admin/queue", headers=harness.admin())).json
    [item] = queue["items"]
    assert item["waiting_since"] == "2026-11-26T12:00:00Z" and item["age_seconds"] == 31 * 60
    rows = harness.rows("SELECT type FROM webhook_outbox WHERE order_id = ? ORDER BY seq",
                        order["id"])  # fmt: skip
    assert "order.payout_overdue" in [r["type"] for r in rows]
