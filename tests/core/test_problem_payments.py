"""Problem payments as the customer and the operator see them (in-process): the rate lock, a late
deposit, a short one, an over-payment, and the customer's choices made with the order's key."""

from __future__ import annotations

import asyncio
import hashlib

from tests.core.conftest import MakeHarness
from tests.support.inprocess import BTC_ADDRESS, TRON_ADDRESS, Harness

# BIP-173's example with one character changed: the bech32 checksum fails.
BTC_TYPO = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdx"


# --- the rate lock --------------------------------------------------------------------------


async def test_the_rate_is_locked_for_twenty_minutes_and_that_is_the_window_to_pay(
    harness: Harness,
) -> None:
    quote = await harness.call("GET", "/api/quote?from=btc&to=usdttrc20&amount=0.01")
    assert quote.json["rate_lock_minutes"] == 20
    order = await harness.create()
    assert order["created_at"] == "2026-11-26T12:00:00Z"
    assert order["expires_at"] == "2026-11-26T12:20:00Z"


async def test_the_lock_is_configuration_and_the_old_window_name_still_works(
    make_harness: MakeHarness,
) -> None:
    assert (await make_harness(RATE_LOCK_MINUTES="15").create())["expires_at"].endswith("15:00Z")
    old_name = make_harness(PAYMENT_WINDOW_MINUTES="30")
    assert (await old_name.create())["expires_at"].endswith("12:30:00Z")


# --- the customer's key ---------------------------------------------------------------------


async def test_the_key_is_given_once_and_only_its_hash_is_kept(harness: Harness) -> None:
    reply = await harness.call("POST", "/api/order", {
        "from_currency": "btc", "to_currency": "usdttrc20", "amount": "0.01",
        "payout_address": TRON_ADDRESS,
    })  # fmt: skip
    key = reply.json["customer_key"]
    assert len(key) >= 32
    assert "customer_key" not in await harness.order(reply.json["id"])
    [row] = harness.rows("SELECT customer_key_hash FROM orders WHERE id = ?", reply.json["id"])
    assert row["customer_key_hash"] == hashlib.sha256(key.encode()).hexdigest()
    assert key not in str(harness.rows("SELECT * FROM orders"))


async def test_without_the_key_an_order_can_be_read_but_not_changed(harness: Harness) -> None:
    order = await harness.create(refund_address=BTC_ADDRESS)
    await harness.pay(order["id"], amount="0.004")
    before = await harness.order(order["id"])
    for key in ("wrong", harness.keys[order["id"]][:-1] + "x", ""):
        body = {"key": key, "choice": "refund"}
        reply = await harness.call("POST", f"/api/order/{order['id']}/choice", body)
        assert reply.status == 403 and reply.json["error"]["code"] == "forbidden"
    assert await harness.order(order["id"]) == before
    missing = await harness.call("POST", f"/api/order/{order['id']}/choice", {"choice": "refund"})
    assert missing.status == 422


# --- a late deposit -------------------------------------------------------------------------


async def test_a_late_deposit_waits_for_the_customer_then_continues_at_a_fresh_quote(
    harness: Harness,
) -> None:
    order = await harness.create()  # 0.01 btc for 945.25 usdttrc20 at 95000, 0.5 % fee
    late = await harness.pay(order["id"], late=True, amount="0.008")
    assert late["status"] == "action_required" and late["late"] is True
    action = late["action"]
    assert action["reason"] == "late_deposit" and action["received"] == "0.008"
    assert action["choices"] == ["fresh_quote", "continue", "refund"]
    assert action["offer"] is None
    assert harness.webhook_types(order["id"]) == [
        "order.created", "order.expired", "order.action_required",
    ]  # fmt: skip

    early = await harness.choose(order["id"], "continue")  # nothing offered yet
    assert early.status == 409 and early.json["error"]["code"] == "offer_expired"
    harness.clock.advance(minutes=1)
    quoted = (await harness.choose(order["id"], "fresh_quote")).json
    offer = quoted["action"]["offer"]
    assert offer == {"amount": "0.008", "to_amount": "756.2", "rate": "95000",
                     "expires_at": "2026-11-26T12:06:00Z"}  # fmt: skip
    harness.clock.advance(minutes=4)
    accepted = await harness.choose(order["id"], "continue")
    assert accepted.status == 200
    paid = accepted.json
    assert paid["status"] == "paid" and paid["action"] is None
    assert paid["from"]["amount"] == "0.008" and paid["to"]["amount"] == "756.2"
    assert paid["payment"]["amount"] == "0.008" and paid["excess"] is None
    assert "fresh quote" in paid["timeline"][-1]["note"]
    queue = (await harness.call("GET", "/api/admin/queue", headers=harness.admin())).json
    assert [(i["order"]["id"], i["reason"]) for i in queue["items"]] == [(order["id"], "payout")]


