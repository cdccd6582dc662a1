"""Money that outlives its order, and the amounts the operator records (in-process, the sandbox):
a deposit to a closed order is announced and queued for its refund, an excess is never stranded,
and no payout or refund is recorded for more than the order holds."""

from __future__ import annotations

from typing import Any

from tests.support.inprocess import BTC_ADDRESS, Harness

HASH = "ab" * 32


async def put(harness: Harness, order_id: str, **body: Any) -> Any:
    return await harness.call("PUT", f"/api/order/{order_id}", body, headers=harness.admin())


async def detail(harness: Harness, order_id: str) -> dict[str, Any]:
    reply = await harness.call("GET", f"/api/admin/orders/{order_id}", headers=harness.admin())
    return reply.json["order"]  # type: ignore[no-any-return]


# --- money arriving on a closed order -------------------------------------------------------


async def test_a_deposit_to_a_completed_order_is_announced_and_queued_for_its_refund(
    harness: Harness,
) -> None:
    order = await harness.create(refund_address=BTC_ADDRESS)
    await harness.pay(order["id"])
    assert (await put(harness, order["id"], status="completed", payout_tx_hash=HASH)).status == 200
    harness.clock.advance(hours=2)

    after = await harness.pay(order["id"], amount="0.002")

    assert after["status"] == "completed" and after["payment"]["received"] == "0.012"
    assert after["timeline"][-1]["status"] == "completed"
    assert "0.002 btc arrived after the order was completed" in after["timeline"][-1]["note"]
    assert harness.webhook_types(order["id"])[-1] == "order.unexpected_deposit"
    assert await harness.queue() == [(order["id"], "refund_excess")]

    # The operator records its refund, with no status to change; the earlier value stays.
    refund = await put(harness, order["id"], refund_tx_hash="cd" * 32)
    assert refund.status == 200 and refund.json["refund"]["amount"] == "0.002"
    assert await harness.queue() == []
    assert harness.webhook_types(order["id"])[-1] == "order.refund_recorded"
    again = await put(harness, order["id"], refund_tx_hash="ef" * 32)
    assert again.status == 409  # nothing more to refund: never twice


async def test_a_cancelled_order_that_receives_money_can_be_refunded(harness: Harness) -> None:
    order = await harness.create(refund_address=BTC_ADDRESS)
    assert (await put(harness, order["id"], status="cancelled")).status == 200
    held = await harness.pay(order["id"])
    assert held["status"] == "cancelled" and held["payment"]["received"] == "0.01"
    assert await harness.queue() == [(order["id"], "refund")]

    refunded = await put(harness, order["id"], status="refunded", refund_tx_hash=HASH)

    assert refunded.status == 200 and refunded.json["status"] == "refunded"
    assert refunded.json["refund"]["amount"] == "0.01"  # all of it, said in the record
    assert await harness.queue() == []


async def test_a_failed_order_holding_money_can_be_refunded_and_one_without_cannot(
    harness: Harness,
) -> None:
    holding = await harness.create()
    await harness.pay(holding["id"], status="failed")
    await harness.pay(holding["id"], amount="0.004")  # money arrives after the failure
    assert (await detail(harness, holding["id"]))["payment"]["received"] == "0.004"
    ok = await put(harness, holding["id"], status="refunded", refund_tx_hash=HASH)
    assert ok.status == 200 and ok.json["refund"]["amount"] == "0.004"

    empty = await harness.create()
    await harness.pay(empty["id"], status="failed")
    refused = await put(harness, empty["id"], status="refunded", refund_tx_hash="ef" * 32)
    assert refused.status == 409 and "nothing to refund" in refused.json["error"]["message"]


# --- an excess is never stranded ------------------------------------------------------------


async def test_an_excess_completed_without_its_refund_stays_in_the_queue(
    harness: Harness,
) -> None:
    order = await harness.create()
    await harness.pay(order["id"], amount="0.012")
    done = await put(harness, order["id"], status="completed", payout_tx_hash=HASH)
    assert done.status == 200 and done.json["excess"] == "0.002"
    assert await harness.queue() == [(order["id"], "refund_excess")]

    # The payment page asks the customer where the excess goes, and the API takes it.
    where = await harness.choose(order["id"], "refund_address", refund_address=BTC_ADDRESS)
    assert where.status == 200 and where.json["refund_address"] == BTC_ADDRESS

    assert (await put(harness, order["id"], refund_tx_hash="cd" * 32)).status == 200
    assert await harness.queue() == []
    late = await harness.choose(order["id"], "refund_address", refund_address=BTC_ADDRESS)
    assert late.status == 409  # refunded: no longer a form to offer


async def test_an_excess_recorded_with_the_payout_leaves_the_queue(harness: Harness) -> None:
    order = await harness.create()
    await harness.pay(order["id"], amount="0.012")
    done = await put(harness, order["id"], status="completed", payout_tx_hash=HASH,
                     refund_tx_hash="cd" * 32)  # fmt: skip
    assert done.status == 200 and done.json["refund"]["amount"] == "0.002"
    assert await harness.queue() == []


# --- amounts checked ------------------------------------------------------------------------


async def test_completing_a_short_order_records_its_pro_rata_payout(harness: Harness) -> None:
    order = await harness.create()
    await harness.pay(order["id"], amount="0.004")
    await harness.choose(order["id"], "send_rest")

    done = await put(harness, order["id"], status="completed", payout_tx_hash=HASH)

    assert done.status == 200
    assert done.json["to"]["amount"] == "378.1" and done.json["payment"]["amount"] == "0.004"
    assert "quoted 945.25" in done.json["timeline"][-1]["note"]  # the old value stays


async def test_the_operator_may_state_another_payout_but_never_more_than_quoted(
    harness: Harness,
) -> None:
    order = await harness.create()
    await harness.pay(order["id"])
    over = await put(harness, order["id"], status="completed", payout_tx_hash=HASH,
                     payout_amount="945.26")  # fmt: skip
    assert over.status == 422 and over.json["error"]["details"][0]["field"] == "payout_amount"
    stated = await put(harness, order["id"], status="completed", payout_tx_hash=HASH,
                       payout_amount="944")  # fmt: skip
    assert stated.status == 200 and stated.json["to"]["amount"] == "944"


async def test_a_refund_is_never_recorded_for_more_than_arrived(harness: Harness) -> None:
    order = await harness.create(refund_address=BTC_ADDRESS)
    await harness.pay(order["id"])
    before = await detail(harness, order["id"])

    refused = await put(harness, order["id"], status="refunded", refund_tx_hash=HASH,
                        refund_amount="999")  # fmt: skip

    assert refused.status == 422 and refused.json["error"]["details"][0]["field"] == "refund_amount"
    assert "at most the 0.01 btc" in refused.json["error"]["details"][0]["message"]
    assert await detail(harness, order["id"]) == before
    stats = (await harness.call("GET", "/api/admin/stats", headers=harness.admin())).json
    assert stats["refunds"] == {}
