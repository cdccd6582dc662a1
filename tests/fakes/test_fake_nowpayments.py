"""The fake NOWPayments answers as the documented API does, and its callbacks verify."""

from __future__ import annotations

import json
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from orders.processors.nowpayments_ipn import verify
from tests.fakes.nowpayments import FakeNowPayments

OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@pytest.fixture
def np() -> Iterator[FakeNowPayments]:
    with FakeNowPayments() as fake:
        yield fake


def call(
    np: FakeNowPayments,
    method: str,
    path: str,
    body: dict[str, Any] | None = None,
    *,
    headers: dict[str, str] | None = None,
    timeout: float = 5,
) -> tuple[int, Any]:
    sent = {"x-api-key": np.api_key, "Content-Type": "application/json", **(headers or {})}
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(np.url + path, data=data, headers=sent, method=method)
    try:
        with OPENER.open(request, timeout=timeout) as answer:
            raw, status = answer.read(), answer.status
    except urllib.error.HTTPError as refused:
        raw, status = refused.read(), refused.code
    try:
        return status, json.loads(raw, parse_float=Decimal)
    except ValueError:
        return status, raw.decode()


def create(np: FakeNowPayments, currency: str = "btc", amount: str = "0.0015", **extra: Any) -> Any:
    body = {"price_amount": float(amount), "price_currency": currency, "pay_currency": currency}
    status, payment = call(np, "POST", "/payment", body | extra)
    assert status == 201, payment
    return payment


@contextmanager
def receiver(answer: int = 200) -> Iterator[tuple[str, list[tuple[dict[str, str], bytes]]]]:
    """A merchant endpoint that records each callback it gets."""
    got: list[tuple[dict[str, str], bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            got.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(answer)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/ipn/nowpayments", got
    finally:
        server.shutdown()
        server.server_close()


def test_calls_without_the_api_key_are_refused_but_status_is_open(np: FakeNowPayments) -> None:
    assert call(np, "GET", "/status", headers={"x-api-key": ""}) == (200, {"message": "OK"})
    status, body = call(np, "GET", "/full-currencies", headers={"x-api-key": "wrong"})
    assert (status, body["code"], body["status"]) == (403, "INVALID_API_KEY", False)


def test_currencies_look_like_the_real_list(np: FakeNowPayments) -> None:
    status, body = call(np, "GET", "/full-currencies")
    by_code = {c["code"]: c for c in body["currencies"]}

    assert status == 200
    assert {"BTC", "ETH", "LTC", "USDTTRC20", "XRP", "SOL", "DOGE"} <= set(by_code)
    assert by_code["XRP"]["extra_id_exists"] and by_code["XRP"]["extra_id_regex"]
    assert not by_code["BTC"]["extra_id_exists"]
    assert by_code["BNBMAINNET"]["enable"] is False


@pytest.mark.parametrize("currency", ["btc", "eth", "ltc", "usdttrc20", "xrp", "sol", "doge"])
def test_deposit_addresses_match_their_currencys_pattern(
    np: FakeNowPayments, currency: str
) -> None:
    currencies = call(np, "GET", "/full-currencies")[1]["currencies"]
    listed = next(c for c in currencies if c["code"] == currency.upper())
    payment = create(np, currency, "100")

    assert re.match(listed["wallet_regex"], payment["pay_address"])
    if listed["extra_id_exists"]:
        assert re.match(listed["extra_id_regex"], payment["payin_extra_id"])
    else:
        assert payment["payin_extra_id"] is None


def test_a_created_payment_has_a_string_id_and_later_a_number(np: FakeNowPayments) -> None:
    created = create(np, order_id="ord_1", ipn_callback_url="https://api.example/ipn")
    status, later = call(np, "GET", f"/payment/{created['payment_id']}")

    assert isinstance(created["payment_id"], str)
    assert (created["payment_status"], created["pay_amount"]) == ("waiting", Decimal("0.0015"))
    assert created["valid_until"] and created["expiration_estimate_date"]
    assert status == 200 and later["payment_id"] == int(created["payment_id"])
    assert (later["order_id"], later["actually_paid"], later["payin_hash"]) == ("ord_1", 0, None)
    assert np.payments[created["payment_id"]]["ipn_callback_url"] == "https://api.example/ipn"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"price_amount": 0.00001, "price_currency": "btc", "pay_currency": "btc"},
         "AMOUNT_MINIMAL_ERROR"),
        ({"price_currency": "btc", "pay_currency": "btc"}, "INVALID_REQUEST_PARAMS"),
        ({"price_amount": 1, "price_currency": "btc", "pay_currency": "nope"},
         "INVALID_REQUEST_PARAMS"),
        ({"price_amount": 1, "price_currency": "bnbmainnet", "pay_currency": "bnbmainnet"},
         "INVALID_REQUEST_PARAMS"),
    ],
)  # fmt: skip
def test_bad_create_requests_get_the_documented_error_body(
    np: FakeNowPayments, body: dict[str, Any], code: str
) -> None:
    status, error = call(np, "POST", "/payment", body)
    assert status == 400
    assert error["status"] is False and error["statusCode"] == 400 and error["code"] == code
    assert np.payments == {}


