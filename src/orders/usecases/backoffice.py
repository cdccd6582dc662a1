"""The operator's back office: searching and paging orders, one order in full, the queue of what
waits on them, the accounting export, the numbers, and the `order.payout_overdue` alert. Plain
values in and out; each read is a constant number of D1 round trips, however many orders match."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Mapping
from dataclasses import replace
from datetime import timedelta
from typing import Any

from orders.domain import report, views
from orders.domain.changes import webhook_event
from orders.domain.queue import queue
from orders.domain.search import Cursor, OrderFilter, parse_filter, parse_page
from orders.domain.times import timestamp
from orders.errors import NotFound
from orders.ports import Deps
from orders.storage.backoffice import OperatorQueries
from orders.storage.orders import OrderStore, order_from_row
from orders.storage.outbox import EMAIL, Outbox, event_of

EXPORT_PAGE = 1000
# The payout estimate the customer is shown: the median of the last this many payouts, read
# again at most this often (it is on every page's currencies answer).
PAYOUT_SAMPLE = 100
PAYOUT_MEDIAN_TTL = 600
QUEUE_LIMIT = 500
OVERDUE_BATCH = 50


class BackOffice:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.queries = OperatorQueries(deps.db)
        self.store = OrderStore(deps.db)
        self.outbox = Outbox(deps.db)

    async def orders(self, query: Mapping[str, str]) -> dict[str, Any]:
        """A page of orders, newest first, and the cursor of the next page (None at the end)."""
        found = parse_filter(query)
        limit, after = parse_page(query)
        orders = await self.queries.page(found, limit + 1, after)
        more = len(orders) > limit
        orders = orders[:limit]
        last = orders[-1] if more else None
        return {
            "orders": [views.operator(order) for order in orders],
            "next_cursor": Cursor(last.created_at, last.id).encode() if last else None,
        }

    async def order(self, order_id: str) -> dict[str, Any]:
        """One order in the operator's view, with its webhook events and its customer's emails,
        each with its attempts: one round trip."""
        if not order_id.startswith("ord_"):
            raise NotFound("No order with this id.")
        found, events, emails = await self.queries.read_batch([
            self.queries.one(order_id),
            self.outbox.of_order(order_id),
            self.outbox.of_order(order_id, EMAIL),
        ])  # fmt: skip
        if not found:
            raise NotFound("No order with this id.")
        order = order_from_row(found[0])
        return {
            "order": views.operator(order),
            "etag": order.etag,
            "webhooks": [event_of(row) for row in events],
            "emails": [event_of(row) for row in emails],
        }

    async def queue(self) -> dict[str, Any]:
        """What waits on the operator now, the longest waiting first, with ages in seconds; the
        first QUEUE_LIMIT of `total`."""
        now = self.deps.clock()
        rows, count = await self.queries.read_batch([
            self.queries.waiting(QUEUE_LIMIT),
            self.queries.waiting_count(),
        ])  # fmt: skip
        waiting = queue([order_from_row(row) for row in rows])
        return {
            "now": timestamp(now),
            "total": int(count[0]["n"]),
            "items": [w.operator(now) for w in waiting],
        }

    def export(self, query: Mapping[str, str]) -> AsyncIterator[str]:
        """Every order the filters match, newest first, as CSV with a header row, handed out a
        page of a thousand orders at a time as D1 gives them (once per thousand orders, never
        per order), so neither side holds the whole file. A bad filter is refused here, before
        anything is sent."""
        return self._export(parse_filter(query))

    async def _export(self, found: OrderFilter) -> AsyncIterator[str]:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(report.CSV_COLUMNS)
        after: Cursor | None = None
        while True:
            rows = await self.queries.rows(found, EXPORT_PAGE, after)
            writer.writerows(report.csv_row(row) for row in rows)
            yield out.getvalue()
            out.seek(0)
            out.truncate()
            if len(rows) < EXPORT_PAGE:
                return
            after = Cursor(rows[-1]["created_at"], rows[-1]["id"])

    async def stats(self, query: Mapping[str, str]) -> dict[str, Any]:
        """The numbers of orders created in [from, to), the queue and the outbox: one round trip."""
        found = parse_filter({k: v for k, v in query.items() if k in ("from", "to")})
        now = self.deps.clock()
        rows, oldest, count, outbox = await self.queries.read_batch([
            self.queries.summary_rows(found),
            self.queries.waiting(1),
            self.queries.waiting_count(),
            self.outbox.counts(),
        ])  # fmt: skip
        waiting = queue([order_from_row(row) for row in oldest])
        counts = {row["status"]: int(row["n"]) for row in outbox}
        return {
            "from": found.created_from,
            "to": found.created_to,
            **report.stats(rows),
            "queue": {
                "length": int(count[0]["n"]),
                "oldest_age_seconds": waiting[0].age_seconds(now) if waiting else None,
            },
            "webhooks": {"pending": counts.get("pending", 0), "dead": counts.get("dead", 0)},
        }

    async def payout_median_minutes(self) -> int | None:
        """How long payouts have taken lately, paid to completed: the median of the last
        PAYOUT_SAMPLE, in minutes; None before the first. Cached in KV for PAYOUT_MEDIAN_TTL."""
        key = "payouts:median:v1"
        cached = await self.deps.kv.get(key)
        if cached is not None:
            return int(cached) if cached else None
        median = report.median_minutes(await self.queries.payout_times(PAYOUT_SAMPLE))
        await self.deps.kv.put(key, str(median or ""), expirationTtl=PAYOUT_MEDIAN_TTL)
        return median

    async def flag_overdue(self) -> int:
        """Queues `order.payout_overdue` once for each order paid longer ago than
        PAYOUT_OVERDUE_MINUTES; two round trips at most, however many there are."""
        now = self.deps.clock()
        minutes = self.deps.settings.payout_overdue_minutes
        orders = await self.queries.overdue(
            timestamp(now - timedelta(minutes=minutes)), OVERDUE_BATCH
        )
        if not orders:
            return 0
        statements = []
        for order in orders:
            event_id = self.deps.new_id("evt")
            flagged = replace(order, overdue_event_id=event_id)
            event = webhook_event(flagged, event_id, timestamp(now), "order.payout_overdue")
            statements.append(self.store.mark_overdue(order.id, event_id))
            statements.append(self.outbox.overdue(event))
        await self.deps.db.batch(statements)
        return len(orders)
