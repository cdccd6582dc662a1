"""A failed payment that holds money is no dead end (issue 16): its customer may ask for the money
back with the order's key, like a late or short payment's refund (failed → refunding), and the
operator's queue then shows it as a refund to send. In-process, the sandbox."""

from __future__ import annotations

from tests.support.inprocess import BTC_ADDRESS, Harness


async def test_a_failed_payment_holding_money_offers_its_customer_a_refund(
    harness: Harness,
) -> None:
    order = await harness.create()
    await harness.pay(order["id"], status="confirming")  # the money was seen…
    failed = await harness.pay(order["id"], status="failed")  # …then the processor failed it
    assert failed["status"] == "failed" and failed["payment"]["received"] == "0.01"
    assert await harness.queue() == [(order["id"], "refund")]  # the operator sees it at once
    assert failed["action"] == {
        "reason": "payment_failed", "received": "0.01", "choices": ["refund"],
        "remaining": None, "partial_payout": None, "offer": None,
    }  # fmt: skip

    nowhere = await harness.choose(order["id"], "refund")
    assert nowhere.status == 422
    assert nowhere.json["error"]["details"][0]["field"] == "refund_address"
    chosen = await harness.choose(order["id"], "refund", refund_address=BTC_ADDRESS)

    assert chosen.status == 200, chosen.json
    assert chosen.json["status"] == "refunding" and chosen.json["action"] is None
    assert chosen.json["refund_address"] == BTC_ADDRESS
    assert chosen.json["timeline"][-1]["source"] == "api"
    assert await harness.queue() == [(order["id"], "refund")]
    assert (await harness.choose(order["id"], "refund")).status == 409  # asked for already

    sent = {"status": "refunded", "refund_tx_hash": "ab" * 32}
    done = await harness.call("PUT", f"/api/order/{order['id']}", sent, headers=harness.admin())
    assert done.status == 200 and done.json["refund"] == {"tx_hash": "ab" * 32, "amount": "0.01"}
    assert await harness.queue() == []


async def test_a_failed_payment_without_money_offers_nothing(harness: Harness) -> None:
    order = await harness.create()
    failed = await harness.pay(order["id"], status="failed")
    assert failed["status"] == "failed" and failed["payment"]["received"] == "0"
    assert failed["action"] is None

    refused = await harness.choose(order["id"], "refund", refund_address=BTC_ADDRESS)

    assert refused.status == 409 and refused.json["error"]["code"] == "choice_unavailable"


async def test_without_the_key_a_failed_payment_is_not_refunded(harness: Harness) -> None:
    order = await harness.create()
    await harness.pay(order["id"], status="confirming")
    await harness.pay(order["id"], status="failed")
    body = {"key": "x" * 32, "choice": "refund", "refund_address": BTC_ADDRESS}

    refused = await harness.call("POST", f"/api/order/{order['id']}/choice", body)

    assert refused.status == 403
    assert (await harness.call("GET", f"/api/order/{order['id']}")).json["status"] == "failed"
