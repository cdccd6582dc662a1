"""What the core is handed: the shapes of D1, KV, outbound HTTP, rate limiting, clock and ids,
and `Deps`, the one object that carries them into every use case.

The edge passes Cloudflare's bindings (which already have these shapes); the local host and the
tests pass local implementations. Nothing in the core knows which one it got.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from orders.config import Settings


class Statement(Protocol):
    def bind(self, *values: Any) -> Statement: ...
    async def first(self) -> dict[str, Any] | None: ...
    async def all(self) -> dict[str, Any]: ...  # {"results": [rows], "meta": {...}}
    async def run(self) -> dict[str, Any]: ...  # {"meta": {"changes": n, ...}}


class Database(Protocol):
    def prepare(self, sql: str) -> Statement: ...
    async def batch(self, statements: list[Statement]) -> list[dict[str, Any]]: ...


class KeyValue(Protocol):
    async def get(self, key: str) -> str | None: ...
    async def put(self, key: str, value: str, *, expirationTtl: int | None = None) -> None: ...


@dataclass(frozen=True)
class OutboundRequest:
    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None
    timeout_seconds: float = 10.0


@dataclass(frozen=True)
class OutboundResponse:
    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)


class SendError(Exception):
    """The request never got an HTTP answer: refused, reset, DNS, or timed out."""


Send = Callable[[OutboundRequest], Awaitable[OutboundResponse]]


class RateLimiter(Protocol):
    async def hit(self, key: str) -> int | None:
        """Counts one request for `key`; None when allowed, else seconds until retry."""
        ...


Clock = Callable[[], datetime]
Sleep = Callable[[float], Awaitable[None]]  # waits that long; tests pass one that moves the clock
Tokens = Callable[[int], str]  # n random bytes, URL-safe text


def changes(result: Mapping[str, Any]) -> int:
    """Rows changed by a `run()`/`batch()` result."""
    return int((result.get("meta") or {}).get("changes") or 0)


@dataclass
class Deps:
    """Everything a request or a cron run may use, handed in by the host (edge, local host,
    tests)."""

    settings: Settings
    db: Database
    kv: KeyValue
    send: Send
    clock: Clock
    tokens: Tokens
    # "orders" and "quotes"; a missing limiter means that host limits elsewhere.
    limiters: dict[str, RateLimiter] = field(default_factory=dict)
    sleep: Sleep = asyncio.sleep

    def new_id(self, prefix: str) -> str:
        """`ord_…`, `evt_…`: 128 random bits, URL-safe, never sequential."""
        return f"{prefix}_{self.tokens(16)}"
