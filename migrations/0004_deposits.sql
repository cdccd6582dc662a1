-- Deposits judged one by one: `orders.deposit_states` (the processor's status of each deposit as
-- last judged, so a report that repeats it changes nothing), `orders.min_amount` (the pair's minimum
-- when the order was placed, below which no partial payout is offered) and
-- `sandbox_payments.paid_at` (when a sandbox deposit was made, kept through its later statuses, so
-- lateness is judged by when the money came, not when we heard of it).
-- Applied by `make deploy` (`wrangler d1 migrations apply`), before the code that needs it
-- (docs/operations.md, "Schema changes").
--
-- It runs once, like every migration: its first statements record it in schema_migrations, in the
-- same transaction as the rest, so a second run is refused ("UNIQUE constraint failed:
-- schema_migrations.name") and D1 rolls it back. The tables are made again as schema.sql defines
-- them, as 0002 does (ALTER TABLE ADD COLUMN would put the new columns after the table's CHECK,
-- where schema.sql cannot have them): copied aside, dropped, created and filled back, the
-- foreign-key checks deferred to the end of the transaction. Existing orders start with no
-- deposit states (each deposit they hold counts as judged once it is reported as it is recorded)
-- and no minimum (the currency's own minimum stands in).
CREATE TABLE IF NOT EXISTS schema_migrations (
    name        TEXT PRIMARY KEY,
    applied_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
INSERT INTO schema_migrations (name) VALUES ('0004_deposits.sql');

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
INSERT INTO orders (id, status, version, created_at, updated_at, expires_at, late, from_currency, from_amount, to_currency, to_amount, payout_address, payout_extra_id, refund_address, email, rate, fee_percent, processor, payment_id, pay_address, pay_extra_id, pay_amount, pay_currency, received_amount, deposits, deposit_tx_hash, payout_tx_hash, processor_seen_at, change_id, refund_tx_hash, refund_amount, overdue_event_id, refund_extra_id, customer_key_hash, problem, offer, refund_owed)
  SELECT id, status, version, created_at, updated_at, expires_at, late, from_currency, from_amount, to_currency, to_amount, payout_address, payout_extra_id, refund_address, email, rate, fee_percent, processor, payment_id, pay_address, pay_extra_id, pay_amount, pay_currency, received_amount, deposits, deposit_tx_hash, payout_tx_hash, processor_seen_at, change_id, refund_tx_hash, refund_amount, overdue_event_id, refund_extra_id, customer_key_hash, problem, offer,
    -- Money such an order already holds (an excess completed without its refund; a deposit that
    -- reached a failed or cancelled order), as near as SQL can tell without exact decimals.
    CASE WHEN refund_tx_hash IS NULL AND (
        (status = 'completed' AND CAST(received_amount AS REAL) > CAST(pay_amount AS REAL))
        OR (status IN ('failed', 'cancelled') AND CAST(received_amount AS REAL) > 0)
    ) THEN 1 ELSE 0 END FROM orders__copy;
DROP TABLE orders__copy;

CREATE TABLE sandbox_payments__copy AS SELECT * FROM sandbox_payments;
DROP TABLE sandbox_payments;
CREATE TABLE sandbox_payments (
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
INSERT INTO sandbox_payments (payment_id, order_id, parent_payment_id, status, currency, address, extra_id, amount, actually_paid, tx_hash, updated_at, paid_at)
  SELECT payment_id, order_id, parent_payment_id, status, currency, address, extra_id, amount, actually_paid, tx_hash, updated_at,
    CASE WHEN actually_paid <> '0' THEN updated_at END FROM sandbox_payments__copy;
DROP TABLE sandbox_payments__copy;

CREATE INDEX IF NOT EXISTS orders_by_status_expiry ON orders (status, expires_at);
CREATE INDEX IF NOT EXISTS orders_by_status_seen ON orders (status, processor_seen_at);
CREATE UNIQUE INDEX IF NOT EXISTS orders_by_payment ON orders (processor, payment_id);
CREATE INDEX IF NOT EXISTS orders_by_created ON orders (created_at, id);
CREATE INDEX IF NOT EXISTS sandbox_payments_by_order ON sandbox_payments (order_id);
