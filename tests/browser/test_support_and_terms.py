"""Support and terms: every problem screen of the payment page offers the operator's support
contact with the order id filled in, and the terms page names the operator, from the site's
configuration (pages/env.js; the local host generates it from its environment)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Shop, tx_hash

pytestmark = pytest.mark.browser

REFUND_ADDRESS = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"


def expect_support_for(box: Any, order_id: str) -> None:
    mail = box.get_by_role("link", name="Email help@example.com")
    expect(mail).to_have_attribute(
        "href", f"mailto:help@example.com?subject={quote('Order ' + order_id)}"
    )
    expect(box.get_by_role("link", name="Open a support request")).to_have_attribute(
        "href", f"https://help.example.com/ticket?order={order_id}"
    )


def drive(shop: Shop, order_id: str, ending: str) -> None:
    pay = f"/api/sandbox/pay/{order_id}"
    if ending in ("partially_paid", "failed"):
        amount = "0.005" if ending == "partially_paid" else "0.01"
        shop.call("POST", pay, {"amount": amount, "status": ending})
    elif ending == "refunded":
        shop.call("POST", pay, {"amount": "0.01", "status": "finished"})
        shop.operator_update(order_id, status="refunded", refund_tx_hash=tx_hash())
    else:
        shop.advance_clock(2 * 3600)
        assert shop.run_cron()["expired"] >= 1


@pytest.mark.parametrize(
    ("ending", "headline"),
    [
        ("partially_paid", "Partial payment received"),
        ("failed", "Payment failed"),
        ("refunded", "Payment refunded"),
        ("expired", "Payment window ended"),  # last: it moves this host's clock
    ],
)
def test_every_problem_screen_offers_support_with_the_order_id(
    page, supported, screenshots, ending, headline
):
    order = supported.create_order(refund_address=REFUND_ADDRESS)
    page.goto(f"{supported.site}/payment.html?id={order['id']}")
    expect(page.locator("#pay-address")).to_be_visible()
    expect(page.locator("#outcome")).to_be_hidden()

    drive(supported, order["id"], ending)

    expect(page.locator("#headline")).to_have_text(headline)
    expect_support_for(page.locator("#outcome"), order["id"])
    if screenshots and ending == "partially_paid":
        page.screenshot(path=screenshots / "payment-support.png", full_page=True)


def test_an_unknown_order_still_offers_support(page, supported, watch):
    watch.expect_console(r"status of 404")
    missing = "ord_doesnotexist0000000000"
    page.goto(f"{supported.site}/payment.html?id={missing}")
    expect(page.get_by_role("heading", name="We can't find this order")).to_be_visible()
    expect_support_for(page.locator("#not-found"), missing)


def test_an_order_in_progress_shows_support_only_under_need_help(page, supported):
    order = supported.create_order()
    page.goto(f"{supported.site}/payment.html?id={order['id']}")
    expect(page.locator("#pay-address")).to_be_visible()
    expect(page.locator("#outcome-support")).to_be_hidden()
    expect_support_for(page.locator("#help-support"), order["id"])


def test_without_support_configured_no_link_is_shown(page, host):
    order = host.create_order()
    page.goto(f"{host.site}/payment.html?id={order['id']}")
    host.call("POST", f"/api/sandbox/pay/{order['id']}", {"amount": "0.01", "status": "failed"})
    expect(page.locator("#headline")).to_have_text("Payment failed")
    expect(page.get_by_role("link", name="Open a support request")).to_have_count(0)
    expect(page.locator("#outcome-support")).to_be_hidden()


def test_the_terms_name_the_operator_and_are_linked_from_the_form(page, supported, screenshots):
    page.goto(supported.site)
    page.get_by_role("link", name="terms", exact=True).click()
    page.wait_for_url("**/terms*")

    expect(page.get_by_role("heading", name="Terms and refusals")).to_be_visible()
    expect(page.locator("#operator-name")).to_have_text("Example Exchange Ltd")
    expect(page.get_by_text("under the laws of Estonia")).to_be_visible()
    expect(page.get_by_role("heading", name="Who we do not serve")).to_be_visible()
    expect(page.get_by_role("heading", name="Anti-money-laundering checks")).to_be_visible()
    expect(page.get_by_text("sanctions lists")).to_be_visible()
    expect(page.get_by_role("link", name="Email help@example.com")).to_be_visible()
    if screenshots:
        page.screenshot(path=screenshots / "terms.png", full_page=True)


def test_the_terms_read_sensibly_without_an_operator_configured(page, host):
    page.goto(f"{host.site}/terms.html")
    expect(page.locator("#operator-name")).to_have_text("the operator of this site")
    expect(page.get_by_text("under the laws of")).to_be_hidden()
