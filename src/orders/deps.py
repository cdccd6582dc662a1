"""Everything a request or a cron run may use, handed in by the host (edge, local host, tests)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from .config import Settings
from .ports import Clock, Database, KeyValue, RateLimiter, Send, Sleep, Tokens


@dataclass
class Deps:
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
