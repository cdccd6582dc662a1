"""The operator's console (pages/admin/) driven by its labels like a person: sign in with the
token, find a paid order in the queue, pay it out, see it leave the queue and the customer's page
show the hash; two tabs on one order, the second told that someone else changed it first."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support.localhost import ADMIN_TOKEN

pytestmark = pytest.mark.browser

PAYOUT_HASH = "7d1e" * 16


def paid_order(host: Any, **overrides: Any) -> dict[str, Any]:
    order = host.create_order(**overrides)
    status, _ = host.call("POST", f"/api/sandbox/pay/{order['id']}", {"status": "finished"})
    assert status == 200
    return order


def sign_in(page: Any, host: Any) -> None:
    page.goto(f"{host.site}/admin/")
    page.get_by_label("Operator token").fill(ADMIN_TOKEN)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Waiting on you")).to_be_visible()


def open_from_queue(page: Any, order_id: str) -> None:
    page.locator("#queue-list").get_by_text(order_id).click()
    expect(page.get_by_role("heading", name=re.compile(f"Order {order_id}"))).to_be_visible()


def test_an_operator_pays_out_a_paid_order_from_the_queue(page, host, screenshots):
    order = paid_order(host, email="carol@example.com")
    sign_in(page, host)
    assert ADMIN_TOKEN not in page.url
    assert page.evaluate("sessionStorage.length") == 1
    entry = page.locator("#queue-list li", has_text=order["id"])
    expect(entry).to_contain_text("Pay out · waiting")
    if screenshots:
        page.screenshot(path=screenshots / "console-queue.png", full_page=True)

    open_from_queue(page, order["id"])
    expect(page.locator("#payout-address")).to_have_text(order["to"]["address"])
    expect(page.locator("#payout-amount")).to_have_text(order["to"]["amount"])
    expect(page.locator("#order-facts")).to_contain_text("carol@example.com")  # in full
    expect(page.locator("#order-webhooks")).to_contain_text("order.paid")
    page.get_by_label("Internal note (operators only)").fill("checked the deposit by hand")
    page.get_by_role("button", name="Add note").click()
    expect(page.locator("#order-notes")).to_contain_text("checked the deposit by hand")
    if screenshots:
        page.screenshot(path=screenshots / "console-order.png", full_page=True)

    page.get_by_label("Payout transaction hash").fill(PAYOUT_HASH)
    page.get_by_role("button", name="Mark payout sent").click()
    expect(page.locator("#order-status")).to_have_text("completed")
    link = page.locator("#payout-tx")
    expect(link).to_have_text(PAYOUT_HASH)
    expect(link).to_have_attribute("href", f"https://tronscan.org/#/transaction/{PAYOUT_HASH}")

    page.get_by_role("button", name="← Back").click()
    expect(page.locator("#queue-list")).not_to_contain_text(order["id"])

    customer = page.context.new_page()
    customer.goto(f"{host.site}/payment.html?id={order['id']}")
    expect(customer.locator("main")).to_contain_text(PAYOUT_HASH)
    expect(customer.locator("main")).not_to_contain_text("checked the deposit by hand")
    expect(customer.locator("main")).not_to_contain_text("carol@example.com")


def test_the_second_of_two_tabs_is_told_someone_else_changed_the_order(new_context, host, watch):
    watch.expect_console(r"412")
    order = paid_order(host)
    context = new_context(viewport={"width": 1000, "height": 900})
    first, second = context.new_page(), context.new_page()
    for tab in (first, second):  # sessionStorage is per tab: each signs in
        sign_in(tab, host)
        open_from_queue(tab, order["id"])

    first.get_by_label("Payout transaction hash").fill(PAYOUT_HASH)
    first.get_by_role("button", name="Mark payout sent").click()
    expect(first.locator("#order-status")).to_have_text("completed")

    second.get_by_label("Refund transaction hash").fill("ab" * 32)
    second.get_by_role("button", name="Record refund").click()
    expect(second.get_by_role("alert")).to_contain_text("Someone else changed this order")
    expect(second.locator("#order-status")).to_have_text("completed")  # reloaded as it is
    assert host.order(order["id"])["payout"]["tx_hash"] == PAYOUT_HASH


def test_search_filters_and_a_wrong_token(page, host, watch, screenshots):
    watch.expect_console(r"401")
    order = paid_order(host, email="dave@example.com")
    page.goto(f"{host.site}/admin/")
    page.get_by_label("Operator token").fill("not-the-token")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("refused")

    sign_in(page, host)
    page.get_by_role("button", name="Orders").click()
    page.get_by_label("Search").fill("DAVE@example")
    page.get_by_label("Status").select_option("paid")
    page.get_by_role("button", name="Search").click()
    rows = page.locator("#orders-list li")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(order["id"])
    if screenshots:
        page.screenshot(path=screenshots / "console-orders.png", full_page=True)
    rows.first.click()
    expect(page.locator("#order-facts")).to_contain_text("dave@example.com")
    page.get_by_role("button", name="← Back").click()
    expect(rows.first).to_contain_text(order["id"])  # the search as it was left
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert text.splitlines()[0].startswith("id,created_at") and order["id"] in text

    page.get_by_role("button", name="Numbers").click()
    expect(page.locator("#stats")).to_contain_text("Fees earned")
    page.get_by_role("button", name="Webhooks").click()
    expect(page.locator("#webhook-state")).to_be_visible()


def test_wrong_tokens_past_the_limit_are_told_to_wait_and_the_right_one_still_signs_in(
    page, make_host, watch
):
    own = make_host(ADMIN_FAILURES_ALLOWED="1")
    watch.allowed_origins = {own.site, own.api}
    watch.expect_console(r"401|429")
    page.goto(f"{own.site}/admin/")
    for told in ("refused. Paste a valid one", "too many wrong ones came from this address"):
        page.get_by_label("Operator token").fill("w" * 44)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("alert")).to_contain_text(told)
    expect(page.get_by_role("alert")).to_contain_text("10 more minutes")
    assert page.evaluate("sessionStorage.length") == 0  # the wrong token is not kept

    sign_in(page, own)  # from the same address, at once


def test_the_console_fits_a_phone(new_context, host, screenshots):
    paid_order(host)
    page = new_context(viewport={"width": 360, "height": 740}).new_page()
    sign_in(page, host)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    if screenshots:
        page.screenshot(path=screenshots / "console-phone.png", full_page=False)


def test_the_public_site_never_links_to_the_console():
    pages = Path(__file__).resolve().parents[2] / "pages"
    for page in [*pages.glob("*.html"), *pages.glob("js/*.js")]:
        assert "admin" not in page.read_text(), page


def test_a_refund_the_customer_chose_and_an_excess_are_done_from_the_console(page, host):
    refund = host.create_order(refund_address="bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq")
    host.call("POST", f"/api/sandbox/pay/{refund['id']}", {"amount": "0.004"})
    chosen = {"key": refund["customer_key"], "choice": "refund"}
    assert host.call("POST", f"/api/order/{refund['id']}/choice", chosen)[0] == 200
    over = host.create_order()
    host.call("POST", f"/api/sandbox/pay/{over['id']}", {"amount": "0.015"})

    sign_in(page, host)
    expect(page.locator("#queue-list li", has_text=refund["id"])).to_contain_text(
        "Refund · waiting"
    )
    expect(page.locator("#queue-list li", has_text=over["id"])).to_contain_text(
        "Pay out and refund the excess"
    )
    open_from_queue(page, refund["id"])
    expect(page.get_by_role("button", name="Mark payout sent")).to_be_hidden()
    page.get_by_label("Refund transaction hash").fill("ab" * 32)
    page.get_by_role("button", name="Record refund").click()
    expect(page.locator("#order-status")).to_have_text("refunded")

    page.get_by_role("button", name="← Back").click()
    open_from_queue(page, over["id"])
    expect(page.locator("#order-facts")).to_contain_text("0.005 btc")
    expect(page.get_by_role("button", name="Record refund")).to_be_hidden()
    page.get_by_label("Payout transaction hash").fill(PAYOUT_HASH)
    page.get_by_label("Hash of the excess refund").fill("cd" * 32)
    page.get_by_role("button", name="Mark payout sent").click()
    expect(page.locator("#order-status")).to_have_text("completed")
    assert host.order(over["id"])["refund"] == {"tx_hash": "cd" * 32, "amount": "0.005"}
