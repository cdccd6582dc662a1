"""Input that once made the core fail or mislead: each is refused in the one error shape, or kept
exactly, and changes nothing it should not."""

from __future__ import annotations

import pytest

from orders.ports import OutboundRequest, OutboundResponse
from tests.core.conftest import MakeHarness
from tests.support.inprocess import (
    ADMIN_TOKEN,
    BTC_ADDRESS,
    NOWPAYMENTS_ENV,
    TRON_ADDRESS,
    Harness,
    order_body,
)

HUGE = "999999999999999999.999999999999999999"


def assert_error(reply: object, status: int, code: str) -> dict:
    body = reply.json  # type: ignore[attr-defined]
    assert reply.status == status, body  # type: ignore[attr-defined]
    assert body["error"]["code"] == code and body["error"]["message"]
    assert isinstance(body["error"]["details"], list)
    assert body["request_id"] == reply.headers["X-Request-Id"]  # type: ignore[attr-defined]
    return body  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    "raw",
    [
        b'{"amount": ' + b"1" * 5000 + b"}",  # past int()'s 4300-digit limit
        b"[" * 5000 + b"]" * 5000,  # deeper than any parser's stack
        b'{"a": ' * 2000 + b"1" + b"}" * 2000,
        b'{"amount": NaN}',
        b'{"amount": -Infinity}',
        b"\xff\xfe{}",
        b"",
    ],
    ids=["long-int", "nested-arrays", "nested-objects", "nan", "infinity", "not-utf8", "empty"],
)
async def test_bodies_no_parser_should_take_are_400_invalid_json(
    harness: Harness, raw: bytes
) -> None:
    reply = await harness.call("POST", "/api/order", raw=raw)
    assert_error(reply, 400, "invalid_json")
    assert harness.rows("SELECT id FROM orders") == []


async def test_deep_brackets_inside_a_string_are_just_text(harness: Harness) -> None:
    reply = await harness.call("POST", "/api/order", order_body(email="[" * 100 + "@x.io"))
    body = assert_error(reply, 422, "validation_error")
    assert [d["field"] for d in body["error"]["details"]] == ["email"]


async def test_a_body_announced_over_16_kib_is_refused_without_being_read(
    harness: Harness,
) -> None:
    # The host passes no body when Content-Length already says too much.
    reply = await harness.call("POST", "/api/order", raw=b"", headers={"Content-Length": "17000"})
    assert_error(reply, 413, "payload_too_large")


@pytest.mark.parametrize("amount", ["0.01\n", " 0.01", "0.01 ", "٠.٠١", "0.01\x00"])
async def test_an_amount_is_taken_as_sent_never_trimmed(harness: Harness, amount: str) -> None:
    # The query arrives decoded, as hosts hand it over: amount=0.01%0A ends in a newline.
    quoted = await harness.call("GET", f"/api/quote?from=btc&to=usdttrc20&amount={amount}")
    created = await harness.call("POST", "/api/order", order_body(amount=amount))
    order = await harness.create()
    paid = await harness.call("POST", f"/api/sandbox/pay/{order['id']}", {"amount": amount})

    for reply in (quoted, created, paid):
        body = assert_error(reply, 422, "validation_error")
        assert [d["field"] for d in body["error"]["details"]] == ["amount"]
    assert len(harness.rows("SELECT id FROM orders")) == 1


async def test_a_deposit_with_36_significant_digits_is_kept_exactly(harness: Harness) -> None:
    order = await harness.create(
        from_currency="usdttrc20", amount="100", to_currency="btc", payout_address=BTC_ADDRESS
    )
    reply = await harness.call("POST", f"/api/sandbox/pay/{order['id']}", {"amount": HUGE})

    assert reply.status == 200, reply.json
    assert reply.json["order"]["payment"]["received"] == HUGE
    assert harness.rows("SELECT received_amount FROM orders") == [{"received_amount": HUGE}]
    (note,) = [e["note"] for e in reply.json["order"]["timeline"] if e["status"] == "paid"]
    assert f"received {HUGE} of 100" in note


