"""Problem payments on the payment page, driven by their labels like a customer: a late deposit
(a fresh quote, or a refund), an under-payment (send the rest, or a smaller payout), an
over-payment (its excess refunded), and the same page opened without the order's key (read-only).
The sandbox panel plays the customer's wallet; the operator's refund goes through the API."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Shop, tx_hash

pytestmark = pytest.mark.browser

REFUND_ADDRESS = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"
# The same address with its last character changed: still Bech32 in shape, only the checksum
# tells.
TYPO_ADDRESS = REFUND_ADDRESS[:-1] + "p"
CHECKSUM_MESSAGE = "This address's checksum does not match: check it for a typo."
REFUND_HASH = "5e1f" * 16
QR_PATH_OF = """async (text) => {
  const { qrSvg } = await import("/js/qr.js");
  return qrSvg(text, "check").querySelector("path").getAttribute("d");
}"""


def open_order(page: Any, shop: Shop, order: dict[str, Any], key: str | None = None) -> None:
    """The payment link as the exchange form leaves it: the key in the #fragment."""
    fragment = f"#key={order['customer_key'] if key is None else key}" if key != "" else ""
    page.goto(f"{shop.site}/payment.html?id={order['id']}{fragment}")
    expect(page.locator("#pay-address")).to_be_visible()


def pay(page: Any, label: str) -> None:
    """One of the sandbox panel's buttons: the customer's wallet sending something."""
    page.locator("#sandbox").get_by_role("button", name=label, exact=True).click()


def expect_support(page: Any, order_id: str) -> None:
    outcome = page.locator("#outcome")
    expect(outcome.get_by_role("link", name="Email help@example.com")).to_have_attribute(
        "href", f"mailto:help@example.com?subject=Order%20{order_id}"
    )
    expect(outcome.get_by_role("link", name="Open a support request")).to_have_attribute(
        "href", f"https://help.example.com/ticket?order={order_id}"
    )


def shoot(page: Any, screenshots: Any, name: str) -> None:
    if screenshots:
        page.screenshot(path=screenshots / f"problem-{name}.png", full_page=True)


def test_a_late_deposit_takes_a_fresh_quote_and_goes_ahead(page, supported, screenshots):
    sent: list[Any] = []
    page.on("request", lambda request: sent.append(request))
    order = supported.create_order()
    open_order(page, supported, order)
    expect(page.locator("#countdown")).to_contain_text("Rate locked for 19:")

    pay(page, "Late payment")
    expect(page.locator("#headline")).to_have_text("Your payment arrived late")
    expect(page.locator("#outcome-title")).to_have_text(
        "Your payment arrived after the rate lock ended"
    )
    expect(page.locator("#outcome-text")).to_contain_text("We received 0.01 BTC")
    expect_support(page, order["id"])
    expect(page.get_by_role("button", name="Accept the fresh quote")).to_be_hidden()

    page.get_by_role("button", name="Get a fresh quote").click()
    offer = page.locator("#offer")
    expect(offer).to_contain_text("Fresh quote: 0.01 BTC →")
    expect(page.locator("#offer-countdown")).to_contain_text("Valid for 4:")
    expect(page.get_by_role("button", name="Get a fresh quote")).to_be_hidden()
    quoted = supported.order(order["id"])["action"]["offer"]
    expect(offer).to_contain_text(f"{quoted['to_amount']} USDT,")
    shoot(page, screenshots, "late")

    page.get_by_role("button", name="Accept the fresh quote").click()
    expect(page.locator("#headline")).to_have_text("Payment received")
    expect(page.locator("#d-get")).to_have_text(
        f"{quoted['to_amount']} USDT · Tether USD (TRON network)"
    )
    expect(page.locator("#late-note")).to_be_visible()
    assert supported.order(order["id"])["status"] == "paid"

    # The key went in the choices' bodies only: never in a URL the servers saw, never stored.
    key = order["customer_key"]
    choices = [r for r in sent if r.url.endswith("/choice")]
    assert [r.post_data_json["choice"] for r in choices] == ["fresh_quote", "continue"]
    assert all(r.post_data_json["key"] == key for r in choices)
    assert not [r.url for r in sent if key in r.url.split("#")[0]]
    assert page.evaluate("localStorage.length + sessionStorage.length") == 0


