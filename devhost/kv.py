"""KV's binding interface over an SQLite table, with `expirationTtl` honoured by the clock."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

from orders.ports import Clock


class LocalKV:
    def __init__(self, connection: sqlite3.Connection, clock: Clock) -> None:
        self.connection = connection
        self.clock = clock
        connection.execute(
            "CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, "
            "expires_at REAL)"
        )

    async def get(self, key: str) -> str | None:
        row = self.connection.execute(
            "SELECT value FROM kv WHERE key = ? AND (expires_at IS NULL OR expires_at > ?)",
            (key, self.clock().timestamp()),
        ).fetchone()
        return row[0] if row else None

    async def put(self, key: str, value: str, *, expirationTtl: int | None = None) -> None:
        if expirationTtl is not None and expirationTtl < 60:
            raise ValueError("KV expirationTtl must be at least 60 seconds")
        expires = (
            (self.clock() + timedelta(seconds=expirationTtl)).timestamp() if expirationTtl else None
        )
        self.connection.execute(
            "INSERT INTO kv (key, value, expires_at) VALUES (?, ?, ?) ON CONFLICT (key) "
            "DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at",
            (key, value, expires),
        )
