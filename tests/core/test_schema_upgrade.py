"""A database made from an older schema.sql is brought to the current one, keeping its rows: the
local host does it by itself, and docs/operations.md's migration does it for a deployed D1, once:
a second run of the migration is refused and changes nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from devhost import d1

ROOT = Path(__file__).resolve().parents[2]
MIGRATION = ROOT / "migrations" / "0002_problem_payments.sql"
# The counts of wrong operator tokens: a table of its own, nothing else.
ADDS_TABLE = ROOT / "migrations" / "0003_failed_logins.sql"
# Deposits judged one by one: three order columns and the sandbox's payment time, tables made again.
DEPOSITS = ROOT / "migrations" / "0004_deposits.sql"
# How D1 answers a migration run on a database that already had it (and then rolls it back).
REFUSED = "UNIQUE constraint failed: schema_migrations"


def older_schema() -> str:
    """schema.sql as it was before problem payments: no new statuses, columns or channel, no
    failed_logins, and no record of migrations."""
    schema = d1.SCHEMA.read_text()
    cut = schema.index("-- Wrong operator tokens per client address")  # failed_logins, 0003's
    schema = schema[:cut] + schema[schema.index("-- Migrations (docs/operations.md") :]
    start = schema.index("-- Migrations (docs/operations.md")
    end = schema.index("FROM schema_migrations ORDER BY name;\n", start)
    schema = schema[:start] + schema[end + len("FROM schema_migrations ORDER BY name;\n") :]
    for new in ("'action_required',\n                         ", " 'refunding',"):
        assert new in schema
        schema = schema.replace(new, "")
    cut = schema.index("    -- The memo or tag the refund address needs")
    schema = schema[:cut] + schema[schema.index("    CHECK (status <> 'completed'") :]
    cut = schema.index(",\n    -- When the deposit was made (first seen on chain)")  # 0004's
    schema = schema[:cut] + schema[schema.index("\n);", cut) :]
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


# What the code after the migration writes: a customer's key, a problem payment waiting for the
# customer's choice, and the customer's email waiting in the outbox. A second run of the migration
# without its record copied the tables through its column list of the older schema: every key,
# problem and offer was dropped, and every email became a webhook for the operator's receiver.
NEW_ROWS = """
UPDATE orders SET status = 'action_required', problem = 'underpaid', refund_extra_id = '42',
    customer_key_hash = 'c0ffee', offer = '{"amount": "1"}';
