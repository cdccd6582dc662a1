"""Webhooks to the operator (issue 4), black-box: the local host delivering to a real receiver
on loopback that verifies signatures with the `standardwebhooks` package."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from tests.fakes.receiver import SECRET, Receiver
from tests.support.inprocess import order_body
from tests.support.localhost import Client, LocalHost, local_host


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver().up()
    yield r
    r.down()


@pytest.fixture
def host(receiver: Receiver) -> Iterator[LocalHost]:
    with local_host(WEBHOOK_URL=receiver.url, WEBHOOK_SECRET=SECRET,
                    WEBHOOK_TIMEOUT_SECONDS="0.5") as h:  # fmt: skip
        yield h


def payout_hash(order_id: str) -> str:
    """Each order's own payout transaction: one hash is recorded on one order only."""
    return hashlib.sha256(order_id.encode()).hexdigest()


def lifecycle(api: Client) -> str:
    """create → confirming → paid → completed, through the public endpoints."""
    order = api.request("POST", "/api/order", order_body()).json
    for status in ("confirming", "finished"):
        assert (
            api.request("POST", f"/api/sandbox/pay/{order['id']}", {"status": status}).status == 200
        )
    done = api.request(
        "PUT",
        f"/api/order/{order['id']}",
        {"status": "completed", "payout_tx_hash": payout_hash(order["id"])},
        headers=api.admin(),
    )
    assert done.status == 200
    return str(order["id"])


def drain(host: LocalHost, step_seconds: int = 3600, runs: int = 60) -> None:
    """Runs cron, moving the clock on between runs, until nothing is pending."""
    for _ in range(runs):
        host.run_cron()
        pending = host.client().request("GET", "/api/admin/webhooks?status=pending",
                                        headers=host.client().admin()).json["events"]  # fmt: skip
        if not pending:
            return
        host.advance(step_seconds)
    raise AssertionError("webhooks still pending after the whole schedule")


def test_every_status_change_arrives_once_signed_and_in_order(
    host: LocalHost, receiver: Receiver
) -> None:
    order_id = lifecycle(host.client())
    drain(host)

    got = [d for d in receiver.accepted() if d.body["data"]["order"]["id"] == order_id]
    assert [d.body["type"] for d in got] == [
        "order.created", "order.confirming", "order.paid", "order.completed"]  # fmt: skip
    assert all(d.signature_ok for d in got)
    assert len({d.event_id for d in got}) == 4
    assert all(d.event_id == d.body["id"] and d.event_id.startswith("evt_") for d in got)
    assert got[-1].body["data"]["order"]["payout"]["tx_hash"] == payout_hash(order_id)


def test_a_receiver_that_is_down_for_hours_loses_nothing(
    host: LocalHost, receiver: Receiver
) -> None:
    receiver.down()
    api = host.client()
    first, second = lifecycle(api), lifecycle(api)
    for mode, hours in (("down", 2), ("error", 3), ("hang", 2)):
        if mode != "down" and not receiver.is_up:
            receiver.up()
        receiver.mode = mode
        for _ in range(hours * 2):
            host.advance(30 * 60)
            host.run_cron()
    assert receiver.accepted() == []
    assert any(d.answered == 500 for d in receiver.deliveries)

    receiver.mode = "ok"
    drain(host)

    accepted = receiver.accepted()
    counts = Counter(d.event_id for d in accepted)
    assert len(counts) == 8 and set(counts.values()) == {1}  # each once after its 2xx
    assert all(d.signature_ok for d in accepted)
    for order_id in (first, second):
        types = [d.body["type"] for d in accepted if d.body["data"]["order"]["id"] == order_id]
        assert types == ["order.created", "order.confirming", "order.paid", "order.completed"]
    log = api.request("GET", "/api/admin/webhooks?status=delivered", headers=api.admin()).json
    attempts = [a for e in log["events"] for a in e["attempt_log"]]
    assert {a["error"] is not None for a in attempts} == {True, False}
    assert any("refused" in (a["error"] or "").lower() or "connect" in (a["error"] or "").lower()
               for a in attempts)  # fmt: skip
    assert any(a["status_code"] == 500 for a in attempts)
    assert any("timed out" in (a["error"] or "") for a in attempts)