async def test_a_fresh_quote_not_taken_in_time_expires(harness: Harness) -> None:
    order = await harness.create()
    await harness.pay(order["id"], late=True)
    await harness.choose(order["id"], "fresh_quote")
    harness.clock.advance(minutes=5)
    expired = await harness.choose(order["id"], "continue")
    assert expired.status == 409 and expired.json["error"]["code"] == "offer_expired"
    assert (await harness.order(order["id"]))["status"] == "action_required"
    again = await harness.choose(order["id"], "fresh_quote")
    assert again.json["action"]["offer"]["expires_at"] == "2026-11-26T12:10:00Z"
    assert (await harness.choose(order["id"], "continue")).json["status"] == "paid"


async def test_more_money_after_a_fresh_quote_needs_a_new_one(harness: Harness) -> None:
    order = await harness.create()
    await harness.pay(order["id"], late=True, amount="0.004")
    await harness.choose(order["id"], "fresh_quote")
    more = await harness.pay(order["id"], amount="0.002")
    assert more["action"]["received"] == "0.006" and more["action"]["offer"] is None
    stale = await harness.choose(order["id"], "continue")
    assert stale.status == 409 and stale.json["error"]["code"] == "offer_expired"


async def test_a_late_deposit_refunded_to_an_address_checked_like_a_payout(
    harness: Harness,
) -> None:
    order = await harness.create()
    await harness.pay(order["id"], late=True)
    nowhere = await harness.choose(order["id"], "refund")
    assert nowhere.status == 422
    assert nowhere.json["error"]["details"][0]["field"] == "refund_address"
    typo = await harness.choose(order["id"], "refund", refund_address=BTC_TYPO)
    assert typo.status == 422
    [detail] = typo.json["error"]["details"]
    assert detail["field"] == "refund_address" and "checksum" in detail["message"]
    wrong_coin = await harness.choose(order["id"], "refund", refund_address=TRON_ADDRESS)
    assert wrong_coin.status == 422
    assert (await harness.order(order["id"]))["status"] == "action_required"

    refunding = await harness.choose(order["id"], "refund", refund_address=BTC_ADDRESS)
    assert refunding.status == 200
    assert refunding.json["status"] == "refunding" and refunding.json["action"] is None
    assert refunding.json["refund_address"] == BTC_ADDRESS
    assert (await harness.choose(order["id"], "refund")).status == 409  # chosen already
    queue = (await harness.call("GET", "/api/admin/queue", headers=harness.admin())).json
    assert [(i["order"]["id"], i["reason"]) for i in queue["items"]] == [(order["id"], "refund")]

    sent = {"status": "refunded", "refund_tx_hash": "ab" * 32, "refund_amount": "0.01"}
    done = await harness.call("PUT", f"/api/order/{order['id']}", sent, headers=harness.admin())
    assert done.status == 200
    public = await harness.order(order["id"])
    assert public["status"] == "refunded"
    assert public["refund"] == {"tx_hash": "ab" * 32, "amount": "0.01"}
    assert harness.webhook_types(order["id"]) == [
        "order.created", "order.expired", "order.action_required", "order.refunding",
        "order.refunded",
    ]  # fmt: skip


# --- a short deposit ------------------------------------------------------------------------


