"""A local database made from an older schema.sql gets the columns added since, keeping its rows."""

from __future__ import annotations

from pathlib import Path

from devhost import d1

ADDED = {"orders": ("refund_tx_hash", "refund_amount", "overdue_event_id"),
         "order_events": ("actor",)}  # fmt: skip


def test_an_older_database_gets_the_new_columns_and_keeps_its_orders(tmp_path: Path) -> None:
    path = tmp_path / "d1.sqlite"
    old = d1.connect(path)
    for table, columns in ADDED.items():  # back to the schema as it was before they came
        for column in columns:
            old.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    old.execute(
        "INSERT INTO orders (id, status, created_at, updated_at, expires_at, from_currency, "
        "from_amount, to_currency, to_amount, payout_address, rate, fee_percent, processor, "
        "payment_id, pay_address, pay_amount, pay_currency, processor_seen_at) VALUES ('ord_old', "
        "'paid', 't', 't', 't', 'btc', '1', 'eth', '2', 'a', '2', '0.5', 'sandbox', 'p', 'd', "
        "'1', 'btc', 't')"
    )
    old.close()

    upgraded = d1.connect(path)
    for table, columns in ADDED.items():
        have = {r[1] for r in upgraded.execute(f"PRAGMA table_info({table})")}
        assert set(columns) <= have
    row = upgraded.execute("SELECT id, received_amount, refund_tx_hash FROM orders").fetchone()
    assert tuple(row) == ("ord_old", "0", None)
    assert d1.add_missing_columns(upgraded, d1.SCHEMA.read_text()) == []
    upgraded.close()
