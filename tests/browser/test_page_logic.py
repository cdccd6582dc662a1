"""The pages' pure modules, run in the browser that ships them: decimal amounts compared and
halved without floats, and the polling schedule."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser


@pytest.fixture
def site_page(page: Any, host: Any) -> Any:
    page.goto(f"{host.site}/payment.html")
    return page


def run(page: Any, module: str, expression: str, *args: Any) -> Any:
    return page.evaluate(
        f"async (args) => {{ const m = await import('/js/{module}.js'); return {expression}; }}",
        list(args),
    )


@pytest.mark.parametrize(
    ("a", "b", "order"),
    [
        ("0.0005", "0.00049", 1),
        ("1", "1.000", 0),
        ("0.1", "12", -1),
        ("0.000000000000000001", "0.000000000000000002", -1),  # beyond a double's precision
        ("123456789.123456789123456789", "123456789.123456789123456788", 1),
    ],
)
def test_decimal_strings_compare_exactly(site_page, a, b, order):
    assert run(site_page, "decimal", "m.compare(args[0], args[1])", a, b) == order


@pytest.mark.parametrize(
    ("amount", "halved"),
    [
        ("0.01", "0.005"),
        ("3", "1.5"),
        ("10", "5"),
        ("0.000000000000000001", "0.0000000000000000005"),
    ],
)
def test_half_an_amount_is_exact(site_page, amount, halved):
    assert run(site_page, "decimal", "m.half(args[0])", amount) == halved


@pytest.mark.parametrize(
    ("state", "delay"),
    [
        ({"status": "awaiting_payment"}, 3000),
        ({"status": "confirming", "hidden": True}, 30000),
        ({"status": "paid", "failures": 1}, 6000),
        ({"status": "paid", "failures": 10}, 60000),
        ({"status": "expired"}, 15000),
        ({"status": "partially_paid"}, 15000),
        ({"status": "completed"}, None),
        ({"status": "failed"}, None),
        ({"status": "refunded"}, None),
        ({"status": "cancelled"}, None),
    ],
)
def test_polling_slows_when_hidden_or_failing_and_stops_at_a_final_status(site_page, state, delay):
    assert run(site_page, "polling", "m.nextPollDelay(args[0])", state) == delay


CURRENCIES = """new Map([
  ["btc", m.prepareCurrency({
    code: "btc", name: "Bitcoin", address_pattern: "^(?:bc1[a-z0-9]{20,60})$",
    min_amount: "0.0005", max_amount: "5", decimals: 8, needs_extra_id: false,
  })],
  ["xrp", m.prepareCurrency({
    code: "xrp", name: "XRP", address_pattern: "r[1-9A-HJ-NP-Za-km-z]{24,34}",
    extra_id_pattern: "[0-9]{1,10}", min_amount: "10", max_amount: "200000", decimals: 6,
    needs_extra_id: true,
  })],
])"""


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, []),
        ({"amount": "0.0001"}, [("amount", "The minimum is 0.0005 BTC.")]),
        ({"amount": "6"}, [("amount", "The maximum is 5 BTC.")]),
        ({"amount": "0.000000001"}, [("amount", "BTC amounts have at most 8 decimals.")]),
        ({"amount": "-1"}, [("amount", "Enter a positive number, like 0.05.")]),
        (
            {"payout_extra_id": None},
            [("payout_extra_id", "XRP needs a memo or tag to credit your payout.")],
        ),
        (
            {"payout_address": "bc1qnotxrp00000000000000000"},
            [("payout_address", "This is not a valid XRP address.")],
        ),
        (
            {"refund_address": "rPEPPER7kfTD9w2To4CQk6UCfuHM9c6GDY"},
            [("refund_address", "This is not a valid Bitcoin address.")],
        ),
        ({"email": "no-at-sign"}, [("email", "Enter an email address like name@example.com.")]),
        (
            {"to_currency": "btc"},
            [
                ("to_currency", "Choose two different currencies."),
                ("payout_address", "This is not a valid Bitcoin address."),
            ],
        ),
    ],
)
def test_the_form_checks_name_each_problem_at_its_field(site_page, changes, expected):
    body = {
        "from_currency": "btc",
        "to_currency": "xrp",
        "amount": "0.01",
        "payout_address": "rPEPPER7kfTD9w2To4CQk6UCfuHM9c6GDY",
        "payout_extra_id": "12345",
        "refund_address": None,
        "email": None,
        **changes,
    }
    found = run(site_page, "checks", f"m.problems(args[0], {CURRENCIES})", body)
    assert [(p["field"], p["message"]) for p in found] == expected


@pytest.mark.parametrize(
    ("field", "message", "shown"),
    [
        ("email", "is not a valid email address", "The email is not a valid email address."),
        (
            "amount",
            "below the minimum of 0.0005 btc",
            "The amount is below the minimum of 0.0005 btc.",
        ),
        ("payout_address", "unknown field", "The payout address: unknown field."),
    ],
)
def test_api_field_messages_read_as_sentences(site_page, field, message, shown):
    assert run(site_page, "checks", "m.sentence(args[0], args[1])", field, message) == shown


@pytest.mark.parametrize(
    ("median", "promise", "said"),
    [
        (12, 60, " Lately they took about 12 minutes."),
        (1, 60, " Lately they took about 1 minute."),
        (60, 60, ""),  # no better than the promise: the promise stands alone
        (None, 60, ""),  # nothing measured yet
    ],
)
def test_the_payout_estimate_tells_the_measured_median_only_when_it_beats_the_promise(
    site_page, median, promise, said
):
    assert run(site_page, "names", "m.payoutLately(args[0], args[1])", median, promise) == said
