"""The route table and its pure match: a path either names a route (and a method it allows),
names a route but not that method (405 with `Allow`), or names nothing (404).

The path is matched as it was sent, percent-encoded: `%2F` is not a `/`, so `/api%2Fadmin/queue`
names nothing (a rule in front of `/api/admin/*` sees the same path the router does). Only a
parameter's value is decoded, once it has been matched to its segment."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum
from urllib.parse import unquote


class Match(Enum):
    NONE = 0
    PATH = 1  # the path is known, the method is not allowed
    FULL = 2


@dataclass(frozen=True)
class Route:
    method: str
    pattern: str  # "/api/order/{id}": each {name} matches one path segment
    name: str  # also the name of its handler in `handlers.Handlers`
    limit: str | None = None  # the rate-limit bucket it counts against, per client address
    regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        source = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(self.pattern))
        object.__setattr__(self, "regex", re.compile(f"^{source}$"))


ROUTES: tuple[Route, ...] = (
    Route("GET", "/health", "health"),
    Route("GET", "/api/currencies", "currencies"),
    Route("GET", "/api/quote", "quote", limit="quotes"),
    Route("POST", "/api/order", "create_order", limit="orders"),
    Route("GET", "/api/order/{id}", "get_order"),
    Route("PUT", "/api/order/{id}", "update_order"),
    # Asks the processor for a fresh quote, so it counts against the quotes' limit.
    Route("POST", "/api/order/{id}/choice", "choose", limit="quotes"),
    # Sends an email, as a create does: it counts against the orders' limit (and, per order,
    # again in the handler, so many clients cannot flood one inbox either).
    Route("POST", "/api/order/{id}/link", "email_link", limit="orders"),
    # A read, but one that searches: counted like the quotes, so nobody trawls it.
    Route("GET", "/api/lookup", "lookup", limit="quotes"),
    Route("POST", "/api/ipn/{processor}", "ipn"),
    Route("POST", "/api/sandbox/pay/{id}", "sandbox_pay"),
    Route("GET", "/api/admin/orders", "admin_orders"),
    Route("GET", "/api/admin/orders.csv", "admin_orders_csv"),
    Route("GET", "/api/admin/orders/{id}", "admin_order"),
    Route("GET", "/api/admin/queue", "admin_queue"),
    Route("GET", "/api/admin/stats", "admin_stats"),
    Route("GET", "/api/admin/webhooks", "list_webhooks"),
    Route("POST", "/api/admin/webhooks/{event_id}/redeliver", "redeliver_webhook"),
    Route("GET", "/api/admin/emails", "list_emails"),
    Route("POST", "/api/admin/emails/{event_id}/redeliver", "redeliver_email"),
    Route("GET", "/openapi.json", "openapi"),
)


@dataclass(frozen=True)
class Resolved:
    match: Match
    route: Route | None = None
    params: dict[str, str] | None = None
    allowed: tuple[str, ...] = ()


def resolve(method: str, path: str, routes: tuple[Route, ...] = ROUTES) -> Resolved:
    """The route `path` (raw, as sent: never percent-decoded first) names for `method`."""
    allowed: list[str] = []
    for route in routes:
        found = route.regex.match(path)
        if not found:
            continue
        if route.method == method or (method == "HEAD" and route.method == "GET"):
            params = {name: unquote(value) for name, value in found.groupdict().items()}
            return Resolved(Match.FULL, route, params)
        allowed.append(route.method)
    if allowed:
        if "GET" in allowed:
            allowed.append("HEAD")
        return Resolved(Match.PATH, allowed=(*allowed, "OPTIONS"))
    return Resolved(Match.NONE)
