-- Problem payments (rate lock, customer choices, customer emails): two new order statuses
-- (`action_required`, `refunding`), four new columns of `orders`, and `webhook_outbox.channel`.
-- SQLite cannot widen a CHECK in place, so both tables are made again, keeping every row.
-- Applied by `make deploy` (`wrangler d1 migrations apply`), before the code that needs it
-- (docs/operations.md, "Schema changes").
--
-- It runs once: its first statements record it in schema_migrations, in the same transaction as
-- everything after them. On a database it already ran on, that record is refused ("UNIQUE
-- constraint failed: schema_migrations.name") and D1 rolls the whole file back, so a second run
-- (a retried `wrangler d1 execute` after a lost answer) changes nothing. Without this, a second
-- run would copy the tables again through the column list below, which names only the older
-- columns: every customer key, `problem`, `offer` and refund memo would be lost, and every
-- pending email would become a webhook.
--
-- D1 keeps foreign keys on and runs a file as one transaction, so the tables other tables point
-- at (order_events, order_notes, webhook_attempts, ...) are not renamed: a rename would repoint
-- those references, and dropping a parent counts its children as violations that only
-- re-inserting the parent's rows clears. So each table is copied aside, dropped, created again
-- under its own name as schema.sql defines it, and filled back; the checks are deferred to the
-- end of the transaction, when every reference holds again.
-- tests/core/test_schema_upgrade.py runs this (with foreign keys on) and compares the result with
-- schema.sql; it was also run with `wrangler d1 execute --local`.
CREATE TABLE IF NOT EXISTS schema_migrations (
    name        TEXT PRIMARY KEY,
    applied_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
-- A database this ran on before migrations recorded themselves has no record of it, but its
-- orders already have customer_key_hash: the record is written here, and refused just below.
INSERT INTO schema_migrations (name)
  SELECT '0002_problem_payments.sql' FROM sqlite_master
  WHERE type = 'table' AND name = 'orders' AND sql LIKE '%customer_key_hash%';
INSERT INTO schema_migrations (name) VALUES ('0002_problem_payments.sql');

PRAGMA defer_foreign_keys = on;

CREATE TABLE orders__copy AS SELECT * FROM orders;
DROP TABLE orders;
CREATE TABLE orders (
    id               TEXT PRIMARY KEY,
    status           TEXT NOT NULL CHECK (status IN (
                         'awaiting_payment', 'confirming', 'partially_paid', 'action_required',
                         'paid', 'completed', 'expired', 'failed', 'refunding', 'refunded',
                         'cancelled')),
    version          INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    expires_at       TEXT NOT NULL,
    late             INTEGER NOT NULL DEFAULT 0 CHECK (late IN (0, 1)),
    from_currency    TEXT NOT NULL,
    from_amount      TEXT NOT NULL,
    to_currency      TEXT NOT NULL,
    to_amount        TEXT NOT NULL,
    payout_address   TEXT NOT NULL,
    payout_extra_id  TEXT,
    refund_address   TEXT,
    email            TEXT,
    rate             TEXT NOT NULL,
    fee_percent      TEXT NOT NULL,
    processor        TEXT NOT NULL,
    payment_id       TEXT NOT NULL,
    pay_address      TEXT NOT NULL,
    pay_extra_id     TEXT,
    pay_amount       TEXT NOT NULL,
    pay_currency     TEXT NOT NULL,
    received_amount  TEXT NOT NULL DEFAULT '0',
    deposits         TEXT NOT NULL DEFAULT '{}',
    deposit_tx_hash  TEXT,
    payout_tx_hash   TEXT,
    processor_seen_at TEXT NOT NULL,
    change_id        TEXT,
    refund_tx_hash   TEXT,
    refund_amount    TEXT,
    overdue_event_id TEXT,
    refund_extra_id  TEXT,
    customer_key_hash TEXT,
    problem          TEXT CHECK (problem IS NULL OR problem IN ('late_deposit', 'underpaid')),
    offer            TEXT,
    CHECK (status <> 'completed' OR payout_tx_hash IS NOT NULL)
);
INSERT INTO orders (id, status, version, created_at, updated_at, expires_at, late, from_currency, from_amount, to_currency, to_amount, payout_address, payout_extra_id, refund_address, email, rate, fee_percent, processor, payment_id, pay_address, pay_extra_id, pay_amount, pay_currency, received_amount, deposits, deposit_tx_hash, payout_tx_hash, processor_seen_at, change_id, refund_tx_hash, refund_amount, overdue_event_id)
  SELECT id, status, version, created_at, updated_at, expires_at, late, from_currency, from_amount, to_currency, to_amount, payout_address, payout_extra_id, refund_address, email, rate, fee_percent, processor, payment_id, pay_address, pay_extra_id, pay_amount, pay_currency, received_amount, deposits, deposit_tx_hash, payout_tx_hash, processor_seen_at, change_id, refund_tx_hash, refund_amount, overdue_event_id FROM orders__copy;
DROP TABLE orders__copy;

CREATE TABLE webhook_outbox__copy AS SELECT * FROM webhook_outbox;
DROP TABLE webhook_outbox;
CREATE TABLE webhook_outbox (
    seq              INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id         TEXT NOT NULL UNIQUE,
    order_id         TEXT NOT NULL REFERENCES orders (id),
    type             TEXT NOT NULL,
    payload          TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    status           TEXT NOT NULL DEFAULT 'pending'
                         CHECK (status IN ('pending', 'delivered', 'dead')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    claimed_until    TEXT,
    claim_token      TEXT,
    delivered_at     TEXT,
    last_error       TEXT,
    channel          TEXT NOT NULL DEFAULT 'webhook' CHECK (channel IN ('webhook', 'email'))
);
INSERT INTO webhook_outbox (seq, event_id, order_id, type, payload, created_at, status, attempts, next_attempt_at, claimed_until, claim_token, delivered_at, last_error)
  SELECT seq, event_id, order_id, type, payload, created_at, status, attempts, next_attempt_at, claimed_until, claim_token, delivered_at, last_error FROM webhook_outbox__copy;
DROP TABLE webhook_outbox__copy;

-- The indexes went with the old tables.
CREATE INDEX IF NOT EXISTS orders_by_status_expiry ON orders (status, expires_at);
CREATE INDEX IF NOT EXISTS orders_by_status_seen ON orders (status, processor_seen_at);
CREATE UNIQUE INDEX IF NOT EXISTS orders_by_payment ON orders (processor, payment_id);
CREATE INDEX IF NOT EXISTS orders_by_created ON orders (created_at, id);
CREATE INDEX IF NOT EXISTS webhook_outbox_due ON webhook_outbox (status, next_attempt_at);
CREATE INDEX IF NOT EXISTS webhook_outbox_by_order ON webhook_outbox (order_id, seq);
