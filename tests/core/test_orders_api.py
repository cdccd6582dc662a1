"""The order API in-process: what a client and the operator observe, and the rows behind it."""

from __future__ import annotations

import asyncio
import json
import sqlite3

import pytest

from tests.core.conftest import MakeHarness
from tests.support.inprocess import (
    ADMIN_TOKEN,
    BTC_ADDRESS,
    TRON_ADDRESS,
    XRP_ADDRESS,
    Harness,
    order_body,
)


async def test_creating_an_order_answers_201_with_a_deposit_address(harness: Harness) -> None:
    reply = await harness.call("POST", "/api/order", order_body(email="alice@example.com"))

    assert reply.status == 201
    order = reply.json
    assert reply.headers["Location"] == f"/api/order/{order['id']}"
    assert reply.headers["Content-Type"] == "application/json; charset=utf-8"
    assert order["id"].startswith("ord_") and len(order["id"]) >= 4 + 16
    assert order["status"] == "awaiting_payment" and order["version"] == 1
    assert order["from"] == {"currency": "btc", "amount": "0.01"}
    assert order["to"]["amount"] == "945.25"  # 0.01 btc at 95000, less 0.5%
    assert order["email"] == "a***@example.com"
    assert order["payment"]["address"].startswith("tb1q")
    assert order["payment"]["uri"] == f"bitcoin:{order['payment']['address']}?amount=0.01"
    assert [e["status"] for e in order["timeline"]] == ["awaiting_payment"]


async def test_an_order_its_first_event_and_its_webhook_are_written_together(
    harness: Harness,
) -> None:
    order = await harness.create()

    assert harness.rows("SELECT status FROM orders WHERE id = ?", order["id"]) == [
        {"status": "awaiting_payment"}
    ]
    assert len(harness.rows("SELECT * FROM order_events WHERE order_id = ?", order["id"])) == 1
    outbox = harness.rows(
        "SELECT type, payload FROM webhook_outbox WHERE order_id = ?", order["id"]
    )
    assert [o["type"] for o in outbox] == ["order.created"]
    assert json.loads(outbox[0]["payload"])["data"]["order"]["id"] == order["id"]


async def test_a_failing_batch_leaves_no_half_made_order(harness: Harness) -> None:
    # Make the outbox insert fail: the order and its event must roll back with it.
    harness.connection.execute(
        "CREATE TRIGGER boom BEFORE INSERT ON webhook_outbox BEGIN SELECT RAISE(ABORT, 'x'); END"
    )
    reply = await harness.call("POST", "/api/order", order_body())

    assert reply.status == 500
    assert reply.json["error"]["code"] == "internal_error"
    assert "INSERT" not in reply.body.decode() and "Traceback" not in reply.body.decode()
    assert harness.rows("SELECT id FROM orders") == []
    assert harness.rows("SELECT seq FROM order_events") == []


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"from_currency": "doge"}, "from_currency"),
        ({"to_currency": "doge"}, "to_currency"),
        ({"to_currency": "btc", "payout_address": BTC_ADDRESS}, "to_currency"),
        ({"amount": "0.0001"}, "amount"),
        ({"amount": "6"}, "amount"),
        ({"amount": "-1"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"amount": 0.01}, "amount"),
        ({"amount": "0.000000001"}, "amount"),
        ({"payout_address": "not-an-address"}, "payout_address"),
        ({"to_currency": "xrp", "payout_address": XRP_ADDRESS}, "payout_extra_id"),
        ({"to_currency": "xrp", "payout_address": XRP_ADDRESS, "payout_extra_id": "memo!"},
         "payout_extra_id"),
        ({"payout_extra_id": "123"}, "payout_extra_id"),
        ({"refund_address": TRON_ADDRESS}, "refund_address"),
        ({"email": "not-an-email"}, "email"),
        ({"nickname": "bob"}, "nickname"),
        ({"payout_address": None}, "payout_address"),
    ],
)  # fmt: skip
async def test_each_invalid_field_is_refused_by_name_and_nothing_is_created(
    harness: Harness, overrides: dict[str, object], field: str
) -> None:
    reply = await harness.call("POST", "/api/order", order_body(**overrides))

    assert reply.status == 422
    assert reply.json["error"]["code"] == "validation_error"
    assert field in [d["field"] for d in reply.json["error"]["details"]]
    assert reply.json["request_id"] == reply.headers["X-Request-Id"]
    assert harness.rows("SELECT id FROM orders") == []