def test_a_late_deposit_is_refunded_to_a_checked_address(page, supported, screenshots):
    order = supported.create_order()
    open_order(page, supported, order)
    pay(page, "Late payment")
    page.get_by_role("button", name="Refund my payment").click()

    address = page.get_by_label("Refund address")
    expect(address).to_be_focused()
    expect(page.locator("#refund-form")).to_contain_text("Refund address for Bitcoin")
    address.fill(TYPO_ADDRESS)
    expect(page.locator("#refund_address-check")).to_have_text(CHECKSUM_MESSAGE)
    page.get_by_role("button", name="Refund to this address").click()
    expect(page.locator("#refund_address-error")).to_have_text(CHECKSUM_MESSAGE)
    expect(address).to_have_attribute("aria-invalid", "true")
    expect_support(page, order["id"])
    shoot(page, screenshots, "refund-form")
    assert supported.order(order["id"])["status"] == "action_required"

    address.fill(REFUND_ADDRESS)
    expect(page.locator("#refund_address-check")).to_have_text(
        "Looks like a valid Bitcoin address."
    )
    page.get_by_role("button", name="Refund to this address").click()
    expect(page.locator("#headline")).to_have_text("Refund requested")
    expect(page.locator("#outcome-text")).to_contain_text(
        f"We will send 0.01 BTC back to your refund address {REFUND_ADDRESS}"
    )
    expect(page.locator("#d-refund")).to_have_text(REFUND_ADDRESS)
    expect_support(page, order["id"])
    shoot(page, screenshots, "refunding")

    supported.operator_update(order["id"], status="refunded", refund_tx_hash=REFUND_HASH)
    expect(page.locator("#headline")).to_have_text("Payment refunded")
    expect(page.get_by_role("link", name=REFUND_HASH)).to_have_attribute(
        "href", f"https://mempool.space/tx/{REFUND_HASH}"
    )
    expect_support(page, order["id"])
    shoot(page, screenshots, "refunded")


def test_an_under_payment_is_completed_by_sending_the_rest(page, supported, screenshots):
    order = supported.create_order()
    open_order(page, supported, order)

    pay(page, "Half payment")
    expect(page.locator("#headline")).to_have_text("Partial payment received")
    expect(page.locator("#outcome-text")).to_contain_text("We received 0.005 BTC of 0.01 BTC")
    partial = supported.order(order["id"])["action"]["partial_payout"]["amount"]
    expect(
        page.get_by_role("button", name=f"Accept {partial} USDT for what arrived")
    ).to_be_visible()
    expect_support(page, order["id"])
    shoot(page, screenshots, "underpaid")

    page.get_by_role("button", name="Send the remaining 0.005 BTC").click()
    expect(page.locator("#headline")).to_have_text("Send the remaining 0.005 BTC")
    expect(page.locator("#pay-title")).to_have_text("Send the rest, exactly")
    expect(page.locator("#pay-amount-value")).to_have_text("0.005")
    expect(page.get_by_role("button", name="Copy amount")).to_be_visible()
    expect(page.locator("#countdown")).to_contain_text("Rate locked for 19:")
    uri = supported.order(order["id"])["payment"]["uri"].replace("amount=0.01", "amount=0.005")
    qr = page.locator("#qr svg path")
    expect(qr).to_have_attribute("d", page.evaluate(QR_PATH_OF, uri))

    pay(page, "Full payment")  # what is still owed: the rest
    expect(page.locator("#headline")).to_have_text("Payment received")
    paid = supported.order(order["id"])
    assert paid["status"] == "paid"
    assert paid["payment"]["received"] == "0.01"


def test_an_under_payment_can_take_a_smaller_payout(page, supported):
    order = supported.create_order()
    open_order(page, supported, order)
    pay(page, "Half payment")
    expect(page.locator("#headline")).to_have_text("Partial payment received")
    partial = supported.order(order["id"])["action"]["partial_payout"]["amount"]

    page.get_by_role("button", name=f"Accept {partial} USDT for what arrived").click()
    expect(page.locator("#headline")).to_have_text("Payment received")
    expect(page.locator("#status-line")).to_contain_text(f"We are sending {partial} USDT ")
    expect(page.locator("#d-get")).to_contain_text(f"{partial} USDT ·")
    assert supported.order(order["id"])["to"]["amount"] == partial


def test_an_over_payment_goes_ahead_and_asks_where_to_refund_the_excess(
    page, supported, screenshots
):
    order = supported.create_order()
    open_order(page, supported, order)

    pay(page, "Over-payment")
    expect(page.locator("#headline")).to_have_text("Payment received")
    expect(page.locator("#outcome-title")).to_have_text("You sent more than needed")
    expect(page.locator("#outcome-text")).to_contain_text("0.005 BTC more than the 0.01 BTC due")
    expect(page.get_by_role("button", name="Refund my payment")).to_be_hidden()
    expect_support(page, order["id"])
    page.get_by_label("Refund address").fill(REFUND_ADDRESS)
    shoot(page, screenshots, "excess")

    page.get_by_role("button", name="Save refund address").click()
    expect(page.locator("#outcome-text")).to_contain_text(
        f"the extra 0.005 BTC goes back to your refund address {REFUND_ADDRESS}"
    )
    expect(page.locator("#refund-form")).to_be_hidden()
    assert supported.order(order["id"])["refund_address"] == REFUND_ADDRESS


