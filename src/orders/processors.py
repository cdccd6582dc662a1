"""Chooses the payment processor named by `PROCESSOR`."""

from __future__ import annotations

from .deps import Deps
from .processor import Processor
from .sandbox import SandboxProcessor


def build_processor(deps: Deps) -> Processor:
    if deps.settings.sandbox:
        return SandboxProcessor(deps.db, deps.clock, deps.tokens)
    from .nowpayments import NowPayments  # only the edge in production needs it loaded

    return NowPayments(deps)
