"""Storage: every SQL statement the core runs, behind one small store per table family (orders
and their timelines, idempotency keys, processor receipts, the webhook outbox, the sandbox
ledger). Stores take the D1-shaped `Database` they are handed; D1 has no transactions, so a
change that touches several rows comes back as statements for one `batch`."""

from __future__ import annotations

from orders.ports import Database


async def ping(db: Database) -> None:
    """One trivial round trip: raises when D1 does not answer."""
    await db.prepare("SELECT 1 AS ok").first()
