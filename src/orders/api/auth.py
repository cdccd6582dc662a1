"""The operators' bearer tokens: compared in constant time against every configured token; unset
means the endpoints are off. A client that keeps failing is refused for a while (429) before its
guesses are even compared, counted in KV so every isolate at the edge sees the same count."""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass

from orders.config import Settings
from orders.errors import RateLimited, ServiceUnavailable, Unauthorized
from orders.ports import KeyValue

log = logging.getLogger("onecash")

FAILURE_WINDOW_SECONDS = 600


@dataclass(frozen=True)
class Operator:
    """Who is acting: a name from ADMIN_TOKENS, or None for the one ADMIN_TOKEN."""

    name: str | None


def match_operator(settings: Settings, header: str | None) -> Operator | None:
    """The operator whose token the header carries, or None. Every token is compared, whichever
    matches, so the time taken says nothing about which one (or how much of one) was right."""
    if not settings.operators:
        raise ServiceUnavailable(
            "Operator endpoints are disabled: neither ADMIN_TOKEN nor ADMIN_TOKENS is configured "
            "on this server."
        )
    scheme, _, token = (header or "").partition(" ")
    given = token.strip().encode()
    found: Operator | None = None
    for name, expected in settings.operators:
        if hmac.compare_digest(given, expected.encode()) and found is None:
            found = Operator(name)
    return found if scheme.lower() == "bearer" else None


async def authorize_operator(
    settings: Settings, kv: KeyValue, header: str | None, client_ip: str
) -> Operator:
    key = f"admin-failures:{client_ip}"
    failures = await _failures(kv, key)
    if failures >= settings.admin_failures_allowed:
        raise RateLimited(FAILURE_WINDOW_SECONDS)
    operator = match_operator(settings, header)
    if operator is not None:
        return operator
    try:
        await kv.put(key, str(failures + 1), expirationTtl=FAILURE_WINDOW_SECONDS)
    except Exception:
        log.exception("could not count a failed operator login")
    raise Unauthorized(
        "A valid operator token is required (Authorization: Bearer <token>).",
        headers={"WWW-Authenticate": 'Bearer realm="onecash"'},
    )


async def _failures(kv: KeyValue, key: str) -> int:
    try:
        value = await kv.get(key)
    except Exception:
        # A KV outage must not lock the operators out: the tokens still guard the door.
        log.exception("could not read the failed-login count")
        return 0
    return int(value) if value and value.isdigit() else 0
