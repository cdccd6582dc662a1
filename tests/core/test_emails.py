"""The customer's emails (docs/emails.md): what each one says, the provider's request, and
delivery from the outbox with the webhooks' schedule, in-process with a clock the test moves."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from orders.config import Settings
from orders.domain.delivery import JITTER, RETRY_DELAYS
from orders.domain.emails import EXPLORERS, email_for, explorer_url
from orders.domain.lifecycle import Status
from orders.domain.order import Order
from orders.ports import OutboundRequest, OutboundResponse
from orders.processors.email_providers import provider_request
from tests.core.conftest import MakeHarness
from tests.fakes.receiver import SECRET
from tests.support.inprocess import Harness, order_body

ROOT = Path(__file__).resolve().parents[2]
KEY = "re_test_key_not_real"
SENDER = "ONE⚡CASH <orders@onncx.com>"
SETTINGS = Settings(email_provider="resend", email_api_key=KEY, email_from=SENDER)
EMAIL_ENV = {"EMAIL_PROVIDER": "resend", "EMAIL_API_KEY": KEY, "EMAIL_FROM": SENDER}
RESEND = "https://api.resend.com/emails"
HOOK = "https://hook.example/onecash"
PAYOUT_HASH = "4e3f2a9c1b7d8e6f0a5c3b2d1e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f"
REFUND_HASH = "ab" * 32
PAGE = "https://onncx.com/payment.html?id=ord_test"


def an_order(status: Status = Status.AWAITING_PAYMENT, **fields: Any) -> Order:
    order = Order(
        id="ord_test", status=status, version=1, created_at="2026-11-26T12:00:00Z",
        updated_at="2026-11-26T12:00:00Z", expires_at="2026-11-26T12:20:00Z", late=False,
        from_currency="btc", from_amount="0.01", to_currency="usdttrc20", to_amount="945.25",
        payout_address="TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7", payout_extra_id=None,
        refund_address=None, email="alice@example.com", rate="95000", fee_percent="0.5",
        processor="sandbox", payment_id="100", pay_address="tb1qdepositaddress",
        pay_extra_id=None, pay_amount="0.01", pay_currency="btc", received_amount="0",
        deposits="{}", deposit_tx_hash=None, payout_tx_hash=None,
        processor_seen_at="2026-11-26T12:00:00Z", customer_key_hash="f" * 64,
    )  # fmt: skip
    return replace(order, **fields)


def message(order: Order, kind: str | None = None, settings: Settings = SETTINGS) -> dict[str, Any]:
    """The email `order` sends now, as the provider will be handed it."""
    event = email_for(order, settings, "msg_1", "2026-11-26T12:00:00Z", kind)
    assert event is not None
    assert (event.event_id, event.order_id, event.channel) == ("msg_1", order.id, "email")
    payload: dict[str, Any] = json.loads(event.payload)
    assert event.type == f"email.{payload['kind']}"
    assert payload["to"] == order.email
    assert PAGE in payload["text"]  # every email links to the payment page
    assert str(order.customer_key_hash) not in event.payload
    return payload


# --- what each email says ------------------------------------------------------------------------


def test_a_new_order_gets_its_page_and_no_instruction_to_send_anything() -> None:
    # Anyone can type anyone's address into the form: the operator's domain must not tell a
    # stranger to send money anywhere.
    order = an_order(pay_currency="xrp", pay_extra_id="12345", pay_address="rDepositAddress")
    email = message(order, "created")
    assert email["kind"] == "payment_link"
    assert email["subject"] == "Your order ord_test"
    text = email["text"]
    assert f"Your order: {PAGE}\n" in text
    assert "If this wasn't you, ignore this email" in text
    for leak in ("send", "pay to", "rDepositAddress", "12345", "memo", "0.01", "945.25",
                 "TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7", "XRP", "USDTTRC20", "USDT"):  # fmt: skip
        assert leak.lower() not in (email["subject"] + text).lower(), leak


def test_a_deposit_seen_names_the_amount_and_transaction() -> None:
    order = an_order(Status.CONFIRMING, received_amount="0.01", deposit_tx_hash="cd" * 32)
    email = message(order)
    assert email["kind"] == "deposit_seen"
    assert email["subject"] == "Deposit seen for order ord_test"
    assert "We have seen your deposit of 0.01 BTC" in email["text"]
    assert f"https://mempool.space/tx/{'cd' * 32}" in email["text"]


def test_paid_says_the_payout_is_on_its_way_and_what_happens_to_an_excess() -> None:
    exact = message(an_order(Status.PAID, received_amount="0.01"))
    assert exact["kind"] == "paid"
    assert (
        "We are now sending 945.25 USDT to TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7 on the TRON "
        "network, within 60 minutes." in (exact["text"])
    )
    assert "refunded" not in exact["text"]

    over = message(an_order(Status.PAID, received_amount="0.012"))
    assert "You sent 0.002 BTC more than the order asked for" in over["text"]
    assert "the refund address you give on the payment page" in over["text"]


def test_the_payout_email_carries_the_transaction_and_its_explorer_link() -> None:
    email = message(an_order(Status.COMPLETED, received_amount="0.01", payout_tx_hash=PAYOUT_HASH))
    assert email["kind"] == "payout_sent"
    assert email["subject"] == "945.25 USDT sent for order ord_test"
    assert f"Transaction: {PAYOUT_HASH}" in email["text"]
    assert f"https://tronscan.org/#/transaction/{PAYOUT_HASH}" in email["text"]


def test_a_late_deposit_asks_for_a_choice_on_the_payment_page() -> None:
    order = an_order(Status.ACTION_REQUIRED, received_amount="0.01", problem="late_deposit",
                     late=True)  # fmt: skip
    email = message(order)
    assert email["kind"] == "action_required"
    assert email["subject"] == "Action needed on order ord_test"
    text = email["text"]
    assert "arrived after the rate lock ended (2026-11-26 12:20 UTC)" in text
    assert "take a fresh quote for the 0.01 BTC that arrived" in text
    assert "have the 0.01 BTC refunded" in text
    assert "Make your choice on your order's payment page" in text
    # Its link has no key: the page it opens elsewhere offers one that can act.
    assert 'press "Email me a link" there' in text


def test_a_short_payment_says_what_is_missing_and_each_choice() -> None:
    order = an_order(Status.ACTION_REQUIRED, received_amount="0.004", problem="underpaid")
    text = message(order)["text"]
    assert "We received 0.004 BTC of the 0.01 BTC order ord_test asked for: 0.006 BTC" in text
    assert "send the remaining 0.006 BTC" in text
    assert "a payout of 378.1 USDT for what arrived" in text  # 945.25 × 0.4
    assert "have the 0.004 BTC refunded" in text


def test_a_refund_carries_its_amount_address_and_transaction() -> None:
    order = an_order(Status.REFUNDED, received_amount="0.004", refund_amount="0.0039",
                     refund_address="bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
                     refund_tx_hash=REFUND_HASH)  # fmt: skip
    email = message(order)
    assert email["kind"] == "refunded"
    assert "We have refunded 0.0039 BTC for order ord_test to bc1qar0s" in email["text"]
    assert f"https://mempool.space/tx/{REFUND_HASH}" in email["text"]


@pytest.mark.parametrize(
    "status",
    [Status.AWAITING_PAYMENT, Status.PARTIALLY_PAID, Status.EXPIRED, Status.FAILED,
     Status.CANCELLED, Status.REFUNDING],
)  # fmt: skip
def test_other_changes_send_no_email(status: Status) -> None:
    assert email_for(an_order(status), SETTINGS, "msg_1", "2026-11-26T12:00:00Z") is None


def test_no_email_without_an_address_or_without_the_settings() -> None:
    now = "2026-11-26T12:00:00Z"
    assert email_for(an_order(email=None), SETTINGS, "msg_1", now, "created") is None
    for settings in (replace(SETTINGS, email_provider=None), replace(SETTINGS, email_api_key=None),
                     replace(SETTINGS, email_from=None)):  # fmt: skip
        assert email_for(an_order(), settings, "msg_1", now, "created") is None
    assert email_for(an_order(Status.PAID), SETTINGS, "msg_1", now, "order.payout_overdue") is None


def test_the_python_and_javascript_explorer_tables_agree() -> None:
    source = (ROOT / "pages/js/explorers.js").read_text()
    table = source.split("EXPLORERS = {", 1)[1].split("};", 1)[0]
    assert dict(re.findall(r'(\w+): "([^"]+)"', table)) == EXPLORERS
    assert explorer_url("BTC", "a b") == "https://mempool.space/tx/a%20b"
    assert explorer_url("doge", PAYOUT_HASH) is None and explorer_url("btc", None) is None


# --- the provider's request ----------------------------------------------------------------------


def test_resend_gets_a_bearer_key_and_the_event_id_as_idempotency_key() -> None:
    payload = json.dumps({"to": "alice@example.com", "subject": "S", "text": "T", "kind": "paid"})
    request = provider_request(SETTINGS, "msg_abc", payload)
    assert (request.method, request.url) == ("POST", RESEND)
    assert request.headers["Authorization"] == f"Bearer {KEY}"
    assert request.headers["Idempotency-Key"] == "msg_abc"
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.body or b"") == {
        "from": SENDER, "to": ["alice@example.com"], "subject": "S", "text": "T"}  # fmt: skip


def test_postmark_gets_its_server_token_and_the_outbound_stream() -> None:
    settings = replace(SETTINGS, email_provider="postmark")
    payload = json.dumps({"to": "alice@example.com", "subject": "S", "text": "T", "kind": "paid"})
    request = provider_request(settings, "msg_abc", payload)
    assert (request.method, request.url) == ("POST", "https://api.postmarkapp.com/email")
    assert request.headers["X-Postmark-Server-Token"] == KEY
    assert request.headers["Accept"] == "application/json"
    assert "Authorization" not in request.headers
    assert json.loads(request.body or b"") == {
        "From": SENDER, "To": "alice@example.com", "Subject": "S", "TextBody": "T",
        "MessageStream": "outbound"}  # fmt: skip


def test_email_api_url_replaces_the_providers_address() -> None:
    settings = replace(SETTINGS, email_api_url="http://127.0.0.1:9/emails")
    payload = json.dumps({"to": "a@example.com", "subject": "S", "text": "T", "kind": "paid"})
    assert provider_request(settings, "msg_1", payload).url == "http://127.0.0.1:9/emails"


# --- delivery from the outbox --------------------------------------------------------------------


def answering(**statuses: int) -> Any:
    """An outbound fake: the provider answers `provider`, the webhook receiver `hook`."""

    async def answer(request: OutboundRequest) -> OutboundResponse:
        status = statuses["hook"] if request.url == HOOK else statuses["provider"]
        return OutboundResponse(status, b'{"id":"49a3999c"}' if status == 200 else b"")

    return answer


def emails_sent(harness: Harness) -> list[dict[str, Any]]:
    return [json.loads(r.body or b"") for r in harness.outbound.sent if r.url == RESEND]


async def pay(harness: Harness, order_id: str, status: str) -> None:
    reply = await harness.call("POST", f"/api/sandbox/pay/{order_id}", {"status": status})
    assert reply.status == 200, reply.json


async def test_each_change_is_emailed_once_right_after_the_answer(
    make_harness: MakeHarness,
) -> None:
    harness = make_harness(**EMAIL_ENV)
    harness.outbound.answer = answering(provider=200)
    created = await harness.call("POST", "/api/order", order_body(email="alice@example.com"),
                                 run_background=True)  # fmt: skip
    order = created.json
    link_email = f"Your order {order['id']}"
    assert [e["subject"] for e in emails_sent(harness)] == [link_email]
    await pay(harness, order["id"], "confirming")
    await pay(harness, order["id"], "finished")
    report = await harness.app.scheduled()
    assert report["emailed"] == 2

    sent = emails_sent(harness)
    assert [e["subject"].split(" for ")[0] for e in sent] == [
        link_email, "Deposit seen", "Payment received"]  # fmt: skip
    assert {tuple(e["to"]) for e in sent} == {("alice@example.com",)}
    assert all(e["from"] == SENDER for e in sent)
    assert all(order["customer_key"] not in e["text"] for e in sent)
    keys = [r.headers["Idempotency-Key"] for r in harness.outbound.sent]
    assert len(set(keys)) == 3 and all(k.startswith("msg_") for k in keys)
    assert await harness.app.emails.deliver_due_count() == 0  # nothing is sent twice


async def test_a_failing_provider_is_retried_on_the_webhook_schedule_then_dead(
    make_harness: MakeHarness,
) -> None:
    harness = make_harness(**EMAIL_ENV)
    harness.outbound.answer = answering(provider=503)
    await harness.create(email="alice@example.com")
    emails = harness.app.emails

    assert await emails.deliver_due_count() == 1
    harness.clock.advance(seconds=RETRY_DELAYS[0] * (1 - JITTER) - 1)
    assert await emails.deliver_due_count() == 0  # not due before the first delay
    for _ in range(len(RETRY_DELAYS)):
        (waiting,) = (await emails.events("pending"))["events"]
        harness.clock.now = parse(waiting["next_attempt_at"])
        assert await emails.deliver_due_count() == 1

    assert (await emails.events("pending"))["events"] == []
    (dead,) = (await emails.events("dead"))["events"]
    assert dead["type"] == "email.payment_link" and dead["attempts"] == len(RETRY_DELAYS) + 1
    log = dead["attempt_log"]
    assert [a["status_code"] for a in log] == [503] * (len(RETRY_DELAYS) + 1)
    assert dead["last_error"] == "HTTP 503"
    gaps = [(parse(b["at"]) - parse(a["at"])).total_seconds() for a, b in pairwise(log)]
    for gap, delay in zip(gaps, RETRY_DELAYS, strict=True):
        assert delay * (1 - JITTER) <= gap <= delay * (1 + JITTER) + 1

    # The operator's webhook list is about webhooks: the email is not in it.
    hooks = await harness.call("GET", "/api/admin/webhooks?status=dead", headers=harness.admin())
    assert hooks.json["events"] == []

    # The operator finds it among the emails, and sends it again once the provider is back.
    listed = await harness.call("GET", "/api/admin/emails?status=dead", headers=harness.admin())
    assert listed.json["emails_configured"] is True
    assert [e["event_id"] for e in listed.json["events"]] == [dead["event_id"]]
    harness.outbound.answer = answering(provider=200)
    redo = await harness.call("POST", f"/api/admin/emails/{dead['event_id']}/redeliver",
                              headers=harness.admin())  # fmt: skip
    assert redo.status == 202
    assert await emails.deliver_due_count() == 1
    (delivered,) = (await emails.events("delivered"))["events"]
    assert delivered["event_id"] == dead["event_id"]


async def test_the_webhook_redelivery_does_not_take_an_email(make_harness: MakeHarness) -> None:
    harness = make_harness(**EMAIL_ENV)
    await harness.create(email="alice@example.com")
    (row,) = harness.rows("SELECT event_id FROM webhook_outbox WHERE channel = 'email'")
    redo = await harness.call("POST", f"/api/admin/webhooks/{row['event_id']}/redeliver",
                              headers=harness.admin())  # fmt: skip
    assert redo.status == 404
    (hook,) = harness.rows("SELECT event_id FROM webhook_outbox WHERE channel = 'webhook'")
    other = await harness.call("POST", f"/api/admin/emails/{hook['event_id']}/redeliver",
                               headers=harness.admin())  # fmt: skip
    assert other.status == 404
    assert (await harness.call("GET", "/api/admin/emails")).status == 401


async def test_a_stuck_email_never_holds_back_a_webhook_nor_a_stuck_webhook_an_email(
    make_harness: MakeHarness,
) -> None:
    harness = make_harness(**EMAIL_ENV, WEBHOOK_URL=HOOK, WEBHOOK_SECRET=SECRET)
    harness.outbound.answer = answering(provider=500, hook=204)
    order = await harness.create(email="alice@example.com")
    await pay(harness, order["id"], "confirming")
    await pay(harness, order["id"], "finished")

    report = await harness.app.scheduled()
    assert report["delivered"] == 3 and report["emailed"] == 1  # the next email waits its turn
    hooks = (await harness.app.webhooks.events("delivered"))["events"]
    assert [e["type"] for e in hooks] == ["order.created", "order.confirming", "order.paid"]
    waiting = (await harness.app.emails.events("pending"))["events"]
    assert [e["type"] for e in waiting] == [
        "email.payment_link", "email.deposit_seen", "email.paid"]  # fmt: skip

    harness.outbound.answer = answering(provider=200, hook=500)
    await harness.call("PUT", f"/api/order/{order['id']}",
                       {"status": "completed", "payout_tx_hash": PAYOUT_HASH},
                       headers=harness.admin())  # fmt: skip
    harness.clock.advance(minutes=1)
    report = await harness.app.scheduled()
    assert report["emailed"] == 4
    assert [e["subject"].split(" ")[0] for e in emails_sent(harness)[-4:]] == [
        "Your", "Deposit", "Payment", "945.25"]  # fmt: skip
    assert [e["type"] for e in (await harness.app.webhooks.events("pending"))["events"]] == [
        "order.completed"]  # fmt: skip
    stats = await harness.call("GET", "/api/admin/stats", headers=harness.admin())
    assert stats.json["webhooks"] == {"pending": 1, "dead": 0}  # webhooks only


async def test_postmark_is_posted_with_its_token(make_harness: MakeHarness) -> None:
    harness = make_harness(**{**EMAIL_ENV, "EMAIL_PROVIDER": "postmark"})
    harness.outbound.answer = answering(provider=200)
    await harness.create(email="alice@example.com")
    assert await harness.app.emails.deliver_due_count() == 1
    (request,) = harness.outbound.sent
    assert request.url == "https://api.postmarkapp.com/email"
    assert request.headers["X-Postmark-Server-Token"] == KEY


async def test_with_email_unset_nothing_is_queued_and_the_webhook_carries_the_address(
    harness: Harness,
) -> None:
    order = await harness.create(email="alice@example.com")
    await pay(harness, order["id"], "finished")
    report = await harness.app.scheduled()
    assert report["emailed"] == 0 and harness.outbound.sent == []
    rows = harness.rows("SELECT channel, payload FROM webhook_outbox ORDER BY seq")
    assert {r["channel"] for r in rows} == {"webhook"}
    first = json.loads(rows[0]["payload"])
    assert first["type"] == "order.created"
    assert first["data"]["order"]["email"] == "alice@example.com"
    assert Decimal(first["data"]["order"]["payment"]["amount"]) == Decimal("0.01")


async def test_an_order_without_an_email_queues_none(make_harness: MakeHarness) -> None:
    harness = make_harness(**EMAIL_ENV)
    await harness.create()
    assert harness.rows("SELECT count(*) AS n FROM webhook_outbox WHERE channel = 'email'") == [
        {"n": 0}]  # fmt: skip


def parse(at: str) -> datetime:
    return datetime.fromisoformat(at.replace("Z", "+00:00"))
