"""What the operator records is recorded once and can be put right (in-process, the sandbox): a
transaction hash already on another order is refused unless it pays several orders, a recorded
hash is corrected with a reason and the old one stays in the timeline, and the operator's view
says what may be recorded now, with its amounts."""

from __future__ import annotations

from typing import Any

from tests.support.inprocess import BTC_ADDRESS, Harness

PAYOUT = "7d1e" * 16
OTHER = "ab" * 32


async def paid(harness: Harness, amount: str | None = None, **overrides: Any) -> dict[str, Any]:
    order = await harness.create(**overrides)
    body = {"amount": amount} if amount else {}
    reply = await harness.call("POST", f"/api/sandbox/pay/{order['id']}", body)
    assert reply.status == 200, reply.json
    return order


async def put(harness: Harness, order_id: str, **body: Any) -> Any:
    return await harness.call("PUT", f"/api/order/{order_id}", body, headers=harness.admin())


async def complete(harness: Harness, order_id: str, tx_hash: str) -> None:
    done = await put(harness, order_id, status="completed", payout_tx_hash=tx_hash)
    assert done.status == 200, done.json


async def detail(harness: Harness, order_id: str) -> dict[str, Any]:
    reply = await harness.call("GET", f"/api/admin/orders/{order_id}", headers=harness.admin())
    assert reply.status == 200
    return reply.json  # type: ignore[no-any-return]


def webhooks(harness: Harness, order_id: str) -> list[str]:
    rows = harness.rows(
        "SELECT type FROM webhook_outbox WHERE order_id = ? AND channel = 'webhook' ORDER BY seq",
        order_id,
    )
    return [r["type"] for r in rows]


# --- one transaction, one order ------------------------------------------------------------


async def test_a_payout_hash_already_on_another_order_is_refused_and_nothing_changes(
    harness: Harness,
) -> None:
    first, second = await paid(harness), await paid(harness)
    await complete(harness, first["id"], PAYOUT)
    before = await detail(harness, second["id"])

    # The same transaction, as another explorer spells it: upper case, with 0x.
    refused = await put(harness, second["id"], status="completed",
                        payout_tx_hash="0x" + PAYOUT.upper())  # fmt: skip

    assert refused.status == 409
    assert refused.json["error"]["code"] == "duplicate_tx_hash"
    assert first["id"] in refused.json["error"]["message"]
    assert "shared_tx" in refused.json["error"]["message"]
    assert await detail(harness, second["id"]) == before


async def test_a_transaction_that_pays_several_orders_is_taken_when_the_operator_says_so(
    harness: Harness,
) -> None:
    first, second = await paid(harness), await paid(harness)
    await complete(harness, first["id"], PAYOUT)

    shared = await put(harness, second["id"], status="completed", payout_tx_hash=PAYOUT,
                       shared_tx=True)  # fmt: skip

    assert shared.status == 200 and shared.json["payout"]["tx_hash"] == PAYOUT


async def test_a_refund_hash_is_never_recorded_twice_on_one_order_nor_as_another_orders_payout(
    harness: Harness,
) -> None:
    order = await paid(harness, amount="0.012", refund_address=BTC_ADDRESS)
    done = await put(harness, order["id"], status="completed", payout_tx_hash=PAYOUT)
    assert done.status == 200  # the excess waits for its refund, recorded on its own
    part = await put(harness, order["id"], refund_tx_hash=OTHER, refund_amount="0.001")
    assert part.status == 200

    again = await put(harness, order["id"], refund_tx_hash=OTHER)  # the same refund, twice
    assert again.status == 409 and again.json["error"]["code"] == "duplicate_tx_hash"

    other = await paid(harness)
    as_refund = await put(harness, other["id"], status="refunded", refund_tx_hash=PAYOUT)
    assert as_refund.status == 409 and order["id"] in as_refund.json["error"]["message"]


# --- correcting a recorded hash -------------------------------------------------------------


async def test_a_wrong_payout_hash_is_corrected_with_a_reason_and_the_old_one_stays(
    harness: Harness,
) -> None:
    order = await paid(harness)
    await complete(harness, order["id"], OTHER)

    fixed = await put(harness, order["id"], correct="payout_tx_hash", payout_tx_hash=PAYOUT,
                      reason="pasted the deposit's hash by mistake")  # fmt: skip

    assert fixed.status == 200
    assert fixed.json["status"] == "completed" and fixed.json["payout"]["tx_hash"] == PAYOUT
    last = fixed.json["timeline"][-1]
    assert last["status"] == "completed" and last["source"] == "operator"
    assert OTHER in last["note"] and PAYOUT in last["note"]
    assert "pasted the deposit's hash by mistake" in last["note"]
    assert webhooks(harness, order["id"])[-1] == "order.tx_hash_corrected"
    found = await harness.call("GET", f"/api/admin/orders?q={PAYOUT}", headers=harness.admin())
    assert [o["id"] for o in found.json["orders"]] == [order["id"]]


