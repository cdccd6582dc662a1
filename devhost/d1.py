"""D1's binding interface over sqlite3: prepare/bind/first/all/run/batch, rows as dicts.

Like the real binding, every call is a round trip that yields to the event loop before it runs,
so concurrent requests interleave between statements as they do at the edge (a race test on this
D1 can fail). Each round trip (a `first`, `all`, `run` or `batch`) is counted into the `Trips`
of the request that made it, which the local host logs and the tests assert.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCHEMA = Path(__file__).resolve().parent.parent / "schema.sql"


def connect(path: str | Path) -> sqlite3.Connection:
    """Opens (and creates from schema.sql) a database; `:memory:` for tests."""
    connection = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    connection.row_factory = sqlite3.Row
    connection.execute("PRAGMA foreign_keys = ON")
    connection.execute("PRAGMA busy_timeout = 5000")
    if str(path) != ":memory:":
        connection.execute("PRAGMA journal_mode = WAL")
    schema = SCHEMA.read_text()
    # Tables first: the schema's indexes may name new columns.
    upgrade(connection, schema)
    connection.executescript(schema)
    return connection


def upgrade(connection: sqlite3.Connection, schema: str) -> list[str]:
    """A database made from an older schema.sql gets each table whose definition changed since
    (a new column, a widened CHECK) rebuilt as schema.sql defines it, its rows copied column by
    column: `CREATE TABLE IF NOT EXISTS` leaves an existing table as it was. The same steps SQLite
    documents for any ALTER it cannot do in place; docs/operations.md gives them for D1. Returns
    the tables rebuilt."""
    wanted = _tables(schema)
    have = dict(connection.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'"))
    changed = [t for t, sql in wanted.items() if t in have and _shape(have[t]) != _shape(sql)]
    if not changed:
        return []
    connection.execute("PRAGMA foreign_keys = OFF")  # a no-op inside a transaction: set first
    try:
        connection.execute("BEGIN")
        for table in changed:
            old = {r[1] for r in connection.execute(f"PRAGMA table_info({table})")}
            connection.execute(_CREATE.sub(f"CREATE TABLE {table}__new (", wanted[table], count=1))
            new = [r[1] for r in connection.execute(f"PRAGMA table_info({table}__new)")]
            common = ", ".join(c for c in new if c in old)
            connection.execute(f"INSERT INTO {table}__new ({common}) SELECT {common} FROM {table}")  # noqa: S608
            connection.execute(f"DROP TABLE {table}")
            connection.execute(f"ALTER TABLE {table}__new RENAME TO {table}")
        if connection.execute("PRAGMA foreign_key_check").fetchone() is not None:
            raise sqlite3.IntegrityError("the rebuilt tables break a foreign key")
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    finally:
        connection.execute("PRAGMA foreign_keys = ON")
    return changed


_CREATE = re.compile(r"CREATE TABLE IF NOT EXISTS \w+ \(", re.IGNORECASE)


def _tables(schema: str) -> dict[str, str]:
    """Each table's CREATE statement in `schema`, by name."""
    found = re.findall(r"CREATE TABLE IF NOT EXISTS (\w+) \((.*?)\n\);", schema, re.S)
    return {name: f"CREATE TABLE IF NOT EXISTS {name} ({body}\n);" for name, body in found}


def _shape(sql: str) -> str:
    """A table's definition without comments, quotes, case or spacing, to compare two."""
    text = re.sub(r"--[^\n]*", "", sql).lower().replace('"', "")
    text = re.sub(r"create table (if not exists )?\w+", "create table", text)
    return re.sub(r"\s+", "", text).rstrip(";")


@dataclass
class Trips:
    """D1 round trips made for one request or cron run, and the time spent in them."""

    count: int = 0
    ms: float = 0.0


_trips: ContextVar[Trips | None] = ContextVar("d1_trips", default=None)


@contextmanager
def counting() -> Iterator[Trips]:
    """Counts the round trips made inside the block (and the tasks it starts) into one Trips."""
    trips = Trips()
    token = _trips.set(trips)
    try:
        yield trips
    finally:
        _trips.reset(token)


class Statement:
    def __init__(self, db: LocalD1, sql: str, params: tuple[Any, ...] = ()) -> None:
        self.db = db
        self.sql = sql
        self.params = params

    def bind(self, *values: Any) -> Statement:
        if len(values) > 100:
            raise ValueError("D1 binds at most 100 parameters per statement")
        return Statement(self.db, self.sql, values)

    async def first(self) -> dict[str, Any] | None:
        rows = (await self.db.round_trip([self]))[0]["results"]
        return rows[0] if rows else None

    async def all(self) -> dict[str, Any]:
        return (await self.db.round_trip([self]))[0]

    async def run(self) -> dict[str, Any]:
        return (await self.db.round_trip([self]))[0]


class LocalD1:
    """A statement (or a batch) runs synchronously once its turn comes, so each is atomic with
    respect to every other request, as a D1 batch is."""

    def __init__(self, connection: sqlite3.Connection, latency: float = 0.0) -> None:
        self.connection = connection
        self.available = True  # tests switch this off to watch /health degrade
        self.latency = latency  # seconds per round trip: the bench plays a distant D1 with it
        # Told of each statement once it is committed (the crash test's hook: devhost.crash).
        self.committed: Callable[[Statement], None] | None = None

    def prepare(self, sql: str) -> Statement:
        return Statement(self, sql)

    async def batch(self, statements: list[Statement]) -> list[dict[str, Any]]:
        return await self.round_trip(statements, atomic=True)

    async def round_trip(
        self, statements: list[Statement], *, atomic: bool = False
    ) -> list[dict[str, Any]]:
        await asyncio.sleep(self.latency)  # the network hop: other requests run meanwhile
        started = time.perf_counter()
        try:
            if not atomic:
                results = []
                for statement in statements:
                    results.append(self.execute(statement))
                    self._committed([statement])
                return results
            self._check()
            self.connection.execute("BEGIN IMMEDIATE")
            try:
                results = [self.execute(s) for s in statements]
            except BaseException:
                self.connection.execute("ROLLBACK")
                raise
            self.connection.execute("COMMIT")
            self._committed(statements)
            return results
        finally:
            if (trips := _trips.get()) is not None:
                trips.count += 1
                trips.ms += (time.perf_counter() - started) * 1000

    def execute(self, statement: Statement) -> dict[str, Any]:
        self._check()
        started = time.perf_counter()
        cursor = self.connection.execute(statement.sql, statement.params)
        rows = [dict(row) for row in cursor.fetchall()]
        return {
            "success": True,
            "results": rows,
            "meta": {
                "changes": cursor.rowcount if cursor.rowcount > 0 else 0,
                "last_row_id": cursor.lastrowid,
                "duration": (time.perf_counter() - started) * 1000,
            },
        }

    def _committed(self, statements: list[Statement]) -> None:
        if self.committed is not None:
            for statement in statements:
                self.committed(statement)

    def _check(self) -> None:
        if not self.available:
            raise sqlite3.OperationalError("D1_ERROR: the database is unavailable")