async def test_a_short_deposit_offers_the_rest_a_partial_payout_or_a_refund(
    harness: Harness,
) -> None:
    order = await harness.create()
    short = await harness.pay(order["id"], amount="0.004")
    assert short["status"] == "action_required" and short["late"] is False
    assert short["action"] == {
        "reason": "underpaid", "received": "0.004",
        "choices": ["send_rest", "partial_payout", "refund"], "remaining": "0.006",
        "partial_payout": {"amount": "378.1"}, "offer": None,
    }  # fmt: skip
    wrong = await harness.choose(order["id"], "fresh_quote")
    assert wrong.status == 409 and wrong.json["error"]["code"] == "choice_unavailable"
    assert "send_rest, partial_payout, refund" in wrong.json["error"]["message"]


async def test_sending_the_rest_keeps_the_lock_of_the_short_deposit_and_the_rest_pays(
    harness: Harness,
) -> None:
    order = await harness.create()
    harness.clock.advance(minutes=5)
    await harness.pay(order["id"], amount="0.004")  # its lock: until 12:25
    harness.clock.advance(minutes=10)
    rest = (await harness.choose(order["id"], "send_rest")).json
    assert rest["status"] == "partially_paid" and rest["expires_at"] == "2026-11-26T12:25:00Z"
    assert rest["payment"]["address"] == order["payment"]["address"]
    assert rest["payment"]["to_send"] == "0.006"  # what a wallet scanning the page sends
    assert rest["payment"]["uri"] == f"bitcoin:{order['payment']['address']}?amount=0.006"
    paid = await harness.pay(order["id"])  # the sandbox sends what is still owed
    assert paid["status"] == "paid" and paid["payment"]["received"] == "0.01"
    assert paid["to"]["amount"] == order["to"]["amount"] and paid["late"] is False


async def test_when_the_rest_does_not_come_within_the_lock_what_arrived_is_repriced(
    harness: Harness,
) -> None:
    order = await harness.create()
    await harness.pay(order["id"], amount="0.004")
    await harness.choose(order["id"], "send_rest")
    harness.clock.advance(minutes=21)
    await harness.app.scheduled()
    again = await harness.order(order["id"])
    assert again["status"] == "action_required" and again["late"] is True
    assert again["action"]["reason"] == "late_deposit"
    assert again["action"]["choices"] == ["fresh_quote", "continue", "refund"]
    refused = await harness.choose(order["id"], "send_rest")
    assert refused.status == 409 and refused.json["error"]["code"] == "choice_unavailable"


async def test_the_rest_arriving_after_its_window_is_a_late_deposit(harness: Harness) -> None:
    order = await harness.create()
    await harness.pay(order["id"], amount="0.004")
    await harness.choose(order["id"], "send_rest")
    late = await harness.pay(order["id"], late=True)
    assert late["status"] == "action_required" and late["action"]["reason"] == "late_deposit"
    assert late["action"]["received"] == "0.01"


async def test_a_partial_payout_pays_what_arrived_at_the_locked_rate(harness: Harness) -> None:
    order = await harness.create()
    await harness.pay(order["id"], amount="0.004")
    harness.clock.advance(minutes=15)  # within the lock the short deposit started
    paid = (await harness.choose(order["id"], "partial_payout")).json
    assert paid["status"] == "paid"
    assert paid["to"]["amount"] == "378.1" and paid["rate"] == order["rate"]
    assert paid["from"]["amount"] == "0.004" and paid["excess"] is None


async def test_a_short_payment_does_not_keep_the_quoted_rate_while_the_customer_waits(
    harness: Harness,
) -> None:
    order = await harness.create()
    await harness.pay(order["id"], amount="0.004")
    for _ in range(3 * 24):  # three days of cron runs, an hour apart
        harness.clock.advance(hours=1)
        await harness.app.scheduled()
    waited = await harness.order(order["id"])
    # Neither a payout nor the rest at the three-day-old rate: a fresh quote, or a refund.
    assert waited["status"] == "action_required" and waited["action"]["reason"] == "late_deposit"
    assert waited["action"]["partial_payout"] is None
    for choice in ("partial_payout", "send_rest"):
        refused = await harness.choose(order["id"], choice)
        assert refused.status == 409 and refused.json["error"]["code"] == "choice_unavailable"
    # And the operator sees who has been waiting, and how long.
    queue = (await harness.call("GET", "/api/admin/queue", headers=harness.admin())).json
    [item] = queue["items"]
    assert item["order"]["id"] == order["id"] and item["reason"] == "customer_choice"
    assert item["age_seconds"] == 3 * 24 * 3600


