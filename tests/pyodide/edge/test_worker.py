"""src/entry.py at the edge: Python 3.14 in Pyodide 314, the real `workers` SDK, called as workerd
calls the Worker's `Default` entrypoint, over the binding stand-ins of standins.mjs.

Every endpoint goes through it once; the checks are what a client, the operator's webhook
receiver or the operator sees: statuses, headers, bodies (null ones included), outbound calls.
"""

from __future__ import annotations

import asyncio
import base64
import json
from decimal import Decimal
from typing import Any

import pytest
from edge_runtime import CLIENT_IP, Edge, Sent, js_object, nowpayments, standins
from standardwebhooks.webhooks import Webhook

from orders.processors import nowpayments_ipn
from tests.support.inprocess import ADMIN_TOKEN, NOWPAYMENTS_ENV, SECRET, order_body

WEBHOOK_URL = "https://hook.eu1.make.com/onecash-edge-tier"
WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"edge-tier-throwaway-key!").decode()
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
LIVE = {**NOWPAYMENTS_ENV, "ADMIN_TOKEN": ADMIN_TOKEN, "ALLOWED_ORIGINS": "https://onncx.com"}


def receiver(edge: Edge, status: int = 200) -> list[Sent]:
    """The operator's webhook receiver, answering `status`; the deliveries it got."""
    edge.route(WEBHOOK_URL, lambda sent: (status, {}))
    return [sent for sent in edge.sent if sent.url == WEBHOOK_URL]


def deliveries(edge: Edge) -> list[Sent]:
    return [sent for sent in edge.sent if sent.url == WEBHOOK_URL]


@pytest.fixture
def live(make_edge: Any) -> Edge:
    """The Worker as wrangler.toml deploys it: NOWPayments, an admin token, CORS for the site."""
    edge: Edge = make_edge(**LIVE)
    nowpayments(edge)
    return edge


async def created(edge: Edge, **overrides: Any) -> dict[str, Any]:
    answer = await edge.fetch("POST", "/api/order", order_body(**overrides))
    assert answer.status == 201, answer
    return answer.json  # type: ignore[no-any-return]


# --- every endpoint, once ------------------------------------------------------------------------


async def test_health_answers_from_d1(live: Edge) -> None:
    answer = await live.fetch("GET", "/health")

    assert answer.status == 200
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.headers["x-request-id"]
    assert answer.json["checks"] == {"db": "ok"}


async def test_health_degrades_when_d1_is_unreachable(live: Edge) -> None:
    live.db.available = False

    answer = await live.fetch("GET", "/health")

    assert answer.status == 503
    assert answer.json["checks"]["db"] != "ok"


async def test_currencies_come_from_the_processor_once_then_from_kv(live: Edge) -> None:
    first = await live.fetch("GET", "/api/currencies")
    again = await live.fetch("GET", "/api/currencies")

    assert first.status == again.status == 200
    assert first.json == again.json
    assert "btc" in json.dumps(first.json)
    asked = [s for s in live.sent if s.url.endswith("/full-currencies")]
    assert len(asked) == 1
    assert asked[0].headers["x-api-key"] == NOWPAYMENTS_ENV["NOWPAYMENTS_API_KEY"]


async def test_a_quote_is_cached_in_kv_for_its_ttl_and_no_longer(live: Edge) -> None:
    path = "/api/quote?from=btc&to=usdttrc20&amount=0.01"

    first = await live.fetch("GET", path, headers={"X-Request-Id": "req-edge-tier-0001"})
    await live.fetch("GET", path)
    live.advance(seconds=61)  # past the estimate's 60 s expirationTtl
    await live.fetch("GET", path)

    assert first.status == 200, first
    assert first.headers["x-request-id"] == "req-edge-tier-0001"
    assert first.json["from"] == {"currency": "btc", "amount": "0.01"}
    assert Decimal(first.json["to"]["amount"]) > 0
    estimates = [s for s in live.sent if "/estimate" in s.url]
    assert len(estimates) == 2


