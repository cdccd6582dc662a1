"""A change is planned by `Changer` and committed by its use case: a callback that loses its race
is planned again on the fresh order, and its receipt is recorded only with the state it was
judged against."""

from __future__ import annotations

from typing import Any

import pytest

from orders.storage.orders import OrderStore
from tests.core.conftest import MakeHarness
from tests.support.inprocess import (
    NOWPAYMENTS_ENV,
    finished_callback,
    nowpayments_harness,
    order_body,
)


async def test_a_callback_that_loses_its_race_is_settled_on_the_fresh_order(
    make_harness: MakeHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    harness = nowpayments_harness(make_harness(**NOWPAYMENTS_ENV))
    order = (await harness.call("POST", "/api/order", order_body())).json
    payment = harness.payments[order["payment"]["id"]]
    payment.update(payment_status="finished", actually_paid=0.01)
    body, headers = finished_callback(order)

    # The callback reads the order, then the operator's note wins the write before it.
    found = OrderStore.find_for_payment

    async def read_then_lose(self: OrderStore, *args: Any) -> Any:
        read = await found(self, *args)
        note = {"internal_note": "checked"}
        assert (await harness.call("PUT", f"/api/order/{order['id']}", note,
                                   headers=harness.admin())).status == 200  # fmt: skip
        return read

    monkeypatch.setattr(OrderStore, "find_for_payment", read_then_lose)
    callback = await harness.call("POST", "/api/ipn/nowpayments", raw=body, headers=headers)
    assert callback.json == {"ok": True, "order_status": "paid"}
    row = harness.rows("SELECT status, version FROM orders WHERE id = ?", order["id"])[0]
    assert (row["status"], row["version"]) == ("paid", 3)  # created, the note, then paid
    notes = harness.rows("SELECT note FROM order_notes WHERE order_id = ?", order["id"])
    assert [n["note"] for n in notes] == ["checked"]
    receipts = harness.rows("SELECT order_id FROM processor_receipts")
    assert [r["order_id"] for r in receipts] == [order["id"]]  # once, with the winning state

    monkeypatch.setattr(OrderStore, "find_for_payment", found)
    repeat = await harness.call("POST", "/api/ipn/nowpayments", raw=body, headers=headers)
    assert repeat.json == {"ok": True, "duplicate": True}
