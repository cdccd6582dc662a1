"""The back office's pure rules, without a database: search filters and cursors, the queue's
order, the numbers, the export's cells and what an operator's change must carry."""

from __future__ import annotations

from decimal import Decimal

import pytest

from orders.domain.changes import check_operator_change
from orders.domain.lifecycle import Status
from orders.domain.report import csv_row, fee, stats
from orders.domain.search import Cursor, parse_filter, parse_page
from orders.errors import ValidationFailed

ROW = {"status": "completed", "pay_currency": "btc", "received_amount": "0.01",
       "to_currency": "usdttrc20", "to_amount": "945.25", "from_amount": "0.01",
       "rate": "95000", "fee_percent": "0.5", "refund_amount": None, "late": 0}  # fmt: skip


def test_a_cursor_round_trips_and_a_forged_one_is_refused() -> None:
    cursor = Cursor("2026-11-26T12:00:00Z", "ord_abc")
    assert Cursor.decode(cursor.encode()) == cursor
    with pytest.raises(ValidationFailed):
        Cursor.decode("bm9wZQ")


def test_filters_take_dates_times_and_status_lists_and_name_every_mistake() -> None:
    found = parse_filter({"status": "paid, completed", "from": "2026-11-01", "q": " Bob "})
    assert found.statuses == ("paid", "completed")
    assert found.created_from == "2026-11-01T00:00:00Z" and found.q == "Bob"
    with pytest.raises(ValidationFailed) as refused:
        parse_filter({"status": "lost", "to": "yesterday", "q": "a\u202eb"})
    assert [d.field for d in refused.value.details] == ["status", "to", "q"]
    assert parse_page({}) == (50, None)
    for limit in ("0", "201", "ten"):
        with pytest.raises(ValidationFailed):
            parse_page({"limit": limit})


def test_the_numbers_are_exact_sums() -> None:
    rows = [ROW, {**ROW, "received_amount": "0.1", "from_amount": "0.1", "to_amount": "9452.5"},
            {**ROW, "status": "refunded", "refund_amount": "0.004", "received_amount": "0.004"},
            {**ROW, "status": "awaiting_payment", "received_amount": "0"}]  # fmt: skip
    numbers = stats(rows)
    assert numbers["orders"] == 4 and numbers["by_status"]["completed"] == 2
    assert numbers["volume_in"] == {"btc": "0.114"}
    assert numbers["volume_out"] == {"usdttrc20": "10397.75"}
    assert numbers["refunds"] == {"btc": "0.004"}
    assert fee(ROW) == Decimal("4.75") and numbers["fees"] == {"usdttrc20": "52.25"}


def test_an_export_cell_is_never_a_spreadsheet_formula() -> None:
    row = csv_row({**ROW, "id": "ord_1", "email": "=HYPERLINK(1)", "payout_address": "+1"})
    assert "'=HYPERLINK(1)" in row and "'+1" in row and "0.01" in row


def test_an_operator_change_must_carry_what_it_records() -> None:
    def fields(target: Status | None, **given: str) -> list[str]:
        args = {"payout_tx_hash": None, "refund_tx_hash": None, "refund_amount": None,
                "note": None, "internal_note": None, **given}  # fmt: skip
        try:
            check_operator_change(target, **args)
        except ValidationFailed as refused:
            return [d.field for d in refused.details]
        return []

    assert fields(Status.REFUNDED) == ["refund_tx_hash"]
    assert fields(Status.REFUNDED, refund_tx_hash="ab" * 32, refund_amount="-1") == [
        "refund_amount"]  # fmt: skip
    assert fields(None) == ["status"]
    assert fields(None, note="hello") == ["status", "note"]
    assert fields(None, internal_note="called the customer") == []
    # An over-payment's excess is refunded alongside the payout; a refund goes with nothing else.
    assert fields(Status.COMPLETED, refund_tx_hash="ab" * 32, payout_tx_hash="cd" * 32) == []
    assert fields(Status.PAID, refund_tx_hash="ab" * 32) == ["refund_tx_hash"]