def test_minimum_and_estimate_use_the_fixed_rates(np: FakeNowPayments) -> None:
    _, minimum = call(np, "GET", "/min-amount?currency_from=btc&currency_to=usdttrc20")
    _, estimate = call(np, "GET", "/estimate?amount=0.01&currency_from=btc&currency_to=usdttrc20")

    assert minimum["currency_from"] == "btc" and minimum["min_amount"] > 0
    assert estimate == {"currency_from": "btc", "amount_from": Decimal("0.01"),
                        "currency_to": "usdttrc20", "estimated_amount": 950}  # fmt: skip
    assert call(np, "GET", "/payment/404")[0] == 404


def test_the_payment_list_needs_a_jwt_and_has_no_order_id_filter(np: FakeNowPayments) -> None:
    created = create(np, order_id="ord_7")
    _, auth = call(np, "POST", "/auth", {"email": np.email, "password": np.password})
    bearer = {"Authorization": f"Bearer {auth['token']}"}

    assert call(np, "GET", "/payment/?limit=10&page=0")[0] == 401
    assert call(np, "GET", "/payment/?order_id=ord_7", headers=bearer)[0] == 400
    status, listed = call(np, "GET", "/payment/?limit=50&sortBy=created_at&orderBy=desc",
                          headers=bearer)  # fmt: skip
    assert status == 200 and listed["total"] == 1
    assert listed["data"][0]["payment_id"] == int(created["payment_id"])
    assert listed["data"][0]["order_id"] == "ord_7"


def test_a_callback_is_signed_the_javascript_way_and_verifies(np: FakeNowPayments) -> None:
    with receiver() as (url, got):
        payment = create(np, ipn_callback_url=url, order_id="ord_9")
        answer = np.send_ipn(payment["payment_id"], "finished", "0.0015")

    headers, body = got[0]
    assert answer == (200, b"ok")
    assert verify(body, headers["x-nowpayments-sig"], np.ipn_secret)
    assert not verify(body, headers["x-nowpayments-sig"], "another secret")
    assert b'"depositFee":0.0000039' in body  # a tiny number, written as a plain decimal
    sent = json.loads(body, parse_float=Decimal)
    assert sent["payment_id"] == int(payment["payment_id"]) and sent["parent_payment_id"] is None
    assert (sent["payment_status"], sent["actually_paid"]) == ("finished", Decimal("0.0015"))
    assert set(sent["fee"]) == {"currency", "depositFee", "withdrawalFee", "serviceFee"}
    assert call(np, "GET", f"/payment/{payment['payment_id']}")[1]["payment_status"] == "finished"


