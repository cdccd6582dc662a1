"""Orders, their timelines and internal notes in D1: every SQL statement that reads or writes
them (the back office's reads are in `storage.backoffice`, the outbox's rows in `storage.outbox`).

D1 has no BEGIN/COMMIT: a change that touches several rows is one `batch`. A status change is an
optimistic update (`WHERE version = ?`) followed by inserts guarded by the change's token, so the
event, note and outbox rows exist exactly when the update won.

No status is spelled out in SQL: the sets of `domain.lifecycle` (and the problems of
`domain.problems`) are bound as values.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from orders.domain import problems
from orders.domain.lifecycle import ENDS_WITH_LOCK, Status
from orders.domain.order import Event, Note, Order
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
SELECT_ORDERS = (
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


def marks(values: Iterable[object]) -> str:
    """One `?` per value, for `IN (…)`."""
    return ", ".join("?" for _ in values)


def names(statuses: Iterable[Status]) -> list[str]:
    """Statuses as bound: their names."""
    return [s.value for s in statuses]


class OrderStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, order_id: str) -> Order | None:
        row = await self.db.prepare(f"{SELECT_ORDERS} WHERE id = ?").bind(order_id).first()
        return None if row is None else order_from_row(row)

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
            [self.db.prepare(f"{SELECT_ORDERS} WHERE id = ?").bind(order_id), statement]
        )
        rows = [list(r.get("results") or []) for r in results]
        return (order_from_row(rows[0][0]) if rows[0] else None), rows[1]

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
            f"{SELECT_ORDERS} WHERE id IN (SELECT value FROM json_each(?)) "
            f"OR (processor = ? AND payment_id = ?) {order_by} LIMIT 1"
        ).bind(json.dumps(ranked), processor, payment_id, *ranks)
        row = await statement.first()
        return None if row is None else order_from_row(row)

    async def due_to_expire(self, now: str, limit: int) -> list[Order]:
        """Orders waiting for a deposit, the rest of one or their customer's choice at the
        locked rate, whose rate lock has ended, oldest first (`settlement.expiry` decides what
        becomes of them)."""
        result = (
            await self.db.prepare(
                f"{SELECT_ORDERS} WHERE (status IN ({marks(ENDS_WITH_LOCK)}) "
                "OR (status = ? AND problem = ?)) AND expires_at <= ? ORDER BY expires_at LIMIT ?"
            )
            .bind(
                *names(ENDS_WITH_LOCK),
                Status.ACTION_REQUIRED.value,
                problems.UNDERPAID,
                now,
                limit,
            )
            .all()
        )
        return [order_from_row(row) for row in result.get("results") or []]

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
        result = (
            await self.db.prepare(
                f"{SELECT_ORDERS} WHERE processor_seen_at < ? AND processor = ? AND expires_at > ? "
                f"ORDER BY status IN ({marks(open_statuses)}) DESC, processor_seen_at LIMIT ?"
            )
            .bind(quiet_since, processor, expired_after, *open_statuses, limit)
            .all()
        )
        return [order_from_row(row) for row in result.get("results") or []]

    def insert(self, order: Order, event: Event) -> list[Statement]:
        """A new order and its first event (its outbox rows: `Outbox.with_change`)."""
        row = order.row()
        return [
            self.db.prepare(
                f"INSERT INTO orders ({ORDER_COLUMNS}) VALUES ({marks(_ORDER_FIELDS)})"
            ).bind(*(row[name] for name in _ORDER_FIELDS)),
            self._event(order, event),
        ]

    def update(
        self,
        before: Order,
        after: Order,
        event: Event | None,
        unique_tx: tuple[str, ...] = (),
    ) -> list[Statement]:
        """Writes `after` if the order is still at `before.version` (and, with `unique_tx`, no
        other order holds one of those hash spellings). The first statement's `changes` is 1
        when it won; the event and note rows (and the outbox rows of `Outbox.with_change`, after
        these) exist exactly when it did."""
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
        return statements

    def holding(self, spellings: list[str]) -> Statement:
        """The orders whose payout or refund hash is one of `spellings` (lowercase; see
        `records.spellings`): their id and both hashes."""
        return self.db.prepare(
            f"SELECT id, payout_tx_hash, refund_tx_hash FROM orders AS o WHERE {_holds(spellings)}"
        ).bind(*spellings, *spellings)

    def mark_overdue(self, order_id: str, event_id: str) -> Statement:
        """Notes a paid order's overdue event, once: it changes nothing where another run marked
        it first (its outbox row: `Outbox.overdue`, after this)."""
        return self.db.prepare(
            "UPDATE orders SET overdue_event_id = ? WHERE id = ? AND status = ? "
            "AND overdue_event_id IS NULL"
        ).bind(event_id, order_id, Status.PAID.value)

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


def _holds(spellings: list[str] | tuple[str, ...]) -> str:
    """Whether order `o` holds one of `spellings` as its payout or refund hash; it reads the
    indexes on lower(payout_tx_hash) and lower(refund_tx_hash) (schema.sql)."""
    these = marks(spellings)
    return f"(lower(o.payout_tx_hash) IN ({these}) OR lower(o.refund_tx_hash) IN ({these}))"


def order_from_row(row: dict[str, Any]) -> Order:
    """An order from a row of `SELECT_ORDERS`."""
    events = tuple(Event(**e) for e in json.loads(row.get("events") or "[]"))
    notes = tuple(Note(**n) for n in json.loads(row.get("notes") or "[]"))
    return Order.from_row(row, events, notes)