async def test_creating_an_order_answers_201_then_delivers_its_webhook_via_wait_until(
    make_edge: Any,
) -> None:
    edge = make_edge(**LIVE, WEBHOOK_URL=WEBHOOK_URL, WEBHOOK_SECRET=WEBHOOK_SECRET)
    nowpayments(edge)
    receiver(edge)

    answer = await edge.fetch("POST", "/api/order", order_body(), headers={"Idempotency-Key": "k1"})

    assert answer.status == 201, answer
    order = answer.json
    assert answer.headers["location"] == f"/api/order/{order['id']}"
    assert order["status"] == "awaiting_payment"
    assert order["payment"]["address"]
    assert edge.waiting == 1, "the webhook delivery was not handed to ctx.waitUntil"

    await edge.settle()

    [delivery] = deliveries(edge)
    assert delivery.method == "POST"
    event = json.loads(delivery.body)
    assert event["type"] == "order.created"
    assert event["data"]["order"]["id"] == order["id"]
    headers = delivery.headers
    expected = Webhook(WEBHOOK_SECRET).sign(
        headers["webhook-id"], _when(headers["webhook-timestamp"]), delivery.body.decode()
    )
    assert headers["webhook-signature"] == expected
    assert [r["status"] for r in edge.rows("SELECT status FROM webhook_outbox")] == ["delivered"]


async def test_reading_an_order_gives_an_etag_and_polling_with_it_a_304_with_no_body(
    live: Edge,
) -> None:
    order = await created(live, email="alice@example.com")

    read = await live.fetch("GET", f"/api/order/{order['id']}")
    polled = await live.fetch(
        "GET", f"/api/order/{order['id']}", headers={"If-None-Match": read.headers["etag"]}
    )

    assert read.status == 200
    assert read.json["id"] == order["id"]
    assert read.json["email"] != "alice@example.com"  # masked
    assert polled.status == 304
    assert polled.body is None
    assert polled.headers["etag"] == read.headers["etag"]


async def test_head_answers_with_no_body(live: Edge) -> None:
    answer = await live.fetch("HEAD", "/health")

    assert answer.status == 200
    assert answer.body is None


async def test_the_operator_cancels_an_order_and_stale_changes_are_refused(live: Edge) -> None:
    order = await created(live)
    path = f"/api/order/{order['id']}"
    etag = (await live.fetch("GET", path)).headers["etag"]

    changed = await live.fetch(
        "PUT", path, {"status": "cancelled", "note": "asked by the customer"},
        headers={**ADMIN, "If-Match": etag},
    )  # fmt: skip
    stale = await live.fetch(
        "PUT", path, {"status": "cancelled"}, headers={**ADMIN, "If-Match": etag}
    )
    anonymous = await live.fetch("PUT", path, {"status": "cancelled"})

    assert changed.status == 200, changed
    assert changed.json["status"] == "cancelled"
    assert stale.status == 412
    assert anonymous.status == 401
    await live.settle()


async def test_a_signed_callback_moves_the_order_after_asking_the_processor(make_edge: Any) -> None:
    edge = make_edge(**LIVE)
    payments = nowpayments(edge)
    order = await created(edge)
    payments[order["payment"]["id"]].update(payment_status="finished", actually_paid=0.01)
    raw, signature = nowpayments_ipn.signed_body(
        {
            "payment_id": int(order["payment"]["id"]),
            "order_id": order["id"],
            "payment_status": "finished",
            "actually_paid": Decimal("0.01"),
        },
        SECRET,
    )

    forged = await edge.fetch(
        "POST", "/api/ipn/nowpayments", raw=raw, headers={"x-nowpayments-sig": "0" * 128}
    )
    answer = await edge.fetch(
        "POST", "/api/ipn/nowpayments", raw=raw, headers={"x-nowpayments-sig": signature}
    )

    assert forged.status == 401
    assert answer.status == 200, answer
    assert answer.json["order_status"] == "paid"
    lookups = [s for s in edge.sent if s.url.endswith(f"/payment/{order['payment']['id']}")]
    assert lookups, "the callback was trusted without asking the processor"
    assert (await edge.fetch("GET", f"/api/order/{order['id']}")).json["status"] == "paid"
    await edge.settle()


async def test_a_sandbox_deposit_pays_the_order(make_edge: Any) -> None:
    edge = make_edge(PROCESSOR="sandbox")
    order = await created(edge)

    answer = await edge.fetch("POST", f"/api/sandbox/pay/{order['id']}", {"status": "finished"})

    assert answer.status == 200, answer
    assert (await edge.fetch("GET", f"/api/order/{order['id']}")).json["status"] == "paid"
    await edge.settle()


