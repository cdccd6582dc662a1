"""The customer's emails (issue 11), black-box: the local host configured for Resend, with
EMAIL_API_URL pointed at a fake of Resend's API on loopback that records what it is sent."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.fakes.resend import FakeResend
from tests.support.inprocess import order_body
from tests.support.localhost import Client, LocalHost, local_host

API_KEY = "re_blackbox_key_not_real"
SENDER = "ONE CASH <orders@example.com>"
SITE = "https://onncx.example"
CUSTOMER = "alice@example.com"


@pytest.fixture
def provider() -> Iterator[FakeResend]:
    fake = FakeResend().up()
    yield fake
    fake.down()


@pytest.fixture
def host(provider: FakeResend) -> Iterator[LocalHost]:
    with local_host(EMAIL_PROVIDER="resend", EMAIL_API_KEY=API_KEY, EMAIL_FROM=SENDER,
                    EMAIL_API_URL=provider.url, PUBLIC_SITE_URL=SITE) as h:  # fmt: skip
        yield h


def create(api: Client, email: str = CUSTOMER) -> dict[str, Any]:
    reply = api.request("POST", "/api/order", order_body(email=email))
    assert reply.status == 201, reply.body
    return reply.json  # type: ignore[no-any-return]


def pay(api: Client, order_id: str, status: str) -> None:
    reply = api.request("POST", f"/api/sandbox/pay/{order_id}", {"status": status})
    assert reply.status == 200, reply.body


def test_the_customer_is_emailed_the_payment_link_then_the_deposit_then_the_payment(
    host: LocalHost, provider: FakeResend
) -> None:
    api = host.client()
    order = create(api)
    host.run_cron()
    (link,) = provider.to(CUSTOMER)
    page = f"{SITE}/payment.html?id={order['id']}"
    assert link.body["subject"] == f"Your order {order['id']}"
    assert page in link.body["text"]
    assert "If this wasn't you, ignore this email" in link.body["text"]
    # No instruction a stranger could follow: neither the deposit address nor an amount.
    assert order["payment"]["address"] not in link.body["text"]
    assert "0.01" not in link.body["text"] and "send" not in link.body["text"].lower()

    pay(api, order["id"], "confirming")
    pay(api, order["id"], "finished")
    host.run_cron()

    sent = provider.to(CUSTOMER)
    assert [s.body["subject"] for s in sent] == [
        f"Your order {order['id']}",
        f"Deposit seen for order {order['id']}",
        f"Payment received for order {order['id']}",
    ]
    for s in sent:
        assert s.path == "/emails"
        assert s.headers["authorization"] == f"Bearer {API_KEY}"
        assert s.body["from"] == SENDER
        assert page in s.body["text"]
        # The link is the order's id alone: the customer's key is never written into an email.
        assert order["customer_key"] not in json.dumps(s.body)
        assert "key=" not in s.body["text"]
    keys = [s.headers["idempotency-key"] for s in sent]
    assert len(set(keys)) == 3  # one per email, the same on each retry of it


def test_a_provider_that_fails_is_retried_and_sends_each_email_once(
    host: LocalHost, provider: FakeResend
) -> None:
    provider.status = 500
    api = host.client()
    order = create(api, "bob@example.com")
    host.run_cron()
    assert len(provider.to("bob@example.com")) >= 1  # tried, refused

    provider.status = 200
    host.advance(60)  # the first retry comes 30 s (±10 %) after a failure
    assert host.run_cron()["emailed"] == 1
    attempts = provider.to("bob@example.com")
    assert len({s.headers["idempotency-key"] for s in attempts}) == 1  # one email, tried again
    host.advance(3600)
    assert host.run_cron()["emailed"] == 0  # delivered: never sent again
    assert attempts[-1].body["subject"] == f"Your order {order['id']}"


def test_an_order_without_an_email_sends_none(host: LocalHost, provider: FakeResend) -> None:
    api = host.client()
    reply = api.request("POST", "/api/order", order_body())
    assert reply.status == 201
    pay(api, reply.json["id"], "finished")
    assert host.run_cron()["emailed"] == 0
    assert provider.sent == []


def test_a_new_link_asked_for_is_emailed_and_acts_on_the_order(
    host: LocalHost, provider: FakeResend
) -> None:
    api = host.client()
    order = create(api)

    reply = api.request("POST", f"/api/order/{order['id']}/link")

    assert reply.status == 202 and "key" not in reply.json
    email = provider.wait_for(CUSTOMER, "Your link to order")
    found = re.search(rf"{re.escape(SITE)}/payment\.html\?id={order['id']}#key=([\w-]+)",
                      email.body["text"])  # fmt: skip
    assert found, email.body["text"]
    key = found[1]
    assert key != order["customer_key"]
    short = api.request("POST", f"/api/sandbox/pay/{order['id']}", {"amount": "0.004"})
    assert short.json["order"]["status"] == "action_required"  # the choices wait for the key
    choice = {"choice": "refund", "refund_address": "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"}
    old = api.request("POST", f"/api/order/{order['id']}/choice",
                      {**choice, "key": order["customer_key"]})  # fmt: skip
    assert old.status == 403
    new = api.request("POST", f"/api/order/{order['id']}/choice", {**choice, "key": key})
    assert new.status == 200 and new.json["status"] == "refunding"
