"""A database made from an older schema.sql is brought to the current one, keeping its rows: the
local host does it by itself, and docs/operations.md's migration does it for a deployed D1."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from devhost import d1

ROOT = Path(__file__).resolve().parents[2]
MIGRATION = ROOT / "migrations" / "0002_problem_payments.sql"


def older_schema() -> str:
    """schema.sql as it was before problem payments: no new statuses, columns or channel."""
    schema = d1.SCHEMA.read_text()
    for new in ("'action_required',\n                         ", " 'refunding',"):
        assert new in schema
        schema = schema.replace(new, "")
    cut = schema.index("    -- The memo or tag the refund address needs")
    schema = schema[:cut] + schema[schema.index("    CHECK (status <> 'completed'") :]
    cut = schema.index("    last_error       TEXT,") + len("    last_error       TEXT")
    return (
        schema[:cut] + schema[schema.index("\n);\nCREATE INDEX IF NOT EXISTS webhook_outbox_due") :]
    )


# An order of the previous schema, its timeline event, its webhook and a delivery attempt: rows
# of the tables the migration makes again, and of tables that refer to them.
OLD_ROWS = """
INSERT INTO orders (id, status, created_at, updated_at, expires_at, from_currency, from_amount,
    to_currency, to_amount, payout_address, rate, fee_percent, processor, payment_id, pay_address,
    pay_amount, pay_currency, processor_seen_at)
VALUES ('ord_old', 'paid', 't', 't', 't', 'btc', '1', 'eth', '2', 'a', '2', '0.5', 'sandbox', 'p',
    'd', '1', 'btc', 't');
INSERT INTO order_events (order_id, to_status, source, at)
VALUES ('ord_old', 'paid', 'processor', 't');
INSERT INTO webhook_outbox (event_id, order_id, type, payload, created_at, next_attempt_at)
VALUES ('evt_old', 'ord_old', 'order.paid', '{}', 't', 't');
INSERT INTO webhook_attempts (event_id, at, duration_ms) VALUES ('evt_old', 't', 5);
"""


def make_old(path: Path) -> None:
    old = sqlite3.connect(path)
    old.executescript(older_schema())
    old.executescript(OLD_ROWS)
    old.commit()
    with pytest.raises(sqlite3.IntegrityError):  # the old table refuses the new status
        old.execute("UPDATE orders SET status = 'action_required'")
    old.close()


def assert_current(db: sqlite3.Connection) -> None:
    row = db.execute("SELECT id, received_amount, customer_key_hash FROM orders").fetchone()
    assert tuple(row) == ("ord_old", "0", None)
    db.execute("UPDATE orders SET status = 'action_required', problem = 'underpaid'")
    db.execute("UPDATE orders SET status = 'refunding'")
    assert db.execute("SELECT count(*) FROM order_events").fetchone()[0] == 1
    assert db.execute("SELECT count(*) FROM webhook_attempts").fetchone()[0] == 1
    assert db.execute("SELECT channel FROM webhook_outbox").fetchone()[0] == "webhook"
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []


def test_the_local_host_brings_an_older_database_up_to_date(tmp_path: Path) -> None:
    path = tmp_path / "d1.sqlite"
    make_old(path)
    upgraded = d1.connect(path)
    assert_current(upgraded)
    assert d1.upgrade(upgraded, d1.SCHEMA.read_text()) == []  # once is enough
    upgraded.close()


def test_the_d1_migration_brings_an_older_database_up_to_date(tmp_path: Path) -> None:
    path = tmp_path / "d1.sqlite"
    make_old(path)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA foreign_keys = ON")  # as D1 always has them
    # What `wrangler d1 execute --file` runs: the whole file as one transaction.
    db.executescript(f"BEGIN;\n{MIGRATION.read_text()}\nCOMMIT;")
    db.executescript(d1.SCHEMA.read_text())
    assert_current(db)
    assert d1.upgrade(db, d1.SCHEMA.read_text()) == []  # the same tables as schema.sql's
    db.close()


def test_the_d1_migration_keeps_the_references_of_other_tables(tmp_path: Path) -> None:
    path = tmp_path / "d1.sqlite"
    make_old(path)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA foreign_keys = ON")
    db.executescript(f"BEGIN;\n{MIGRATION.read_text()}\nCOMMIT;")
    children = {"order_events": "orders", "webhook_attempts": "webhook_outbox"}
    for child, parent in children.items():
        [reference] = db.execute(f"PRAGMA foreign_key_list({child})").fetchall()
        assert reference[2] == parent  # still the table of that name, not a copy of it
    with pytest.raises(sqlite3.IntegrityError):  # and still enforced
        db.execute("INSERT INTO order_events (order_id, to_status, source, at) "
                   "VALUES ('ord_none', 'paid', 'processor', 't')")  # fmt: skip
    db.close()
