"""Signed webhooks to the operator from the D1 outbox's `webhook` channel (Standard Webhooks),
delivered by the attempt loop every channel shares (`usecases.delivery.Delivery`; the customer's
emails are `usecases.emails`).

The operator's list, counts and redelivery (`GET /api/admin/webhooks`, the stats) are about
webhooks only; emails have their own (`Emails.events`, `Emails.redeliver`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from orders.domain.delivery import sign
from orders.ports import OutboundRequest
from orders.storage.outbox import WEBHOOK
from orders.usecases.delivery import Delivery


class Webhooks(Delivery):
    """Signed `order.*` events to the operator's WEBHOOK_URL (Standard Webhooks)."""

    channel = WEBHOOK
    stops_when_gone = True

    def target(self) -> str | None:
        settings = self.deps.settings
        return settings.webhook_url if settings.webhook_url and settings.webhook_secret else None

    def endpoint(self) -> str | None:
        return self.deps.settings.webhook_url

    def request(self, row: dict[str, Any], started: datetime, url: str) -> OutboundRequest:
        body = str(row["payload"]).encode("utf-8")
        event_id = str(row["event_id"])
        unix_time = int(started.timestamp())
        return OutboundRequest(
            "POST",
            url,
            {
                "Content-Type": "application/json",
                "User-Agent": "onecash-webhooks/1",
                "webhook-id": event_id,
                "webhook-timestamp": str(unix_time),
                "webhook-signature": sign(
                    str(self.deps.settings.webhook_secret), event_id, unix_time, body
                ),
            },
            body,
            self.deps.settings.webhook_timeout_seconds,
        )

    async def events(self, status: str = "pending") -> dict[str, Any]:
        """The operator's view of the webhooks: events in `status`, each with its attempts."""
        events = await self.listed(status)
        url = self.deps.settings.webhook_url
        return {
            "status": status,
            "webhook_url_configured": bool(url),
            "endpoint_disabled_by_410": bool(url) and await self.outbox.gone(url or ""),
            "events": events,
        }
