"""`Idempotency-Key`s in D1: reserved before the processor is called, completed in the batch
that creates the order, so a retried or double-clicked create makes one order."""

from __future__ import annotations

from typing import Any

from orders.ports import Database, Statement, changes


class IdempotencyStore:
    """`Idempotency-Key`s: reserved before the processor is called, completed with the order."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def reserve(
        self, key: str, request_hash: str, now: str, stale_before: str
    ) -> tuple[bool, dict[str, Any] | None]:
        """Takes the key (also from a 24-hour-old use or an abandoned attempt), in one round
        trip with a read of it: (whether we took it, the key's row as it then is)."""
        taken, held = await self.db.batch([
            self.db.prepare(
                "INSERT INTO idempotency_keys (key, request_hash, state, created_at) "
                "VALUES (?, ?, 'pending', ?) ON CONFLICT (key) DO UPDATE SET "
                "request_hash = excluded.request_hash, state = 'pending', "
                "created_at = excluded.created_at, order_id = NULL, status_code = NULL, "
                "response_body = NULL WHERE idempotency_keys.created_at < ?"
            ).bind(key, request_hash, now, stale_before),
            self.db.prepare(
                "SELECT request_hash, state, created_at, order_id, status_code, response_body "
                "FROM idempotency_keys WHERE key = ?"
            ).bind(key),
        ])  # fmt: skip
        rows = held.get("results") or []
        return changes(taken) == 1, (rows[0] if rows else None)

    def complete(self, key: str, order_id: str, status: int, body: str) -> Statement:
        """The answer a replay gives: the order as anyone may read it, never its customer key."""
        return self.db.prepare(
            "UPDATE idempotency_keys SET state = 'done', order_id = ?, status_code = ?, "
            "response_body = ? WHERE key = ?"
        ).bind(order_id, status, body, key)

    async def forget(self, before: str, limit: int) -> int:
        """Deletes up to `limit` keys used before `before` (their answers are no longer
        replayed); how many went. One round trip."""
        result = await (
            self.db.prepare(
                "DELETE FROM idempotency_keys WHERE key IN (SELECT key FROM idempotency_keys "
                "WHERE created_at < ? ORDER BY created_at LIMIT ?)"
            )
            .bind(before, limit)
            .run()
        )
        return changes(result)

    async def release(self, key: str) -> None:
        await (
            self.db.prepare("DELETE FROM idempotency_keys WHERE key = ? AND state = 'pending'")
            .bind(key)
            .run()
        )
