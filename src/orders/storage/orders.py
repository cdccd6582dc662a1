"""Orders and their timelines in D1: every SQL statement that reads or writes them.

D1 has no BEGIN/COMMIT: a change that touches several rows is one `batch`. A status change is an
optimistic update (`WHERE version = ?`) followed by inserts guarded by the change's token, so the
event and webhook rows exist exactly when the update won.
"""

from __future__ import annotations

import json
from typing import Any

from orders.domain.changes import WebhookEvent
from orders.domain.order import Event, Note, Order
from orders.domain.search import Cursor, OrderFilter
from orders.ports import Database, Statement

ORDER_COLUMNS = (
    "id, status, version, created_at, updated_at, expires_at, late, from_currency, from_amount, "
    "to_currency, to_amount, payout_address, payout_extra_id, refund_address, email, rate, "
    "fee_percent, processor, payment_id, pay_address, pay_extra_id, pay_amount, pay_currency, "
    "received_amount, deposits, deposit_tx_hash, payout_tx_hash, processor_seen_at, change_id, "
    "refund_tx_hash, refund_amount, overdue_event_id, refund_extra_id, customer_key_hash, "
    "problem, offer, deposit_states, min_amount, refund_owed"
)
_ORDER_FIELDS = [c.strip() for c in ORDER_COLUMNS.split(",")]
# An order, its timeline and its internal notes in one round trip: the events and notes come
# along as JSON arrays, in order.
_SELECT_ORDERS = (
    f"SELECT {ORDER_COLUMNS}, (SELECT json_group_array(json_object('from_status', from_status, "
    "'to_status', to_status, 'source', source, 'at', at, 'note', note, 'actor', actor)) "
    "FROM (SELECT * FROM order_events WHERE order_id = orders.id ORDER BY seq)) AS events, "
    "(SELECT json_group_array(json_object('at', at, 'note', note, 'actor', actor)) FROM "
    "(SELECT * FROM order_notes WHERE order_id = orders.id ORDER BY seq)) AS notes FROM orders"
)
_MUTABLE = (
    "status",
    "version",
    "updated_at",
    "late",
    "received_amount",
    "deposits",
    "deposit_tx_hash",
    "payout_tx_hash",
    "processor_seen_at",
    "change_id",
    "refund_tx_hash",
    "refund_amount",
    # what a customer's choice changes (domain.problems)
    "expires_at",
    "from_amount",
    "pay_amount",
    "to_amount",
    "rate",
    "refund_address",
    "refund_extra_id",
    "problem",
    "offer",
    "deposit_states",
    "refund_owed",
    "customer_key_hash",  # a new key, emailed to the customer (usecases.links)
)


class OrderStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, order_id: str) -> Order | None:
        row = await self.db.prepare(f"{_SELECT_ORDERS} WHERE id = ?").bind(order_id).first()
        return None if row is None else _order(row)

    async def find_by_deposit_tx(self, tx_hash: str) -> str | None:
        """The id of the order (the newest, should two hold it) whose deposit is `tx_hash`,
        exactly as written."""
        row = await (
            self.db.prepare(
                "SELECT id FROM orders WHERE deposit_tx_hash = ? ORDER BY created_at DESC LIMIT 1"
            )
            .bind(tx_hash)
            .first()
        )
        return None if row is None else str(row["id"])

    async def read_with(
        self, order_id: str, statement: Statement
    ) -> tuple[Order | None, list[dict[str, Any]]]:
        """The order and the rows of one more read, in one round trip."""
        results = await self.db.batch(
            [self.db.prepare(f"{_SELECT_ORDERS} WHERE id = ?").bind(order_id), statement]
        )
        rows = [list(r.get("results") or []) for r in results]
        return (_order(rows[0][0]) if rows[0] else None), rows[1]

    async def find_for_payment(
        self, processor: str, payment_id: str, order_ids: list[str]
    ) -> Order | None:
        """In one round trip, the first of `order_ids` that exists, else the order that holds
        `payment_id` at `processor`."""
        ranked = [i for i in order_ids if i.startswith("ord_")]
        # Rank by position in `order_ids`; an order found by payment id alone comes last.
        rank = " ".join("WHEN ? THEN ?" for _ in ranked)
        order_by = f"ORDER BY CASE id {rank} ELSE {len(ranked)} END" if ranked else ""
        ranks = [v for place, i in enumerate(ranked) for v in (i, place)]
        statement = self.db.prepare(
            f"{_SELECT_ORDERS} WHERE id IN (SELECT value FROM json_each(?)) "
            f"OR (processor = ? AND payment_id = ?) {order_by} LIMIT 1"
        ).bind(json.dumps(ranked), processor, payment_id, *ranks)
        row = await statement.first()
        return None if row is None else _order(row)

    async def due_to_expire(self, now: str, limit: int) -> list[Order]:
        """Orders waiting for a deposit, the rest of one or their customer's choice at the
        locked rate, whose rate lock has ended, oldest first (`settlement.expiry` decides what
        becomes of them)."""
        result = (
            await self.db.prepare(
                f"{_SELECT_ORDERS} WHERE (status IN ('awaiting_payment', 'partially_paid') "
                "OR (status = 'action_required' AND problem = 'underpaid')) "
                "AND expires_at <= ? "
                "ORDER BY expires_at LIMIT ?"
            )
            .bind(now, limit)
            .all()
        )
        return [_order(row) for row in result.get("results") or []]

    async def quiet(
        self,
        processor: str,
        open_statuses: tuple[str, ...],
        quiet_since: str,
        expired_after: str,
        limit: int,
    ) -> list[Order]:
        """Orders of `processor` it has not mentioned since `quiet_since`, whose window ended
        after `expired_after`, in any status (a repeat deposit can land on a paid or closed
        order); those in `open_statuses` first, then the longest quiet."""
        marks = ", ".join("?" for _ in open_statuses)
        result = (
            await self.db.prepare(
                f"{_SELECT_ORDERS} WHERE processor_seen_at < ? AND processor = ? "
                f"AND expires_at > ? ORDER BY status IN ({marks}) DESC, processor_seen_at LIMIT ?"
            )
            .bind(quiet_since, processor, expired_after, *open_statuses, limit)
            .all()
        )
        return [_order(row) for row in result.get("results") or []]

    def insert(self, order: Order, event: Event, outbox: list[WebhookEvent]) -> list[Statement]:
        row = order.row()
        marks = ", ".join("?" for _ in _ORDER_FIELDS)
        return [
            self.db.prepare(f"INSERT INTO orders ({ORDER_COLUMNS}) VALUES ({marks})").bind(
                *(row[name] for name in _ORDER_FIELDS)
            ),
            self._event(order, event),
            *(self._outbox(order, item) for item in outbox),
        ]

    def update(
        self,
        before: Order,
        after: Order,
        event: Event | None,
        outbox: list[WebhookEvent],
        unique_tx: tuple[str, ...] = (),
    ) -> list[Statement]:
        """Writes `after` if the order is still at `before.version` (and, with `unique_tx`, no
        other order holds one of those hash spellings). The first statement's `changes` is 1
        when it won; the event and webhook rows exist exactly when it did."""
        assert after.change_id and after.version == before.version + 1
        row = after.row()
        sets = ", ".join(f"{name} = ?" for name in _MUTABLE)
        guard, values = "", list[Any]()
        if unique_tx:
            holds = _holds(unique_tx)
            guard = f" AND NOT EXISTS (SELECT 1 FROM orders AS o WHERE {holds} AND o.id <> ?)"
            values = [*unique_tx, *unique_tx, before.id]
        statements = [
            self.db.prepare(f"UPDATE orders SET {sets} WHERE id = ? AND version = ?{guard}").bind(
                *(row[name] for name in _MUTABLE), before.id, before.version, *values
            )
        ]
        if event:
            statements.append(self._event(after, event))
        if len(after.notes) > len(before.notes):
            statements.append(self._note(after, after.notes[-1]))
        statements.extend(self._outbox(after, item) for item in outbox)
        return statements

    def holding(self, spellings: list[str]) -> Statement:
        """The orders whose payout or refund hash is one of `spellings` (lowercase; see
        `records.spellings`): their id and both hashes."""
        return self.db.prepare(
            f"SELECT id, payout_tx_hash, refund_tx_hash FROM orders AS o WHERE {_holds(spellings)}"
        ).bind(*spellings, *spellings)

    def touch_seen(self, order_id: str, at: str) -> Statement:
        """Notes that the processor was heard from, without making it a visible change."""
        return self.db.prepare("UPDATE orders SET processor_seen_at = ? WHERE id = ?").bind(
            at, order_id
        )

    def _event(self, order: Order, event: Event) -> Statement:
        return self.db.prepare(
            "INSERT INTO order_events (order_id, from_status, to_status, source, at, note, actor) "
            "SELECT id, ?, ?, ?, ?, ?, ? FROM orders WHERE id = ? AND change_id = ?"
        ).bind(
            event.from_status,
            event.to_status,
            event.source,
            event.at,
            event.note,
            event.actor,
            order.id,
            order.change_id,
        )

    def _note(self, order: Order, note: Note) -> Statement:
        return self.db.prepare(
            "INSERT INTO order_notes (order_id, at, actor, note) "
            "SELECT id, ?, ?, ? FROM orders WHERE id = ? AND change_id = ?"
        ).bind(note.at, note.actor, note.note, order.id, order.change_id)

    def _outbox(self, order: Order, outbox: WebhookEvent) -> Statement:
        return self.db.prepare(
            "INSERT INTO webhook_outbox (event_id, order_id, type, payload, created_at, "
            "next_attempt_at, channel) SELECT ?, id, ?, ?, ?, ?, ? FROM orders "
            "WHERE id = ? AND change_id = ?"
        ).bind(
            outbox.event_id,
            outbox.type,
            outbox.payload,
            outbox.created_at,
            outbox.created_at,
            outbox.channel,
            order.id,
            order.change_id,
        )