async def test_a_missing_field_is_named(harness: Harness) -> None:
    body = order_body()
    del body["payout_address"]
    reply = await harness.call("POST", "/api/order", body)
    assert reply.status == 422
    assert reply.json["error"]["details"] == [{"field": "payout_address", "message": "is required"}]


async def test_an_xrp_payout_with_its_destination_tag_is_accepted(harness: Harness) -> None:
    order = await harness.create(
        to_currency="xrp", payout_address=XRP_ADDRESS, payout_extra_id="12345"
    )
    assert order["to"]["extra_id"] == "12345"


async def test_broken_json_is_400_and_an_oversized_body_is_413(harness: Harness) -> None:
    broken = await harness.call("POST", "/api/order", raw=b'{"amount": ')
    assert broken.status == 400 and broken.json["error"]["code"] == "invalid_json"

    huge = await harness.call("POST", "/api/order", raw=b'{"x": "' + b"a" * 17000 + b'"}')
    assert huge.status == 413 and huge.json["error"]["code"] == "payload_too_large"


async def test_unknown_routes_are_404_and_wrong_methods_405_with_allow(harness: Harness) -> None:
    missing = await harness.call("GET", "/api/nothing")
    assert missing.status == 404 and missing.json["error"]["code"] == "not_found"

    wrong = await harness.call("DELETE", "/api/order")
    assert wrong.status == 405
    assert wrong.json["error"]["code"] == "method_not_allowed"
    assert "POST" in wrong.headers["Allow"]


async def test_an_unknown_order_is_404(harness: Harness) -> None:
    reply = await harness.call("GET", "/api/order/ord_doesnotexist")
    assert reply.status == 404