async def test_a_locked_choice_is_refused_once_the_lock_ends_even_before_the_cron_runs(
    harness: Harness,
) -> None:
    order = await harness.create()
    await harness.pay(order["id"], amount="0.004")
    harness.clock.advance(minutes=20)  # the lock's last second is gone; no cron run yet
    for choice in ("partial_payout", "send_rest"):
        refused = await harness.choose(order["id"], choice)
        assert refused.status == 409 and "rate lock" in refused.json["error"]["message"]
    assert (await harness.order(order["id"]))["status"] == "action_required"


async def test_send_rest_is_offered_once_and_never_extends_the_lock(harness: Harness) -> None:
    order = await harness.create()
    await harness.pay(order["id"], amount="0.004")
    harness.clock.advance(minutes=5)
    await harness.choose(order["id"], "send_rest")
    harness.clock.advance(minutes=5)
    still_short = await harness.pay(order["id"], amount="0.002")
    assert still_short["status"] == "action_required"
    assert still_short["expires_at"] == "2026-11-26T12:20:00Z"  # the same lock
    assert still_short["action"]["choices"] == ["partial_payout", "refund"]
    again = await harness.choose(order["id"], "send_rest")
    assert again.status == 409 and again.json["error"]["code"] == "choice_unavailable"


async def test_no_partial_payout_is_offered_below_the_pairs_minimum(harness: Harness) -> None:
    order = await harness.create()
    dust = await harness.pay(order["id"], amount="0.00000001")  # one satoshi
    assert dust["status"] == "action_required"
    assert dust["action"]["choices"] == ["send_rest", "refund"]
    assert dust["action"]["partial_payout"] is None
    refused = await harness.choose(order["id"], "partial_payout")
    assert refused.status == 409 and refused.json["error"]["code"] == "choice_unavailable"


# --- an over-payment ------------------------------------------------------------------------


async def test_an_over_payment_goes_ahead_and_its_excess_waits_for_a_refund(
    harness: Harness,
) -> None:
    order = await harness.create()
    over = await harness.pay(order["id"], amount="0.012")
    assert over["status"] == "paid" and over["excess"] == "0.002" and over["action"] is None
    assert over["to"]["amount"] == order["to"]["amount"]
    where = await harness.choose(order["id"], "refund_address", refund_address=BTC_ADDRESS)
    assert where.status == 200 and where.json["refund_address"] == BTC_ADDRESS
    assert where.json["status"] == "paid"
    queue = (await harness.call("GET", "/api/admin/queue", headers=harness.admin())).json
    assert [i["reason"] for i in queue["items"]] == ["payout_and_refund"]


# --- races ----------------------------------------------------------------------------------


async def test_two_choices_at_once_make_exactly_one_change(harness: Harness) -> None:
    order = await harness.create(refund_address=BTC_ADDRESS)
    await harness.pay(order["id"], amount="0.004")
    replies = await asyncio.gather(
        harness.choose(order["id"], "refund"), harness.choose(order["id"], "partial_payout")
    )
    assert sorted(r.status for r in replies) == [200, 409]
    final = await harness.order(order["id"])
    winner = next(r for r in replies if r.status == 200).json
    assert final["status"] == winner["status"] and final["status"] in ("refunding", "paid")
    assert len([e for e in final["timeline"] if e["source"] == "api"]) == 2  # created + one choice


async def test_the_operator_records_the_excess_refund_with_the_payout(harness: Harness) -> None:
    order = await harness.create(refund_address=BTC_ADDRESS)
    await harness.pay(order["id"], amount="0.012")
    done = {"status": "completed", "payout_tx_hash": "cd" * 32, "refund_tx_hash": "ab" * 32,
            "refund_amount": "0.002"}  # fmt: skip
    reply = await harness.call("PUT", f"/api/order/{order['id']}", done, headers=harness.admin())
    assert reply.status == 200
    shown = await harness.order(order["id"])
    assert shown["status"] == "completed" and shown["excess"] == "0.002"
    assert shown["refund"] == {"tx_hash": "ab" * 32, "amount": "0.002"}