@pytest.mark.parametrize(
    "email",
    ["ali\u202ece@example.com", "alice@exam\u200bple.com", "al\x07ice@example.com",
     "alice@example.com\x00", "alice\u2066@example.com", "al\ue000ice@example.com"],
    ids=["rlo", "zero-width-space", "bell", "nul", "isolate", "private-use"],
)  # fmt: skip
async def test_hidden_characters_in_an_email_are_refused(harness: Harness, email: str) -> None:
    reply = await harness.call("POST", "/api/order", order_body(email=email))
    body = assert_error(reply, 422, "validation_error")
    assert [d["field"] for d in body["error"]["details"]] == ["email"]
    assert harness.rows("SELECT id FROM orders") == []


async def test_an_email_in_another_script_is_still_welcome(harness: Harness) -> None:
    order = await harness.create(email="josé@exámple.com")
    assert order["email"] == "j***@exámple.com"


async def test_hidden_characters_in_a_payout_address_are_refused(harness: Harness) -> None:
    disguised = TRON_ADDRESS[:-1] + "\u202e" + TRON_ADDRESS[-1]
    reply = await harness.call("POST", "/api/order", order_body(payout_address=disguised))
    body = assert_error(reply, 422, "validation_error")
    assert [d["field"] for d in body["error"]["details"]] == ["payout_address"]


async def test_a_note_keeps_its_lines_but_not_bidi_overrides(harness: Harness) -> None:
    order = await harness.create()
    path = f"/api/order/{order['id']}"
    refused = await harness.call(
        "PUT", path, {"status": "cancelled", "note": "ok \u202edenifer"}, headers=harness.admin()
    )
    body = assert_error(refused, 422, "validation_error")
    assert [d["field"] for d in body["error"]["details"]] == ["note"]
    assert (await harness.call("GET", path)).json["status"] == "awaiting_payment"

    note = "line one\nline two 👩‍💻"
    kept = await harness.call(
        "PUT", path, {"status": "cancelled", "note": note}, headers=harness.admin()
    )
    assert kept.status == 200 and kept.json["timeline"][-1]["note"] == note


async def test_redelivering_an_unknown_event_does_not_reopen_a_gone_receiver(
    make_harness: MakeHarness,
) -> None:
    harness = make_harness(WEBHOOK_URL="https://hook.example/x", WEBHOOK_SECRET="whsec_c2VjcmV0")

    async def gone(request: OutboundRequest) -> OutboundResponse:
        return OutboundResponse(410)

    harness.outbound.answer = gone
    await harness.create()
    await harness.app.webhooks.deliver_due_count()
    await harness.create()

    reply = await harness.call("POST", "/api/admin/webhooks/evt_nosuchevent/redeliver",
                               headers=harness.admin())  # fmt: skip
    assert_error(reply, 404, "not_found")
    assert await harness.app.webhooks.deliver_due_count() == 0
    assert len(harness.outbound.sent) == 1
    listed = await harness.call("GET", "/api/admin/webhooks", headers=harness.admin())
    assert listed.json["endpoint_disabled_by_410"] is True


@pytest.mark.parametrize(
    ("method", "path", "headers", "status", "code"),
    [
        ("GET", "/nowhere", {}, 404, "not_found"),
        ("DELETE", "/api/order", {}, 405, "method_not_allowed"),
        ("PUT", "/api/order/ord_x", {"Authorization": "Bearer wrong"}, 401, "unauthorized"),
        ("GET", "/api/order/ord_nosuchorder", {}, 404, "not_found"),
        ("POST", "/api/order", {"Content-Length": "99999"}, 413, "payload_too_large"),
        ("POST", "/api/admin/webhooks/evt_x/redeliver", {}, 401, "unauthorized"),
    ],
)
async def test_every_error_body_has_a_details_list(
    harness: Harness, method: str, path: str, headers: dict[str, str], status: int, code: str
) -> None:
    reply = await harness.call(method, path, headers=headers)
    body = assert_error(reply, status, code)
    assert body["error"]["details"] == []


