-- ONE⚡CASH: the whole D1 schema, the single source of truth.
-- Loaded by `wrangler d1 execute`, by the local host and by the tests. Every statement is
-- idempotent (IF NOT EXISTS, INSERT OR IGNORE), so applying this file twice is harmless.
-- Amounts are TEXT holding decimal strings: crypto amounts carry up to 18 decimals, beyond what
-- a JavaScript double or a D1 integer holds exactly. Times are UTC ISO-8601 `YYYY-MM-DDTHH:MM:SSZ`,
-- which sorts as text. (D1 enforces foreign keys; the local host turns them on per connection.)


CREATE TABLE IF NOT EXISTS orders (
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
    -- Each deposit the processor reported, by payment id (a repeat deposit to the same address
    -- is a child payment): JSON {"<payment_id>": "<amount>"}. received_amount is their sum.
    deposits         TEXT NOT NULL DEFAULT '{}',
    deposit_tx_hash  TEXT,
    payout_tx_hash   TEXT,
    -- When the processor last told us (or was asked) about this order: reconciliation asks
    -- again about open orders that have been quiet for a while.
    processor_seen_at TEXT NOT NULL,
    -- A fresh random token per change: the event and outbox rows of a change are inserted only
    -- where the order carries that change's token, so a change that lost a race writes nothing.
    change_id        TEXT,
    -- The operator's refund: its transaction and amount (in the deposit's currency).
    refund_tx_hash   TEXT,
    refund_amount    TEXT,
    -- The `order.payout_overdue` event sent for this order, once, when a paid order waited
    -- longer than PAYOUT_OVERDUE_MINUTES; its outbox row is inserted only where this matches.
    overdue_event_id TEXT,
    -- The memo or tag the refund address needs (XRP's destination tag), when it needs one.
    refund_extra_id  TEXT,
    -- SHA-256 (hex) of the customer's key: returned once at creation, it is what lets the
    -- customer make the choices of a problem payment. NULL: the order is read-only to everyone.
    customer_key_hash TEXT,
    -- While `action_required`: what happened ('late_deposit' or 'underpaid').
    problem          TEXT CHECK (problem IS NULL OR problem IN ('late_deposit', 'underpaid')),
    -- A fresh quote offered for a late deposit, JSON {"amount", "to_amount", "rate",
    -- "expires_at"}; accepted only before it expires and only for the amount it was made for.
    offer            TEXT,
    -- The processor's status of each deposit as last judged, by payment id: JSON
    -- {"<payment_id>": "<status>"}. A report that repeats it (same status, same amount) is no news.
    deposit_states   TEXT NOT NULL DEFAULT '{}',
    -- The pair's minimum deposit when the order was placed: no partial payout is offered for less.
    min_amount       TEXT,
    -- 1 while the order holds money that no longer waits for anything else (an excess completed
    -- without its refund, a deposit to a closed order): it waits in the operator's queue until a
    -- refund is recorded, whatever its amount (a refund net of the network's fee settles it).
    refund_owed      INTEGER NOT NULL DEFAULT 0 CHECK (refund_owed IN (0, 1)),
    CHECK (status <> 'completed' OR payout_tx_hash IS NOT NULL)
);
-- Expiry and reconciliation scan open orders by status and time.
CREATE INDEX IF NOT EXISTS orders_by_status_expiry ON orders (status, expires_at);
CREATE INDEX IF NOT EXISTS orders_by_status_seen ON orders (status, processor_seen_at);
CREATE UNIQUE INDEX IF NOT EXISTS orders_by_payment ON orders (processor, payment_id);
-- The operator's list: newest first, paged by (created_at, id).
CREATE INDEX IF NOT EXISTS orders_by_created ON orders (created_at, id);
-- A transaction hash is recorded on one order only (unless the operator says one transaction pays
-- several): each change that records one looks it up here, in either case.
CREATE INDEX IF NOT EXISTS orders_by_payout_tx ON orders (lower(payout_tx_hash));
CREATE INDEX IF NOT EXISTS orders_by_refund_tx ON orders (lower(refund_tx_hash));
-- A customer who lost the order's link finds it by the deposit's transaction (GET /api/lookup).
CREATE INDEX IF NOT EXISTS orders_by_deposit_tx ON orders (deposit_tx_hash);

-- The timeline: one row per status change, in the order it happened.
CREATE TABLE IF NOT EXISTS order_events (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id     TEXT NOT NULL REFERENCES orders (id),
    from_status  TEXT,
    to_status    TEXT NOT NULL,
    source       TEXT NOT NULL CHECK (source IN ('api', 'processor', 'scheduler', 'operator')),
    at           TEXT NOT NULL,
    note         TEXT,
    -- The operator who made the change (a name from ADMIN_TOKENS); NULL for ADMIN_TOKEN and
    -- for changes nobody made by hand.
    actor        TEXT
);
CREATE INDEX IF NOT EXISTS order_events_by_order ON order_events (order_id, seq);

-- The operator's internal notes on an order: never in a public answer, only in the operator's
-- view (their API and their webhooks).
CREATE TABLE IF NOT EXISTS order_notes (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id  TEXT NOT NULL REFERENCES orders (id),
    at        TEXT NOT NULL,
    actor     TEXT,
    note      TEXT NOT NULL CHECK (length(note) BETWEEN 1 AND 2000)
);
CREATE INDEX IF NOT EXISTS order_notes_by_order ON order_notes (order_id, seq);

-- Webhook outbox: written in the same batch as the change it describes, delivered later.
-- `seq` orders the events of one order; `claimed_until` keeps two overlapping cron runs from
-- sending one event at the same time.
CREATE TABLE IF NOT EXISTS webhook_outbox (
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
    -- 'webhook': an `order.*` event for the operator; 'email': a message to the customer,
    -- sent through the email provider (docs/emails.md). Each channel keeps its own order.
    channel          TEXT NOT NULL DEFAULT 'webhook' CHECK (channel IN ('webhook', 'email'))
);
CREATE INDEX IF NOT EXISTS webhook_outbox_due ON webhook_outbox (status, next_attempt_at);
CREATE INDEX IF NOT EXISTS webhook_outbox_by_order ON webhook_outbox (order_id, seq);

-- Every delivery attempt, for the operator.
CREATE TABLE IF NOT EXISTS webhook_attempts (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id     TEXT NOT NULL REFERENCES webhook_outbox (event_id),
    at           TEXT NOT NULL,
    status_code  INTEGER,
    error        TEXT,
    duration_ms  INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS webhook_attempts_by_event ON webhook_attempts (event_id, seq);

-- Receivers that answered 410 Gone: nothing more is sent to them (events wait, pending) until
-- the operator redelivers an event, which re-enables the endpoint.
CREATE TABLE IF NOT EXISTS webhook_gone (
    url  TEXT PRIMARY KEY,
    at   TEXT NOT NULL
);

-- Idempotency-Key for order creation: reserved ('pending') before the processor is called,
-- completed ('done') in the same batch that creates the order.
CREATE TABLE IF NOT EXISTS idempotency_keys (
    key            TEXT PRIMARY KEY,
    request_hash   TEXT NOT NULL,
    state          TEXT NOT NULL CHECK (state IN ('pending', 'done')),
    created_at     TEXT NOT NULL,
    order_id       TEXT REFERENCES orders (id),
    status_code    INTEGER,
    response_body  TEXT
);
-- The cron deletes keys past their 24 hours, oldest first.
CREATE INDEX IF NOT EXISTS idempotency_keys_by_created ON idempotency_keys (created_at);

-- Processor callbacks already applied: one row per payment and status, so a repeat is a no-op.
CREATE TABLE IF NOT EXISTS processor_receipts (
    processor       TEXT NOT NULL,
    payment_id      TEXT NOT NULL,
    payment_status  TEXT NOT NULL,
    order_id        TEXT REFERENCES orders (id),
    received_at     TEXT NOT NULL,
    body            TEXT NOT NULL,
    PRIMARY KEY (processor, payment_id, payment_status)
);

-- The sandbox processor's own ledger (PROCESSOR=sandbox only): the processor's side of test
-- payments, so sandbox callbacks and reconciliation ask it exactly as they would ask NOWPayments.
CREATE TABLE IF NOT EXISTS sandbox_payments (
    payment_id         TEXT PRIMARY KEY,
    order_id           TEXT NOT NULL,
    parent_payment_id  TEXT,
    status             TEXT NOT NULL,
    currency           TEXT NOT NULL,
    address            TEXT NOT NULL,
    extra_id           TEXT,
    amount             TEXT NOT NULL,
    actually_paid      TEXT NOT NULL DEFAULT '0',
    tx_hash            TEXT,
    updated_at         TEXT NOT NULL,
    -- When the deposit was made (first seen on chain): kept through its later statuses.
    paid_at            TEXT
);
CREATE INDEX IF NOT EXISTS sandbox_payments_by_order ON sandbox_payments (order_id);

-- Wrong operator tokens per client address (an IPv6 client by its /64), for
-- ADMIN_FAILURES_ALLOWED (docs/api.md, "Tokens"): each one counted by a single
-- INSERT … ON CONFLICT DO UPDATE … RETURNING, so parallel guesses never read the same count. A
-- window that ended starts again at 1; the cron deletes the rows of ended windows.
CREATE TABLE IF NOT EXISTS failed_logins (
    client      TEXT PRIMARY KEY,
    failures    INTEGER NOT NULL CHECK (failures >= 1),
    expires_at  TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS failed_logins_by_expiry ON failed_logins (expires_at);

-- Migrations (docs/operations.md, "Schema changes"): every file in migrations/ begins by recording
-- itself here, in the same transaction as its changes, so a second run of it is refused
-- ("UNIQUE constraint failed: schema_migrations.name") and changes nothing.
CREATE TABLE IF NOT EXISTS schema_migrations (
    name        TEXT PRIMARY KEY,
    applied_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
-- `wrangler d1 migrations apply` (`make deploy`) keeps its own list of the files it applied, in a
-- table it makes like this one; a migration must not write it (wrangler adds the row itself).
CREATE TABLE IF NOT EXISTS d1_migrations (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT UNIQUE,
    applied_at  TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL
);
-- A database that already has what a migration makes counts as migrated: a fresh one made by this
-- file, or one the migration ran on before migrations recorded themselves. An older database this
-- file only adds tables to does not, and still gets the migration.
INSERT OR IGNORE INTO schema_migrations (name)
  SELECT '0002_problem_payments.sql' FROM sqlite_master
  WHERE type = 'table' AND name = 'orders' AND sql LIKE '%customer_key_hash%';
-- 0003 only adds the table made above: every database this file ran on has it.
INSERT OR IGNORE INTO schema_migrations (name) VALUES ('0003_failed_logins.sql');
INSERT OR IGNORE INTO schema_migrations (name)
  SELECT '0004_deposits.sql' FROM sqlite_master
  WHERE type = 'table' AND name = 'orders' AND sql LIKE '%deposit_states%';
-- wrangler counts as applied every migration the database recorded, however it was run.
INSERT OR IGNORE INTO d1_migrations (name) SELECT name FROM schema_migrations ORDER BY name;
