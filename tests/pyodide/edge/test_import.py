"""Importing src/entry.py as the deploy does: workerd runs the Worker's module top level once, at
deploy, and snapshots the memory; reading randomness there fails the deploy, and a clock read
would be frozen into the snapshot. Plain Pyodide allows both, so here they are made to raise."""

from __future__ import annotations

import datetime as dt
import importlib
import os
import random
import secrets
import sys
import time
from collections.abc import Callable
from typing import Any

import pytest
import workers

CLOCK = [(time, n) for n in ("time", "time_ns", "monotonic", "monotonic_ns", "perf_counter")]
ENTROPY = (
    [(os, "urandom"), (random, "_urandom")]
    + [
        (random, n)
        for n in ("random", "randint", "randrange", "choice", "getrandbits", "randbytes")
    ]
    + [(secrets, n) for n in ("token_bytes", "token_hex", "token_urlsafe", "randbits", "choice")]
)


def forbidden(what: str) -> Callable[..., Any]:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        # What workerd raises for entropy outside a request (EIO), for the clock too.
        raise OSError(29, f"{what} called at import time: the deploy snapshot forbids it")

    return refuse


class FrozenDatetime(dt.datetime):
    @classmethod
    def now(cls, tz: Any = None) -> Any:
        return forbidden("datetime.now")()

    @classmethod
    def utcnow(cls) -> Any:
        return forbidden("datetime.utcnow")()

    @classmethod
    def today(cls) -> Any:
        return forbidden("datetime.today")()


def test_entry_imports_with_the_clock_and_entropy_forbidden(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for module, name in CLOCK + ENTROPY:
        monkeypatch.setattr(module, name, forbidden(f"{module.__name__}.{name}"))
    monkeypatch.setattr(dt, "datetime", FrozenDatetime)
    # The Worker's own modules afresh; pydantic and the SDK are loaded already, as the platform
    # loads them (with its own allowances) before the Worker's top level runs.
    for name in [
        n for n in sys.modules if n in ("entry", "edge_http") or n.split(".")[0] == "orders"
    ]:
        monkeypatch.delitem(sys.modules, name)
    before = set(sys.modules)
    try:
        module = importlib.import_module("entry")
    finally:
        for name in set(sys.modules) - before:
            del sys.modules[name]  # monkeypatch puts the modules the other tests use back

    assert issubclass(module.Default, workers.WorkerEntrypoint)
    with pytest.raises(OSError, match="forbids"):
        os.urandom(1)  # the tripwire was live during the import