async def test_a_correction_needs_a_reason_a_recorded_hash_and_a_hash_no_other_order_holds(
    harness: Harness,
) -> None:
    order = await paid(harness)
    nothing = await put(harness, order["id"], correct="payout_tx_hash", payout_tx_hash=PAYOUT,
                        reason="typo")  # fmt: skip
    assert nothing.status == 409  # nothing recorded yet: nothing to correct
    await complete(harness, order["id"], OTHER)

    no_reason = await put(harness, order["id"], correct="payout_tx_hash", payout_tx_hash=PAYOUT)
    assert no_reason.status == 422
    assert {d["field"] for d in no_reason.json["error"]["details"]} == {"reason"}
    with_status = await put(harness, order["id"], correct="payout_tx_hash", status="refunded",
                            payout_tx_hash=PAYOUT, reason="typo")  # fmt: skip
    assert with_status.status == 422
    same = await put(harness, order["id"], correct="payout_tx_hash", payout_tx_hash=OTHER,
                     reason="typo")  # fmt: skip
    assert same.status == 422

    taken = await paid(harness)
    await complete(harness, taken["id"], PAYOUT)
    onto_another = await put(harness, order["id"], correct="payout_tx_hash",
                             payout_tx_hash=PAYOUT, reason="typo")  # fmt: skip
    assert onto_another.status == 409 and taken["id"] in onto_another.json["error"]["message"]
    assert (await detail(harness, order["id"]))["order"]["payout"]["tx_hash"] == OTHER


async def test_a_refund_hash_is_corrected_too(harness: Harness) -> None:
    order = await paid(harness, refund_address=BTC_ADDRESS)
    assert (await put(harness, order["id"], status="refunded", refund_tx_hash=OTHER)).status == 200

    fixed = await put(harness, order["id"], correct="refund_tx_hash", refund_tx_hash=PAYOUT,
                      reason="the wallet's second attempt went through")  # fmt: skip

    assert fixed.status == 200 and fixed.json["refund"] == {"tx_hash": PAYOUT, "amount": "0.01"}
    assert OTHER in fixed.json["timeline"][-1]["note"]


# --- what the operator may record now -------------------------------------------------------


async def test_the_operators_view_says_what_may_be_recorded_and_for_how_much(
    harness: Harness,
) -> None:
    unpaid = await harness.create()
    assert (await detail(harness, unpaid["id"]))["order"]["due"] == {
        "payout": None, "excess_refund": None, "refund": None, "cancel": True,
    }  # fmt: skip

    full = await paid(harness, amount="0.012", refund_address=BTC_ADDRESS)
    due = (await detail(harness, full["id"]))["order"]["due"]
    assert due["payout"] == {"amount": "945.25", "currency": "usdttrc20", "short": False}
    assert due["excess_refund"] == {"amount": "0.002", "currency": "btc"}
    assert due["refund"] == {"amount": "0.012", "currency": "btc", "status": "refunded"}
    assert due["cancel"] is False

    short = await paid(harness, amount="0.004")
    assert (await harness.choose(short["id"], "send_rest")).status == 200
    due = (await detail(harness, short["id"]))["order"]["due"]
    assert due["payout"] == {"amount": "378.1", "currency": "usdttrc20", "short": True}

    await complete(harness, full["id"], PAYOUT)
    due = (await detail(harness, full["id"]))["order"]["due"]
    assert due == {"payout": None, "excess_refund": None, "cancel": False,
                   "refund": {"amount": "0.002", "currency": "btc", "status": None}}  # fmt: skip


async def test_two_operators_recording_one_hash_at_once_record_it_once(harness: Harness) -> None:
    first, second = await paid(harness), await paid(harness)
    etag = (await detail(harness, second["id"]))["etag"]
    batch = harness.db.batch
    overtaken: list[int] = []

    async def interleaved(statements: list[Any]) -> list[dict[str, Any]]:
        # The other operator's write of the same hash lands between this one's read and write.
        if not overtaken and statements and statements[0].sql.startswith("UPDATE orders"):
            overtaken.append(1)
            other = await put(harness, first["id"], status="completed", payout_tx_hash=PAYOUT)
            assert other.status == 200
        return await batch(statements)

    harness.db.batch = interleaved  # type: ignore[method-assign]
    late = await harness.call("PUT", f"/api/order/{second['id']}",
                              {"status": "completed", "payout_tx_hash": PAYOUT},
                              headers=harness.admin(**{"If-Match": etag}))  # fmt: skip

    assert overtaken and late.status == 412  # its read is stale: read again, decide again
    assert (await detail(harness, second["id"]))["order"]["status"] == "paid"
    again = await put(harness, second["id"], status="completed", payout_tx_hash=PAYOUT)
    assert again.status == 409 and again.json["error"]["code"] == "duplicate_tx_hash"


async def test_money_an_ended_order_holds_is_due_back_with_or_without_a_status(
    harness: Harness,
) -> None:
    cancelled = await harness.create(refund_address=BTC_ADDRESS)
    assert (await put(harness, cancelled["id"], status="cancelled")).status == 200
    await harness.call("POST", f"/api/sandbox/pay/{cancelled['id']}", {})  # money arrives after
    due = (await detail(harness, cancelled["id"]))["order"]["due"]
    assert due["refund"] == {"amount": "0.01", "currency": "btc", "status": "refunded"}

    assert (
        await put(harness, cancelled["id"], status="refunded", refund_tx_hash=OTHER)
    ).status == 200
    assert (await detail(harness, cancelled["id"]))["order"]["due"]["refund"] is None
    await harness.call("POST", f"/api/sandbox/pay/{cancelled['id']}", {"amount": "0.002"})
    due = (await detail(harness, cancelled["id"]))["order"]["due"]
    assert due["refund"] == {"amount": "0.002", "currency": "btc", "status": None}
    alone = await put(harness, cancelled["id"], refund_tx_hash=PAYOUT)  # as `due` says: no status
    assert alone.status == 200 and alone.json["refund"]["amount"] == "0.012"