async def test_a_short_deposit_then_the_customers_choice_and_its_email(make_edge: Any) -> None:
    resend = "https://api.resend.com/emails"
    edge = make_edge(**{**LIVE, "PROCESSOR": "sandbox"}, EMAIL_PROVIDER="resend",
                     EMAIL_API_KEY="re_edge_tier", EMAIL_FROM="orders@onncx.com")  # fmt: skip
    edge.route(resend, lambda sent: (200, {}))
    order = await created(edge, email="alice@example.com")
    key = order.pop("customer_key")
    short = await edge.fetch("POST", f"/api/sandbox/pay/{order['id']}", {"amount": "0.004"})
    chosen = await edge.fetch("POST", f"/api/order/{order['id']}/choice",
                              {"key": key, "choice": "partial_payout"})  # fmt: skip
    refused = await edge.fetch("POST", f"/api/order/{order['id']}/choice",
                               {"key": "not-it", "choice": "refund"})  # fmt: skip
    await edge.settle()

    assert short.json["order"]["status"] == "action_required"
    assert chosen.status == 200 and chosen.json["status"] == "paid"
    assert chosen.json["to"]["amount"] == short.json["order"]["action"]["partial_payout"]["amount"]
    assert refused.status == 403
    emails = [json.loads(sent.body or b"{}") for sent in edge.sent if sent.url == resend]
    assert [e["to"] for e in emails] == [["alice@example.com"]] * 3  # link, action, paid
    listed = await edge.fetch("GET", "/api/admin/emails?status=delivered", headers=ADMIN)
    assert len(listed.json["events"]) == 3


async def test_the_operator_lists_events_and_redelivers_after_a_410(make_edge: Any) -> None:
    edge = make_edge(**LIVE, WEBHOOK_URL=WEBHOOK_URL, WEBHOOK_SECRET=WEBHOOK_SECRET)
    nowpayments(edge)
    receiver(edge, 410)  # the receiver is gone: deliveries stop
    await created(edge)
    await edge.settle()

    listed = await edge.fetch("GET", "/api/admin/webhooks?status=dead", headers=ADMIN)
    receiver(edge, 200)  # back
    [event] = listed.json["events"]
    redelivered = await edge.fetch(
        "POST", f"/api/admin/webhooks/{event['event_id']}/redeliver", headers=ADMIN
    )
    await edge.settle()

    assert listed.status == 200
    assert listed.json["endpoint_disabled_by_410"] is True
    assert [a["status_code"] for a in event["attempt_log"]] == [410]
    assert redelivered.status == 202
    assert len(deliveries(edge)) == 2
    done = await edge.fetch("GET", "/api/admin/webhooks?status=delivered", headers=ADMIN)
    assert [e["event_id"] for e in done.json["events"]] == [event["event_id"]]


async def test_the_operator_finds_an_order_and_exports_it_as_csv(make_edge: Any) -> None:
    edge = make_edge(**LIVE)
    nowpayments(edge)
    order = await created(edge, email="carol@example.com")

    found = await edge.fetch("GET", "/api/admin/orders?q=carol", headers=ADMIN)
    queue = await edge.fetch("GET", "/api/admin/queue", headers=ADMIN)
    export = await edge.fetch("GET", "/api/admin/orders.csv", headers=ADMIN)
    refused = await edge.fetch("GET", "/api/admin/orders.csv")

    assert [(o["id"], o["email"]) for o in found.json["orders"]] == [
        (order["id"], "carol@example.com")
    ]
    assert queue.status == 200 and queue.json["total"] == 0
    assert export.status == 200 and export.headers["content-type"].startswith("text/csv")
    assert export.body is not None
    header, row = export.body.decode().splitlines()
    assert header.startswith("id,") and row.startswith(f"{order['id']},")
    assert refused.status == 401


async def test_a_preflight_answers_204_with_a_null_body(live: Edge) -> None:
    answer = await live.fetch(
        "OPTIONS", "/api/order",
        headers={"Origin": "https://onncx.com", "Access-Control-Request-Method": "POST"},
    )  # fmt: skip

    assert answer.status == 204
    assert answer.body is None
    assert answer.headers["access-control-allow-origin"] == "https://onncx.com"


# --- what the runtime does differently from CPython ----------------------------------------------


