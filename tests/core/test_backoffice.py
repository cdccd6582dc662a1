"""The operator's back office in-process: the operator's view, the queue, notes and refunds,
named operators, the overdue alert, and what each read costs in round trips."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from devhost import d1
from tests.core.conftest import MakeHarness
from tests.support.inprocess import BTC_ADDRESS as REFUND_ADDRESS
from tests.support.inprocess import Harness

HASH = "ab" * 32
ANA, BO = "token-of-ana-" + "a" * 32, "token-of-bo-" + "b" * 32


async def paid(harness: Harness, **overrides: Any) -> dict[str, Any]:
    order = await harness.create(**overrides)
    reply = await harness.call("POST", f"/api/sandbox/pay/{order['id']}", {"status": "finished"})
    assert reply.json["order"]["status"] == "paid"
    return order


async def test_the_operator_sees_the_full_email_and_internal_notes_the_customer_never_does(
    harness: Harness,
) -> None:
    order = await paid(harness, email="alice@example.com")
    note = await harness.call(
        "PUT", f"/api/order/{order['id']}", {"internal_note": "KYC checked by phone"},
        headers=harness.admin(),
    )  # fmt: skip
    assert note.status == 200 and note.json["status"] == "paid"

    public = (await harness.call("GET", f"/api/order/{order['id']}")).json
    assert public["email"] == "a***@example.com"
    assert "KYC" not in json.dumps(public) and "notes" not in public

    detail = await harness.call("GET", f"/api/admin/orders/{order['id']}", headers=harness.admin())
    assert detail.status == 200 and detail.headers["ETag"] == detail.json["etag"]
    seen = detail.json["order"]
    assert seen["email"] == "alice@example.com"
    assert [n["note"] for n in seen["notes"]] == ["KYC checked by phone"]
    assert [e["type"] for e in detail.json["webhooks"]] == ["order.created", "order.paid"]


async def test_a_refund_carries_its_transaction_and_amount(harness: Harness) -> None:
    order = await paid(harness)
    missing = await harness.call(
        "PUT", f"/api/order/{order['id']}", {"status": "refunded"}, headers=harness.admin()
    )
    assert missing.status == 422
    assert missing.json["error"]["details"][0]["field"] == "refund_tx_hash"

    refunded = await harness.call(
        "PUT", f"/api/order/{order['id']}",
        {"status": "refunded", "refund_tx_hash": HASH, "refund_amount": "0.01"},
        headers=harness.admin(),
    )  # fmt: skip
    assert refunded.status == 200 and refunded.json["status"] == "refunded"
    detail = (
        await harness.call("GET", f"/api/admin/orders/{order['id']}", headers=harness.admin())
    ).json
    assert detail["order"]["refund"] == {"tx_hash": HASH, "amount": "0.01"}


async def test_named_operators_are_recorded_on_the_timeline(make_harness: MakeHarness) -> None:
    harness = make_harness(ADMIN_TOKENS=f"ana:{ANA},bo:{BO}")
    order = await paid(harness)
    done = await harness.call(
        "PUT", f"/api/order/{order['id']}", {"status": "completed", "payout_tx_hash": HASH},
        headers={"Authorization": f"Bearer {BO}"},
    )  # fmt: skip
    assert done.status == 200
    assert "actor" not in done.json["timeline"][-1]  # not in the public view
    detail = (
        await harness.call("GET", f"/api/admin/orders/{order['id']}", headers=harness.admin())
    ).json
    assert detail["order"]["timeline"][-1]["actor"] == "bo"
    assert detail["order"]["timeline"][-1]["source"] == "operator"


async def test_the_queue_holds_paid_orders_and_chosen_refunds_oldest_first(
    harness: Harness,
) -> None:
    first = await paid(harness)
    harness.clock.advance(minutes=5)
    part = await harness.create(refund_address=REFUND_ADDRESS)
    await harness.call("POST", f"/api/sandbox/pay/{part['id']}", {"amount": "0.004"})
    await harness.create()  # still awaiting payment: nothing to do for the operator
    harness.clock.advance(minutes=10)
    second = await paid(harness)

    queue = (await harness.call("GET", "/api/admin/queue", headers=harness.admin())).json
    assert [(i["order"]["id"], i["reason"], i["age_seconds"]) for i in queue["items"]] == [
        (first["id"], "payout", 900),
        (part["id"], "customer_choice", 600),
        (second["id"], "payout", 0),
    ]  # the part payment waits for its customer's choice: shown, so that nobody forgets it
    harness.clock.advance(minutes=3)
    assert (await harness.choose(part["id"], "refund")).status == 200
    queue = (await harness.call("GET", "/api/admin/queue", headers=harness.admin())).json
    assert [(i["order"]["id"], i["reason"]) for i in queue["items"]] == [
        (first["id"], "payout"), (second["id"], "payout"), (part["id"], "refund"),
    ]  # fmt: skip
    assert queue["items"][2]["age_seconds"] == 0
    assert queue["total"] == 3


async def test_a_paid_order_waiting_too_long_alerts_the_operator_once(
    make_harness: MakeHarness,
) -> None:
    harness = make_harness(PAYOUT_OVERDUE_MINUTES="30", WEBHOOK_URL="https://hook.example/x",
                           WEBHOOK_SECRET="whsec_c2VjcmV0")  # fmt: skip
    order = await paid(harness, email="alice@example.com")
    harness.clock.advance(minutes=29)
    await harness.app.scheduled()
    harness.clock.advance(minutes=2)
    await harness.app.scheduled()
    harness.clock.advance(minutes=60)
    await harness.app.scheduled()

    rows = harness.rows("SELECT type, payload FROM webhook_outbox WHERE type = ?",
                        "order.payout_overdue")  # fmt: skip
    assert len(rows) == 1
    sent = json.loads(rows[0]["payload"])["data"]["order"]
    assert sent["id"] == order["id"] and sent["email"] == "alice@example.com"
    assert sent["payout_overdue_notified"] is True


async def test_the_csv_has_a_header_and_exact_amounts(harness: Harness) -> None:
    order = await paid(harness, email="=cmd@example.com")
    reply = await harness.call("GET", "/api/admin/orders.csv?status=paid", headers=harness.admin())
    assert reply.status == 200 and reply.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(reply.body.decode())))
    assert [r["id"] for r in rows] == [order["id"]]
    assert rows[0]["from_amount"] == "0.01" and rows[0]["received_amount"] == "0.01"
    assert rows[0]["email"] == "'=cmd@example.com"  # never a spreadsheet formula


async def test_the_back_office_reads_cost_the_same_for_two_orders_as_for_forty(
    make_harness: MakeHarness,
) -> None:
    harness = make_harness(RATE_LIMIT_ORDERS_PER_MINUTE="1000")

    async def trips() -> list[int]:
        counts = []
        for path in ("/api/admin/orders?limit=200", "/api/admin/queue", "/api/admin/stats",
                     "/api/admin/orders.csv"):  # fmt: skip
            reply = await harness.call("GET", path, headers=harness.admin())
            assert reply.status == 200
            counts.append(reply.d1)
        return counts

    for _ in range(2):
        await paid(harness)
    few = await trips()
    for _ in range(38):
        await paid(harness)
    many = await trips()
    assert few == many == [1, 1, 1, 1]
    order = await paid(harness)
    detail = await harness.call("GET", f"/api/admin/orders/{order['id']}", headers=harness.admin())
    assert detail.d1 == 1
    with d1.counting() as counted:
        await harness.app.scheduled()
    assert counted.count > 0
