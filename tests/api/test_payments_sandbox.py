"""The same payment flows in sandbox mode, driven by POST /api/sandbox/pay/{id}: the whole
lifecycle on one machine, through the same signed-callback path as a real processor."""

from __future__ import annotations

import pytest

from tests.support.inprocess import order_body
from tests.support.localhost import Client, LocalHost


def create(api: Client, amount: str = "0.01") -> dict:
    reply = api.request("POST", "/api/order", order_body(amount=amount))
    assert reply.status == 201, reply.body
    assert reply.json["customer_key"]  # the customer's, once: these tests read as anyone does
    return {k: v for k, v in reply.json.items() if k != "customer_key"}


def pay(
    api: Client, order_id: str, status: str, amount: str | None = None, **extra: object
) -> dict:
    body = {"status": status, **({"amount": amount} if amount else {}), **extra}
    reply = api.request("POST", f"/api/sandbox/pay/{order_id}", body)
    assert reply.status in (200, 202), reply.body
    return reply.json["order"]


def test_confirming_then_paid_then_completed(api: Client) -> None:
    order = create(api)
    assert pay(api, order["id"], "confirming")["status"] == "confirming"
    paid = pay(api, order["id"], "finished")
    assert paid["status"] == "paid" and paid["payment"]["received"] == "0.01"
    assert paid["payment"]["tx_hash"]

    done = api.request(
        "PUT",
        f"/api/order/{order['id']}",
        {"status": "completed", "payout_tx_hash": "cd" * 32},
        headers=api.admin(),
    )
    assert done.json["status"] == "completed"
    assert [e["status"] for e in done.json["timeline"]] == [
        "awaiting_payment", "confirming", "paid", "completed"]  # fmt: skip


def test_a_repeated_sandbox_payment_changes_nothing_more(api: Client) -> None:
    order = create(api)
    first = pay(api, order["id"], "finished")
    again = pay(api, order["id"], "finished")
    assert again == first


def test_confirming_after_paid_does_not_move_it_back(api: Client) -> None:
    order = create(api)
    pay(api, order["id"], "finished")
    assert pay(api, order["id"], "confirming")["status"] == "paid"


def test_an_underpayment_waits_for_the_customer(api: Client) -> None:
    order = create(api)
    partial = pay(api, order["id"], "partially_paid", "0.004")
    assert partial["status"] == "action_required" and partial["payment"]["received"] == "0.004"


def test_a_failed_payment_fails_the_order(api: Client) -> None:
    order = create(api)
    assert pay(api, order["id"], "failed")["status"] == "failed"


def test_a_late_payment_after_expiry_waits_for_the_customer(api: Client, hooks: LocalHost) -> None:
    order = create(api)
    hooks.advance(21 * 60)
    assert hooks.run_cron()["expired"] >= 1
    late = pay(api, order["id"], "finished")
    assert late["status"] == "action_required" and late["late"] is True


def test_a_dropped_sandbox_callback_is_caught_by_reconciliation(
    api: Client, hooks: LocalHost
) -> None:
    order = create(api)
    dropped = api.request("POST", f"/api/sandbox/pay/{order['id']}",
                          {"status": "finished", "callback": False})  # fmt: skip
    assert dropped.status == 202 and dropped.json["order"]["status"] == "awaiting_payment"

    hooks.advance(11 * 60)
    # Each run asks about a bounded batch of quiet orders, oldest first; other tests' open
    # orders share this host, so let a few runs work through them.
    for _ in range(10):
        if not hooks.run_cron()["reconciled"]:
            break
    assert api.request("GET", f"/api/order/{order['id']}").json["status"] == "paid"


@pytest.mark.parametrize(
    ("body", "field"), [({"status": "teleported"}, "status"), ({"amount": "-1"}, "amount")]
)
def test_bad_sandbox_payments_are_refused(api: Client, body: dict, field: str) -> None:
    order = create(api)
    reply = api.request("POST", f"/api/sandbox/pay/{order['id']}", body)
    assert reply.status == 422 and reply.json["error"]["details"][0]["field"] == field


def test_an_unknown_order_cannot_be_paid(api: Client) -> None:
    reply = api.request("POST", "/api/sandbox/pay/ord_unknown", {"status": "finished"})
    assert reply.status == 404
