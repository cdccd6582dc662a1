"""The exchange form (index.html) against the real local API: quote, checks, errors at their
fields, and exactly one order however often the button is pressed."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

# The customer's key rides in the fragment: a browser never sends it to a server.
PAYMENT_URL = re.compile(r"/payment(\.html)?\?id=(ord_[\w-]+)#key=[\w-]+$")


def landed_order_id(page: Any) -> str:
    page.wait_for_url(PAYMENT_URL)
    found = PAYMENT_URL.search(page.url)
    assert found
    return found[2]


def test_the_form_shows_the_api_quote_and_the_minimum(page, host, fill_form):
    page.goto(host.site)
    fill_form(page, amount="0.02")

    _, quote = host.call("GET", "/api/quote?from=btc&to=usdttrc20&amount=0.02")
    expect(page.locator("#quote-receive")).to_have_text(f"{quote['to']['amount']} USDT")
    expect(page.locator("#quote-rate")).to_have_text(f"1 BTC = {quote['rate']} USDT")
    expect(page.locator("#quote-fee")).to_have_text(f"{quote['fee_percent']} %")
    expect(page.locator("#quote-min")).to_have_text(f"{quote['min_amount']} BTC")
    expect(page.locator("#quote-expiry")).to_contain_text("Quote refreshes in")
    # No invented network fee figure: who pays which one, before the customer commits.
    network = page.get_by_role("definition").filter(has_text="Our payout's fee")
    expect(network).to_contain_text("what you see is what arrives")
    expect(network).to_contain_text("Your wallet adds its own fee")


def test_an_amount_below_the_minimum_says_so_instead_of_quoting(page, host):
    page.goto(host.site)
    expect(page.locator("#from_currency")).to_be_enabled()
    page.select_option("#from_currency", "btc")
    page.fill("#amount", "0.0001")

    expect(page.locator("#quote-state")).to_have_text("The minimum is 0.0005 BTC.")
    expect(page.locator("#quote-details")).to_be_hidden()


def test_the_payout_address_is_checked_as_you_type(page, host):
    page.goto(host.site)
    expect(page.locator("#to_currency")).to_be_enabled()
    page.select_option("#to_currency", "usdttrc20")

    page.locator("#payout_address").press_sequentially("TJRab")
    expect(page.locator("#payout_address-check")).to_have_text(
        "Not a valid Tether USD (TRON network) address yet."
    )
    page.fill("#payout_address", "TJRabPrwbZy45sbavfcjinPJC18kjpRTv8")
    expect(page.locator("#payout_address-check")).to_have_text(
        "Looks like a valid Tether USD (TRON network) address."
    )


CHECKSUM_MESSAGE = "This address's checksum does not match: check it for a typo."


def test_a_typo_in_the_payout_address_is_caught_by_its_checksum(page, host, fill_form):
    page.goto(host.site)
    # The valid TJRabPrwbZy45sbavfcjinPJC18kjpRTv8 with its last character changed: it still
    # looks like a TRON address, only the checksum can tell.
    fill_form(page, address="TJRabPrwbZy45sbavfcjinPJC18kjpRTv9")
    expect(page.locator("#payout_address-check")).to_have_text(CHECKSUM_MESSAGE)

    page.click("button[type=submit]")
    expect(page.locator("#payout_address-error")).to_have_text(CHECKSUM_MESSAGE)
    expect(page).to_have_url(re.compile(r"/(index\.html)?$"))


def test_the_memo_field_appears_and_is_required_only_where_the_currency_needs_it(page, host):
    page.goto(host.site)
    expect(page.locator("#to_currency")).to_be_enabled()
    expect(page.locator("#payout_extra_id")).to_be_hidden()

    page.select_option("#to_currency", "xrp")
    expect(page.locator("#payout_extra_id")).to_be_visible()
    page.fill("#amount", "0.01")
    page.fill("#payout_address", "rPEPPER7kfTD9w2To4CQk6UCfuHM9c6GDY")
    page.click("#submit")
    expect(page.locator("#payout_extra_id-error")).to_contain_text("needs a memo or tag")
    expect(page.locator("#payout_extra_id")).to_be_focused()


def test_a_field_the_api_refuses_is_marked_at_that_field(page, host, fill_form, watch):
    # The page only catches obvious email typos; the API insists on a dotted domain, so this
    # address gets past the page and is refused by the server, which names the field.
    watch.expect_console(r"status of 422")
    page.goto(host.site)
    fill_form(page, email="buyer@localhost")
    page.click("#submit")

    error = page.locator("#email-error")
    expect(error).to_be_visible()
    expect(error).to_have_text("The email is not a valid email address.")
    expect(page.locator("#email")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#email")).to_be_focused()
    expect(page.locator("#form-alert")).to_have_text("Please correct the field marked below.")
    expect(page.locator("#submit")).to_be_enabled()
    assert "payment" not in page.url


def test_a_double_click_makes_one_order(page, host, fill_form):
    created: list[str] = []

    def record(route: Any) -> None:
        if route.request.method != "POST":
            route.continue_()
            return
        answer = route.fetch()
        created.append(answer.json()["id"])
        route.fulfill(response=answer)

    page.route("**/api/order", record)
    page.goto(host.site)
    fill_form(page)

    page.dblclick("#submit")

    order_id = landed_order_id(page)
    assert created == [order_id]


def test_a_retry_after_a_lost_answer_returns_the_same_order(page, host, fill_form, watch):
    # The first answer is lost on the way back (the order exists, the page never hears of it);
    # pressing the button again must find that order, not make a second one.
    # The link it lands on still carries the order's customer key: the page made it and sent it,
    # and the API answers a replay with it only because the replay sends it again.
    watch.expect_console(r"ERR_FAILED|Failed to fetch|net::")
    lost: list[dict[str, Any]] = []

    def lose_first_answer(route: Any) -> None:
        if route.request.method != "POST" or lost:
            route.continue_()
            return
        answer = route.fetch()
        lost.append(answer.json())
        route.abort("connectionreset")

    page.route("**/api/order", lose_first_answer)
    page.goto(host.site)
    fill_form(page)

    page.click("#submit")
    expect(page.locator("#form-alert")).to_contain_text("could not reach the exchange")
    page.click("#submit")

    assert landed_order_id(page) == lost[0]["id"]
    assert page.url.endswith(f"#key={lost[0]['customer_key']}")


def test_submitting_shows_progress_and_blocks_a_second_submission(page, host, fill_form):
    held: list[Any] = []
    page.route("**/api/order", lambda route: held.append(route))
    page.goto(host.site)
    fill_form(page)

    page.click("#submit")

    expect(page.locator("#submit")).to_be_disabled()
    expect(page.locator("#submit")).to_have_text("Creating your order…")
    expect(page.locator("#submit-status")).to_have_text(
        "Creating your order and its deposit address…"
    )
    page.evaluate("document.getElementById('exchange').requestSubmit()")
    page.wait_for_function("document.getElementById('submit').disabled")
    assert len(held) == 1
    held[0].continue_()
    landed_order_id(page)
    assert len(held) == 1


def test_picking_the_same_currency_on_both_sides_swaps_them(page, host):
    page.goto(host.site)
    expect(page.locator("#from_currency")).to_be_enabled()
    page.select_option("#from_currency", "btc")
    page.select_option("#to_currency", "usdttrc20")

    page.select_option("#to_currency", "btc")

    expect(page.locator("#from_currency")).to_have_value("usdttrc20")
    expect(page.locator("#amount-unit")).to_have_text("USDT")
    page.get_by_role("button", name="Swap the two currencies").click()
    expect(page.locator("#from_currency")).to_have_value("btc")
    expect(page.locator("#to_currency")).to_have_value("usdttrc20")
