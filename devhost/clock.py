"""The local host's clock: real time, plus an offset that test hooks may move forward."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class ShiftableClock:
    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, seconds: float) -> datetime:
        if seconds < 0:
            raise ValueError("time only moves forward")
        self.offset += timedelta(seconds=seconds)
        return self()
