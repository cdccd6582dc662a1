"""Payments end to end (issue 3): the local host with PROCESSOR=nowpayments against a fake
NOWPayments server on loopback that creates payments and sends signed callbacks."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from tests.fakes.nowpayments import FakeNowPayments
from tests.support.inprocess import order_body
from tests.support.localhost import Client, LocalHost, local_host

# The local host's clock is moved forward by the tests; the fake processor's moves with it, as a
# real processor's runs with ours (its payment times decide lateness).
SKEW = [0.0]


@pytest.fixture(scope="module")
def nowpayments() -> Iterator[FakeNowPayments]:
    with FakeNowPayments(clock=lambda: datetime.now(UTC) + timedelta(seconds=SKEW[0])) as fake:
        yield fake


@pytest.fixture(scope="module")
def host(nowpayments: FakeNowPayments) -> Iterator[LocalHost]:
    with local_host(
        PROCESSOR="nowpayments",
        NOWPAYMENTS_API_BASE=nowpayments.url,
        NOWPAYMENTS_API_KEY=nowpayments.api_key,
        NOWPAYMENTS_IPN_SECRET=nowpayments.ipn_secret,
        NOWPAYMENTS_EMAIL=nowpayments.email,
        NOWPAYMENTS_PASSWORD=nowpayments.password,
        RATE_LIMIT_ORDERS_PER_MINUTE="1000",
    ) as h:
        move_host = h.advance

        def advance(seconds: float) -> None:
            move_host(seconds)
            SKEW[0] += seconds

        h.advance = advance  # type: ignore[method-assign]
        yield h


@pytest.fixture
def api(host: LocalHost) -> Client:
    return host.client()


def rows(host: LocalHost, sql: str, *params: object) -> list[tuple]:
    with closing(sqlite3.connect(Path(host.data.name) / "d1.sqlite")) as db:
        return db.execute(sql, params).fetchall()


def create(api: Client, amount: str = "0.01") -> dict:
    reply = api.request("POST", "/api/order", order_body(amount=amount))
    assert reply.status == 201, reply.body
    assert reply.json["customer_key"]  # the customer's, once: these tests read as anyone does
    return {k: v for k, v in reply.json.items() if k != "customer_key"}


def order(api: Client, order_id: str) -> dict:
    return api.request("GET", f"/api/order/{order_id}").json


def test_an_order_gets_its_deposit_address_from_the_processor(
    api: Client, nowpayments: FakeNowPayments, host: LocalHost
) -> None:
    created = create(api)
    payment = nowpayments.payments[created["payment"]["id"]]

    assert created["payment"]["processor"] == "nowpayments"
    assert created["payment"]["address"] == payment["pay_address"]
    assert payment["order_id"] == created["id"]
    assert payment["ipn_callback_url"] == f"{host.api_url}/api/ipn/nowpayments"


def test_a_finished_callback_pays_the_order_once_however_often_it_arrives(
    api: Client, nowpayments: FakeNowPayments, host: LocalHost
) -> None:
    created = create(api)
    status, _ = nowpayments.send_ipn(created["payment"]["id"], "finished", "0.01")
    assert status == 200
    paid = order(api, created["id"])
    assert paid["status"] == "paid" and paid["payment"]["received"] == "0.01"

    body, signature = nowpayments.ipn_body(created["payment"]["id"])

    def replay(_: int) -> int:
        return api.request("POST", "/api/ipn/nowpayments", raw=body,
                           headers={"x-nowpayments-sig": signature}).status  # fmt: skip

    assert replay(0) == 200
    with ThreadPoolExecutor(10) as pool:
        assert set(pool.map(replay, range(10))) == {200}

    assert order(api, created["id"]) == paid
    assert rows(host, "SELECT count(*) FROM order_events WHERE order_id = ? AND to_status = "
                "'paid'", created["id"]) == [(1,)]  # fmt: skip
    assert rows(host, "SELECT count(*) FROM webhook_outbox WHERE order_id = ? AND type = "
                "'order.paid'", created["id"]) == [(1,)]  # fmt: skip


def test_a_late_confirming_never_undoes_paid(api: Client, nowpayments: FakeNowPayments) -> None:
    created = create(api)
    payment_id = created["payment"]["id"]
    nowpayments.send_ipn(payment_id, "finished", "0.01")
    nowpayments.set_payment(payment_id, status="confirming")
    status, _ = nowpayments.send_ipn(payment_id, "confirming")
    assert status == 200
    assert order(api, created["id"])["status"] == "paid"


def test_an_underpayment_waits_for_the_customer_with_the_amount_shown(
    api: Client, nowpayments: FakeNowPayments
) -> None:
    created = create(api)
    nowpayments.send_ipn(created["payment"]["id"], "partially_paid", "0.004")
    partial = order(api, created["id"])
    assert partial["status"] == "action_required"
    assert partial["payment"]["received"] == "0.004"
    assert partial["action"]["reason"] == "underpaid" and partial["action"]["remaining"] == "0.006"


def test_a_payment_after_expiry_waits_for_the_customer_and_is_marked_late(
    api: Client, nowpayments: FakeNowPayments, host: LocalHost
) -> None:
    created = create(api)
    host.advance(61 * 60)
    host.run_cron()
    assert order(api, created["id"])["status"] == "expired"

    nowpayments.send_ipn(created["payment"]["id"], "finished", "0.01")
    late = order(api, created["id"])
    assert late["status"] == "action_required" and late["late"] is True
    assert late["action"]["reason"] == "late_deposit"
    assert [e["status"] for e in late["timeline"]] == [
        "awaiting_payment", "expired", "action_required"]  # fmt: skip


def test_forged_and_unsigned_callbacks_are_refused_and_change_nothing(
    api: Client, nowpayments: FakeNowPayments
) -> None:
    created = create(api)
    payment_id = created["payment"]["id"]
    nowpayments.set_payment(payment_id, status="finished", actually_paid="0.01")
    body, good = nowpayments.ipn_body(payment_id)
    _, forged = nowpayments.ipn_body(payment_id, secret="not-the-secret")

    for headers in ({}, {"x-nowpayments-sig": forged}, {"x-nowpayments-sig": good[:-2] + "00"}):
        reply = api.request("POST", "/api/ipn/nowpayments", raw=body, headers=headers)
        assert reply.status == 401 and reply.json["error"]["code"] == "unauthorized"
    tampered = body.replace(b'"finished"', b'"refunded"')
    assert api.request("POST", "/api/ipn/nowpayments", raw=tampered,
                       headers={"x-nowpayments-sig": good}).status == 401  # fmt: skip
    assert order(api, created["id"]) == created


def test_a_genuine_callback_with_amounts_below_0_0001_is_accepted(
    api: Client, nowpayments: FakeNowPayments
) -> None:
    created = create(api, amount="0.0005")
    nowpayments.set_payment(created["payment"]["id"], status="finished", actually_paid="0.0005")
    body, signature = nowpayments.ipn_body(created["payment"]["id"])
    assert b"0.0000" in body  # the fee and amounts are JSON numbers below 0.0001
    reply = api.request("POST", "/api/ipn/nowpayments", raw=body,
                        headers={"x-nowpayments-sig": signature})  # fmt: skip
    assert reply.status == 200
    assert order(api, created["id"])["status"] == "paid"


@pytest.mark.parametrize("failure", ["down", "500"])
def test_a_processor_that_is_down_gives_502_and_no_order(
    api: Client, nowpayments: FakeNowPayments, host: LocalHost, failure: str
) -> None:
    before = rows(host, "SELECT count(*) FROM orders")
    if failure == "down":
        nowpayments.set_down(True)
    else:
        nowpayments.fail_next(20, status=500)
    try:
        reply = api.request("POST", "/api/order", order_body(amount="0.0123"))
    finally:
        nowpayments.set_down(False)
        nowpayments.clear_failures()
    assert reply.status == 502
    assert reply.json["error"]["code"] == "processor_unavailable"
    assert "try again" in reply.json["error"]["message"]
    assert rows(host, "SELECT count(*) FROM orders") == before


def test_a_replay_while_the_processor_is_down_answers_the_stored_201(
    api: Client, nowpayments: FakeNowPayments, host: LocalHost
) -> None:
    key = {"Idempotency-Key": "bb-replay-processor-down"}
    body = order_body(amount="0.0124")
    first = api.request("POST", "/api/order", body, headers=key)
    assert first.status == 201, first.body
    # Every cached currency list, minimum and estimate expired, and the processor a 502 CDN page.
    with closing(sqlite3.connect(Path(host.data.name) / "d1.sqlite")) as db, db:
        db.execute("DELETE FROM kv")
    asked = len(nowpayments.requests)
    nowpayments.fail_next(50, status=502)
    try:
        again = api.request("POST", "/api/order", body, headers=key)
        other = api.request("POST", "/api/order", order_body(amount="0.0125"), headers=key)
    finally:
        nowpayments.clear_failures()

    assert again.status == 201, again.body
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Location"] == first.headers["Location"]
    order = first.json
    assert again.json == {k: v for k, v in order.items() if k != "customer_key"}
    assert order["customer_key"] not in again.body.decode()
    assert other.status == 422 and other.json["error"]["code"] == "idempotency_key_reused"
    assert len(nowpayments.requests) == asked  # neither answer asked the processor anything


def test_a_dropped_callback_is_caught_by_reconciliation(
    api: Client, nowpayments: FakeNowPayments, host: LocalHost
) -> None:
    created = create(api)
    nowpayments.set_payment(created["payment"]["id"], status="finished", actually_paid="0.01")
    host.run_cron()
    assert order(api, created["id"])["status"] == "awaiting_payment"  # not quiet long enough

    host.advance(11 * 60)
    report = host.run_cron()
    assert report["reconciled"] >= 1
    reconciled = order(api, created["id"])
    assert reconciled["status"] == "paid"
    assert Decimal(reconciled["payment"]["received"]) == Decimal("0.01")


def test_a_repeat_deposit_nobody_told_us_of_is_found_in_the_payment_list(
    api: Client, nowpayments: FakeNowPayments, host: LocalHost
) -> None:
    reply = api.request("POST", "/api/order", order_body())
    assert reply.status == 201
    created, key = reply.json, reply.json["customer_key"]
    payment_id = created["payment"]["id"]
    assert nowpayments.send_ipn(payment_id, "partially_paid", "0.004")[0] == 200
    chosen = api.request("POST", f"/api/order/{created['id']}/choice",
                         {"key": key, "choice": "send_rest"})  # fmt: skip
    assert chosen.status == 200 and chosen.json["payment"]["to_send"] == "0.006"
    nowpayments.child_payment(payment_id, "0.006")  # its callback never arrives

    host.advance(11 * 60)
    host.run_cron()

    found = order(api, created["id"])
    assert found["status"] == "paid" and found["payment"]["received"] == "0.01"
    listed = [r for r in nowpayments.requests if (r.method, r.path) == ("GET", "/v1/payment/")]
    assert listed and all(r.headers["authorization"].startswith("Bearer ") for r in listed)


def test_the_sandbox_payment_endpoint_does_not_exist_with_a_real_processor(api: Client) -> None:
    created = create(api)
    reply = api.request("POST", f"/api/sandbox/pay/{created['id']}", {"status": "finished"})
    assert reply.status == 404
    assert order(api, created["id"])["status"] == "awaiting_payment"


def test_a_callback_is_answered_within_three_seconds_even_if_the_processor_stalls(
    api: Client, nowpayments: FakeNowPayments
) -> None:
    created = create(api)
    nowpayments.set_payment(created["payment"]["id"], status="finished", actually_paid="0.01")
    body, signature = nowpayments.ipn_body(created["payment"]["id"])
    nowpayments.delay_next(5)
    started = time.monotonic()
    reply = api.request("POST", "/api/ipn/nowpayments", raw=body,
                        headers={"x-nowpayments-sig": signature})  # fmt: skip
    assert time.monotonic() - started < 3
    # Not acknowledged, so NOWPayments sends it again; nothing was half-applied meanwhile.
    assert reply.status == 503 and reply.headers["Retry-After"]
    assert order(api, created["id"])["status"] == "awaiting_payment"
    retried = api.request("POST", "/api/ipn/nowpayments", raw=body,
                          headers={"x-nowpayments-sig": signature})  # fmt: skip
    assert retried.status == 200 and order(api, created["id"])["status"] == "paid"


def test_a_repeat_deposit_tops_up_a_partial_payment_without_losing_either(
    api: Client, nowpayments: FakeNowPayments
) -> None:
    created = create(api)
    parent = created["payment"]["id"]
    nowpayments.send_ipn(parent, "partially_paid", "0.004")
    assert order(api, created["id"])["status"] == "action_required"  # the rest may still come

    child = nowpayments.child_payment(parent, "0.006")
    status, _ = nowpayments.send_ipn(child)
    assert status == 200
    topped = order(api, created["id"])
    assert topped["status"] == "paid"
    assert Decimal(topped["payment"]["received"]) == Decimal("0.01")
    assert "repeat deposit" in topped["timeline"][-1]["note"]
