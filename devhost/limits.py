"""A per-key fixed-window rate limiter: the local stand-in for the Workers rate-limit binding."""

from __future__ import annotations

from orders.ports import Clock


class WindowLimiter:
    def __init__(self, limit: int, clock: Clock, period_seconds: int = 60) -> None:
        self.limit = limit
        self.period = period_seconds
        self.clock = clock
        self._windows: dict[str, tuple[int, int]] = {}

    async def hit(self, key: str) -> int | None:
        now = int(self.clock().timestamp())
        window = now - now % self.period
        start, count = self._windows.get(key, (window, 0))
        if start != window:
            start, count = window, 0
        if count >= self.limit:
            return max(1, start + self.period - now)
        self._windows[key] = (start, count + 1)
        if len(self._windows) > 10_000:  # forget old windows rather than grow forever
            self._windows = {k: v for k, v in self._windows.items() if v[0] == window}
        return None
