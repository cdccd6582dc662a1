"""The customer acts from any device (issue 16), in-process: a fresh link emailed to the order's
address, whose new key replaces the old one and lives only in the link's #fragment; the answer
the same with or without an address; no emails configured said plainly; and an order found by
its deposit's transaction hash."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import pytest

from orders.domain.order import customer_key_hash
from tests.core.conftest import MakeHarness
from tests.support.inprocess import Harness

EMAILS = {"EMAIL_PROVIDER": "resend", "EMAIL_API_KEY": "re_test", "EMAIL_FROM": "o@example.com",
          "PUBLIC_SITE_URL": "https://onncx.example"}  # fmt: skip
LINK = re.compile(r"https://onncx\.example/payment\.html\?id=(ord_[\w-]+)#key=([\w-]+)")


@pytest.fixture
def emailing(make_harness: MakeHarness) -> Harness:
    return make_harness(**EMAILS)


def emails(harness: Harness, order_id: str, kind: str = "email.action_link") -> list[Any]:
    rows = harness.rows(
        "SELECT payload FROM webhook_outbox WHERE order_id = ? AND type = ? ORDER BY seq",
        order_id, kind,
    )  # fmt: skip
    return [json.loads(r["payload"]) for r in rows]


async def ask(harness: Harness, order_id: str, client_ip: str = "203.0.113.7") -> Any:
    return await harness.call("POST", f"/api/order/{order_id}/link", client_ip=client_ip)


async def test_a_new_link_is_emailed_and_its_key_replaces_the_old_one(emailing: Harness) -> None:
    order = await emailing.create(email="alice@example.com")
    old_key = emailing.keys[order["id"]]

    reply = await ask(emailing, order["id"])

    assert reply.status == 202
    assert reply.json == {"id": order["id"], "message": reply.json["message"]}
    [email] = emails(emailing, order["id"])
    assert email["to"] == "alice@example.com" and email["kind"] == "action_link"
    assert email["subject"] == f"Your link to order {order['id']}"
    [(found_id, new_key)] = LINK.findall(email["text"])
    assert found_id == order["id"] and new_key != old_key
    assert new_key not in reply.body.decode()  # in the email alone
    [row] = emailing.rows("SELECT customer_key_hash FROM orders WHERE id = ?", order["id"])
    assert row["customer_key_hash"] == customer_key_hash(new_key)

    # The new key opens the choices; the old link now only shows the order.
    await emailing.call("POST", f"/api/sandbox/pay/{order['id']}", {"late": True})
    body = {"choice": "fresh_quote"}
    old = await emailing.call("POST", f"/api/order/{order['id']}/choice", {**body, "key": old_key})
    assert old.status == 403
    new = await emailing.call("POST", f"/api/order/{order['id']}/choice", {**body, "key": new_key})
    assert new.status == 200 and new.json["action"]["offer"] is not None
    # Asking changed no status and wrote nothing on the timeline.
    assert [e["status"] for e in new.json["timeline"]] == [
        "awaiting_payment",
        "expired",
        "action_required",
    ]


async def test_the_answer_is_the_same_without_an_email_and_nothing_changes(
    emailing: Harness,
) -> None:
    with_email = await emailing.create(email="alice@example.com")
    without = await emailing.create()
    before = (await emailing.call("GET", f"/api/order/{without['id']}")).headers["ETag"]

    one = await ask(emailing, with_email["id"])
    other = await ask(emailing, without["id"])

    assert (one.status, other.status) == (202, 202)
    assert one.json["message"] == other.json["message"]
    assert emails(emailing, without["id"]) == []
    assert (await emailing.call("GET", f"/api/order/{without['id']}")).headers["ETag"] == before
    body = {"key": emailing.keys[without["id"]], "choice": "refund_address",
            "refund_address": "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"}  # fmt: skip
    kept = await emailing.call("POST", f"/api/order/{without['id']}/choice", body)
    assert kept.status == 200  # its key still works


async def test_without_emails_configured_the_answer_says_so(harness: Harness) -> None:
    order = await harness.create(email="alice@example.com")

    reply = await ask(harness, order["id"])

    assert reply.status == 503 and reply.json["error"]["code"] == "service_unavailable"
    assert "does not send emails" in reply.json["error"]["message"]
    body = {"key": harness.keys[order["id"]], "choice": "refund_address",
            "refund_address": "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"}  # fmt: skip
    assert (await harness.call("POST", f"/api/order/{order['id']}/choice", body)).status == 200


async def test_an_unknown_order_is_404(emailing: Harness) -> None:
    reply = await ask(emailing, "ord_doesnotexist0000000000")
    assert reply.status == 404


async def test_links_are_limited_per_client_and_per_order(make_harness: MakeHarness) -> None:
    harness = make_harness(**EMAILS, RATE_LIMIT_ORDERS_PER_MINUTE="3")
    orders = [await harness.create(email=f"c{i}@example.com") for i in range(2)]
    harness.clock.advance(seconds=60)  # a new window: the creates counted too

    # One order, asked for from many addresses: its own count stops it.
    answers = [(await ask(harness, orders[0]["id"], f"198.51.100.{i}")).status for i in range(4)]
    assert answers == [202, 202, 202, 429]
    # One client asking about many orders: its address's count stops it.
    harness.clock.advance(seconds=60)
    one_client = [(await ask(harness, orders[i % 2]["id"])).status for i in range(4)]
    assert one_client == [202, 202, 202, 429]
    limited = await ask(harness, orders[1]["id"])
    assert "Retry-After" in limited.headers
    assert len(emails(harness, orders[0]["id"])) == 5


async def test_the_new_key_is_never_logged(
    emailing: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    order = await emailing.create(email="alice@example.com")
    caplog.set_level(logging.DEBUG)

    await emailing.call("POST", f"/api/order/{order['id']}/link", run_background=True)

    [(_, key)] = LINK.findall(emails(emailing, order["id"])[0]["text"])
    assert key not in caplog.text


# --- finding an order by its deposit ---------------------------------------------------------


async def test_an_order_is_found_by_its_deposit_transaction(harness: Harness) -> None:
    order = await harness.create()
    paid = await harness.call("POST", f"/api/sandbox/pay/{order['id']}", {"status": "confirming"})
    tx_hash = paid.json["order"]["payment"]["tx_hash"]
    assert tx_hash

    found = await harness.call("GET", f"/api/lookup?tx_hash={tx_hash}")

    assert found.status == 200
    assert found.json == {"id": order["id"],
                          "page": f"https://onncx.com/payment.html?id={order['id']}"}  # fmt: skip
    # Exactly as written: part of it, or the same hex in capitals, finds nothing.
    assert (await harness.call("GET", f"/api/lookup?tx_hash={tx_hash[:-1]}")).status == 404
    assert (await harness.call("GET", f"/api/lookup?tx_hash={tx_hash.upper()}")).status == 404


async def test_a_lookup_needs_a_transaction_hash(harness: Harness) -> None:
    missing = await harness.call("GET", "/api/lookup")
    assert missing.status == 422 and missing.json["error"]["details"][0]["field"] == "tx_hash"
    odd = await harness.call("GET", "/api/lookup?tx_hash=not%20a%20hash")
    assert odd.status == 422


async def test_lookups_are_rate_limited(make_harness: MakeHarness) -> None:
    harness = make_harness(RATE_LIMIT_QUOTES_PER_MINUTE="2")
    answers = [(await harness.call("GET", f"/api/lookup?tx_hash={'ab' * 32}")).status
                for _ in range(3)]  # fmt: skip
    assert answers == [404, 404, 429]
