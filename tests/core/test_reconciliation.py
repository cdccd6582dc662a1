"""Reconciliation as the customer and the operator see it (in-process, the sandbox): a callback
that never came is caught by the cron job asking the processor about every deposit to the order,
a report that brings no new money changes nothing, and a deposit is late only if it was paid
late, whenever we heard of it."""

from __future__ import annotations

from tests.support.inprocess import Harness


def sent(harness: Harness, order_id: str) -> list[str]:
    """The webhooks and emails queued for the order, in order."""
    rows = harness.rows("SELECT type FROM webhook_outbox WHERE order_id = ? ORDER BY seq", order_id)
    return [r["type"] for r in rows]


async def test_a_repeat_deposit_whose_callback_was_lost_is_found(harness: Harness) -> None:
    order = await harness.create()
    await harness.pay(order["id"], amount="0.004")
    await harness.choose(order["id"], "send_rest")
    rest = await harness.pay(order["id"], amount="0.006", callback=False)
    assert rest["payment"]["received"] == "0.004"  # nobody told us yet

    harness.clock.advance(minutes=11)  # quiet long enough: the cron job asks
    report = await harness.app.scheduled()

    assert report["reconciled"] == 1
    found = await harness.order(order["id"])
    assert found["status"] == "paid" and found["payment"]["received"] == "0.01"
    assert found["late"] is False  # paid within the lock, heard of after it


async def test_a_repeat_deposit_on_a_paid_order_is_found_too(harness: Harness) -> None:
    order = await harness.create()
    await harness.pay(order["id"])
    await harness.pay(order["id"], amount="0.003", callback=False)  # a second, lost callback

    harness.clock.advance(minutes=11)
    await harness.app.scheduled()

    found = await harness.order(order["id"])
    assert found["status"] == "paid" and found["payment"]["received"] == "0.013"
    assert found["excess"] == "0.003"
    assert "order.unexpected_deposit" in sent(harness, order["id"])


async def test_rereading_a_short_deposit_never_undoes_the_customers_send_rest(
    harness: Harness,
) -> None:
    order = await harness.create()
    await harness.pay(order["id"], amount="0.004")
    chosen = (await harness.choose(order["id"], "send_rest")).json
    before = sent(harness, order["id"])

    harness.clock.advance(minutes=11)  # within the lock, quiet long enough to be asked about
    await harness.app.scheduled()

    after = await harness.order(order["id"])
    assert after["status"] == "partially_paid" and after["version"] == chosen["version"]
    assert after["payment"]["to_send"] == "0.006"
    assert sent(harness, order["id"]) == before  # no second "action needed" webhook or email


async def test_a_payment_made_in_time_whose_callbacks_were_lost_is_not_late(
    harness: Harness,
) -> None:
    order = await harness.create()
    harness.clock.advance(minutes=15)  # paid 15 minutes into the 20-minute lock
    await harness.pay(order["id"], callback=False)

    harness.clock.advance(minutes=15)  # the window ends; the cron job hears of it only now
    await harness.app.scheduled()
    harness.clock.advance(minutes=11)
    await harness.app.scheduled()

    found = await harness.order(order["id"])
    assert found["status"] == "paid" and found["late"] is False
    assert found["to"]["amount"] == order["to"]["amount"]


async def test_a_payment_made_after_the_lock_is_still_late(harness: Harness) -> None:
    order = await harness.create()
    harness.clock.advance(minutes=25)
    await harness.app.scheduled()  # expired
    await harness.pay(order["id"], callback=False)

    harness.clock.advance(minutes=11)
    await harness.app.scheduled()

    found = await harness.order(order["id"])
    assert found["status"] == "action_required" and found["late"] is True
    assert found["action"]["reason"] == "late_deposit"