def _holds(spellings: list[str] | tuple[str, ...]) -> str:
    """Whether order `o` holds one of `spellings` as its payout or refund hash; it reads the
    indexes on lower(payout_tx_hash) and lower(refund_tx_hash) (schema.sql)."""
    marks = ", ".join("?" for _ in spellings)
    return f"(lower(o.payout_tx_hash) IN ({marks}) OR lower(o.refund_tx_hash) IN ({marks}))"


def _order(row: dict[str, Any]) -> Order:
    events = tuple(Event(**e) for e in json.loads(row.get("events") or "[]"))
    notes = tuple(Note(**n) for n in json.loads(row.get("notes") or "[]"))
    return Order.from_row(row, events, notes)


# The columns `q` searches: ids, the email, every address and every transaction hash, and the
# deposits (whose keys are the processor's ids of repeat payments to the same address).
_SEARCHED = (
    "id", "email", "payout_address", "refund_address", "pay_address", "payment_id", "deposits",
    "deposit_tx_hash", "payout_tx_hash", "refund_tx_hash",
)  # fmt: skip


def where(found: OrderFilter, after: Cursor | None = None) -> tuple[str, list[Any]]:
    """The WHERE clause (and its values) of a search, past `after` when paging newest first."""
    clauses: list[str] = []
    values: list[Any] = []
    if found.statuses:
        clauses.append(f"status IN ({', '.join('?' for _ in found.statuses)})")
        values.extend(found.statuses)
    if found.created_from:
        clauses.append("created_at >= ?")
        values.append(found.created_from)
    if found.created_to:
        clauses.append("created_at < ?")
        values.append(found.created_to)
    if found.q:
        # Case-blind substring: a pasted fragment of an address or hash finds its order.
        clauses.append("(" + " OR ".join(f"instr(lower({c}), ?) > 0" for c in _SEARCHED) + ")")
        values.extend([found.q.lower()] * len(_SEARCHED))
    if after is not None:
        clauses.append("(created_at < ? OR (created_at = ? AND id < ?))")
        values.extend([after.created_at, after.created_at, after.order_id])
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", values


# What `domain.queue.waiting` decides, in SQL, so the queue's first page is its oldest: a paid
# order waits for its payout, a refunding one for its refund, one in action_required for its
# customer, each since it entered that status; one that owes a refund since it last changed.
_WAITING = "(status IN ('paid', 'refunding', 'action_required') OR refund_owed = 1)"
_WAITING_SINCE = (
    "coalesce((SELECT max(at) FROM order_events AS e WHERE e.order_id = orders.id "
    "AND (orders.status IN ('completed', 'failed', 'refunded', 'cancelled') "
    "OR (e.to_status = orders.status AND e.from_status IS NOT e.to_status))), created_at)"
)