def test_a_410_stops_deliveries_until_the_operator_redelivers(
    host: LocalHost, receiver: Receiver
) -> None:
    receiver.mode = "gone"
    api = host.client()
    first = api.request("POST", "/api/order", order_body()).json
    host.run_cron()
    assert [d.answered for d in receiver.deliveries] == [410]
    second = api.request("POST", "/api/order", order_body()).json
    host.advance(3600)
    host.run_cron()
    assert len(receiver.deliveries) == 1  # nothing more is sent to a receiver that said 410

    dead = api.request("GET", "/api/admin/webhooks?status=dead", headers=api.admin()).json
    assert dead["endpoint_disabled_by_410"] is True
    (event,) = dead["events"]
    assert event["order_id"] == first["id"] and "410" in event["last_error"]
    waiting = api.request("GET", "/api/admin/webhooks?status=pending", headers=api.admin()).json
    assert {e["order_id"] for e in waiting["events"]} == {first["id"], second["id"]}

    receiver.mode = "ok"
    redo = api.request("POST", f"/api/admin/webhooks/{event['event_id']}/redeliver",
                       headers=api.admin())  # fmt: skip
    assert redo.status == 202
    host.run_cron()
    delivered = [d.body["data"]["order"]["id"] for d in receiver.accepted()]
    assert delivered.count(first["id"]) == 2 and delivered.count(second["id"]) == 2  # + expired
    assert receiver.accepted()[0].event_id == event["event_id"]


def test_past_the_schedule_events_are_dead_not_deleted(host: LocalHost, receiver: Receiver) -> None:
    receiver.mode = "error"
    api = host.client()
    order = api.request("POST", "/api/order", order_body()).json
    for _ in range(40):  # 60 simulated hours of cron: the schedule spans about 47
        host.advance(90 * 60)
        host.run_cron()
    dead = api.request("GET", "/api/admin/webhooks?status=dead", headers=api.admin()).json
    (event,) = [e for e in dead["events"] if e["type"] == "order.created"]
    assert event["order_id"] == order["id"]
    assert event["attempts"] == 10 and len(event["attempt_log"]) == 10
    assert {a["status_code"] for a in event["attempt_log"]} == {500}
    times = [datetime.fromisoformat(a["at"].replace("Z", "+00:00")) for a in event["attempt_log"]]
    assert times == sorted(times)
    assert times[-1] - times[0] >= timedelta(hours=24)  # retried for at least a day

    receiver.mode = "ok"
    api.request("POST", f"/api/admin/webhooks/{event['event_id']}/redeliver", headers=api.admin())
    host.run_cron()
    assert receiver.accepted()[0].event_id == event["event_id"]


def test_the_operator_view_needs_the_token(host: LocalHost) -> None:
    api = host.client()
    assert api.request("GET", "/api/admin/webhooks?status=dead").status == 401
    assert api.request("POST", "/api/admin/webhooks/evt_x/redeliver").status == 401
    bad = api.request("GET", "/api/admin/webhooks?status=lost", headers=api.admin())
    assert bad.status == 422


def test_without_a_webhook_url_events_wait_and_go_out_once_it_is_set(receiver: Receiver) -> None:
    with local_host() as h:
        api = h.client()
        order = api.request("POST", "/api/order", order_body()).json
        h.run_cron()
        waiting = api.request("GET", "/api/admin/webhooks?status=pending", headers=api.admin()).json
        assert waiting["webhook_url_configured"] is False
        assert [e["order_id"] for e in waiting["events"]] == [order["id"]]

        h.stop()
        h.env.update(WEBHOOK_URL=receiver.url, WEBHOOK_SECRET=SECRET)
        h.start()
        h.run_cron()
        assert [d.body["data"]["order"]["id"] for d in receiver.accepted()] == [order["id"]]
