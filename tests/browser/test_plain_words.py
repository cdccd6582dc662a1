"""Words a first-time customer can read (issue 16), in Chromium: coins and networks by their plain
names with a warning that coins sent on another network are lost, a history of plain sentences,
a progress bar that tells the truth, "You get" for a locked rate, when the payout comes, a payout
to an XRP wallet that needs no tag, "Open in wallet" and the countdown first on a phone, and the
sandbox panel only where a deposit can act."""

from __future__ import annotations

import re
import secrets
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Shop
from tests.support.inprocess import BTC_ADDRESS

pytestmark = pytest.mark.browser

XRP_WALLET = "rPEPPER7kfTD9w2To4CQk6UCfuHM9c6GDY"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def step(page: Any, name: str) -> Any:
    return page.locator(f"#steps li[data-step='{name}']")


def open_order(page: Any, shop: Shop, order: dict[str, Any]) -> None:
    page.goto(f"{shop.site}/payment.html?id={order['id']}#key={order['customer_key']}")
    expect(page.locator("#order")).to_be_visible()


def test_coins_and_networks_have_plain_names_and_a_network_warning(page: Any, host: Shop):
    order = host.create_order(from_currency="usdttrc20", to_currency="btc", amount="100",
                              payout_address=BTC_ADDRESS)  # fmt: skip
    open_order(page, host, order)

    expect(page.locator("#headline")).to_have_text("Send 100 USDT")
    expect(page.locator("#pay-address-label")).to_have_text(
        "To this Tether USD (TRON network) address"
    )
    expect(page.locator("#network-warning")).to_contain_text(
        "Send only Tether USD (USDT) on the TRON network. USDT sent on another network, or any "
        "other coin, is lost"
    )
    expect(page.locator("#d-send")).to_have_text("100 USDT · Tether USD (TRON network)")
    expect(page.locator("#d-get")).to_contain_text("BTC · Bitcoin")
    assert "USDTTRC20" not in page.locator("body").inner_text()

    page.goto(host.site)
    expect(page.locator("#from_currency")).to_be_enabled()
    options = page.locator("#from_currency option").all_inner_texts()
    assert "USDT — Tether USD (TRON network)" in options and "BTC — Bitcoin" in options


def test_the_history_reads_as_plain_sentences_and_the_progress_tells_the_truth(
    page: Any, host: Shop
) -> None:
    order = host.create_order()
    open_order(page, host, order)
    expect(step(page, "awaiting_payment")).to_have_text("Awaiting payment (current step)")

    page.locator("#sandbox").get_by_role("button", name="Half payment").click()

    expect(page.locator("#headline")).to_have_text("Partial payment received")
    # The money arrived: the first step is behind it, and no longer says "Awaiting payment".
    first = step(page, "awaiting_payment")
    expect(first).to_have_class("done")
    expect(first).to_have_text("Payment sent (done)")
    expect(page.locator("#steps")).not_to_contain_text("Awaiting payment")
    expect(step(page, "paid")).to_have_class("stopped")
    expect(step(page, "paid")).to_contain_text("stopped: your choice needed")
    history = page.locator("#history")
    expect(history.locator("li")).to_have_count(2)
    expect(history.locator("li").nth(0)).to_contain_text("Order placed.")
    expect(history.locator("li").nth(1)).to_contain_text(
        "Your payment arrived late or short of the amount, so it waits for your choice."
    )
    for system in ("processor reports", "partially_paid", "the customer chooses"):
        expect(history).not_to_contain_text(system)

    page.get_by_role("button", name="Send the remaining 0.005 BTC").click()
    expect(history.locator("li").nth(2)).to_contain_text("You chose to send the rest.")
    expect(first).to_have_text("Awaiting the rest (current step)")
    page.locator("#sandbox").get_by_role("button", name="Full payment").click()
    expect(page.locator("#headline")).to_have_text("Payment received")
    host.operator_update(order["id"], status="completed", payout_tx_hash=secrets.token_hex(32),
                         note="sent from the hot wallet")  # fmt: skip
    expect(history.locator("li").last).to_contain_text("We sent your payout.")
    expect(history.locator("li").last).to_contain_text("From support: sent from the hot wallet")


