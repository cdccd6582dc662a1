"""The order API over HTTP, as a client sees it (docs/api.md): the local host in a subprocess."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support.inprocess import BTC_ADDRESS, TRON_ADDRESS, XRP_ADDRESS, order_body
from tests.support.localhost import Client, LocalHost, local_host


def create(api: Client, **overrides: object) -> dict:
    reply = api.request("POST", "/api/order", order_body(**overrides))
    assert reply.status == 201, reply.body
    assert reply.json["customer_key"]  # the customer's, once: these tests read as anyone does
    return {k: v for k, v in reply.json.items() if k != "customer_key"}


def test_health_currencies_and_quote_answer_with_request_ids(api: Client) -> None:
    health = api.request("GET", "/health")
    assert health.status == 200 and health.json["status"] == "ok"
    assert health.json["checks"] == {"db": "ok"} and health.json["version"]
    assert health.headers["X-Request-Id"]
    assert health.headers["Content-Type"] == "application/json; charset=utf-8"

    currencies = api.request("GET", "/api/currencies").json["currencies"]
    assert {"btc", "usdttrc20", "xrp"} <= {c["code"] for c in currencies}
    quote = api.request("GET", "/api/quote?from=btc&to=usdttrc20&amount=0.01")
    assert quote.status == 200 and quote.json["from"] == {"currency": "btc", "amount": "0.01"}
    assert quote.json["fee_percent"] and quote.json["min_amount"] and quote.json["expires_at"]


def test_create_then_read_the_order(api: Client) -> None:
    created = api.request("POST", "/api/order", order_body(email="bob@example.com"))
    assert created.status == 201
    order = dict(created.json)
    assert created.headers["Location"] == f"/api/order/{order['id']}"
    assert order["email"] == "b***@example.com"

    key = order.pop("customer_key")  # given to its creator only: the order as anyone reads it
    read = api.request("GET", created.headers["Location"])
    assert read.status == 200 and read.json == order and key not in read.body.decode()
    assert read.headers["ETag"]
    unchanged = api.request("GET", f"/api/order/{order['id']}",
                            headers={"If-None-Match": read.headers["ETag"]})  # fmt: skip
    assert unchanged.status == 304 and unchanged.body == b""


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"from_currency": "doge"}, "from_currency"),
        ({"to_currency": "btc", "payout_address": BTC_ADDRESS}, "to_currency"),
        ({"amount": "0"}, "amount"),
        ({"amount": "0.0001"}, "amount"),
        ({"amount": "1000"}, "amount"),
        ({"amount": 1}, "amount"),
        ({"payout_address": BTC_ADDRESS}, "payout_address"),
        ({"refund_address": TRON_ADDRESS}, "refund_address"),
        ({"to_currency": "xrp", "payout_address": XRP_ADDRESS}, "payout_extra_id"),
        ({"email": "nope@"}, "email"),
        ({"surprise": True}, "surprise"),
    ],
)
def test_each_validation_failure_names_its_field(
    api: Client, overrides: dict[str, object], field: str
) -> None:
    reply = api.request("POST", "/api/order", order_body(**overrides))
    assert reply.status == 422
    error = reply.json["error"]
    assert error["code"] == "validation_error" and error["message"]
    assert field in [d["field"] for d in error["details"]]
    assert reply.json["request_id"] == reply.headers["X-Request-Id"]


def test_broken_json_oversized_bodies_unknown_routes_and_wrong_methods(api: Client) -> None:
    broken = api.request("POST", "/api/order", raw=b"{not json")
    assert broken.status == 400 and broken.json["error"]["code"] == "invalid_json"

    huge = api.request("POST", "/api/order", raw=b"[" + b"1," * 9000 + b"1]")
    assert huge.status == 413 and huge.json["error"]["code"] == "payload_too_large"

    missing = api.request("GET", "/api/unknown")
    assert missing.status == 404 and missing.json["error"]["code"] == "not_found"

    wrong = api.request("PATCH", "/api/order/ord_x")
    assert wrong.status == 405 and wrong.json["error"]["code"] == "method_not_allowed"
    assert {"GET", "PUT"} <= {m.strip() for m in wrong.headers["Allow"].split(",")}


def test_a_replay_returns_the_same_order_and_a_reused_key_is_refused(api: Client) -> None:
    key = {"Idempotency-Key": "bb-replay-1"}
    first = api.request("POST", "/api/order", order_body(), headers=key)
    again = api.request("POST", "/api/order", order_body(), headers=key)
    assert first.status == again.status == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Location"] == first.headers["Location"]
    # The key made for the order was in the first answer only: who repeats key and body lacks it.
    order = first.json
    customer_key = order.pop("customer_key")
    assert again.json == order and customer_key not in again.body.decode()

    other = api.request("POST", "/api/order", order_body(amount="0.02"), headers=key)
    assert other.status == 422 and other.json["error"]["code"] == "idempotency_key_reused"


def test_a_replay_with_the_clients_own_customer_key_is_the_first_answer(api: Client) -> None:
    key = {"Idempotency-Key": "bb-replay-own-key"}
    body = order_body(customer_key="bb-own-key-" + "x" * 24)
    first = api.request("POST", "/api/order", body, headers=key)
    assert first.status == 201 and first.json["customer_key"] == body["customer_key"]

    again = api.request("POST", "/api/order", body, headers=key)
    assert again.status == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.body == first.body

    overheard = api.request("POST", "/api/order", order_body(), headers=key)
    assert overheard.status == 422
    assert overheard.json["error"]["code"] == "idempotency_key_reused"
    assert body["customer_key"] not in overheard.body.decode()


def test_operator_updates_need_the_token(api: Client) -> None:
    order = create(api)
    path = f"/api/order/{order['id']}"
    for headers in ({}, {"Authorization": "Bearer wrong-token"}):
        refused = api.request("PUT", path, {"status": "cancelled"}, headers=headers)
        assert refused.status == 401 and refused.json["error"]["code"] == "unauthorized"
    assert api.request("GET", path).json["status"] == "awaiting_payment"

    allowed = api.request("PUT", path, {"status": "cancelled"}, headers=api.admin())
    assert allowed.status == 200 and allowed.json["status"] == "cancelled"


def test_a_disallowed_transition_changes_nothing(api: Client) -> None:
    order = create(api)
    path = f"/api/order/{order['id']}"
    refused = api.request("PUT", path, {"status": "completed", "payout_tx_hash": "ab" * 32},
                          headers=api.admin())  # fmt: skip
    assert refused.status == 409 and refused.json["error"]["code"] == "invalid_transition"
    assert "paid" in refused.json["error"]["message"]
    assert api.request("GET", path).json == order


def test_a_stale_if_match_is_refused(api: Client) -> None:
    order = create(api)
    path = f"/api/order/{order['id']}"
    etag = api.request("GET", path).headers["ETag"]
    assert api.request("PUT", path, {"status": "paid"}, headers=api.admin()).status == 200

    stale = api.request("PUT", path, {"status": "refunded", "refund_tx_hash": "cd" * 32},
                        headers=api.admin(**{"If-Match": etag}))  # fmt: skip
    assert stale.status == 412 and stale.json["error"]["code"] == "version_conflict"
    assert api.request("GET", path).json["status"] == "paid"


def test_cors_for_a_listed_origin_and_not_for_another(api: Client, host: LocalHost | None) -> None:
    listed = host.site_url if host else "https://onncx.com"
    preflight = api.request("OPTIONS", "/api/order", headers={
        "Origin": listed, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,idempotency-key"})  # fmt: skip
    assert preflight.status == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == listed
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]

    get = api.request("GET", "/health", headers={"Origin": listed})
    assert get.headers["Access-Control-Allow-Origin"] == listed

    other = api.request("GET", "/health", headers={"Origin": "https://evil.example"})
    assert other.headers.get("Access-Control-Allow-Origin") is None


def test_twenty_parallel_creates_with_distinct_keys_make_twenty_orders(api: Client) -> None:
    def one(i: int) -> dict:
        reply = api.request("POST", "/api/order", order_body(),
                            headers={"Idempotency-Key": f"bb-distinct-{i}"})  # fmt: skip
        assert reply.status == 201, reply.body
        return reply.json

    with ThreadPoolExecutor(20) as pool:
        orders = list(pool.map(one, range(20)))
    assert len({o["id"] for o in orders}) == 20


def test_twenty_parallel_replays_of_one_key_make_one_order(api: Client) -> None:
    def one(_: int) -> tuple[int, str]:
        reply = api.request("POST", "/api/order", order_body(amount="0.03"),
                            headers={"Idempotency-Key": "bb-same-key"})  # fmt: skip
        return reply.status, reply.json["id"]

    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(one, range(20)))
    assert {status for status, _ in results} == {201}
    assert len({order_id for _, order_id in results}) == 1


def test_two_puts_with_one_etag_one_wins_one_gets_412(api: Client) -> None:
    order = create(api)
    path = f"/api/order/{order['id']}"
    etag = api.request("GET", path).headers["ETag"]

    def put(status: str) -> int:
        return api.request("PUT", path, {"status": status},
                           headers=api.admin(**{"If-Match": etag})).status  # fmt: skip

    with ThreadPoolExecutor(2) as pool:
        statuses = sorted(pool.map(put, ["paid", "cancelled"]))
    assert statuses == [200, 412]
    final = api.request("GET", path).json
    assert final["version"] == 2 and len(final["timeline"]) == 2


def test_concurrent_puts_without_if_match_each_apply_to_the_order_as_it_then_is(
    api: Client,
) -> None:
    order = create(api)
    path = f"/api/order/{order['id']}"

    def put(status: str) -> int:
        body = {"status": status, "refund_tx_hash": "cd" * 32} if status == "refunded" else {
            "status": status}  # fmt: skip
        return api.request("PUT", path, body, headers=api.admin()).status

    # paid → refunded is an edge; refunded → paid is not: whichever lands second is judged
    # against the order as the first left it, never against a stale read.
    with ThreadPoolExecutor(2) as pool:
        statuses = sorted(pool.map(put, ["paid", "refunded"]))
    final = api.request("GET", path).json
    moves = [e["status"] for e in final["timeline"]]
    if statuses == [200, 200]:
        assert moves == ["awaiting_payment", "paid", "refunded"]
    else:
        assert statuses == [200, 409] and moves == ["awaiting_payment", "paid"]
    assert final["version"] == len(moves)


def test_rate_limit_refuses_with_retry_after_and_creates_nothing() -> None:
    # As behind Cloudflare, which sets CF-Connecting-IP: each address has its own limit.
    with local_host(
        RATE_LIMIT_ORDERS_PER_MINUTE="3",
        RATE_LIMIT_QUOTES_PER_MINUTE="2",
        TRUST_CLIENT_IP_HEADER="CF-Connecting-IP",
    ) as h:
        api = h.client()
        statuses = [api.request("POST", "/api/order", order_body()).status for _ in range(4)]
        assert statuses == [201, 201, 201, 429]
        limited = api.request("POST", "/api/order", order_body())
        assert limited.json["error"]["code"] == "rate_limited"
        assert int(limited.headers["Retry-After"]) >= 1

        other_client = api.request("POST", "/api/order", order_body(),
                                   headers={"CF-Connecting-IP": "198.51.100.9"})  # fmt: skip
        assert other_client.status == 201

        quotes = [api.request("GET", "/api/quote?from=btc&to=eth&amount=0.01").status
                  for _ in range(3)]  # fmt: skip
        assert quotes == [200, 200, 429]


def test_an_order_survives_a_restart_of_the_local_host() -> None:
    with local_host() as h:
        order = create(h.client())
        h.restart()
        again = h.client().request("GET", f"/api/order/{order['id']}")
        assert again.status == 200 and again.json == order


def test_without_an_admin_token_operator_updates_are_off_not_open() -> None:
    with local_host(ADMIN_TOKEN="") as h:
        api = h.client()
        order = create(api)
        for headers in ({}, {"Authorization": "Bearer "}, {"Authorization": "Bearer anything"}):
            reply = api.request(
                "PUT", f"/api/order/{order['id']}", {"status": "cancelled"}, headers=headers
            )
            assert reply.status == 503 and reply.json["error"]["code"] == "service_unavailable"
            assert "ADMIN_TOKEN" in reply.json["error"]["message"]
        assert api.request("GET", f"/api/order/{order['id']}").json["status"] == "awaiting_payment"


def test_head_answers_like_get_without_a_body(api: Client) -> None:
    reply = api.request("HEAD", "/health")
    assert reply.status == 200 and reply.body == b"" and reply.headers["X-Request-Id"]


def test_the_access_log_is_json_with_the_d1_round_trips_of_each_request(
    api: Client, host: LocalHost | None
) -> None:
    if host is None:
        pytest.skip("reads the local host's own log")
    order = create(api)
    read = api.request("GET", f"/api/order/{order['id']}")
    poll = api.request("GET", f"/api/order/{order['id']}",
                       headers={"If-None-Match": read.headers["ETag"]})  # fmt: skip
    lines = [json.loads(line) for line in host.log_path.read_text().splitlines()
             if line.startswith("{")]  # fmt: skip
    by_id = {line.get("request_id"): line for line in lines}
    logged = [by_id[r.headers["X-Request-Id"]] for r in (read, poll)]
    assert [(line["status"], line["d1"]) for line in logged] == [(200, 1), (304, 1)]
    assert all(line["d1_ms"] >= 0 and line["path"] == f"/api/order/{order['id']}"
               for line in logged)  # fmt: skip
