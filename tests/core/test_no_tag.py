"""A wallet that needs no destination tag (issue 16): a personal XRP wallet takes payments without
one, so a customer who says so (`payout_no_tag`, `refund_no_tag`) is paid or refunded without
it; without saying so, the tag is still required, and a currency that cannot go without its tag
refuses the flag. In-process, the sandbox."""

from __future__ import annotations

from dataclasses import replace

from orders.domain.currencies import CURRENCIES
from orders.domain.exchange import destination_problems
from tests.support.inprocess import BTC_ADDRESS, XRP_ADDRESS, Harness, order_body

XRP = next(c for c in CURRENCIES if c.code == "xrp")


async def test_the_currencies_say_where_a_tag_may_be_left_out(harness: Harness) -> None:
    listed = (await harness.call("GET", "/api/currencies")).json["currencies"]
    optional = {c["code"]: c["extra_id_optional"] for c in listed}
    assert optional == {"btc": False, "eth": False, "ltc": False, "usdttrc20": False,
                        "xrp": True, "sol": False}  # fmt: skip


async def test_an_xrp_payout_without_a_tag_needs_the_customer_to_say_so(harness: Harness) -> None:
    body = order_body(to_currency="xrp", payout_address=XRP_ADDRESS)
    missing = await harness.call("POST", "/api/order", body)
    assert missing.status == 422
    [detail] = missing.json["error"]["details"]
    assert detail["field"] == "payout_extra_id" and "payout_no_tag" in detail["message"]

    taken = await harness.call("POST", "/api/order", {**body, "payout_no_tag": True})

    assert taken.status == 201, taken.json
    assert taken.json["to"] == {"currency": "xrp", "amount": taken.json["to"]["amount"],
                                "address": XRP_ADDRESS, "extra_id": None}  # fmt: skip


async def test_no_tag_and_a_tag_together_are_refused(harness: Harness) -> None:
    body = order_body(to_currency="xrp", payout_address=XRP_ADDRESS, payout_extra_id="12345",
                      payout_no_tag=True)  # fmt: skip
    both = await harness.call("POST", "/api/order", body)
    assert both.status == 422
    assert [d["field"] for d in both.json["error"]["details"]] == ["payout_no_tag"]


def test_a_currency_whose_tag_is_required_refuses_the_flag() -> None:
    strict = replace(XRP, code="xlm", name="Stellar", extra_id_optional=False)
    found = destination_problems(strict, XRP_ADDRESS, None, "payout", no_tag=True)
    assert [(p.field, p.message) for p in found][-1] == (
        "payout_no_tag",
        "Stellar cannot be sent without its memo or tag",
    )


async def test_a_refund_to_an_xrp_wallet_without_a_tag(harness: Harness) -> None:
    order = await harness.create(from_currency="xrp", to_currency="btc", amount="50",
                                 payout_address=BTC_ADDRESS)  # fmt: skip
    await harness.call("POST", f"/api/sandbox/pay/{order['id']}", {"amount": "20"})
    asked = await harness.choose(order["id"], "refund", refund_address=XRP_ADDRESS)
    assert asked.status == 422
    assert asked.json["error"]["details"][0]["field"] == "refund_extra_id"

    chosen = await harness.choose(order["id"], "refund", refund_address=XRP_ADDRESS,
                                  refund_no_tag=True)  # fmt: skip

    assert chosen.status == 200, chosen.json
    assert chosen.json["status"] == "refunding"
    assert (chosen.json["refund_address"], chosen.json["refund_extra_id"]) == (XRP_ADDRESS, None)


async def test_the_flags_leave_the_fingerprint_of_an_order_without_them_as_it_was(
    harness: Harness,
) -> None:
    body = order_body()
    first = await harness.call("POST", "/api/order", body, headers={"Idempotency-Key": "k-1"})
    again = await harness.call("POST", "/api/order", {**body, "payout_no_tag": False},
                               headers={"Idempotency-Key": "k-1"})  # fmt: skip
    assert (first.status, again.status) == (201, 201)
    assert again.json["id"] == first.json["id"]