@pytest.mark.parametrize("method", ["PROPFIND", "propfind", "Purge", "mkcol"])
async def test_a_method_outside_pythons_enum_gets_the_apis_405(live: Edge, method: str) -> None:
    answer = await live.fetch(method, "/api/order")

    assert answer.status == 405, answer
    assert answer.json["error"]["code"] == "method_not_allowed"
    assert "POST" in answer.headers["allow"]


async def test_a_request_body_over_16_kib_gets_413(live: Edge) -> None:
    answer = await live.fetch("POST", "/api/order", raw=b"{" + b" " * 17_000 + b"}")

    assert answer.status == 413


async def test_a_large_upload_is_refused_without_being_read(live: Edge) -> None:
    announced = standins.upload(js_object({"chunks": 320}))  # 20 MiB, with its Content-Length
    chunked = standins.upload(js_object({"chunks": 320}))  # 20 MiB, no length given

    with_length = await live.fetch(
        "POST", "/api/order", stream=announced.stream, headers={"Content-Length": "20971520"}
    )
    without = await live.fetch("POST", "/api/order", stream=chunked.stream)

    assert (with_length.status, without.status) == (413, 413)
    assert announced.pulled <= 1  # a stream may pull one chunk ahead; it was never read
    assert chunked.pulled <= 2  # read no further than the 16 KiB limit


async def test_the_rate_limit_binding_refuses_past_its_limit_until_the_minute_is_over(
    make_edge: Any,
) -> None:
    edge = make_edge(**LIVE, limits={"RATE_LIMIT_ORDERS": 1})
    nowpayments(edge)

    first = await edge.fetch("POST", "/api/order", order_body())
    second = await edge.fetch("POST", "/api/order", order_body())
    edge.advance(seconds=60)
    third = await edge.fetch("POST", "/api/order", order_body())

    assert (first.status, second.status, third.status) == (201, 429, 201)
    assert second.headers["retry-after"] == "60"
    assert list(edge.limiters["RATE_LIMIT_ORDERS"].keys) == [f"orders:{CLIENT_IP}"] * 3
    await edge.settle()


async def test_parallel_wrong_tokens_are_each_counted_and_the_right_one_still_gets_in(
    make_edge: Any,
) -> None:
    edge = make_edge(**LIVE, ADMIN_FAILURES_ALLOWED="5")
    wrong = {"Authorization": "Bearer " + "w" * 44}

    # All in flight at once, from one address: every D1 call is a macrotask, so they interleave.
    answers = await asyncio.gather(
        *(edge.fetch("GET", "/api/admin/queue", headers=wrong) for _ in range(40))
    )
    right = await edge.fetch("GET", "/api/admin/queue", headers=ADMIN)

    assert sorted(a.status for a in answers) == [401] * 5 + [429] * 35
    assert {a.headers["retry-after"] for a in answers if a.status == 429} == {"600"}
    assert right.status == 200 and right.json["items"] == []


async def test_an_outbound_call_past_its_timeout_aborts_the_javascript_fetch(
    make_edge: Any,
) -> None:
    edge = make_edge(
        **LIVE, WEBHOOK_URL=WEBHOOK_URL, WEBHOOK_SECRET=WEBHOOK_SECRET,
        WEBHOOK_TIMEOUT_SECONDS="0.05",
    )  # fmt: skip
    nowpayments(edge)
    edge.route(WEBHOOK_URL, lambda sent: standins.HANG)  # the receiver never answers

    answer = await edge.fetch("POST", "/api/order", order_body())
    await edge.settle()

    assert answer.status == 201  # the client never waited for the receiver
    [delivery] = deliveries(edge)
    assert delivery.aborted, "the JS fetch was left running after the timeout"
    listed = await edge.fetch("GET", "/api/admin/webhooks?status=pending", headers=ADMIN)
    [attempt] = listed.json["events"][0]["attempt_log"]
    assert "timed out" in attempt["error"]


async def test_a_webhook_url_fetch_refuses_is_a_failed_attempt_not_a_crash(
    make_edge: Any,
) -> None:
    edge = make_edge(
        **LIVE, WEBHOOK_URL="hook.eu1.make.com/no-scheme", WEBHOOK_SECRET=WEBHOOK_SECRET
    )
    nowpayments(edge)

    answer = await edge.fetch("POST", "/api/order", order_body())
    await edge.settle()
    listed = await edge.fetch("GET", "/api/admin/webhooks?status=pending", headers=ADMIN)

    assert answer.status == 201
    [event] = listed.json["events"]
    [attempt] = event["attempt_log"]
    assert "Failed to parse URL" in attempt["error"]


