"""The payout estimate a customer is shown: the promise (PAYOUT_PROMISE_MINUTES) and, once the
operator has paid orders out, how long payouts took lately (the median, paid to completed)."""

from __future__ import annotations

from tests.support.inprocess import Harness


async def paid_order(harness: Harness) -> str:
    order = await harness.create()
    reply = await harness.call("POST", f"/api/sandbox/pay/{order['id']}", {"status": "finished"})
    assert reply.json["order"]["status"] == "paid"
    return str(order["id"])


async def complete(harness: Harness, order_id: str, tx_hash: str) -> None:
    body = {"status": "completed", "payout_tx_hash": tx_hash}
    reply = await harness.call("PUT", f"/api/order/{order_id}", body, headers=harness.admin())
    assert reply.status == 200, reply.json


async def estimate(harness: Harness) -> tuple[int, int | None]:
    answer = (await harness.call("GET", "/api/currencies")).json
    return answer["payout_promise_minutes"], answer["payout_median_minutes"]


async def test_before_any_payout_only_the_promise_is_given(harness: Harness) -> None:
    await paid_order(harness)
    assert await estimate(harness) == (60, None)


async def test_the_median_of_recent_payouts_is_given_and_refreshed(harness: Harness) -> None:
    orders = [await paid_order(harness) for _ in range(3)]
    assert await estimate(harness) == (60, None)  # read now, and kept for ten minutes
    for order_id, minutes, tx in zip(orders, (10, 10, 25), ("aa", "bb", "cc"), strict=True):
        harness.clock.advance(minutes=minutes)
        await complete(harness, order_id, tx * 32)  # paid out after 10, 20 and 45 minutes

    assert await estimate(harness) == (60, 20)  # the cached answer expired on the way
