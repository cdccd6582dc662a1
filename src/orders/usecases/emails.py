"""The customer's emails (docs/emails.md), delivered from the outbox's `email` channel through
the email provider's HTTPS API, with exactly the webhooks' retry schedule and attempt log.

What each email says is decided when it is queued (`domain.emails.email_for`, in the batch of
the change it tells of); this only hands what waits to the provider, in the request
`processors.email_providers` builds. Unconfigured, nothing is
sent and nothing is queued either: the operator's `order.*` webhooks carry the address.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from orders.ports import OutboundRequest
from orders.processors.email_providers import provider_request, provider_url
from orders.storage.outbox import EMAIL
from orders.usecases.delivery import Delivery


class Emails(Delivery):
    """Queued emails to the provider. A 410 from it ends that one email (dead, as any event past
    its schedule), never the channel: a provider does not use 410 to say "stop sending"."""

    channel = EMAIL

    def target(self) -> str | None:
        return provider_url(self.deps.settings)

    def request(self, row: dict[str, Any], started: datetime, url: str) -> OutboundRequest:
        return provider_request(self.deps.settings, str(row["event_id"]), str(row["payload"]))

    async def events(self, status: str = "pending") -> dict[str, Any]:
        """The operator's view of the emails: those in `status`, each with its attempts (the
        recipient and text are in the order's `email.*` payload, not repeated here)."""
        return {
            "status": status,
            "emails_configured": self.target() is not None,
            "events": await self.listed(status),
        }
