"""Wrong operator tokens per client, in D1 (api/auth.py decides what the count means).

The count is one statement that adds the failure and hands back the total: concurrent wrong
tokens from one client (many requests in flight, on many isolates) each get a count of their
own, so none is compared "before the others were counted". A read, then a write, let every guess
of a parallel burst read the same count.
"""

from __future__ import annotations

from orders.ports import Database, changes

# A window that ended starts again at 1; else the failure adds one and renews the window.
_COUNT = (
    "INSERT INTO failed_logins (client, failures, expires_at) VALUES (?, 1, ?) "
    "ON CONFLICT (client) DO UPDATE SET "
    "failures = CASE WHEN failed_logins.expires_at <= ? THEN 1 "
    "ELSE failed_logins.failures + 1 END, "
    "expires_at = excluded.expires_at "
    "RETURNING failures"
)


class FailedLogins:
    """Wrong operator tokens, counted per client for a window renewed by each new one."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def count(self, client: str, now: str, until: str) -> int:
        """Counts one wrong token from `client`, its window running `until`; the failures in
        the window, this one included. One round trip."""
        row = await self.db.prepare(_COUNT).bind(client, until, now).first()
        return int(row["failures"]) if row else 1

    async def forget(self, now: str, limit: int) -> int:
        """Deletes up to `limit` counts whose window ended by `now`; how many went."""
        result = await (
            self.db.prepare(
                "DELETE FROM failed_logins WHERE client IN (SELECT client FROM failed_logins "
                "WHERE expires_at <= ? ORDER BY expires_at LIMIT ?)"
            )
            .bind(now, limit)
            .run()
        )
        return changes(result)
