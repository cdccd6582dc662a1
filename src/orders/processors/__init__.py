"""Payment processors behind one interface (`base.Processor`): NOWPayments over the injected
`send`, with its IPN signature scheme, and the local sandbox. `build_processor` picks the one
`PROCESSOR` names. The email providers' requests (`email_providers`) are outbound HTTP to an
outside service too, and live beside them."""

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
