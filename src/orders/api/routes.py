"""The route table and its pure match: a path either names a route (and a method it allows),
names a route but not that method (405 with `Allow`), or names nothing (404). Each route carries
its handler, a method of `handlers.Handlers` that the app binds to its one instance; the route's
name (its OpenAPI operationId, and its key in `operations.OPERATIONS`) is the handler's.

The path is matched as it was sent, percent-encoded: `%2F` is not a `/`, so `/api%2Fadmin/queue`
names nothing (a rule in front of `/api/admin/*` sees the same path the router does). Only a
parameter's value is decoded, once it has been matched to its segment."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import Enum
from urllib.parse import unquote

from orders.api.handlers import Handlers
from orders.api.http import Request, Response

# A handler as the class holds it, bound to the app's `Handlers` when dispatched.
Handler = Callable[[Handlers, Request, dict[str, str]], Awaitable[Response]]


class Match(Enum):
    NONE = 0
    PATH = 1  # the path is known, the method is not allowed
    FULL = 2


@dataclass(frozen=True)
class Route:
    method: str
    pattern: str  # "/api/order/{id}": each {name} matches one path segment
    handler: Handler  # `Handlers.quote`: unbound, the app binds it
    limit: str | None = None  # the rate-limit bucket it counts against, per client address
    regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        source = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(self.pattern))
        object.__setattr__(self, "regex", re.compile(f"^{source}$"))

    @property
    def name(self) -> str:
        """The handler's name: the operation's id in the OpenAPI document."""
        return self.handler.__name__


ROUTES: tuple[Route, ...] = (
    Route("GET", "/health", Handlers.health),
    Route("GET", "/api/currencies", Handlers.currencies),
    Route("GET", "/api/quote", Handlers.quote, limit="quotes"),
    Route("POST", "/api/order", Handlers.create_order, limit="orders"),
    Route("GET", "/api/order/{id}", Handlers.get_order),
    Route("PUT", "/api/order/{id}", Handlers.update_order),
    # Asks the processor for a fresh quote, so it counts against the quotes' limit.
    Route("POST", "/api/order/{id}/choice", Handlers.choose, limit="quotes"),
    # Sends an email, as a create does: it counts against the orders' limit (and, per order,
    # again in the handler, so many clients cannot flood one inbox either).
    Route("POST", "/api/order/{id}/link", Handlers.email_link, limit="orders"),
    # A read, but one that searches: counted like the quotes, so nobody trawls it.
    Route("GET", "/api/lookup", Handlers.lookup, limit="quotes"),
    Route("POST", "/api/ipn/{processor}", Handlers.ipn),
    Route("POST", "/api/sandbox/pay/{id}", Handlers.sandbox_pay),
    Route("GET", "/api/admin/orders", Handlers.admin_orders),
    Route("GET", "/api/admin/orders.csv", Handlers.admin_orders_csv),
    Route("GET", "/api/admin/orders/{id}", Handlers.admin_order),
    Route("GET", "/api/admin/queue", Handlers.admin_queue),
    Route("GET", "/api/admin/stats", Handlers.admin_stats),
    Route("GET", "/api/admin/webhooks", Handlers.list_webhooks),
    Route("POST", "/api/admin/webhooks/{event_id}/redeliver", Handlers.redeliver_webhook),
    Route("GET", "/api/admin/emails", Handlers.list_emails),
    Route("POST", "/api/admin/emails/{event_id}/redeliver", Handlers.redeliver_email),
    Route("GET", "/openapi.json", Handlers.openapi),
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