class OperatorQueries:
    """The operator's reads: searches, pages, the queue, exports and the numbers. Each is one
    round trip (a read `batch` where it needs several tables), whatever the number of orders."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def page(self, found: OrderFilter, limit: int, after: Cursor | None) -> list[Order]:
        """Up to `limit` orders, newest first, after `after`."""
        clause, values = where(found, after)
        result = (
            await self.db.prepare(
                f"{_SELECT_ORDERS}{clause} ORDER BY created_at DESC, id DESC LIMIT ?"
            )
            .bind(*values, limit)
            .all()
        )
        return [_order(row) for row in result.get("results") or []]

    async def rows(
        self, found: OrderFilter, limit: int, after: Cursor | None
    ) -> list[dict[str, Any]]:
        """Bare order rows (no timeline), newest first, after `after`: for exports."""
        clause, values = where(found, after)
        result = (
            await self.db.prepare(
                f"SELECT {ORDER_COLUMNS} FROM orders{clause} "
                "ORDER BY created_at DESC, id DESC LIMIT ?"
            )
            .bind(*values, limit)
            .all()
        )
        return list(result.get("results") or [])

    def waiting(self, limit: int) -> Statement:
        """Orders that wait on the operator (see `domain.queue`), the longest waiting first."""
        return self.db.prepare(
            f"{_SELECT_ORDERS} WHERE {_WAITING} ORDER BY {_WAITING_SINCE}, id LIMIT ?"
        ).bind(limit)

    def waiting_count(self) -> Statement:
        return self.db.prepare(f"SELECT count(*) AS n FROM orders WHERE {_WAITING}")

    def one(self, order_id: str) -> Statement:
        return self.db.prepare(f"{_SELECT_ORDERS} WHERE id = ?").bind(order_id)

    def summary_rows(self, found: OrderFilter) -> Statement:
        clause, values = where(found)
        return self.db.prepare(
            "SELECT status, pay_currency, received_amount, to_currency, to_amount, from_amount, "
            f"rate, fee_percent, refund_amount FROM orders{clause}"
        ).bind(*values)

    async def read_batch(self, statements: list[Statement]) -> list[list[dict[str, Any]]]:
        """Several reads in one round trip; the rows of each."""
        results = await self.db.batch(statements)
        return [list(r.get("results") or []) for r in results]

    async def payout_times(self, limit: int) -> list[tuple[str, str]]:
        """(became paid, became completed) of the `limit` orders completed last that went
        through `paid` (a short order completed while the rest was awaited never did)."""
        result = (
            await self.db.prepare(
                "SELECT paid, completed FROM (SELECT "
                "(SELECT max(at) FROM order_events AS e WHERE e.order_id = orders.id "
                "AND e.to_status = 'paid' AND e.from_status IS NOT e.to_status) AS paid, "
                "(SELECT max(at) FROM order_events AS e WHERE e.order_id = orders.id "
                "AND e.to_status = 'completed') AS completed "
                "FROM orders WHERE status = 'completed' ORDER BY updated_at DESC LIMIT ?) "
                "WHERE paid IS NOT NULL AND completed IS NOT NULL"
            )
            .bind(limit)
            .all()
        )
        return [(row["paid"], row["completed"]) for row in result.get("results") or []]

    async def overdue(self, paid_before: str, limit: int) -> list[Order]:
        """Paid orders, not yet reported overdue, that became paid before `paid_before` (an
        event that kept the status, such as a new refund address, is not becoming paid)."""
        result = (
            await self.db.prepare(
                f"{_SELECT_ORDERS} WHERE status = 'paid' AND overdue_event_id IS NULL AND "
                "(SELECT max(at) FROM order_events AS e WHERE e.order_id = orders.id "
                "AND e.to_status = 'paid' AND e.from_status IS NOT e.to_status) <= ? "
                "ORDER BY updated_at LIMIT ?"
            )
            .bind(paid_before, limit)
            .all()
        )
        return [_order(row) for row in result.get("results") or []]

    def mark_overdue(self, order: Order, outbox: WebhookEvent) -> list[Statement]:
        """Notes the order's overdue event and queues it, once: the event row is inserted only
        where this mark won (another run may have marked it first)."""
        return [
            self.db.prepare(
                "UPDATE orders SET overdue_event_id = ? WHERE id = ? AND status = 'paid' "
                "AND overdue_event_id IS NULL"
            ).bind(outbox.event_id, order.id),
            self.db.prepare(
                "INSERT INTO webhook_outbox (event_id, order_id, type, payload, created_at, "
                "next_attempt_at) SELECT ?, id, ?, ?, ?, ? FROM orders "
                "WHERE id = ? AND overdue_event_id = ?"
            ).bind(outbox.event_id, outbox.type, outbox.payload, outbox.created_at,
                   outbox.created_at, order.id, outbox.event_id),
        ]  # fmt: skip


def order_from_row(row: dict[str, Any]) -> Order:
    return _order(row)
