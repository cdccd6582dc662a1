"""The operator's back office over HTTP (issue 10), black-box against a local host of its own, so
the counts and totals it checks are of the orders it made."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from decimal import Decimal
from urllib.parse import quote

import pytest

from tests.support.inprocess import BTC_ADDRESS, TRON_ADDRESS, order_body
from tests.support.localhost import Client, LocalHost, local_host

HASH = "9f" * 32
OPERATOR_PATHS = (
    ("GET", "/api/admin/orders"), ("GET", "/api/admin/orders.csv"),
    ("GET", "/api/admin/orders/ord_x"), ("GET", "/api/admin/queue"), ("GET", "/api/admin/stats"),
    ("GET", "/api/admin/webhooks"), ("POST", "/api/admin/webhooks/evt_x/redeliver"),
    ("PUT", "/api/order/ord_x"),
)  # fmt: skip


@pytest.fixture(scope="module")
def host() -> Iterator[LocalHost]:
    with local_host(RATE_LIMIT_ORDERS_PER_MINUTE="1000", ADMIN_FAILURES_ALLOWED="1000") as h:
        yield h


@pytest.fixture(scope="module")
def book(host: LocalHost) -> dict[str, dict]:
    """A small day of business: two paid, one part-paid, one completed, one refunded, one
    waiting, with emails and addresses to search by."""
    api = host.client()
    made: dict[str, dict] = {}
    for name in ("paid1", "paid2", "part", "done", "refund", "waiting"):
        body = order_body(email=f"{name}@example.com", amount="0.02" if name == "done" else "0.01")
        if name == "refund":
            body.update(from_currency="usdttrc20", to_currency="btc", amount="100",
                        payout_address=BTC_ADDRESS, refund_address=TRON_ADDRESS)  # fmt: skip
        made[name] = api.request("POST", "/api/order", body).json
        host.advance(60)
    for name in ("paid1", "paid2", "done", "refund"):
        assert pay(api, made[name]["id"], {"status": "finished"}) == 200
        host.advance(60)  # paid one after another: the queue's order is theirs
    assert pay(api, made["part"]["id"], {"amount": "0.004"}) == 200
    change(api, made["done"]["id"], {"status": "completed", "payout_tx_hash": HASH})
    change(api, made["refund"]["id"], {"status": "refunded", "refund_tx_hash": "ab" * 32,
                                       "refund_amount": "99.5", "note": "sent back"})  # fmt: skip
    change(api, made["paid1"]["id"], {"internal_note": "customer called, VIP"})
    return made


def pay(api: Client, order_id: str, body: dict) -> int:
    return api.request("POST", f"/api/sandbox/pay/{order_id}", body).status


def change(api: Client, order_id: str, body: dict) -> dict:
    reply = api.request("PUT", f"/api/order/{order_id}", body, headers=api.admin())
    assert reply.status == 200, reply.body
    return reply.json  # type: ignore[no-any-return]


def admin(api: Client, path: str) -> dict:
    reply = api.request("GET", path, headers=api.admin())
    assert reply.status == 200, reply.body
    return reply.json  # type: ignore[no-any-return]


def ids(answer: dict) -> list[str]:
    return [o["id"] for o in answer["orders"]]


def test_every_operator_endpoint_refuses_a_missing_or_wrong_token(host: LocalHost) -> None:
    api = host.client()
    for method, path in OPERATOR_PATHS:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic x"}):
            reply = api.request(method, path, {} if method != "GET" else None, headers=headers)
            assert reply.status == 401, (method, path, reply.body)
            assert reply.headers["WWW-Authenticate"] == 'Bearer realm="onecash"'
            assert reply.json["error"]["code"] == "unauthorized"


def test_the_list_filters_by_status_time_and_text(host: LocalHost, book: dict) -> None:
    api = host.client()
    everything = admin(api, "/api/admin/orders")
    assert ids(everything)[:6] == [book[n]["id"] for n in reversed(list(book))]  # newest first
    assert admin(api, "/api/admin/orders?status=paid")["orders"][0]["status"] == "paid"
    assert set(ids(admin(api, "/api/admin/orders?status=paid"))) == {
        book["paid1"]["id"], book["paid2"]["id"]}  # fmt: skip
    assert set(ids(admin(api, "/api/admin/orders?status=completed,refunded"))) == {
        book["done"]["id"], book["refund"]["id"]}  # fmt: skip
    since = book["part"]["created_at"]
    before = book["waiting"]["created_at"]
    assert set(ids(admin(api, f"/api/admin/orders?from={since}&to={before}"))) == {
        book[n]["id"] for n in ("part", "done", "refund")}  # fmt: skip

    by_email = admin(api, "/api/admin/orders?q=PAID2@EXAMPLE")
    assert ids(by_email) == [book["paid2"]["id"]]
    assert by_email["orders"][0]["email"] == "paid2@example.com"  # the operator's view: in full
    for text in (HASH[:20], book["refund"]["id"], book["refund"]["payment"]["address"],
                 "ab" * 32):  # fmt: skip
        found = ids(admin(api, f"/api/admin/orders?q={quote(text)}"))
        assert (book["done"]["id"] if text.startswith("9f") else book["refund"]["id"]) in found
    noted = admin(api, f"/api/admin/orders?q={book['paid1']['id']}")["orders"][0]
    assert [n["note"] for n in noted["notes"]] == ["customer called, VIP"]

    bad = api.request("GET", "/api/admin/orders?status=lost&limit=0", headers=api.admin())
    assert bad.status == 422
    assert {d["field"] for d in bad.json["error"]["details"]} == {"status"}


def test_pages_follow_their_cursor_to_the_end_without_repeats(host: LocalHost, book: dict) -> None:
    api = host.client()
    seen: list[str] = []
    cursor = ""
    pages = 0
    while True:
        page = admin(api, f"/api/admin/orders?limit=2{'&cursor=' + cursor if cursor else ''}")
        pages += 1
        seen.extend(ids(page))
        if page["next_cursor"] is None:
            break
        cursor = page["next_cursor"]
    assert pages >= 3 and len(seen) == len(set(seen))
    assert seen == ids(admin(api, "/api/admin/orders?limit=200"))
    forged = api.request("GET", "/api/admin/orders?cursor=bm9wZQ", headers=api.admin())
    assert forged.status == 422 and forged.json["error"]["details"][0]["field"] == "cursor"


def test_the_csv_parses_and_holds_the_exact_amounts(host: LocalHost, book: dict) -> None:
    api = host.client()
    reply = api.request("GET", "/api/admin/orders.csv?status=completed,refunded",
                        headers=api.admin())  # fmt: skip
    assert reply.status == 200 and reply.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in reply.headers["Content-Disposition"]
    # Streamed as D1 hands out its pages: no length is known before the last row is written.
    assert reply.headers.get("Transfer-Encoding") == "chunked"
    assert "Content-Length" not in reply.headers
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(reply.body.decode()))}
    assert set(rows) == {book["done"]["id"], book["refund"]["id"]}
    done = rows[book["done"]["id"]]
    assert (done["status"], done["from_amount"], done["payout_tx_hash"]) == (
        "completed", "0.02", HASH)  # fmt: skip
    assert done["to_amount"] == book["done"]["to"]["amount"]
    refund = rows[book["refund"]["id"]]
    assert (refund["refund_amount"], refund["refund_tx_hash"]) == ("99.5", "ab" * 32)
    assert refund["email"] == "refund@example.com"


def test_stats_totals_equal_the_sum_of_the_orders(host: LocalHost, book: dict) -> None:
    api = host.client()
    stats = admin(api, "/api/admin/stats")
    orders = admin(api, "/api/admin/orders?limit=200")["orders"]
    assert stats["orders"] == len(orders) == sum(stats["by_status"].values())
    for status in ("paid", "partially_paid", "completed", "refunded", "awaiting_payment"):
        assert stats["by_status"][status] == sum(o["status"] == status for o in orders)
    received: dict[str, Decimal] = {}
    for o in orders:
        if Decimal(o["payment"]["received"]):
            currency = o["payment"]["currency"]
            received[currency] = received.get(currency, Decimal(0)) + Decimal(
                o["payment"]["received"])  # fmt: skip
    assert {c: Decimal(v) for c, v in stats["volume_in"].items()} == received
    completed = [o for o in orders if o["status"] == "completed"]
    out = sum(Decimal(o["to"]["amount"]) for o in completed)
    assert {c: Decimal(v) for c, v in stats["volume_out"].items()} == {"usdttrc20": out}
    assert stats["refunds"] == {"usdttrc20": "99.5"}
    assert Decimal(stats["fees"]["usdttrc20"]) > 0
    # two payouts, and the part payment waiting for its customer's choice
    assert stats["queue"]["length"] == 3 and stats["queue"]["oldest_age_seconds"] >= 0
    since = admin(api, f"/api/admin/stats?from={book['waiting']['created_at']}")
    assert since["orders"] == 1 and since["by_status"]["awaiting_payment"] == 1


def test_the_queue_then_a_payout_takes_the_order_off_it(host: LocalHost, book: dict) -> None:
    api = host.client()
    queue = admin(api, "/api/admin/queue")["items"]
    assert [(i["order"]["id"], i["reason"]) for i in queue] == [
        (book["paid1"]["id"], "payout"), (book["paid2"]["id"], "payout"),
        (book["part"]["id"], "customer_choice"),
    ]  # fmt: skip
    assert all(i["age_seconds"] >= 0 for i in queue)
    part = book["part"]
    choice = {"key": part["customer_key"], "choice": "refund", "refund_address": BTC_ADDRESS}
    chosen = api.request("POST", f"/api/order/{part['id']}/choice", choice)
    assert chosen.status == 200 and chosen.json["status"] == "refunding"  # the customer's choice
    queue = admin(api, "/api/admin/queue")["items"]
    assert queue[-1]["order"]["id"] == part["id"]
    assert queue[-1]["reason"] == "refund"

    detail = api.request("GET", f"/api/admin/orders/{book['paid2']['id']}", headers=api.admin())
    payout = {"status": "completed", "payout_tx_hash": "cd" * 32}
    done = api.request("PUT", f"/api/order/{book['paid2']['id']}", payout,
                       headers=api.admin(**{"If-Match": detail.headers["ETag"]}))  # fmt: skip
    assert done.status == 200
    assert book["paid2"]["id"] not in [
        i["order"]["id"] for i in admin(api, "/api/admin/queue")["items"]]  # fmt: skip


def test_the_public_view_never_shows_internal_notes_or_the_full_email(
    host: LocalHost, book: dict
) -> None:
    api = host.client()
    public = api.request("GET", f"/api/order/{book['paid1']['id']}").json
    text = json.dumps(public)
    assert public["email"] == "p***@example.com" and "paid1@example.com" not in text
    assert "VIP" not in text and "notes" not in public
    detail = admin(api, f"/api/admin/orders/{book['paid1']['id']}")
    assert detail["order"]["email"] == "paid1@example.com"
    assert [e["type"] for e in detail["webhooks"]] == ["order.created", "order.paid"]
    assert api.request("GET", "/api/admin/orders/ord_nosuch", headers=api.admin()).status == 404


def test_a_payout_left_waiting_alerts_the_operator_once_signed_with_their_view() -> None:
    from tests.fakes.receiver import SECRET, Receiver

    receiver = Receiver().up()
    try:
        with local_host(WEBHOOK_URL=receiver.url, WEBHOOK_SECRET=SECRET,
                        PAYOUT_OVERDUE_MINUTES="30") as h:  # fmt: skip
            api = h.client()
            order = api.request("POST", "/api/order", order_body(email="erin@example.com")).json
            assert pay(api, order["id"], {"status": "finished"}) == 200
            change(api, order["id"], {"internal_note": "waiting for the hot wallet"})
            for minutes in (29, 2, 60):  # overdue after 30 minutes, and said only once
                h.advance(minutes * 60)
                h.run_cron()
            got = [d for d in receiver.accepted() if d.body["data"]["order"]["id"] == order["id"]]
            types = [d.body["type"] for d in got]
            assert types.count("order.payout_overdue") == 1 and all(d.signature_ok for d in got)
            alert = next(d.body["data"]["order"] for d in got
                         if d.body["type"] == "order.payout_overdue")  # fmt: skip
            assert alert["email"] == "erin@example.com"  # the operator's own channel: in full
            assert alert["notes"][0]["note"] == "waiting for the hot wallet"
            assert alert["payout_overdue_notified"] is True
    finally:
        receiver.down()
