"""The crash test's hook (DEVHOST_TEST_HOOKS=1 only): `DEVHOST_KILL_AFTER_DEPOSITS=N` kills the
local host with SIGKILL the moment the Nth deposit is committed to the sandbox processor's
ledger, before the order has heard of it: the step where a crash leaves money the processor
holds and the order does not show (tests/api/test_crash_recovery.py)."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable

from .d1 import Statement

_LEDGER_WRITE = "INSERT INTO sandbox_payments"
_ACTUALLY_PAID = 8  # the bound parameter of SandboxLedger.save that holds the amount paid


def kill_after_deposits(count: int) -> Callable[[Statement], None]:
    """What LocalD1 calls with each committed statement: on the `count`th deposit, SIGKILL."""
    seen = 0

    def committed(statement: Statement) -> None:
        nonlocal seen
        if statement.sql.startswith(_LEDGER_WRITE) and statement.params[_ACTUALLY_PAID] != "0":
            seen += 1
            if seen == count:
                os.kill(os.getpid(), signal.SIGKILL)  # no cleanup, no flush: as a crash

    return committed
