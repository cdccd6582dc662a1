"""The operator's console (pages/admin/) driven by its labels like a person: sign in with the
token, find a paid order in the queue, pay it out after a confirmation that says what will be
recorded, see it leave the queue and the customer's page show the hash; two tabs on one order,
the second told that someone else changed it first; forms that never carry one order's input to
another; refunds shown as refunds; a hash never recorded twice, and corrected with a reason;
each view at its own address, dates in the operator's time zone, the emails' log, cancelling."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import tx_hash
from tests.support.localhost import ADMIN_TOKEN

pytestmark = pytest.mark.browser

REFUND_ADDRESS = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"


def paid_order(host: Any, amount: str | None = None, **overrides: Any) -> dict[str, Any]:
    order = host.create_order(**overrides)
    body = {"status": "finished", **({"amount": amount} if amount else {})}
    status, _ = host.call("POST", f"/api/sandbox/pay/{order['id']}", body)
    assert status == 200
    return order


def sign_in(page: Any, host: Any, path: str = "/admin/") -> None:
    page.goto(f"{host.site}{path}")
    page.get_by_label("Operator token").fill(ADMIN_TOKEN)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#nav")).to_be_visible()


def open_from_queue(page: Any, order_id: str) -> None:
    page.locator("#queue-list").get_by_text(order_id).click()
    expect(page.get_by_role("heading", name=re.compile(f"Order {order_id}"))).to_be_visible()


def back(page: Any) -> None:
    page.get_by_role("link", name="← Back").click()


def confirm(page: Any, button: str) -> Any:
    """The confirmation dialog, after checking it is the only way on: its confirm button."""
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    return dialog.get_by_role("button", name=button)


def test_an_operator_pays_out_a_paid_order_from_the_queue(page, host, screenshots):
    order = paid_order(host, email="carol@example.com")
    payout = tx_hash()
    sign_in(page, host)
    expect(page.get_by_role("heading", name="Waiting on you")).to_be_visible()
    assert ADMIN_TOKEN not in page.url
    assert page.evaluate("sessionStorage.length") == 1
    entry = page.locator("#queue-list li", has_text=order["id"])
    expect(entry).to_contain_text("Pay out · waiting")
    if screenshots:
        page.screenshot(path=screenshots / "console-queue.png", full_page=True)

    open_from_queue(page, order["id"])
    expect(page.locator("#payout-address")).to_have_text(order["to"]["address"])
    expect(page.locator("#payout-amount")).to_have_text(order["to"]["amount"])
    expect(page.locator("#payout-coin")).to_have_text("usdttrc20")
    expect(page.locator("#order-facts")).to_contain_text("carol@example.com")  # in full
    expect(page.locator("#order-webhooks")).to_contain_text("order.paid")
    page.get_by_label("Internal note (operators only)").fill("checked the deposit by hand")
    page.get_by_role("button", name="Add note").click()
    expect(page.locator("#order-notes")).to_contain_text("checked the deposit by hand")
    if screenshots:
        page.screenshot(path=screenshots / "console-order.png", full_page=True)

    page.get_by_label("Payout transaction hash").fill(payout)
    page.get_by_role("button", name="Mark payout sent").click()
    record = confirm(page, "Record payout")
    dialog = page.get_by_role("dialog")
    for said in (order["id"], f"{order['to']['amount']} usdttrc20", order["to"]["address"], payout):
        expect(dialog).to_contain_text(said)
    if screenshots:
        page.screenshot(path=screenshots / "console-confirm.png")
    record.click()
    expect(page.locator("#order-status")).to_have_text("completed")
    link = page.locator("#payout-tx")
    expect(link).to_have_text(payout)
    expect(link).to_have_attribute("href", f"https://tronscan.org/#/transaction/{payout}")

    back(page)
    expect(page.locator("#queue-list")).not_to_contain_text(order["id"])

    customer = page.context.new_page()
    customer.goto(f"{host.site}/payment.html?id={order['id']}")
    expect(customer.locator("main")).to_contain_text(payout)
    expect(customer.locator("main")).not_to_contain_text("checked the deposit by hand")
    expect(customer.locator("main")).not_to_contain_text("carol@example.com")


def test_nothing_is_recorded_until_the_dialog_is_confirmed(page, host):
    order = paid_order(host)
    sign_in(page, host)
    open_from_queue(page, order["id"])
    page.get_by_label("Payout transaction hash").fill(tx_hash())
    page.get_by_role("button", name="Mark payout sent").click()
    confirm(page, "Record payout")
    page.get_by_role("dialog").get_by_role("button", name="Go back").click()
    expect(page.get_by_role("dialog")).to_be_hidden()

    page.get_by_role("button", name="Mark payout sent").click()
    confirm(page, "Record payout")
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    assert host.order(order["id"])["status"] == "paid"  # neither sent anything
    expect(page.locator("#order-status")).to_have_text("paid")


def test_a_confirmation_is_for_the_order_it_was_asked_on_and_is_sent_once(page, host):
    first, second = paid_order(host), paid_order(host)
    payout = tx_hash()
    sign_in(page, host)
    open_from_queue(page, first["id"])
    page.get_by_label("Payout transaction hash").fill(tx_hash())
    page.get_by_role("button", name="Mark payout sent").click()
    confirm(page, "Record payout")
    page.go_back()  # the browser's Back, with the dialog open: the question goes with the order
    expect(page.get_by_role("dialog")).to_be_hidden()
    open_from_queue(page, second["id"])
    expect(page.get_by_role("dialog")).to_be_hidden()
    assert host.order(first["id"])["status"] == "paid"

    page.get_by_label("Payout transaction hash").fill(payout)
    page.get_by_role("button", name="Mark payout sent").click()
    expect(page.get_by_role("dialog")).to_contain_text(second["id"])
    confirm(page, "Record payout").dblclick()
    expect(page.locator("#order-status")).to_have_text("completed")
    timeline = host.order(second["id"])["timeline"]
    assert [e["status"] for e in timeline].count("completed") == 1
    assert host.order(first["id"])["status"] == "paid"


def test_the_second_of_two_tabs_is_told_someone_else_changed_the_order(new_context, host, watch):
    watch.expect_console(r"412")
    order = paid_order(host, refund_address=REFUND_ADDRESS)
    payout = tx_hash()
    context = new_context(viewport={"width": 1000, "height": 900})
    first, second = context.new_page(), context.new_page()
    for tab in (first, second):  # sessionStorage is per tab: each signs in
        sign_in(tab, host)
        open_from_queue(tab, order["id"])

    first.get_by_label("Payout transaction hash").fill(payout)
    first.get_by_role("button", name="Mark payout sent").click()
    confirm(first, "Record payout").click()
    expect(first.locator("#order-status")).to_have_text("completed")

    refused = tx_hash()
    second.get_by_label("Refund transaction hash").fill(refused)
    second.get_by_role("button", name="Record refund").click()
    confirm(second, "Record refund").click()
    expect(second.get_by_role("alert")).to_contain_text("Someone else changed this order")
    expect(second.locator("#order-status")).to_have_text("completed")  # reloaded as it is
    assert host.order(order["id"])["payout"]["tx_hash"] == payout
    expect(second.get_by_label("Corrected payout hash")).to_have_value("")

    # The refused hash is not waiting in the next order's form either.
    other = paid_order(host)
    back(second)
    open_from_queue(second, other["id"])
    expect(second.get_by_label("Payout transaction hash")).to_have_value("")
    expect(second.get_by_label("Refund transaction hash")).to_have_value("")


def test_nothing_typed_or_copied_on_one_order_carries_over_to_the_next(page, host):
    first, second = paid_order(host), paid_order(host, amount="0.02")
    sign_in(page, host)
    open_from_queue(page, first["id"])
    page.get_by_label("Payout transaction hash").fill(tx_hash())
    page.get_by_label("Note to the customer (optional)").first.fill("sent from wallet A")
    page.get_by_label("Internal note (operators only)").fill("half written")
    page.locator("#pay-card").get_by_role("button", name="Copy address").click()
    expect(page.locator("#copy-status")).to_contain_text("payout address")

    back(page)
    open_from_queue(page, second["id"])

    expect(page.get_by_label("Payout transaction hash")).to_have_value("")
    expect(page.locator("#complete-note")).to_have_value("")
    expect(page.get_by_label("Internal note (operators only)")).to_have_value("")
    expect(page.locator("#copy-status")).to_have_text("")
    expect(page.get_by_label(re.compile("Amount sent"))).to_have_value(second["to"]["amount"])
    page.get_by_role("button", name="Mark payout sent").click()  # empty: the browser refuses it
    expect(page.get_by_role("dialog")).to_be_hidden()
    assert host.order(second["id"])["status"] == "paid"


def test_a_hash_already_on_another_order_is_refused_unless_it_pays_both(page, host, watch):
    watch.expect_console(r"409")
    first, second = paid_order(host), paid_order(host)
    shared = tx_hash()
    host.operator_update(first["id"], status="completed", payout_tx_hash=shared)
    sign_in(page, host)
    open_from_queue(page, second["id"])

    page.get_by_label("Payout transaction hash").fill(shared.upper())
    page.get_by_role("button", name="Mark payout sent").click()
    confirm(page, "Record payout").click()
    expect(page.get_by_role("alert")).to_contain_text(f"already recorded on {first['id']}")
    assert host.order(second["id"])["status"] == "paid"

    page.get_by_label(re.compile("This one transaction pays several orders")).first.check()
    page.get_by_role("button", name="Mark payout sent").click()
    expect(page.get_by_role("dialog")).to_contain_text("One transaction for several orders")
    confirm(page, "Record payout").click()
    expect(page.locator("#order-status")).to_have_text("completed")


def test_a_wrong_payout_hash_is_corrected_with_a_reason_and_the_old_one_kept(page, host):
    order = paid_order(host)
    wrong, right = tx_hash(), tx_hash()
    host.operator_update(order["id"], status="completed", payout_tx_hash=wrong)
    sign_in(page, host)
    page.goto(f"{host.site}/admin/#/order/{order['id']}")
    expect(page.locator("#payout-tx")).to_have_text(wrong)

    page.get_by_text("Correct the payout hash").click()
    page.get_by_label("Corrected payout hash").fill(right)
    page.get_by_label("Reason for the correction").fill("pasted the deposit's hash")
    page.get_by_role("button", name="Correct payout hash").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(wrong)
    expect(dialog).to_contain_text(right)
    confirm(page, "Record the correction").click()

    expect(page.locator("#payout-tx")).to_have_text(right)
    last = page.locator("#order-timeline li").last
    expect(last).to_contain_text(wrong)
    expect(last).to_contain_text("pasted the deposit's hash")
    assert host.order(order["id"])["payout"]["tx_hash"] == right


def test_a_refund_is_shown_and_queued_as_a_refund(page, host, screenshots):
    order = host.create_order(refund_address=REFUND_ADDRESS)
    host.call("POST", f"/api/sandbox/pay/{order['id']}", {"amount": "0.004"})
    chosen = {"key": order["customer_key"], "choice": "refund"}
    assert host.call("POST", f"/api/order/{order['id']}/choice", chosen)[0] == 200
    refund = tx_hash()

    sign_in(page, host)
    entry = page.locator("#queue-list li", has_text=order["id"])
    expect(entry).to_contain_text("Refund · waiting")
    expect(entry).to_contain_text(f"0.004 btc to {REFUND_ADDRESS}")
    expect(entry).not_to_contain_text("usdttrc20")
    open_from_queue(page, order["id"])

    card = page.locator("#refund-card")
    expect(card.get_by_role("heading", name="Refund")).to_be_visible()
    expect(page.get_by_role("heading", name="Pay out")).to_be_hidden()
    expect(page.get_by_role("button", name="Mark payout sent")).to_be_hidden()
    expect(page.locator("#refund-due")).to_have_text("0.004")
    expect(page.locator("#refund-coin")).to_have_text("btc")
    expect(page.locator("#refund-address")).to_have_text(REFUND_ADDRESS)
    card.get_by_role("button", name="Copy address").click()
    expect(page.locator("#copy-status")).to_have_text(re.compile("refund address"))
    expect(page.get_by_label(re.compile("Refund amount"))).to_have_value("0.004")
    if screenshots:
        page.screenshot(path=screenshots / "console-refund.png", full_page=True)

    page.get_by_label("Refund transaction hash").fill(refund)
    page.get_by_role("button", name="Record refund").click()
    dialog = page.get_by_role("dialog")
    for said in ("0.004 btc", REFUND_ADDRESS, refund, "refunding → refunded"):
        expect(dialog).to_contain_text(said)
    confirm(page, "Record refund").click()
    expect(page.locator("#order-status")).to_have_text("refunded")
    assert host.order(order["id"])["refund"] == {"tx_hash": refund, "amount": "0.004"}


def test_an_over_payment_is_paid_out_with_its_excess_refund(page, host):
    over = paid_order(host, amount="0.015", refund_address=REFUND_ADDRESS)
    payout, refund = tx_hash(), tx_hash()
    sign_in(page, host)
    expect(page.locator("#queue-list li", has_text=over["id"])).to_contain_text(
        "Pay out and refund the excess"
    )
    open_from_queue(page, over["id"])
    expect(page.locator("#excess-amount")).to_have_text("0.005")
    expect(page.locator("#excess-address")).to_have_text(REFUND_ADDRESS)
    page.get_by_label("Payout transaction hash").fill(payout)
    page.get_by_label("Hash of the excess refund").fill(refund)
    page.get_by_role("button", name="Mark payout sent").click()
    expect(page.get_by_role("dialog")).to_contain_text("0.005 btc")
    confirm(page, "Record payout").click()
    expect(page.locator("#order-status")).to_have_text("completed")
    assert host.order(over["id"])["refund"] == {"tx_hash": refund, "amount": "0.005"}


def test_an_excess_completed_without_its_refund_is_recorded_on_its_own(page, host):
    over = paid_order(host, amount="0.015", refund_address=REFUND_ADDRESS)
    host.operator_update(over["id"], status="completed", payout_tx_hash=tx_hash())
    refund = tx_hash()
    sign_in(page, host)
    entry = page.locator("#queue-list li", has_text=over["id"])
    expect(entry).to_contain_text("Refund the excess")
    expect(entry).to_contain_text(f"0.005 btc to {REFUND_ADDRESS}")
    open_from_queue(page, over["id"])

    expect(page.locator("#refund-due")).to_have_text("0.005")
    expect(page.get_by_role("button", name="Mark payout sent")).to_be_hidden()
    expect(page.locator("#refund-note")).to_be_hidden()  # no status moves: no public note
    page.get_by_label("Refund transaction hash").fill(refund)
    page.get_by_role("button", name="Record refund").click()
    expect(page.get_by_role("dialog")).to_contain_text("stays completed")
    confirm(page, "Record refund").click()
    expect(page.locator("#refund-tx")).to_have_text(refund)
    expect(page.locator("#order-status")).to_have_text("completed")
    expect(page.locator("#refund-card")).to_be_hidden()  # nothing more to refund
    back(page)
    expect(page.locator("#queue-list")).not_to_contain_text(over["id"])


def test_a_short_order_offers_its_pro_rata_payout_not_the_full_amount(page, host):
    order = host.create_order()
    host.call("POST", f"/api/sandbox/pay/{order['id']}", {"amount": "0.004"})
    sent = {"key": order["customer_key"], "choice": "send_rest"}
    assert host.call("POST", f"/api/order/{order['id']}/choice", sent)[0] == 200
    sign_in(page, host)
    page.get_by_role("link", name="Orders").click()
    page.get_by_label("Search").fill(order["id"])
    page.get_by_role("button", name="Search").click()
    page.locator("#orders-list").get_by_text(order["id"]).click()

    share = host.call("GET", f"/api/admin/orders/{order['id']}",
                      headers=host.local.client().admin())[1]["order"]["due"]["payout"]  # fmt: skip
    assert share["short"] and share["amount"] != order["to"]["amount"]
    expect(page.locator("#payout-amount")).to_have_text(share["amount"])
    expect(page.locator("#payout-short")).to_contain_text("0.004 btc of 0.01 arrived")
    expect(page.get_by_label(re.compile("Amount sent"))).to_have_value(share["amount"])
    expect(page.get_by_role("heading", name="Or refund it instead")).to_be_visible()
    page.get_by_label("Payout transaction hash").fill(tx_hash())
    page.get_by_role("button", name="Mark payout sent").click()
    expect(page.get_by_role("dialog")).to_contain_text(f"{share['amount']} usdttrc20")
    confirm(page, "Record payout").click()
    expect(page.locator("#order-status")).to_have_text("completed")
    assert host.order(order["id"])["to"]["amount"] == share["amount"]


def test_an_unpaid_order_is_cancelled_after_its_confirmation(page, host):
    order = host.create_order()
    sign_in(page, host, f"/admin/#/order/{order['id']}")  # a link to the order, signed out
    expect(page.get_by_role("heading", name=re.compile(f"Order {order['id']}"))).to_be_visible()
    expect(page.get_by_role("heading", name="Pay out")).to_be_hidden()

    page.get_by_role("button", name="Cancel order").click()
    confirm(page, "Cancel the order")
    page.get_by_role("dialog").get_by_role("button", name="Go back").click()
    assert host.order(order["id"])["status"] == "awaiting_payment"
    page.get_by_role("button", name="Cancel order").click()
    confirm(page, "Cancel the order").click()
    expect(page.locator("#order-status")).to_have_text("cancelled")
    expect(page.get_by_role("button", name="Cancel order")).to_be_hidden()
    assert host.order(order["id"])["status"] == "cancelled"


def test_each_view_has_its_own_address_and_back_goes_back(page, host):
    order = paid_order(host, email="erin@example.com")
    sign_in(page, host)
    expect(page).to_have_url(re.compile(r"/admin/(#/queue)?$"))
    page.get_by_role("link", name="Orders").click()
    expect(page).to_have_url(re.compile(r"#/orders$"))
    page.get_by_label("Search").fill("erin@example")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"#/orders\?q=erin%40example$"))
    page.locator("#orders-list").get_by_text(order["id"]).click()
    expect(page).to_have_url(re.compile(f"#/order/{order['id']}$"))

    page.go_back()
    expect(page.get_by_role("heading", name="Orders")).to_be_visible()
    expect(page.get_by_label("Search")).to_have_value("erin@example")
    expect(page.locator("#orders-list li")).to_have_count(1)
    page.go_back()
    expect(page).to_have_url(re.compile(r"#/orders$"))
    page.go_forward()
    page.go_forward()
    expect(page.get_by_role("heading", name=re.compile(f"Order {order['id']}"))).to_be_visible()
    page.reload()  # the token is this tab's, the address the view's
    expect(page.get_by_role("heading", name=re.compile(f"Order {order['id']}"))).to_be_visible()
    page.get_by_role("link", name="Webhooks").click()
    page.get_by_label("Show events").select_option("delivered")
    expect(page).to_have_url(re.compile(r"#/webhooks\?status=delivered$"))


def test_dates_are_in_the_operators_time_zone_with_utc_on_hover(new_context, host):
    order = paid_order(host)
    page = new_context(viewport={"width": 1000, "height": 900}, timezone_id="Asia/Tokyo",
                       locale="en-GB").new_page()  # fmt: skip
    sign_in(page, host, f"/admin/#/order/{order['id']}")
    created = page.locator("#order-facts time").first
    expect(created).to_have_attribute("datetime", order["created_at"])
    utc = order["created_at"].replace("T", " ").replace("Z", "")
    expect(created).to_have_attribute("title", f"{utc} UTC")
    hour = (int(order["created_at"][11:13]) + 9) % 24
    expect(created).to_contain_text(f"{hour:02d}:{order['created_at'][14:16]}")
    expect(created).to_contain_text("GMT+9")
    expect(page.locator("#order-timeline time").first).to_have_attribute(
        "title", re.compile("UTC$")
    )


def test_the_customers_emails_are_in_the_console(page, make_host, watch):
    own = make_host(
        EMAIL_PROVIDER="resend", EMAIL_API_KEY="re_test", EMAIL_FROM="orders@example.com",
        EMAIL_API_URL="http://127.0.0.1:9/emails",  # nobody listens: the email stays pending
    )  # fmt: skip
    watch.allowed_origins = {own.site, own.api}
    order = own.create_order(email="frank@example.com")
    emails = own.call("GET", "/api/admin/emails", headers=own.local.client().admin())[1]
    kind = next(e["type"] for e in emails["events"] if e["order_id"] == order["id"])
    sign_in(page, own)
    page.get_by_role("link", name="Emails").click()
    expect(page).to_have_url(re.compile(r"#/emails$"))
    expect(page.get_by_role("heading", name="Emails to customers")).to_be_visible()
    entry = page.locator("#email-list li", has_text=order["id"])
    expect(entry).to_contain_text(kind)
    expect(entry).to_contain_text("pending")
    expect(entry).to_contain_text("Cannot connect")  # the attempt and why it failed
    entry.get_by_role("link", name=order["id"]).click()
    expect(page.get_by_role("heading", name=re.compile(f"Order {order['id']}"))).to_be_visible()
    expect(page.locator("#order-emails")).to_contain_text(kind)


def test_search_filters_and_a_wrong_token(page, host, watch, screenshots):
    watch.expect_console(r"401")
    order = paid_order(host, email="dave@example.com")
    page.goto(f"{host.site}/admin/")
    page.get_by_label("Operator token").fill("not-the-token")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("refused")

    sign_in(page, host)
    page.get_by_role("link", name="Orders").click()
    page.get_by_label("Search").fill("DAVE@example")
    page.get_by_label("Status").select_option("paid")
    page.get_by_role("button", name="Search").click()
    rows = page.locator("#orders-list li")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(order["id"])
    if screenshots:
        page.screenshot(path=screenshots / "console-orders.png", full_page=True)
    rows.first.get_by_role("link").click()
    expect(page.locator("#order-facts")).to_contain_text("dave@example.com")
    back(page)
    expect(rows.first).to_contain_text(order["id"])  # the search as it was left
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert text.splitlines()[0].startswith("id,created_at") and order["id"] in text

    page.get_by_role("link", name="Numbers").click()
    expect(page.locator("#stats")).to_contain_text("Fees earned")
    page.get_by_role("link", name="Webhooks").click()
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
    order = paid_order(host)
    page = new_context(viewport={"width": 360, "height": 740}).new_page()
    sign_in(page, host)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    if screenshots:
        page.screenshot(path=screenshots / "console-phone.png", full_page=False)
    open_from_queue(page, order["id"])
    page.get_by_label("Payout transaction hash").fill(tx_hash())
    page.get_by_role("button", name="Mark payout sent").click()
    confirm(page, "Record payout")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_the_public_site_never_links_to_the_console():
    pages = Path(__file__).resolve().parents[2] / "pages"
    for page in [*pages.glob("*.html"), *pages.glob("js/*.js")]:
        assert "admin" not in page.read_text(), page
