"""The sandbox processor's deposits as NOWPayments reports them: one deposit is one transaction
on the chain, so it keeps its hash (and its payment) from `confirming` to `finished`; a deposit
after the order's payment settled is a payment of its own, with a hash of its own."""

from __future__ import annotations

from typing import Any

from tests.support.inprocess import Harness


def ledger(harness: Harness, order_id: str) -> list[dict[str, Any]]:
    return harness.rows(
        "SELECT payment_id, parent_payment_id, status, actually_paid, tx_hash "
        "FROM sandbox_payments WHERE order_id = ? ORDER BY parent_payment_id IS NOT NULL",
        order_id,
    )


async def test_a_deposit_keeps_its_hash_from_confirming_to_finished(harness: Harness) -> None:
    order = await harness.create()
    seen = await harness.pay(order["id"], status="confirming")
    done = await harness.pay(order["id"], status="finished")

    assert seen["status"] == "confirming" and done["status"] == "paid"
    assert seen["payment"]["tx_hash"] is not None
    assert done["payment"]["tx_hash"] == seen["payment"]["tx_hash"]
    [payment] = ledger(harness, order["id"])
    assert payment["status"] == "finished" and payment["tx_hash"] == seen["payment"]["tx_hash"]


async def test_a_repeat_deposit_has_its_own_hash_and_keeps_it(harness: Harness) -> None:
    order = await harness.create()
    paid = await harness.pay(order["id"], status="finished")
    await harness.pay(order["id"], status="confirming", amount="0.003")
    await harness.pay(order["id"], status="finished")  # the same repeat deposit, now final

    first, repeat = ledger(harness, order["id"])
    assert first["tx_hash"] == paid["payment"]["tx_hash"]
    assert repeat["parent_payment_id"] == first["payment_id"]
    assert repeat["status"] == "finished" and repeat["actually_paid"] == "0.003"
    assert repeat["tx_hash"] != first["tx_hash"]
    found = (await harness.call("GET", f"/api/order/{order['id']}")).json
    assert found["payment"]["received"] == "0.013" and found["excess"] == "0.003"
