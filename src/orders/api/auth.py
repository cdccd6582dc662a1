"""The operators' bearer tokens: compared in constant time against every configured token; unset
means the endpoints are off.

A right token is always let in, whatever came before it: the limit is on wrong tokens only, so
someone guessing from the operator's own address (an office NAT, a shared VPN exit) cannot lock
the operator out. Each wrong token is counted per client in D1 with one atomic statement
(storage/failed_logins.py); past `ADMIN_FAILURES_ALLOWED` in the window, a wrong token answers
429 instead of 401. What makes guessing hopeless is the tokens' length (at least 32 characters,
config.py); the count keeps guessing slow and visible."""

from __future__ import annotations

import hmac
import ipaddress
import logging
from dataclasses import dataclass
from datetime import timedelta

from orders.config import Settings
from orders.domain.times import timestamp
from orders.errors import RateLimited, ServiceUnavailable, Unauthorized
from orders.ports import Clock, Database
from orders.storage.failed_logins import FailedLogins

log = logging.getLogger("onecash")

FAILURE_WINDOW_SECONDS = 600
FORGET_BATCH = 500  # ended windows deleted per cron run: a burst of addresses goes in a few
# One IPv6 subscriber holds a whole /64: counted per address, it could guess without end.
_IPV6_PREFIX = 64


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
    settings: Settings, db: Database, clock: Clock, header: str | None, client_ip: str
) -> Operator:
    """The operator the header names; else 401, or 429 once the client is past its wrong
    tokens. The token is compared first, so no count, however high, refuses a right one."""
    operator = match_operator(settings, header)
    if operator is not None:
        return operator
    now = clock()
    until = now + timedelta(seconds=FAILURE_WINDOW_SECONDS)
    try:
        key = client_key(client_ip)
        failures = await FailedLogins(db).count(key, timestamp(now), timestamp(until))
    except Exception:
        # D1 down: the wrong token is refused all the same, only not counted.
        log.exception("could not count a wrong operator token")
        failures = 0
    if failures > settings.admin_failures_allowed:
        raise RateLimited(FAILURE_WINDOW_SECONDS)
    raise Unauthorized(
        "A valid operator token is required (Authorization: Bearer <token>).",
        headers={"WWW-Authenticate": 'Bearer realm="onecash"'},
    )


async def forget_failed_logins(db: Database, clock: Clock) -> int:
    """The cron's clean-up: the counts of windows that ended, a bounded batch; how many went."""
    return await FailedLogins(db).forget(timestamp(clock()), FORGET_BATCH)


def client_key(client_ip: str) -> str:
    """What wrong tokens are counted by: the IPv4 address, or the IPv6 /64 it is in."""
    try:
        address = ipaddress.ip_address(client_ip)
    except ValueError:
        return client_ip  # a host that knows no address passes what it has
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:  # an IPv4 client seen through an IPv6 socket
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/{_IPV6_PREFIX}", strict=False))
    return str(address)
