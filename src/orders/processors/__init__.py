"""Chooses the payment processor named by `PROCESSOR`."""

from __future__ import annotations

from orders.ports import Deps
from orders.processors.base import Processor
from orders.processors.sandbox import SandboxProcessor


def build_processor(deps: Deps) -> Processor:
    if deps.settings.sandbox:
        return SandboxProcessor(deps.db, deps.clock, deps.tokens)
    from orders.processors.nowpayments import (
        NowPayments,  # only the edge in production needs it loaded
    )

    return NowPayments(deps)
