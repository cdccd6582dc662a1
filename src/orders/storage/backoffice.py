"""The back office's reads in D1: the search's SQL, pages, export rows, the queue ordered by how
long each order has waited, the stats' rows, the payout times and the overdue orders. Each is one
round trip (a read `batch` where it needs several tables), whatever the number of orders.

No status is spelled out in SQL: the sets of `domain.lifecycle` are bound as values."""

from __future__ import annotations

from typing import Any

from orders.domain.lifecycle import FINAL, WAITS_ON_OPERATOR, Status
from orders.domain.order import Order
from orders.domain.search import Cursor, OrderFilter
from orders.ports import Database, Statement
from orders.storage.orders import ORDER_COLUMNS, SELECT_ORDERS, marks, names, order_from_row

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
        clauses.append(f"status IN ({marks(found.statuses)})")
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
# customer (WAITS_ON_OPERATOR), each since it entered that status; one that owes a refund since
# it last changed (in a FINAL status, since its last event).
_WAITING = f"(status IN ({marks(WAITS_ON_OPERATOR)}) OR refund_owed = 1)"
_WAITING_VALUES = names(WAITS_ON_OPERATOR)
_WAITING_SINCE = (
    "coalesce((SELECT max(at) FROM order_events AS e WHERE e.order_id = orders.id "
    f"AND (orders.status IN ({marks(FINAL)}) "
    "OR (e.to_status = orders.status AND e.from_status IS NOT e.to_status))), created_at)"
)
_WAITING_SINCE_VALUES = names(sorted(FINAL))
# When an order became `paid`: an event that kept the status (a new refund address) is not it.
_BECAME_PAID = (
    "(SELECT max(at) FROM order_events AS e WHERE e.order_id = orders.id "
    "AND e.to_status = ? AND e.from_status IS NOT e.to_status)"
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
                f"{SELECT_ORDERS}{clause} ORDER BY created_at DESC, id DESC LIMIT ?"
            )
            .bind(*values, limit)
            .all()
        )
        return [order_from_row(row) for row in result.get("results") or []]

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
            f"{SELECT_ORDERS} WHERE {_WAITING} ORDER BY {_WAITING_SINCE}, id LIMIT ?"
        ).bind(*_WAITING_VALUES, *_WAITING_SINCE_VALUES, limit)

    def waiting_count(self) -> Statement:
        return self.db.prepare(f"SELECT count(*) AS n FROM orders WHERE {_WAITING}").bind(
            *_WAITING_VALUES
        )

    def one(self, order_id: str) -> Statement:
        return self.db.prepare(f"{SELECT_ORDERS} WHERE id = ?").bind(order_id)

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
        paid, completed = Status.PAID.value, Status.COMPLETED.value
        result = (
            await self.db.prepare(
                f"SELECT paid, completed FROM (SELECT {_BECAME_PAID} AS paid, "
                "(SELECT max(at) FROM order_events AS e WHERE e.order_id = orders.id "
                "AND e.to_status = ?) AS completed "
                "FROM orders WHERE status = ? ORDER BY updated_at DESC LIMIT ?) "
                "WHERE paid IS NOT NULL AND completed IS NOT NULL"
            )
            .bind(paid, completed, completed, limit)
            .all()
        )
        return [(row["paid"], row["completed"]) for row in result.get("results") or []]

    async def overdue(self, paid_before: str, limit: int) -> list[Order]:
        """Paid orders, not yet reported overdue, that became paid before `paid_before` (an
        event that kept the status, such as a new refund address, is not becoming paid)."""
        paid = Status.PAID.value
        result = (
            await self.db.prepare(
                f"{SELECT_ORDERS} WHERE status = ? AND overdue_event_id IS NULL AND "
                f"{_BECAME_PAID} <= ? ORDER BY updated_at LIMIT ?"
            )
            .bind(paid, paid, paid_before, limit)
            .all()
        )
        return [order_from_row(row) for row in result.get("results") or []]