def test_set_payment_changes_state_without_calling_anyone(np: FakeNowPayments) -> None:
    with receiver() as (url, got):
        payment = create(np, ipn_callback_url=url)
        np.set_payment(payment["payment_id"], status="confirming", actually_paid="0.0015")

    _, seen = call(np, "GET", f"/payment/{payment['payment_id']}")
    assert got == []
    assert (seen["payment_status"], seen["actually_paid"]) == ("confirming", Decimal("0.0015"))
    assert seen["payin_hash"]


def test_ipn_body_changes_nothing_and_can_be_forged(np: FakeNowPayments) -> None:
    payment = create(np)
    body, signature = np.ipn_body(payment["payment_id"], "finished", "0.0015")
    forged, forged_signature = np.ipn_body(payment["payment_id"], "finished", secret="guess")

    assert verify(body, signature, np.ipn_secret)
    assert not verify(forged, forged_signature, np.ipn_secret)
    assert np.payments[payment["payment_id"]]["payment_status"] == "waiting"


def test_a_repeat_deposit_is_a_child_payment_at_the_same_address(np: FakeNowPayments) -> None:
    with receiver() as (url, got):
        parent = create(np, "xrp", "20", ipn_callback_url=url)
        child = np.child_payment(parent["payment_id"], "3")
        np.send_ipn(child)

    sent = json.loads(got[0][1], parse_float=Decimal)
    assert sent["parent_payment_id"] == int(parent["payment_id"])
    assert sent["payment_id"] == int(child) != int(parent["payment_id"])
    assert (sent["pay_address"], sent["payin_extra_id"]) == (
        parent["pay_address"],
        parent["payin_extra_id"],
    )
    assert sent["actually_paid"] == 3


def test_failures_come_then_go(np: FakeNowPayments) -> None:
    np.fail_next(2, status=503)

    first, second, third = (call(np, "GET", "/status") for _ in range(3))
    assert first[0] == second[0] == 503 and "<html>" in first[1]
    assert third == (200, {"message": "OK"})
    assert [r.path for r in np.requests] == ["/v1/status"] * 3


def test_a_down_server_answers_nothing(np: FakeNowPayments) -> None:
    np.set_down(True)
    with pytest.raises((urllib.error.URLError, ConnectionError)):
        call(np, "GET", "/status")
    np.set_down(False)
    assert call(np, "GET", "/status")[0] == 200


def test_a_slow_answer_times_the_client_out_after_the_payment_exists(np: FakeNowPayments) -> None:
    np.delay_next(30)  # the fake holds its answer; the test does not wait for it
    body = {"price_amount": 0.0015, "price_currency": "btc", "pay_currency": "btc"}
    with pytest.raises((TimeoutError, urllib.error.URLError)):
        call(np, "POST", "/payment", body | {"order_id": "ord_lost"}, timeout=0.2)

    assert [p["order_id"] for p in np.payments.values()] == ["ord_lost"]


async def test_it_serves_async_clients_and_calls_back_on_the_same_loop(np: FakeNowPayments) -> None:
    got: list[tuple[str, bytes]] = []

    async def ipn(request: web.Request) -> web.Response:
        got.append((request.headers["x-nowpayments-sig"], await request.read()))
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/ipn", ipn)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        async with aiohttp.ClientSession() as session:
            body = {"price_amount": 20, "price_currency": "xrp", "pay_currency": "xrp",
                    "ipn_callback_url": f"http://127.0.0.1:{port}/ipn"}  # fmt: skip
            async with session.post(f"{np.url}/payment", json=body,
                                    headers={"x-api-key": np.api_key}) as answer:  # fmt: skip
                assert answer.status == 201
                payment = await answer.json()
        status, _ = await np.asend_ipn(payment["payment_id"], "confirming", "20")
    finally:
        await runner.cleanup()

    assert status == 200
    assert verify(got[0][1], got[0][0], np.ipn_secret)