async def test_reading_an_unchanged_order_with_its_etag_is_304(harness: Harness) -> None:
    order = await harness.create()
    first = await harness.call("GET", f"/api/order/{order['id']}")
    assert first.status == 200 and first.json == order

    again = await harness.call(
        "GET", f"/api/order/{order['id']}", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status == 304 and again.body == b""


async def test_an_idempotent_replay_returns_the_first_order(harness: Harness) -> None:
    key = {"Idempotency-Key": "click-1"}
    first = await harness.call("POST", "/api/order", order_body(), headers=key)
    again = await harness.call("POST", "/api/order", order_body(), headers=key)

    assert first.status == again.status == 201
    # The customer's key is the first answer's alone (tests/core/test_idempotent_replays.py).
    assert again.json == {k: v for k, v in first.json.items() if k != "customer_key"}
    assert len(harness.rows("SELECT id FROM orders")) == 1


async def test_a_reused_key_with_another_body_is_refused(harness: Harness) -> None:
    key = {"Idempotency-Key": "click-1"}
    await harness.call("POST", "/api/order", order_body(), headers=key)
    other = await harness.call("POST", "/api/order", order_body(amount="0.02"), headers=key)

    assert other.status == 422
    assert other.json["error"]["code"] == "idempotency_key_reused"
    assert len(harness.rows("SELECT id FROM orders")) == 1


async def test_a_key_is_forgotten_after_24_hours(harness: Harness) -> None:
    key = {"Idempotency-Key": "click-1"}
    await harness.call("POST", "/api/order", order_body(), headers=key)
    harness.clock.advance(hours=24, seconds=1)
    later = await harness.call("POST", "/api/order", order_body(amount="0.02"), headers=key)

    assert later.status == 201
    assert len(harness.rows("SELECT id FROM orders")) == 2


async def test_the_cron_deletes_keys_past_24_hours_and_the_customer_key_with_them(
    harness: Harness,
) -> None:
    first = await harness.call("POST", "/api/order", order_body(), headers={"Idempotency-Key": "a"})
    harness.clock.advance(hours=1)
    await harness.call("POST", "/api/order", order_body(), headers={"Idempotency-Key": "b"})
    harness.clock.advance(hours=23, seconds=1)
    assert (await harness.app.scheduled())["forgotten"] == 1
    assert [r["key"] for r in harness.rows("SELECT key FROM idempotency_keys")] == ["b"]
    assert first.json["customer_key"] not in str(harness.rows("SELECT * FROM idempotency_keys"))


async def test_parallel_replays_of_one_key_create_one_order(make_harness: MakeHarness) -> None:
    harness = make_harness(RATE_LIMIT_ORDERS_PER_MINUTE="100")
    key = {"Idempotency-Key": "double-click"}
    started = harness.clock.now
    replies = await asyncio.gather(
        *(harness.call("POST", "/api/order", order_body(), headers=key) for _ in range(20))
    )
    assert {r.status for r in replies} == {201}
    assert len({r.json["id"] for r in replies}) == 1
    assert len(harness.rows("SELECT id FROM orders")) == 1
    # The test D1 yields between statements, so the others found the key still being served
    # and waited (on the test's clock) for its answer, rather than running one after another.
    assert harness.clock.now > started
    replayed = [r for r in replies if r.headers.get("Idempotent-Replayed") == "true"]
    assert len(replayed) == 19
    assert len({r.body for r in replayed}) == 1
    first = next(r for r in replies if r not in replayed).json
    assert [r.json for r in replayed] == [
        {k: v for k, v in first.items() if k != "customer_key"}
    ] * 19


async def test_a_lost_race_is_decided_again_on_the_order_the_winner_left(
    harness: Harness,
) -> None:
    order = await harness.create()
    await harness.call("POST", f"/api/sandbox/pay/{order['id']}", {"status": "finished"})
    replies = await asyncio.gather(
        *(
            harness.call("PUT", f"/api/order/{order['id']}", body, headers=harness.admin())
            for body in (
                {"status": "completed", "payout_tx_hash": "ab" * 32},
                {"status": "refunded", "refund_tx_hash": "cd" * 32},
            )
        )
    )
    # Both read the paid order; one wrote first, and the other, judged again on the order as
    # the winner left it, is refused: completed and refunded are both final.
    assert sorted(r.status for r in replies) == [200, 409]
    winner = next(r for r in replies if r.status == 200).json
    final = (await harness.call("GET", f"/api/order/{order['id']}")).json
    assert final["status"] == winner["status"] and final["version"] == winner["version"]
    moves = [e["status"] for e in final["timeline"]]
    assert moves.count("completed") + moves.count("refunded") == 1


async def test_the_operator_moves_an_order_and_every_change_is_recorded(harness: Harness) -> None:
    order = await harness.create()
    reply = await harness.call(
        "PUT", f"/api/order/{order['id']}", {"status": "cancelled", "note": "customer asked"},
        headers=harness.admin(),
    )  # fmt: skip

    assert reply.status == 200
    assert reply.json["status"] == "cancelled" and reply.json["version"] == 2
    assert reply.json["timeline"][-1] == {
        "status": "cancelled", "at": "2026-11-26T12:00:00Z", "source": "operator",
        "note": "customer asked",
    }  # fmt: skip
    types = harness.rows("SELECT type FROM webhook_outbox ORDER BY seq")
    assert [t["type"] for t in types] == ["order.created", "order.cancelled"]


async def test_a_disallowed_transition_is_409_naming_what_is_allowed(harness: Harness) -> None:
    order = await harness.create()
    reply = await harness.call(
        "PUT",
        f"/api/order/{order['id']}",
        {"status": "refunded", "refund_tx_hash": "cd" * 32},
        headers=harness.admin(),
    )
    assert reply.status == 409
    assert reply.json["error"]["code"] == "invalid_transition"
    assert (
        "confirming, partially_paid, action_required, paid, expired, failed, cancelled"
        in reply.json["error"]["message"]
    )
    unchanged = await harness.call("GET", f"/api/order/{order['id']}")
    assert unchanged.json == order


async def test_setting_the_status_an_order_already_has_is_refused(harness: Harness) -> None:
    order = await harness.create()
    reply = await harness.call(
        "PUT", f"/api/order/{order['id']}", {"status": "awaiting_payment"}, headers=harness.admin()
    )
    assert reply.status == 409 and reply.json["error"]["code"] == "invalid_transition"
    assert (await harness.call("GET", f"/api/order/{order['id']}")).json == order


async def test_completing_requires_the_payout_hash(harness: Harness) -> None:
    order = await harness.create()
    await harness.call(
        "PUT", f"/api/order/{order['id']}", {"status": "paid"}, headers=harness.admin()
    )
    reply = await harness.call(
        "PUT", f"/api/order/{order['id']}", {"status": "completed"}, headers=harness.admin()
    )
    assert reply.status == 422
    assert reply.json["error"]["details"][0]["field"] == "payout_tx_hash"

    done = await harness.call(
        "PUT", f"/api/order/{order['id']}",
        {"status": "completed", "payout_tx_hash": "ab" * 32}, headers=harness.admin(),
    )  # fmt: skip
    assert done.status == 200 and done.json["payout"] == {"tx_hash": "ab" * 32}


@pytest.mark.parametrize(
    "authorization", [None, "Bearer wrong", "Basic dGVzdA==", "Bearer", ADMIN_TOKEN]
)
async def test_an_update_without_the_right_token_is_401(
    harness: Harness, authorization: str | None
) -> None:
    order = await harness.create()
    headers = {"Authorization": authorization} if authorization else {}
    reply = await harness.call(
        "PUT", f"/api/order/{order['id']}", {"status": "cancelled"}, headers=headers
    )
    assert reply.status == 401 and reply.json["error"]["code"] == "unauthorized"
    assert (await harness.call("GET", f"/api/order/{order['id']}")).json["status"] == (
        "awaiting_payment"
    )


async def test_an_unset_admin_token_disables_updates_rather_than_opening_them(
    make_harness: MakeHarness,
) -> None:
    harness = make_harness(ADMIN_TOKEN="")
    order = await harness.create()
    reply = await harness.call(
        "PUT", f"/api/order/{order['id']}", {"status": "cancelled"},
        headers={"Authorization": "Bearer "},
    )  # fmt: skip
    assert reply.status == 503 and reply.json["error"]["code"] == "service_unavailable"


async def test_a_stale_if_match_is_412_and_changes_nothing(harness: Harness) -> None:
    order = await harness.create()
    etag = (await harness.call("GET", f"/api/order/{order['id']}")).headers["ETag"]
    await harness.call(
        "PUT", f"/api/order/{order['id']}", {"status": "paid"}, headers=harness.admin()
    )
    stale = await harness.call(
        "PUT", f"/api/order/{order['id']}", {"status": "refunded", "refund_tx_hash": "cd" * 32},
        headers=harness.admin(**{"If-Match": etag}),
    )  # fmt: skip
    assert stale.status == 412 and stale.json["error"]["code"] == "version_conflict"
    assert (await harness.call("GET", f"/api/order/{order['id']}")).json["status"] == "paid"


async def test_if_match_names_a_version_of_this_order_only(harness: Harness) -> None:
    # The version is read off the tag, whose digest binds it to its order: another order's tag
    # at the same version, or a tag with the digest changed, names no version of this one.
    order, other = await harness.create(), await harness.create()
    etag = (await harness.call("GET", f"/api/order/{order['id']}")).headers["ETag"]
    theirs = (await harness.call("GET", f"/api/order/{other['id']}")).headers["ETag"]
    forged = etag[:-2] + ("0" if etag[-2] != "0" else "1") + '"'
    for tag in (theirs, forged, 'W/"1"', 'W/"x-y"', '"' + "9" * 40 + '-0"'):
        refused = await harness.call(
            "PUT", f"/api/order/{order['id']}", {"status": "paid"},
            headers=harness.admin(**{"If-Match": tag}),
        )  # fmt: skip
        assert refused.status == 412, tag
    assert (await harness.call("GET", f"/api/order/{order['id']}")).json["status"] == (
        "awaiting_payment"
    )
    # A list (a strong tag among them) and `*` each name the order as it is.
    for listed in (True, False):
        current = (await harness.call("GET", f"/api/order/{order['id']}")).headers["ETag"]
        tag = f"{theirs}, {current.removeprefix('W/')}" if listed else "*"
        moved = await harness.call(
            "PUT", f"/api/order/{order['id']}", {"internal_note": "checked"},
            headers=harness.admin(**{"If-Match": tag}),
        )  # fmt: skip
        assert moved.status == 200, tag


async def test_concurrent_updates_with_one_etag_let_exactly_one_win(harness: Harness) -> None:
    order = await harness.create()
    etag = (await harness.call("GET", f"/api/order/{order['id']}")).headers["ETag"]
    replies = await asyncio.gather(
        *(
            harness.call(
                "PUT",
                f"/api/order/{order['id']}",
                {"status": status},
                headers=harness.admin(**{"If-Match": etag}),
            )
            for status in ("paid", "cancelled")
        )
    )
    assert sorted(r.status for r in replies) == [200, 412]
    events = harness.rows("SELECT to_status FROM order_events WHERE order_id = ?", order["id"])
    assert len(events) == 2


async def test_cors_echoes_a_listed_origin_only(harness: Harness) -> None:
    listed = await harness.call("GET", "/health", headers={"Origin": "https://onncx.com"})
    assert listed.headers["Access-Control-Allow-Origin"] == "https://onncx.com"

    other = await harness.call("GET", "/health", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers

    preflight = await harness.call(
        "OPTIONS", "/api/order",
        headers={"Origin": "https://onncx.com", "Access-Control-Request-Method": "POST"},
    )  # fmt: skip
    assert preflight.status == 204
    assert "Idempotency-Key" in preflight.headers["Access-Control-Allow-Headers"]


async def test_order_creation_is_rate_limited_per_client(harness: Harness) -> None:
    for _ in range(10):
        assert (await harness.create())["status"] == "awaiting_payment"
    limited = await harness.call("POST", "/api/order", order_body())
    assert limited.status == 429 and limited.json["error"]["code"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) > 0
    assert len(harness.rows("SELECT id FROM orders")) == 10

    elsewhere = await harness.call("POST", "/api/order", order_body(), client_ip="198.51.100.1")
    assert elsewhere.status == 201
    harness.clock.advance(minutes=1)
    assert (await harness.call("POST", "/api/order", order_body())).status == 201


async def test_health_reports_degraded_when_the_database_is_down(harness: Harness) -> None:
    ok = await harness.call("GET", "/health")
    assert ok.status == 200 and ok.json["status"] == "ok" and ok.json["checks"] == {"db": "ok"}

    harness.db.available = False
    down = await harness.call("GET", "/health")
    assert down.status == 503 and down.json["status"] == "degraded"


async def test_currencies_list_what_can_be_exchanged(harness: Harness) -> None:
    reply = await harness.call("GET", "/api/currencies")
    codes = {c["code"]: c for c in reply.json["currencies"]}
    assert set(codes) == {"btc", "eth", "ltc", "usdttrc20", "xrp", "sol"}
    assert codes["xrp"]["needs_extra_id"] is True
    assert codes["btc"]["min_amount"] == "0.0005"


async def test_a_quote_prices_the_pair_less_the_fee(harness: Harness) -> None:
    reply = await harness.call("GET", "/api/quote?from=btc&to=usdttrc20&amount=0.01")
    assert reply.status == 200
    assert reply.json == {
        "from": {"currency": "btc", "amount": "0.01"},
        "to": {"currency": "usdttrc20", "amount": "945.25"},
        "rate": "95000",
        "fee_percent": "0.5",
        "min_amount": "0.0005",
        "expires_at": "2026-11-26T12:02:00Z",
        "rate_lock_minutes": 20,
    }
    bad = await harness.call("GET", "/api/quote?from=btc&to=btc&amount=x")
    assert bad.status == 422
    assert {d["field"] for d in bad.json["error"]["details"]} == {"to", "amount"}


async def test_no_error_leaks_sql_or_a_stack_trace(harness: Harness) -> None:
    harness.connection.execute("DROP TABLE order_events")
    order_reply = await harness.call("POST", "/api/order", order_body())
    text = order_reply.body.decode()
    assert order_reply.status == 500
    assert "sqlite" not in text.lower() and "order_events" not in text
    with pytest.raises(sqlite3.OperationalError):
        harness.connection.execute("SELECT * FROM order_events")


@pytest.mark.parametrize(
    ("to_currency", "address"),
    [
        # bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq with one character changed
        ("btc", "bc1qar0srrr7xfkvy5l64jlydnw9re59gtzzwf5mdq"),
        # the EIP-55 example 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed with one letter's case
        ("eth", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAEd"),
        # TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7 with one character changed
        ("usdttrc20", "TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU8"),
    ],
)
async def test_a_payout_address_with_a_typo_is_refused_as_a_checksum_problem(
    harness: Harness, to_currency: str, address: str
) -> None:
    source = "eth" if to_currency == "btc" else "btc"
    amount = "0.1" if source == "eth" else "0.01"
    reply = await harness.call("POST", "/api/order", order_body(
        from_currency=source, to_currency=to_currency, amount=amount, payout_address=address,
    ))  # fmt: skip
    assert reply.status == 422
    [detail] = reply.json["error"]["details"]
    assert detail["field"] == "payout_address"
    assert "checksum" in detail["message"] and "typo" in detail["message"]
    assert harness.rows("SELECT id FROM orders") == []