@pytest.mark.parametrize(
    "answer",
    [b"[" * 5000, b'{"min_amount": ' + b"1" * 5000 + b"}", b"\xff"],
    ids=["nested", "long-int", "not-utf8"],
)
async def test_a_processor_answer_no_parser_should_take_is_502_not_500(
    make_harness: MakeHarness, answer: bytes
) -> None:
    harness = make_harness(**NOWPAYMENTS_ENV)

    async def broken(request: OutboundRequest) -> OutboundResponse:
        return OutboundResponse(200, answer)

    harness.outbound.answer = broken
    assert_error(await harness.call("GET", "/api/currencies"), 502, "processor_unavailable")


@pytest.mark.parametrize(
    ("method", "path", "headers", "status"),
    [
        ("GET", "/health", {}, 200),
        ("GET", "/openapi.json", {}, 200),
        ("GET", "/nowhere", {}, 404),
        ("OPTIONS", "/api/order", {"Origin": "https://onncx.com"}, 204),
        ("POST", "/api/order", {"Content-Length": "99999"}, 413),
        ("GET", "/api/admin/orders.csv", {"Authorization": f"Bearer {ADMIN_TOKEN}"}, 200),
        ("GET", "/api/admin/queue", {"Authorization": "Bearer wrong"}, 401),
    ],
)
async def test_every_answer_tells_browsers_not_to_sniff_its_type(
    harness: Harness, method: str, path: str, headers: dict[str, str], status: int
) -> None:
    reply = await harness.call(method, path, headers=headers)
    assert reply.status == status
    assert reply.headers["X-Content-Type-Options"] == "nosniff"


async def test_a_host_refusal_tells_browsers_not_to_sniff_its_type(harness: Harness) -> None:
    from orders.api.http import Request
    from orders.errors import InvalidJson

    response = harness.app.refuse(Request("POST", "/api/order"), InvalidJson())
    assert response.status == 400 and response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        ("/api/quote?from=btc&to=usdttrc20&amount=0.01&amount=5", ["amount"]),
        ("/api/admin/orders?status=paid&status=refunding&q=a&q=b", ["status", "q"]),
        ("/health?x=1&x=2", ["x"]),
    ],
)
async def test_a_query_parameter_given_twice_is_refused_by_name(
    harness: Harness, path: str, fields: list[str]
) -> None:
    reply = await harness.call("GET", path, headers=harness.admin())
    body = assert_error(reply, 422, "validation_error")
    assert [d["field"] for d in body["error"]["details"]] == fields


@pytest.mark.parametrize(
    ("raw", "query", "repeated"),
    [
        ("from=btc&to=eth&amount=0.01", {"from": "btc", "to": "eth", "amount": "0.01"}, ()),
        ("q=a%26b+c&status=", {"q": "a&b c", "status": ""}, ()),
        ("a=1&b=2&a=3&b=4&a=5", {"a": "1", "b": "2"}, ("a", "b")),
        ("q=x&q", {"q": "x"}, ("q",)),
    ],
)
def test_both_hosts_read_a_query_string_alike(
    raw: str, query: dict[str, str], repeated: tuple[str, ...]
) -> None:
    from orders.api.http import parse_query

    assert parse_query(raw) == (query, repeated)


@pytest.mark.parametrize("value", ["Bearer \udcff", "Bearer caf\udcc3", "Bearer \xff"])
async def test_a_token_of_bytes_that_are_not_utf8_is_401_not_500(
    harness: Harness, value: str
) -> None:
    # aiohttp hands a header byte it cannot decode as a lone surrogate ("\udcff").
    reply = await harness.call("GET", "/api/admin/queue", headers={"Authorization": value})
    assert_error(reply, 401, "unauthorized")