def test_an_excess_already_refunded_asks_for_no_refund_address(page, supported):
    order = supported.create_order()
    open_order(page, supported, order)
    pay(page, "Over-payment")
    expect(page.get_by_label("Refund address")).to_be_visible()
    supported.operator_update(order["id"], status="completed", payout_tx_hash=tx_hash(),
                              refund_tx_hash=tx_hash())  # fmt: skip

    page.reload()

    expect(page.locator("#outcome-title")).to_have_text("Payout sent")
    expect(page.locator("#refund-form")).to_be_hidden()  # the API would refuse an address now


def test_without_the_key_the_choices_are_read_only(page, supported, watch, screenshots):
    order = supported.create_order()
    open_order(page, supported, order, key="")
    supported.call("POST", f"/api/sandbox/pay/{order['id']}", {"late": True})

    expect(page.locator("#headline")).to_have_text("Your payment arrived late")
    for label in ("Get a fresh quote", "Refund my payment"):
        expect(page.get_by_role("button", name=label)).to_be_disabled()
    read_only = page.locator("#read-only")
    expect(read_only).to_contain_text("This link can only show the order")
    expect(read_only).not_to_contain_text("device that placed")
    expect_support(page, order["id"])
    shoot(page, screenshots, "readonly")

    # A wrong key is refused by the API, and the page turns read-only too.
    watch.expect_console(r"status of 403")
    page.goto(f"{supported.site}/payment.html?id={order['id']}#key=not-the-key")
    page.reload()  # a new fragment alone does not load the page again
    page.get_by_role("button", name="Get a fresh quote").click()
    expect(page.locator("#read-only")).to_be_visible()
    expect(page.get_by_role("button", name="Refund my payment")).to_be_disabled()
    assert supported.order(order["id"])["action"]["offer"] is None


def test_the_choices_and_the_refund_form_fit_a_320_pixel_phone(new_context, supported):
    from tests.browser.test_site import no_sideways_scroll

    page = new_context(viewport={"width": 320, "height": 640}).new_page()
    order = supported.create_order(amount="0.01234567")
    open_order(page, supported, order)
    pay(page, "Half payment")
    expect(page.get_by_role("button", name="Refund my payment")).to_be_visible()
    no_sideways_scroll(page)
    page.get_by_role("button", name="Refund my payment").click()
    page.get_by_label("Refund address").fill(TYPO_ADDRESS)
    page.get_by_role("button", name="Refund to this address").click()
    expect(page.locator("#refund_address-error")).to_be_visible()
    no_sideways_scroll(page)


def test_a_fresh_quote_that_runs_out_is_asked_for_again(page, make_host, watch):
    shop = make_host()  # its clock moves with the page's
    watch.allowed_origins = {shop.site, shop.api}
    page.clock.install()
    order = shop.create_order()
    open_order(page, shop, order)
    pay(page, "Late payment")
    page.get_by_role("button", name="Get a fresh quote").click()
    expect(page.get_by_role("button", name="Accept the fresh quote")).to_be_visible()

    shop.advance_clock(301)
    page.clock.fast_forward("05:01")
    expect(page.locator("#offer-countdown")).to_have_text(
        "This quote has expired: ask for a fresh one."
    )
    expect(page.get_by_role("button", name="Accept the fresh quote")).to_be_hidden()
    page.get_by_role("button", name="Get a fresh quote").click()
    expect(page.locator("#offer-countdown")).to_contain_text("Valid for 4:")
    page.get_by_role("button", name="Accept the fresh quote").click()
    expect(page.locator("#headline")).to_have_text("Payment received")


def test_a_refund_of_a_coin_with_memos_asks_for_the_memo(page, supported):
    order = supported.create_order(
        from_currency="xrp", to_currency="btc", amount="50", payout_address=REFUND_ADDRESS
    )
    open_order(page, supported, order)
    pay(page, "Half payment")
    page.get_by_role("button", name="Refund my payment").click()

    expect(page.locator("#refund-form")).to_contain_text(
        "Refund address for XRP (XRP Ledger network)"
    )
    page.get_by_label("Refund address").fill("rPEPPER7kfTD9w2To4CQk6UCfuHM9c6GDY")
    page.get_by_role("button", name="Refund to this address").click()
    expect(page.locator("#refund_extra_id-error")).to_have_text(
        "XRP needs a memo or tag to credit your refund. If your wallet needs none, tick “My "
        "wallet needs no tag”."
    )
    page.get_by_label("Refund memo / tag").fill("12345")
    page.get_by_role("button", name="Refund to this address").click()
    expect(page.locator("#headline")).to_have_text("Refund requested")
    expect(page.locator("#outcome-text")).to_contain_text(
        "back to your refund address rPEPPER7kfTD9w2To4CQk6UCfuHM9c6GDY (memo 12345)"
    )
    assert supported.order(order["id"])["refund_extra_id"] == "12345"