def test_a_payout_promise_is_kept_in_words(page: Any, make_host: Any, watch: Any, fill_form):
    shop = make_host(PAYOUT_PROMISE_MINUTES="45")
    watch.allowed_origins = {shop.site, shop.api}
    page.goto(shop.site)
    fill_form(page)
    # The quote is what the order locks: what you get, not "about" it.
    expect(page.locator("#quote-details")).to_contain_text("You get")
    expect(page.locator("#quote-details")).not_to_contain_text("about")
    expect(page.locator("#quote-payout")).to_have_text(
        "Sent within 45 minutes of your payment being final."
    )

    order = shop.create_order()
    open_order(page, shop, order)
    page.locator("#sandbox").get_by_role("button", name="Full payment").click()
    expect(page.locator("#status-line")).to_contain_text(
        "within 45 minutes of your payment being final"
    )
    expect(page.locator("#status-line")).to_contain_text(re.compile(r"Expect it by \d"))


def test_an_xrp_wallet_that_needs_no_tag_gets_its_payout_without_one(page, host, fill_form):
    page.goto(host.site)
    expect(page.locator("#to_currency")).to_be_enabled()
    page.select_option("#from_currency", "btc")
    page.select_option("#to_currency", "xrp")
    page.fill("#amount", "0.01")
    page.fill("#payout_address", XRP_WALLET)
    no_tag = page.get_by_label("My wallet needs no tag")
    expect(no_tag).to_be_visible()
    no_tag.check()
    expect(page.get_by_label("Memo / destination tag")).to_be_disabled()

    page.click("#submit")

    page.wait_for_url(re.compile(r"/payment(\.html)?\?id=ord_"))
    order_id = page.url.split("id=")[1].split("#")[0]
    assert host.order(order_id)["to"]["extra_id"] is None
    page.goto(host.site)
    page.select_option("#to_currency", "btc")
    expect(page.get_by_label("My wallet needs no tag")).to_be_hidden()  # bitcoin has no tags


def test_on_a_phone_the_wallet_opens_from_a_link_and_the_countdown_comes_first(
    new_context: Any, page: Any, host: Shop
) -> None:
    order = host.create_order()
    phone = new_context(**PHONE).new_page()
    open_order(phone, host, order)

    wallet = phone.get_by_role("link", name="Open in wallet")
    expect(wallet).to_be_visible()
    expect(wallet).to_have_attribute("href", order["payment"]["uri"])
    countdown = phone.locator("#countdown").bounding_box()
    qr = phone.locator("#qr").bounding_box()
    assert countdown and qr and countdown["y"] + countdown["height"] <= qr["y"]

    open_order(page, host, order)  # a desktop scans the QR code
    expect(page.get_by_role("link", name="Open in wallet")).to_be_hidden()


def test_the_sandbox_panel_shows_only_where_a_deposit_can_act(page: Any, host: Shop) -> None:
    order = host.create_order()
    open_order(page, host, order)
    expect(page.locator("#sandbox")).to_be_visible()

    page.locator("#sandbox").get_by_role("button", name="Full payment").click()

    expect(page.locator("#headline")).to_have_text("Payment received")
    expect(page.locator("#sandbox")).to_be_hidden()


def test_an_xrp_refund_can_go_to_a_wallet_that_needs_no_tag(page: Any, host: Shop) -> None:
    order = host.create_order(from_currency="xrp", to_currency="btc", amount="50",
                              payout_address=BTC_ADDRESS)  # fmt: skip
    open_order(page, host, order)
    page.locator("#sandbox").get_by_role("button", name="Half payment").click()
    page.get_by_role("button", name="Refund my payment").click()
    page.get_by_label("Refund address").fill(XRP_WALLET)
    page.get_by_label("My wallet needs no tag").check()
    expect(page.get_by_label("Refund memo / tag")).to_be_disabled()

    page.get_by_role("button", name="Refund to this address").click()

    expect(page.locator("#headline")).to_have_text("Refund requested")
    refunding = host.order(order["id"])
    assert (refunding["refund_address"], refunding["refund_extra_id"]) == (XRP_WALLET, None)
