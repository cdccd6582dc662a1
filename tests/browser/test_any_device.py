"""The customer acts from any device (issue 16), on the payment page in Chromium: a page opened
without the order's key (the emailed link, another device) says so plainly and emails a new
link that can make the choices; without emails, or without an address, it says why not; the
not-found page finds an order by its id or its deposit's transaction hash; and a failed payment
that holds money offers its refund instead of a dead end."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import GENEROUS_LIMITS, Shop
from tests.fakes.resend import FakeResend
from tests.support.localhost import LocalHost

pytestmark = pytest.mark.browser

CUSTOMER = "alice@example.com"
REFUND_ADDRESS = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.fixture
def emailing(chromium_path: str, watch: Any) -> Iterator[tuple[Shop, FakeResend]]:
    """A local host that emails its customers through a fake of Resend, its links pointing at
    its own site."""
    provider = FakeResend().up()
    local = LocalHost(**GENEROUS_LIMITS, EMAIL_PROVIDER="resend", EMAIL_API_KEY="re_browser",
                      EMAIL_FROM="orders@example.com", EMAIL_API_URL=provider.url)  # fmt: skip
    local.env["PUBLIC_SITE_URL"] = local.site_url
    local.start()
    watch.allowed_origins = {local.site_url, local.api_url}
    yield Shop(local), provider
    local.close()
    provider.down()


def short_payment(shop: Shop, order_id: str) -> None:
    status, answer = shop.call("POST", f"/api/sandbox/pay/{order_id}", {"amount": "0.004"})
    assert status == 200 and answer["order"]["status"] == "action_required", answer


def test_a_link_by_email_lets_another_device_make_the_choice(
    new_context: Any, emailing: tuple[Shop, FakeResend], screenshots: Any
) -> None:
    shop, provider = emailing
    order = shop.create_order(email=CUSTOMER)  # placed on a laptop, whose tab then closed
    short_payment(shop, order["id"])

    # On a phone, from the link in the first email: the order, but not its choices.
    phone = new_context(**PHONE).new_page()
    phone.goto(f"{shop.site}/payment.html?id={order['id']}")
    expect(phone.locator("#headline")).to_have_text("Partial payment received")
    expect(phone.get_by_role("button", name="Refund my payment")).to_be_disabled()
    read_only = phone.get_by_role("region", name="This link can only show the order")
    expect(read_only).to_contain_text("on any device")
    expect(read_only).not_to_contain_text("device that placed")
    expect(read_only).to_contain_text("a***@example.com")
    read_only.scroll_into_view_if_needed()
    if screenshots:
        phone.screenshot(path=screenshots / "payment-email-link.png")

    read_only.get_by_role("button", name="Email me a link").click()
    expect(phone.locator("#link-status")).to_contain_text("Sent. Open the link in the email")

    email = provider.wait_for(CUSTOMER, "Your link to order")
    found = re.search(rf"{re.escape(shop.site)}/payment\.html\?id={order['id']}#key=[\w-]+",
                      email.body["text"])  # fmt: skip
    assert found, email.body["text"]
    assert order["customer_key"] not in email.body["text"]  # a new key, not the laptop's

    # Opened from the email, on the phone: the choices work.
    chooser = new_context(**PHONE).new_page()
    chooser.goto(found[0])
    chooser.get_by_role("button", name="Refund my payment").click()
    chooser.get_by_label("Refund address").fill(REFUND_ADDRESS)
    chooser.get_by_role("button", name="Refund to this address").click()
    expect(chooser.locator("#headline")).to_have_text("Refund requested")
    expect(chooser.locator("#read-only")).to_be_hidden()
    assert shop.order(order["id"])["status"] == "refunding"


def test_without_emails_the_page_says_no_link_can_be_sent(page: Any, host: Shop, watch: Any):
    watch.expect_console(r"status of 503")
    order = host.create_order(email=CUSTOMER)
    short_payment(host, order["id"])
    page.goto(f"{host.site}/payment.html?id={order['id']}")

    page.get_by_role("button", name="Email me a link").click()

    expect(page.locator("#link-status")).to_contain_text(
        "This exchange does not send emails, so it cannot email you a link."
    )


def test_an_order_without_an_email_says_to_contact_support(page: Any, host: Shop) -> None:
    order = host.create_order()
    short_payment(host, order["id"])
    page.goto(f"{host.site}/payment.html?id={order['id']}")

    expect(page.locator("#link-text")).to_have_text(
        "This order was placed without an email address, so no link can be sent: contact "
        "support with the order id below."
    )
    expect(page.get_by_role("button", name="Email me a link")).to_be_hidden()


def test_the_not_found_page_finds_an_order_by_its_deposit_or_its_id(
    page: Any, host: Shop, watch: Any
) -> None:
    watch.expect_console(r"status of 404")
    order = host.create_order()
    _, seen = host.call("POST", f"/api/sandbox/pay/{order['id']}", {"status": "confirming"})
    tx_hash = seen["order"]["payment"]["tx_hash"]

    page.goto(f"{host.site}/my-order-somewhere")
    expect(page.get_by_role("heading", name="There is nothing here")).to_be_visible()
    search = page.get_by_label("Order id or deposit transaction hash")
    search.fill("ab" * 32)
    page.get_by_role("button", name="Find my order").click()
    expect(page.locator("#find-status")).to_contain_text(
        "No order has a deposit with this transaction hash"
    )

    search.fill(f"  {tx_hash}\n")  # pasted from a wallet, with what comes along
    page.get_by_role("button", name="Find my order").click()
    page.wait_for_url(re.compile(rf"/payment(\.html)?\?id={order['id']}$"))
    expect(page.locator("#headline")).to_have_text("Payment on its way")

    page.goto(f"{host.site}/payment.html?id=ord_doesnotexist0000000000")
    expect(page.get_by_role("heading", name="We can't find this order")).to_be_visible()
    page.get_by_label("Order id or deposit transaction hash").fill(order["id"])
    page.get_by_role("button", name="Find my order").click()
    page.wait_for_url(re.compile(rf"/payment(\.html)?\?id={order['id']}$"))
    expect(page.locator("#order-id")).to_have_text(order["id"])


def test_a_failed_payment_holding_money_offers_its_refund(page: Any, host: Shop) -> None:
    order = host.create_order()
    page.goto(f"{host.site}/payment.html?id={order['id']}#key={order['customer_key']}")
    expect(page.locator("#pay-address")).to_be_visible()
    host.call("POST", f"/api/sandbox/pay/{order['id']}", {"status": "confirming"})
    host.call("POST", f"/api/sandbox/pay/{order['id']}", {"status": "failed"})

    expect(page.locator("#headline")).to_have_text("Payment failed")
    expect(page.locator("#outcome-title")).to_have_text(
        "Your payment failed, and your money is safe"
    )
    expect(page.locator("#outcome-text")).to_contain_text("0.01 BTC reached us")
    expect(page.get_by_role("link", name="Start a new exchange")).to_be_visible()
    page.get_by_role("button", name="Refund my payment").click()
    page.get_by_label("Refund address").fill(REFUND_ADDRESS)
    page.get_by_role("button", name="Refund to this address").click()

    expect(page.locator("#headline")).to_have_text("Refund requested")
    headers = host.local.client().admin()
    _, queue = host.call("GET", "/api/admin/queue", headers=headers)
    assert [(i["order"]["id"], i["reason"]) for i in queue["items"] if
            i["order"]["id"] == order["id"]] == [(order["id"], "refund")]  # fmt: skip
    # The page follows the refund through, though a failed order had stopped polling.
    # A hash of its own: one transaction is recorded on one order, and the tests share a host.
    host.operator_update(order["id"], status="refunded", refund_tx_hash=secrets.token_hex(32))
    expect(page.locator("#headline")).to_have_text("Payment refunded")
