"""The email providers' HTTPS APIs (docs/emails.md): where a queued email is posted and the
request that hands it to Resend or Postmark. Like the payment processors, this is the outbound
side of an outside service; what an email says and when one is sent are `domain.emails`, and the
provider's answer is judged by `domain.delivery` like a webhook receiver's."""

from __future__ import annotations

import json

from orders import strict_json
from orders.config import Settings
from orders.ports import OutboundRequest

PROVIDER_URLS: dict[str, str] = {
    "resend": "https://api.resend.com/emails",
    "postmark": "https://api.postmarkapp.com/email",
}


def provider_url(settings: Settings) -> str | None:
    """Where emails are posted: EMAIL_API_URL when set, else the provider's own address."""
    if not settings.emails_enabled or settings.email_provider is None:
        return None
    return settings.email_api_url or PROVIDER_URLS.get(settings.email_provider)


def provider_request(settings: Settings, event_id: str, payload: str) -> OutboundRequest:
    """The provider's HTTP request for one queued email (an outbox payload). The sender, the
    provider and its key are read now, not when the email was queued, so a rotated key or a
    changed provider applies to what still waits. Resend is told the event id as its
    Idempotency-Key, so a retry after a lost answer is not sent twice (within its 24 hours);
    Postmark has no such key."""
    message = json.loads(payload)
    provider = settings.email_provider
    url = provider_url(settings)
    key = settings.email_api_key
    if url is None or key is None or not settings.email_from:
        raise ValueError("emails are not configured")
    headers = {"Content-Type": "application/json", "Accept": "application/json",
               "User-Agent": "onecash-emails/1"}  # fmt: skip
    body: dict[str, object]
    if provider == "resend":
        headers |= {"Authorization": f"Bearer {key}", "Idempotency-Key": event_id}
        body = {"from": settings.email_from, "to": [message["to"]],
                "subject": message["subject"], "text": message["text"]}  # fmt: skip
    elif provider == "postmark":
        headers["X-Postmark-Server-Token"] = key
        body = {"From": settings.email_from, "To": message["to"], "Subject": message["subject"],
                "TextBody": message["text"], "MessageStream": "outbound"}  # fmt: skip
    else:
        raise ValueError(f"unknown email provider {provider!r}")
    return OutboundRequest("POST", url, headers, strict_json.dumps(body).encode("utf-8"),
                           settings.webhook_timeout_seconds)  # fmt: skip
