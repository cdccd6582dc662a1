"""Every D1 round trip is earned: at the edge each one is a network hop to the database's
primary, so each endpoint's count is pinned here (a `first`, `all`, `run` or `batch` is one)."""

from __future__ import annotations

from devhost import d1
from orders.ports import OutboundRequest, OutboundResponse
from tests.core.conftest import MakeHarness
from tests.support.inprocess import (
    NOWPAYMENTS_ENV,
    Harness,
    finished_callback,
    nowpayments_harness,
    order_body,
)


def on_nowpayments(make_harness: MakeHarness) -> Harness:
    return nowpayments_harness(make_harness(**NOWPAYMENTS_ENV))


async def test_reads_polls_and_creates_take_one_round_trip(make_harness: MakeHarness) -> None:
    harness = on_nowpayments(make_harness)
    await harness.call("POST", "/api/order", order_body())  # warms the KV catalogue

    created = await harness.call("POST", "/api/order", order_body())
    read = await harness.call("GET", f"/api/order/{created.json['id']}")
    poll = await harness.call(
        "GET", f"/api/order/{created.json['id']}", headers={"If-None-Match": read.headers["ETag"]}
    )
    assert (created.status, read.status, poll.status) == (201, 200, 304)
    assert (created.d1, read.d1, poll.d1) == (1, 1, 1)


async def test_a_keyed_create_takes_two_and_its_replay_one(make_harness: MakeHarness) -> None:
    harness = on_nowpayments(make_harness)
    await harness.call("POST", "/api/order", order_body())
    key = {"Idempotency-Key": "k-1"}
    body = order_body(customer_key="k" * 32)  # its own key: the replay is the first answer

    first = await harness.call("POST", "/api/order", body, headers=key)
    replay = await harness.call("POST", "/api/order", body, headers=key)
    assert (first.status, replay.status, replay.body) == (201, 201, first.body)
    assert (first.d1, replay.d1) == (2, 1)


async def test_an_operator_change_takes_two(make_harness: MakeHarness) -> None:
    harness = on_nowpayments(make_harness)
    order = (await harness.call("POST", "/api/order", order_body())).json
    changed = await harness.call(
        "PUT", f"/api/order/{order['id']}", {"status": "cancelled"}, headers=harness.admin()
    )
    assert changed.status == 200 and changed.json["status"] == "cancelled"
    assert changed.d1 == 2


async def test_a_callback_takes_three_and_its_repeat_one(make_harness: MakeHarness) -> None:
    harness = on_nowpayments(make_harness)
    order = (await harness.call("POST", "/api/order", order_body())).json
    payment = harness.payments[order["payment"]["id"]]
    payment.update(payment_status="finished", actually_paid=0.01)
    body, headers = finished_callback(order)

    callback = await harness.call("POST", "/api/ipn/nowpayments", raw=body, headers=headers)
    repeat = await harness.call("POST", "/api/ipn/nowpayments", raw=body, headers=headers)
    assert callback.json == {"ok": True, "order_status": "paid"}
    assert repeat.json == {"ok": True, "duplicate": True}
    assert (callback.d1, repeat.d1) == (3, 1)


async def test_a_sandbox_payment_takes_five(harness: Harness) -> None:
    # The sandbox's own ledger (what it was paid so far, then the deposit), then the callback's
    # three, as a real processor's.
    order = await harness.create()
    paid = await harness.call("POST", f"/api/sandbox/pay/{order['id']}", {"status": "finished"})
    assert paid.status == 200 and paid.json["order"]["status"] == "paid"
    assert paid.d1 == 5


async def test_a_customers_choice_takes_two(harness: Harness) -> None:
    # The order, then one batch with the change, its event and its webhook.
    order = await harness.create()
    await harness.call("POST", f"/api/sandbox/pay/{order['id']}", {"amount": "0.004"})
    chosen = await harness.choose(order["id"], "partial_payout")
    assert chosen.status == 200 and chosen.d1 == 2


async def test_a_cron_run_costs_the_same_for_one_order_as_for_twenty(
    make_harness: MakeHarness,
) -> None:
    harness = on_nowpayments(make_harness)

    async def cron_round_trips(orders: int) -> tuple[dict[str, int], int]:
        for _ in range(orders):
            await harness.create()
        harness.clock.advance(hours=2)
        with d1.counting() as trips:
            report = await harness.app.scheduled()
        return report, trips.count

    one = await cron_round_trips(1)
    twenty = await cron_round_trips(20)
    steps = {"delivered": 0, "emailed": 0, "forgotten": 0, "logins_forgotten": 0}
    assert one[0] == {"expired": 1, "reconciled": 1, **steps}
    assert twenty[0] == {"expired": 20, "reconciled": 20, **steps}
    assert one[1] == twenty[1]


async def test_delivering_an_event_takes_three(make_harness: MakeHarness) -> None:
    harness = make_harness(WEBHOOK_URL="https://hooks.example/onecash", WEBHOOK_SECRET="s3cret")
    await harness.create()

    async def receiver(request: OutboundRequest) -> OutboundResponse:
        return OutboundResponse(200)

    harness.outbound.answer = receiver
    with d1.counting() as trips:
        delivered = await harness.app.webhooks.deliver_due_count()
    # Claim it, record the attempt, and find nothing more to claim.
    assert delivered == 1 and trips.count == 3
    assert [r.url for r in harness.outbound.sent] == ["https://hooks.example/onecash"]