async def test_a_misconfigured_worker_answers_503_naming_the_variable_and_logs_why(
    make_edge: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    edge = make_edge(**LIVE, FEE_PERCENT="lots")
    site = {"Origin": "https://onncx.com"}

    answer = await edge.fetch("GET", "/health", headers={**site, "X-Request-Id": "req-misconf-1"})
    preflight = await edge.fetch("OPTIONS", "/api/order", headers=site)

    assert answer.status == 503
    assert answer.json["error"]["code"] == "service_unavailable"
    assert "FEE_PERCENT" in answer.json["error"]["message"]
    assert "lots" not in answer.body.decode()  # type: ignore[union-attr]
    assert answer.headers["x-request-id"] == answer.json["request_id"] == "req-misconf-1"
    assert answer.headers["access-control-allow-origin"] == "https://onncx.com"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert preflight.status == 204 and preflight.body is None
    assert preflight.headers["access-control-allow-origin"] == "https://onncx.com"
    assert "lots" in capsys.readouterr().out  # the operator's log has the whole reason


async def test_a_misconfigured_cron_logs_why_and_does_not_raise(
    make_edge: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    edge = make_edge(**LIVE, RATE_LOCK_MINUTES="twenty")

    await edge.scheduled("* * * * *")
    await edge.scheduled("* * * * *", args="controller")
    await edge.settle()

    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["variable"] for line in logged] == ["RATE_LOCK_MINUTES"] * 2
    assert all("twenty" in line["detail"] for line in logged)


@pytest.mark.parametrize("path", ["/api%2Fadmin%2Fqueue", "/api/admin%2Fqueue"])
async def test_an_encoded_slash_is_routed_as_sent(live: Edge, path: str) -> None:
    plain = await live.fetch("GET", "/api/admin/queue", headers=ADMIN)
    encoded = await live.fetch("GET", path, headers=ADMIN)

    assert plain.status == 200
    assert encoded.status == 404 and encoded.json["error"]["code"] == "not_found"


async def test_a_query_parameter_given_twice_is_422(live: Edge) -> None:
    answer = await live.fetch("GET", "/api/admin/orders?status=paid&status=refunding",
                              headers=ADMIN)  # fmt: skip

    assert answer.status == 422
    assert [d["field"] for d in answer.json["error"]["details"]] == ["status"]


async def test_answers_and_errors_say_nosniff(live: Edge) -> None:
    answers = [await live.fetch("GET", path) for path in ("/health", "/nowhere")]

    assert [a.status for a in answers] == [200, 404]
    assert {a.headers["x-content-type-options"] for a in answers} == {"nosniff"}


async def test_a_token_that_is_not_ascii_is_401(live: Edge) -> None:
    answer = await live.fetch("GET", "/api/admin/queue", headers={"Authorization": "Bearer \xff"})

    assert answer.status == 401 and answer.json["error"]["code"] == "unauthorized"


# --- the cron ------------------------------------------------------------------------------------


@pytest.mark.parametrize("args", ["workerd", "controller"])
async def test_the_cron_expires_unpaid_orders_and_delivers_waiting_events(
    make_edge: Any, capsys: pytest.CaptureFixture[str], args: str
) -> None:
    edge = make_edge(**LIVE)
    nowpayments(edge)
    order = await created(edge)  # no WEBHOOK_URL yet: order.created waits in the outbox
    await edge.settle()
    edge.advance(hours=2)  # past the 60-minute payment window
    redeployed = edge.make_env(**LIVE, WEBHOOK_URL=WEBHOOK_URL, WEBHOOK_SECRET=WEBHOOK_SECRET)
    receiver(edge)

    await edge.scheduled("* * * * *", env=redeployed, args=args)
    await edge.settle()

    assert (await edge.fetch("GET", f"/api/order/{order['id']}")).json["status"] == "expired"
    types = [json.loads(d.body)["type"] for d in deliveries(edge)]
    assert types == ["order.created", "order.expired"]
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["cron"] == "* * * * *"
    assert report["expired"] == 1


def _when(unix_seconds: str) -> Any:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(int(unix_seconds), UTC)