INSERT INTO webhook_outbox (event_id, order_id, type, payload, created_at, next_attempt_at, channel)
VALUES ('evt_email', 'ord_old', 'email.action_required', '{}', 't', 't', 'email');
"""
KEPT = (
    "SELECT o.id, o.status, o.customer_key_hash, o.problem, o.offer, o.refund_extra_id,"
    " w.event_id, w.channel, w.status AS event_status"
    " FROM orders o JOIN webhook_outbox w ON w.order_id = o.id"
    " ORDER BY w.seq"
)
KEPT_ROWS = [
    ("ord_old", "action_required", "c0ffee", "underpaid", '{"amount": "1"}', "42", "evt_old",
     "webhook", "pending"),
    ("ord_old", "action_required", "c0ffee", "underpaid", '{"amount": "1"}', "42", "evt_email",
     "email", "pending"),
]  # fmt: skip


def run_like_d1(db: sqlite3.Connection, sql: str) -> None:
    """What `wrangler d1 execute --file` and `wrangler d1 migrations apply` do with a file: every
    statement in one transaction, all rolled back when one fails."""
    try:
        db.executescript(f"BEGIN;\n{sql}\nCOMMIT;")
    except sqlite3.Error:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise


def old_database(path: Path, *migrations: Path) -> sqlite3.Connection:
    """A database of the previous schema, opened as D1 keeps it (foreign keys on), with
    `migrations` run on it in order."""
    make_old(path)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA foreign_keys = ON")  # as D1 always has them
    for migration in migrations:
        run_like_d1(db, migration.read_text())
    return db


def migrated(path: Path) -> sqlite3.Connection:
    """A database of the previous schema, migrated once, with rows only the new schema holds."""
    db = old_database(path, MIGRATION)
    db.executescript(NEW_ROWS)
    assert db.execute(KEPT).fetchall() == KEPT_ROWS
    return db


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
    # It counts as migrated, so the D1 migration is refused on it.
    with pytest.raises(sqlite3.IntegrityError, match=REFUSED):
        run_like_d1(upgraded, MIGRATION.read_text())
    upgraded.close()


def test_the_d1_migration_brings_an_older_database_up_to_date(tmp_path: Path) -> None:
    # Every migration, in the order wrangler applies them.
    db = old_database(tmp_path / "d1.sqlite", *sorted(MIGRATION.parent.glob("*.sql")))
    db.executescript(d1.SCHEMA.read_text())
    assert_current(db)
    assert d1.upgrade(db, d1.SCHEMA.read_text()) == []  # the same tables as schema.sql's
    db.close()


def test_the_d1_migration_keeps_the_references_of_other_tables(tmp_path: Path) -> None:
    db = old_database(tmp_path / "d1.sqlite", MIGRATION)
    children = {"order_events": "orders", "webhook_attempts": "webhook_outbox"}
    for child, parent in children.items():
        [reference] = db.execute(f"PRAGMA foreign_key_list({child})").fetchall()
        assert reference[2] == parent  # still the table of that name, not a copy of it
    with pytest.raises(sqlite3.IntegrityError):  # and still enforced
        db.execute("INSERT INTO order_events (order_id, to_status, source, at) "
                   "VALUES ('ord_none', 'paid', 'processor', 't')")  # fmt: skip
    db.close()


def test_a_second_run_of_the_d1_migration_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    db = migrated(tmp_path / "d1.sqlite")

    # A retried `wrangler d1 execute --file` after an answer that was lost.
    with pytest.raises(sqlite3.IntegrityError, match=REFUSED):
        run_like_d1(db, MIGRATION.read_text())

    assert db.execute(KEPT).fetchall() == KEPT_ROWS  # every key, problem and email is still there
    assert db.execute("SELECT name FROM schema_migrations").fetchall() == [(MIGRATION.name,)]
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    db.close()


def test_a_database_migrated_before_migrations_were_recorded_refuses_it_too(
    tmp_path: Path,
) -> None:
    db = migrated(tmp_path / "d1.sqlite")
    db.execute("DROP TABLE schema_migrations")  # as the migration left it before it recorded itself

    with pytest.raises(sqlite3.IntegrityError, match=REFUSED):
        run_like_d1(db, MIGRATION.read_text())

    assert db.execute(KEPT).fetchall() == KEPT_ROWS
    db.close()


def test_a_database_made_from_schema_sql_counts_every_migration_as_applied() -> None:
    db = sqlite3.connect(":memory:", isolation_level=None)
    db.execute("PRAGMA foreign_keys = ON")
    db.executescript(d1.SCHEMA.read_text())
    db.executescript(d1.SCHEMA.read_text())  # as `make deploy` applies it on every release

    files = sorted(p.name for p in MIGRATION.parent.glob("*.sql"))
    assert MIGRATION.name in files
    # Its own record, and wrangler's: `wrangler d1 migrations apply` has nothing to apply.
    assert [r[0] for r in db.execute("SELECT name FROM schema_migrations ORDER BY name")] == files
    assert [r[0] for r in db.execute("SELECT name FROM d1_migrations ORDER BY id")] == files
    for name in files:
        with pytest.raises(sqlite3.IntegrityError, match=REFUSED):
            run_like_d1(db, (MIGRATION.parent / name).read_text())
    db.close()


def test_schema_sql_does_not_count_an_older_database_as_migrated(tmp_path: Path) -> None:
    path = tmp_path / "d1.sqlite"
    make_old(path)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA foreign_keys = ON")
    db.executescript(d1.SCHEMA.read_text())  # it only adds tables here: the old ones stay old

    # Only a migration that merely adds a table counts: schema.sql has just made it.
    assert [r[0] for r in db.execute("SELECT name FROM schema_migrations")] == [ADDS_TABLE.name]
    assert [r[0] for r in db.execute("SELECT name FROM d1_migrations")] == [ADDS_TABLE.name]
    run_like_d1(db, MIGRATION.read_text())  # so the migration still runs
    assert_current(db)
    db.close()


def test_the_failed_logins_migration_adds_its_table_once(tmp_path: Path) -> None:
    db = old_database(tmp_path / "d1.sqlite", MIGRATION, ADDS_TABLE)
    db.execute("INSERT INTO failed_logins VALUES ('203.0.113.7', 3, '2026-11-26T12:10:00Z')")

    with pytest.raises(sqlite3.IntegrityError, match=REFUSED):
        run_like_d1(db, ADDS_TABLE.read_text())
    assert db.execute("SELECT failures FROM failed_logins").fetchall() == [(3,)]
    assert "failed_logins" not in d1.upgrade(db, d1.SCHEMA.read_text())  # as schema.sql has it
    db.close()


def test_the_deposits_migration_keeps_every_order_and_marks_money_owed_once(
    tmp_path: Path,
) -> None:
    db = old_database(tmp_path / "d1.sqlite", MIGRATION, ADDS_TABLE)
    # The old order was completed with more than it asked for, and no refund recorded.
    db.execute("UPDATE orders SET status = 'completed', payout_tx_hash = 'ab12cd34ef56ab78',"
               " received_amount = '1.5', deposits = '{\"p\": \"1.5\"}'")  # fmt: skip
    db.execute("INSERT INTO sandbox_payments (payment_id, order_id, status, currency, address, "
               "amount, actually_paid, updated_at) VALUES ('p', 'ord_old', 'finished', 'btc', "
               "'d', '1', '1.5', '2026-11-26T12:05:00Z')")  # fmt: skip

    run_like_d1(db, DEPOSITS.read_text())

    assert db.execute(
        "SELECT id, status, received_amount, deposit_states, min_amount, refund_owed FROM orders"
    ).fetchall() == [("ord_old", "completed", "1.5", "{}", None, 1)]
    assert db.execute("SELECT paid_at FROM sandbox_payments").fetchall() == [
        ("2026-11-26T12:05:00Z",)
    ]
    assert db.execute("SELECT count(*) FROM order_events").fetchone()[0] == 1
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    with pytest.raises(sqlite3.IntegrityError, match=REFUSED):
        run_like_d1(db, DEPOSITS.read_text())
    assert db.execute("SELECT count(*) FROM orders").fetchone()[0] == 1
    db.close()
