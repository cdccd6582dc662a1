"""The NOWPayments client and callback endpoint in-process, with the processor's HTTP answers
faked at the outer edge (the injected `send`)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from orders.ports import OutboundRequest, OutboundResponse, SendError
from orders.processors import nowpayments_ipn
from tests.core.conftest import MakeHarness
from tests.support.inprocess import CURRENCIES as NOWPAYMENTS_CURRENCIES
from tests.support.inprocess import KEY, SECRET, Harness, ok, order_body


@pytest.fixture
def nowpayments(make_harness: MakeHarness) -> MakeHarness:
    """Harnesses on the NOWPayments client, with its key and IPN secret set."""

    def make(**env: str) -> Harness:
        return make_harness(PROCESSOR="nowpayments", NOWPAYMENTS_API_KEY=KEY,
                            NOWPAYMENTS_IPN_SECRET=SECRET, **env)  # fmt: skip

    return make


def answers(*replies: OutboundResponse | Exception):
    queue = list(replies)

    async def answer(request: OutboundRequest) -> OutboundResponse:
        reply = queue.pop(0)
        if isinstance(reply, Exception):
            raise reply
        return reply

    return answer


CURRENCIES = ok(NOWPAYMENTS_CURRENCIES)
MIN_BTC = ok({"min_amount": 0.0001})
MIN_USDT = ok({"min_amount": 5})
ESTIMATE = ok({"estimated_amount": 951.5})
CREATED = ok({"payment_id": "5745459419", "payment_status": "waiting",
              "pay_address": "bc1qdepositaddressxxxxxxxxxxxxxxxxxxxxxxx", "pay_amount": 0.01,
              "pay_currency": "btc", "order_id": "x"}, 201)  # fmt: skip


async def test_a_missing_api_key_is_a_clear_503_not_a_silent_skip(
    make_harness: MakeHarness,
) -> None:
    harness = make_harness(PROCESSOR="nowpayments")
    reply = await harness.call("GET", "/api/currencies")
    assert reply.status == 503
    assert "NOWPAYMENTS_API_KEY" in reply.json["error"]["message"]
    assert harness.outbound.sent == []


async def test_reads_are_retried_once_and_send_the_api_key(nowpayments: MakeHarness) -> None:
    harness = nowpayments()
    harness.outbound.answer = answers(SendError("reset"), CURRENCIES, MIN_BTC, MIN_USDT)
    reply = await harness.call("GET", "/api/currencies")
    assert reply.status == 200
    assert [c["code"] for c in reply.json["currencies"]] == ["btc", "usdttrc20"]
    assert {r.headers["x-api-key"] for r in harness.outbound.sent} == {KEY}


async def test_a_create_is_never_retried_and_leaves_no_order(nowpayments: MakeHarness) -> None:
    harness = nowpayments()
    harness.outbound.answer = answers(
        CURRENCIES, MIN_BTC, MIN_USDT, MIN_BTC, ESTIMATE, SendError("timed out after 15s"),
    )  # fmt: skip
    reply = await harness.call("POST", "/api/order", order_body())
    assert reply.status == 502 and reply.json["error"]["code"] == "processor_unavailable"
    assert [r.method for r in harness.outbound.sent].count("POST") == 1
    assert harness.rows("SELECT id FROM orders") == []


async def test_a_processor_refusal_is_explained(nowpayments: MakeHarness) -> None:
    harness = nowpayments()
    refusal = ok({"status": False, "statusCode": 400, "code": "AMOUNT_MINIMAL_ERROR",
                  "message": "amountTo is too small"}, 400)  # fmt: skip
    harness.outbound.answer = answers(CURRENCIES, MIN_BTC, MIN_USDT, MIN_BTC, ESTIMATE, refusal)
    reply = await harness.call("POST", "/api/order", order_body())
    assert reply.status == 502 and "amountTo is too small" in reply.json["error"]["message"]


async def test_an_order_carries_the_processors_payment(nowpayments: MakeHarness) -> None:
    harness = nowpayments(PUBLIC_API_URL="https://api.onncx.com")
    harness.outbound.answer = answers(CURRENCIES, MIN_BTC, MIN_USDT, MIN_BTC, ESTIMATE, CREATED)
    reply = await harness.call("POST", "/api/order", order_body())
    assert reply.status == 201
    assert reply.json["payment"]["id"] == "5745459419"
    assert reply.json["to"]["amount"] == "946.7425"  # 951.5 less 0.5%, to 6 decimals
    create = json.loads(harness.outbound.sent[-1].body or b"{}")
    assert create["ipn_callback_url"] == "https://api.onncx.com/api/ipn/nowpayments"
    assert create["order_id"] == reply.json["id"] and create["price_amount"] == "0.01"


async def test_callbacks_are_refused_when_no_ipn_secret_is_set(make_harness: MakeHarness) -> None:
    harness = make_harness(PROCESSOR="nowpayments", NOWPAYMENTS_API_KEY=KEY)
    body, signature = nowpayments_ipn.signed_body({"payment_id": 1, "payment_status": "finished"},
                                                "anything")  # fmt: skip
    reply = await harness.call("POST", "/api/ipn/nowpayments", raw=body,
                               headers={"x-nowpayments-sig": signature})  # fmt: skip
    assert reply.status == 401 and harness.outbound.sent == []


async def test_a_callback_for_an_unknown_payment_is_acknowledged_and_ignored(
    nowpayments: MakeHarness,
) -> None:
    harness = nowpayments()
    harness.outbound.answer = answers(ok({"message": "not found"}, 404))
    body, signature = nowpayments_ipn.signed_body(
        {"payment_id": 999, "payment_status": "finished", "actually_paid": Decimal("0.00001")},
        SECRET,
    )
    reply = await harness.call("POST", "/api/ipn/nowpayments", raw=body,
                               headers={"x-nowpayments-sig": signature})  # fmt: skip
    assert reply.status == 200 and reply.json["ignored"] == "unknown payment"


async def test_currencies_minimums_and_estimates_are_served_from_kv_until_they_expire(
    nowpayments: MakeHarness,
) -> None:
    harness = nowpayments()
    harness.outbound.answer = answers(CURRENCIES, MIN_BTC, MIN_USDT, MIN_BTC, ESTIMATE)
    quote = "/api/quote?from=btc&to=usdttrc20&amount=0.01"
    first = await harness.call("GET", quote)
    asked = len(harness.outbound.sent)
    again = await harness.call("GET", quote)
    assert again.json["to"] == first.json["to"] and len(harness.outbound.sent) == asked

    harness.clock.advance(minutes=2)  # estimates live a minute; currencies and minimums longer
    harness.outbound.answer = answers(ESTIMATE)
    await harness.call("GET", quote)
    assert [r.url.split("?")[0].rsplit("/", 1)[-1] for r in harness.outbound.sent[asked:]] == [
        "estimate"
    ]


async def test_an_order_can_be_read_while_the_processor_is_down(nowpayments: MakeHarness) -> None:
    harness = nowpayments()
    harness.outbound.answer = answers(CURRENCIES, MIN_BTC, MIN_USDT, MIN_BTC, ESTIMATE, CREATED)
    created = await harness.call("POST", "/api/order", order_body())
    harness.connection.execute("DELETE FROM kv")  # nothing cached to fall back on
    harness.outbound.answer = None  # every outbound call is refused

    reply = await harness.call("GET", f"/api/order/{created.json['id']}")
    assert reply.status == 200 and reply.json == {
        k: v for k, v in created.json.items() if k != "customer_key"
    }
    assert reply.json["payment"]["uri"].startswith("bitcoin:bc1q")
