"""The API as one object: a request in, a response out. Routing, CORS, rate limits, request ids
and the rendering of every error happen here, once; the handlers live in `handlers`."""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Awaitable, Callable

from orders.api.auth import forget_failed_logins
from orders.api.handlers import Handlers
from orders.api.http import MAX_BODY_BYTES, Request, Response, error_response
from orders.api.routes import ROUTES, Match, resolve
from orders.config import ConfigError
from orders.errors import (
    ApiError,
    FieldError,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    ProcessorUnavailable,
    RateLimited,
    ServiceUnavailable,
    ValidationFailed,
)
from orders.ports import Deps
from orders.processors import build_processor
from orders.processors.base import Processor, ProcessorError

log = logging.getLogger("onecash")

_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,64}")
_CORS_HEADERS = "Content-Type, Authorization, Idempotency-Key, If-Match, If-None-Match"
_EXPOSED = "ETag, Location, Retry-After, X-Request-Id, Idempotent-Replayed"

Handler = Callable[[Request, dict[str, str]], Awaitable[Response]]


class App:
    def __init__(self, deps: Deps, processor: Processor | None = None) -> None:
        self.deps = deps
        self.processor = processor or build_processor(deps)
        self.handlers = Handlers(deps, self.processor)
        self.payments = self.handlers.payments
        self.webhooks = self.handlers.webhooks
        self.emails = self.handlers.emails
        # Each route's handler bound to this app's handlers, behind its rate limit if it has one.
        self._routes: dict[str, Handler] = {
            route.name: self._limited(route.limit, functools.partial(route.handler, self.handlers))
            for route in ROUTES
        }

    async def handle(self, request: Request) -> Response:
        request_id = self._request_id(request)
        try:
            response = await self._dispatch(request)
        except ApiError as error:
            response = error_response(error, request_id)
        except ProcessorError as error:
            log.warning("processor error on %s %s: %s", request.method, request.path, error)
            response = error_response(
                ProcessorUnavailable(
                    f"Our payment processor is not answering right now ({error.message}). "
                    "Please try again in a few minutes."
                ),
                request_id,
            )
        except Exception:
            log.exception("unhandled error on %s %s [%s]", request.method, request.path, request_id)
            response = error_response(ApiError(), request_id)
        return self._finish(request, response, request_id)

    def refuse(self, request: Request, error: ApiError) -> Response:
        """A host's own refusal (a body it could not read, a path it would not route), answered
        like every error of the API: the one body, a request id, CORS. `request.body` is unused."""
        request_id = self._request_id(request)
        return self._finish(request, error_response(error, request_id), request_id)

    def _request_id(self, request: Request) -> str:
        return request_id_of(request, self.deps.new_id)

    def _finish(self, request: Request, response: Response, request_id: str) -> Response:
        finish(request, response, request_id, self.deps.settings.allowed_origins)
        if 200 <= response.status < 300 and request.method in ("POST", "PUT"):
            # A write may have queued webhook events and emails: deliver them once the answer
            # is out.
            response.background.append(self._deliver_after_response)
        return response

    async def _deliver_after_response(self) -> None:
        """One task for the runtime to wait for: the webhooks, then the emails (neither
        raises)."""
        await self.webhooks.deliver_due()
        await self.emails.deliver_due()

    async def scheduled(self) -> dict[str, int]:
        """The cron entry (every minute): expire, reconcile, deliver webhooks, then emails, and
        forget Idempotency-Keys past their 24 hours and the wrong-token counts of windows that
        ended. Each step is bounded; "delivered" and "emailed" count delivery attempts,
        "forgotten" the keys deleted, "logins_forgotten" the counts."""
        report: dict[str, int] = {}
        for name, step in (
            ("expired", self.payments.expire_due),
            ("reconciled", self.payments.reconcile),
            ("delivered", self._alert_and_deliver),
            ("emailed", self.emails.deliver_due_count),
            ("forgotten", self.handlers.ordering.forget_old_keys),
            ("logins_forgotten", self._forget_failed_logins),
        ):
            try:
                report[name] = await step()
            except Exception:
                # One failing step must not starve the others; the next minute tries again.
                log.exception("scheduled step %s failed", name)
                report[name] = -1
        return report

    async def _forget_failed_logins(self) -> int:
        return await forget_failed_logins(self.deps.db, self.deps.clock)

    async def _alert_and_deliver(self) -> int:
        """Queues the overdue-payout alerts, then delivers what is due (those alerts included);
        the count is of delivery attempts, as before."""
        try:
            await self.handlers.backoffice.flag_overdue()
        except Exception:
            log.exception("flagging overdue payouts failed; the next run tries again")
        return await self.webhooks.deliver_due_count()

    async def _dispatch(self, request: Request) -> Response:
        if request.method == "OPTIONS":
            return Response(204)
        # The announced size first: a host that has not read the body yet never needs to.
        if max(len(request.body), request.declared_length or 0) > MAX_BODY_BYTES:
            raise PayloadTooLarge(f"The request body is larger than {MAX_BODY_BYTES} bytes.")
        found = resolve(request.method, request.path)
        if found.match is Match.NONE:
            raise NotFound(f"There is nothing at {request.path}.")
        if found.match is Match.PATH:
            raise MethodNotAllowed(list(found.allowed))
        assert found.route and found.params is not None
        if request.repeated:
            raise ValidationFailed(
                [FieldError(name, "is given more than once; give each query parameter once")
                 for name in request.repeated]
            )  # fmt: skip
        return await self._routes[found.route.name](request, found.params)

    def _limited(self, bucket: str | None, handler: Handler) -> Handler:
        if bucket is None:
            return handler

        async def limited(request: Request, params: dict[str, str]) -> Response:
            limiter = self.deps.limiters.get(bucket)
            if limiter is not None:
                try:
                    retry_after = await limiter.hit(f"{bucket}:{request.client_ip}")
                except Exception:
                    # A broken limiter must not take order-taking down with it: fail open, loudly.
                    log.exception("rate limiter %s failed; allowing the request", bucket)
                    retry_after = None
                if retry_after is not None:
                    raise RateLimited(retry_after)
            return await handler(request, params)

        return limited


