"""The payment page (payment.html?id=…) following real orders on the local host: what to pay,
the live timeline as the sandbox processor and the operator move the order, and a clear screen
for every way an order can end."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import tx_hash

pytestmark = pytest.mark.browser

PAYOUT_HASH = "9f2c" * 16
# pages/js/explorers.js, by the currency paid out.
EXPLORERS = {
    "btc": "https://mempool.space/tx/",
    "eth": "https://etherscan.io/tx/",
    "usdttrc20": "https://tronscan.org/#/transaction/",
}
QR_PATH_OF = """async (text) => {
  const { qrSvg } = await import("/js/qr.js");
  return qrSvg(text, "check").querySelector("path").getAttribute("d");
}"""


def step(page: Any, name: str) -> Any:
    return page.locator(f"#steps li[data-step='{name}']")


def open_order(page: Any, host: Any, order_id: str) -> None:
    page.goto(f"{host.site}/payment.html?id={order_id}")
    expect(page.locator("#order")).to_be_visible()


def test_an_exchange_from_the_form_to_the_payout(page, host, fill_form, screenshots):
    page.goto(host.site)
    fill_form(page, email="buyer@example.com")
    if screenshots:
        page.screenshot(path=screenshots / "exchange-form.png", full_page=True)
    page.click("#submit")
    page.wait_for_url(re.compile(r"/payment(\.html)?\?id=ord_"))
    order_id = page.url.split("id=")[1].split("#")[0]
    order = host.order(order_id)
    payment = order["payment"]

    # What to pay, where, and a QR code of the payment URI.
    expect(page.locator("#headline")).to_have_text(f"Send {payment['amount']} BTC")
    expect(page.locator("#pay-amount-value")).to_have_text(payment["amount"])
    expect(page.locator("#pay-address")).to_have_text(payment["address"])
    expect(page.locator("#order-id")).to_have_text(order_id)
    expect(page.locator("#countdown")).to_contain_text("Rate locked for")
    expect(page.locator("#d-email")).to_have_text(order["email"])
    assert "buyer@example.com" not in page.content()
    qr = page.locator("#qr svg")
    expect(qr).to_have_attribute("aria-label", re.compile(re.escape(payment["address"])))
    assert qr.locator("path").get_attribute("d") == page.evaluate(QR_PATH_OF, payment["uri"])
    expect(step(page, "awaiting_payment")).to_have_attribute("aria-current", "step")
    if screenshots:
        page.screenshot(path=screenshots / "payment-page.png", full_page=True)

    # From here on the page must follow the order by itself, without a reload.
    page.evaluate("window.stillTheSamePage = true")

    page.get_by_role("button", name="Payment seen (confirming)").click()
    expect(step(page, "confirming")).to_have_attribute("aria-current", "step")
    expect(step(page, "awaiting_payment")).to_have_class("done")
    expect(page.locator("#status-line")).to_contain_text("Your payment has been seen")
    expect(page.locator("#pay")).to_be_hidden()

    page.get_by_role("button", name="Full payment").click()
    expect(step(page, "paid")).to_have_attribute("aria-current", "step")
    expect(page.locator("#headline")).to_have_text("Payment received")

    host.operator_update(order_id, status="completed", payout_tx_hash=PAYOUT_HASH)
    expect(page.locator("#payout-hash")).to_have_text(PAYOUT_HASH)
    explorer = EXPLORERS[order["to"]["currency"]]
    expect(page.get_by_role("link", name=PAYOUT_HASH)).to_have_attribute(
        "href", explorer + PAYOUT_HASH
    )
    expect(page.locator("#headline")).to_have_text("Exchange completed")
    for name in ("awaiting_payment", "confirming", "paid", "completed"):
        expect(step(page, name)).to_have_class("done")
    expect(page.locator("#history li")).to_have_count(4)
    expect(page.locator("#sandbox")).to_be_hidden()
    assert page.evaluate("window.stillTheSamePage") is True
    if screenshots:
        page.screenshot(path=screenshots / "payment-completed.png", full_page=True)


def test_polling_asks_with_the_etag_and_gets_not_modified(page, host):
    order = host.create_order()
    open_order(page, host, order["id"])

    with page.expect_response(
        lambda r: f"/api/order/{order['id']}" in r.url and r.request.method == "GET",
        timeout=15_000,
    ) as polled:
        pass
    response = polled.value
    assert response.request.header_value("if-none-match")
    assert response.status == 304


def test_an_order_that_expires_says_what_to_do_and_a_late_payment_waits_for_a_choice(
    page, make_host, watch
):
    own = make_host(PAYMENT_WINDOW_MINUTES="1")
    watch.allowed_origins = {own.site, own.api}
    order = own.create_order()
    open_order(page, own, order["id"])
    expect(page.locator("#pay-address")).to_be_visible()

    own.advance_clock(120)
    assert own.run_cron()["expired"] == 1

    expect(page.locator("#headline")).to_have_text("Payment window ended")
    expect(page.locator("#outcome-title")).to_have_text("This order expired")
    expect(page.locator("#outcome-text")).to_contain_text("start a new exchange")
    expect(page.locator("#outcome-text")).to_contain_text("they are not lost")
    expect(page.get_by_role("link", name="Start a new exchange")).to_be_visible()
    expect(page.locator("#pay")).to_be_hidden()
    expect(step(page, "awaiting_payment")).to_have_class("stopped")

    # Funds that arrive after the window are still recorded, never at the old rate by themselves:
    # the page says so and offers the choices (tests/browser/test_problem_payments.py takes them).
    page.get_by_role("button", name="Full payment").click()
    expect(page.locator("#headline")).to_have_text("Your payment arrived late")
    expect(page.get_by_role("button", name="Get a fresh quote")).to_be_visible()


@pytest.mark.parametrize(
    ("drive", "headline", "says"),
    [
        ("partially_paid", "Partial payment received", "either complete the exchange"),
        ("failed", "Payment failed", "contact support"),
        ("refunded", "Payment refunded", "This order is closed."),
        ("cancelled", "Order cancelled", "Do not send anything"),
    ],
)
def test_every_other_ending_has_its_own_screen(page, host, drive, headline, says):
    order = host.create_order(refund_address="bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq")
    open_order(page, host, order["id"])

    if drive in ("partially_paid", "failed"):
        label = {"partially_paid": "Half payment", "failed": "Processor failure"}[drive]
        page.get_by_role("button", name=label).click()
    elif drive == "refunded":
        host.call(
            "POST", f"/api/sandbox/pay/{order['id']}", {"amount": "0.01", "status": "finished"}
        )
        host.operator_update(
            order["id"], status="refunded", refund_tx_hash=tx_hash(), note="customer asked"
        )
    else:
        host.operator_update(order["id"], status="cancelled")

    expect(page.locator("#headline")).to_have_text(headline)
    expect(page.locator("#outcome")).to_be_visible()
    expect(page.locator("#outcome-text")).to_contain_text(says, ignore_case=True)
    expect(page.locator("#pay")).to_be_hidden()
    expect(page.locator("#order-id")).to_have_text(order["id"])


def test_a_currency_with_a_memo_warns_to_include_it(page, host):
    order = host.create_order(
        from_currency="xrp",
        to_currency="btc",
        amount="50",
        payout_address="bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
    )
    extra_id = order["payment"]["extra_id"]
    assert extra_id, "the sandbox gives xrp deposits a destination tag"
    open_order(page, host, order["id"])

    expect(page.locator("#memo-block")).to_be_visible()
    expect(page.locator("#memo-block")).to_contain_text("Include this memo / tag")
    expect(page.locator("#pay-extra")).to_have_text(extra_id)


def test_copy_buttons_put_the_exact_text_on_the_clipboard(page, host):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=host.site)
    order = host.create_order()
    open_order(page, host, order["id"])

    page.get_by_role("button", name="Copy address").click()
    expect(page.locator("#copy-status")).to_have_text("Copied the address.")
    assert page.evaluate("navigator.clipboard.readText()") == order["payment"]["address"]

    page.get_by_role("button", name="Copy amount").click()
    assert page.evaluate("navigator.clipboard.readText()") == order["payment"]["amount"]


@pytest.mark.parametrize("query", ["?id=ord_doesnotexist0000000000", "?id=../../etc", ""])
def test_an_unknown_order_gets_a_friendly_not_found(page, host, watch, query):
    watch.expect_console(r"status of 404")
    page.goto(f"{host.site}/payment.html{query}")

    expect(page.get_by_role("heading", name="We can't find this order")).to_be_visible()
    expect(page.get_by_role("link", name="Start a new exchange")).to_be_visible()
    expect(page.locator("#order")).to_be_hidden()