class Unconfigured:
    """What a host serves while its settings do not parse (a `ConfigError`), in place of `App`:
    every request a 503 `service_unavailable` naming the variable at fault but never its value,
    finished like every answer of the App (request id, CORS for ALLOWED_ORIGINS, nosniff); a
    preflight is still 204, so the site's browsers see that 503 rather than a CORS failure. The
    cron does nothing and does not raise: the host logs why, and the next run tries again."""

    def __init__(
        self, error: ConfigError, origins: tuple[str, ...], new_id: Callable[[str], str]
    ) -> None:
        self.error = error
        self.origins = origins
        self.new_id = new_id

    @property
    def refusal(self) -> ServiceUnavailable:
        setting = f"the setting {self.error.variable}" if self.error.variable else "a setting"
        return ServiceUnavailable(
            f"This service is misconfigured ({setting} does not parse); its operator has been "
            "alerted."
        )

    async def handle(self, request: Request) -> Response:
        request_id = request_id_of(request, self.new_id)
        if request.method == "OPTIONS":
            response = Response(204)
        else:
            response = error_response(self.refusal, request_id)
        return finish(request, response, request_id, self.origins)

    async def scheduled(self) -> dict[str, int]:
        """Nothing is done (the host has logged why): an empty report."""
        return {}


def request_id_of(request: Request, new_id: Callable[[str], str]) -> str:
    """The client's `X-Request-Id` if it is well formed, else a new `req_…`."""
    incoming = request.headers.get("x-request-id", "")
    return incoming if _REQUEST_ID.fullmatch(incoming) else new_id("req")


def finish(
    request: Request, response: Response, request_id: str, origins: tuple[str, ...]
) -> Response:
    """What every answer carries, error or not: its request id, `no-store` unless set, nosniff,
    `Vary: Origin` and CORS for an allowed origin; a HEAD answer loses its body."""
    response.headers["X-Request-Id"] = request_id
    response.headers.setdefault("Cache-Control", "no-store")
    # No browser may read a JSON answer (or a CSV export) as HTML or script.
    response.headers["X-Content-Type-Options"] = "nosniff"
    origin = (request.headers.get("origin") or "").rstrip("/")
    response.headers["Vary"] = "Origin"
    if origin and origin in origins:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Expose-Headers"] = _EXPOSED
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = "GET, POST, PUT, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = _CORS_HEADERS
            response.headers["Access-Control-Max-Age"] = "600"
    if request.method == "HEAD":
        response.body, response.stream = b"", None
    return response
