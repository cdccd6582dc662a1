"""The Worker's composition root: turns Cloudflare's request, bindings and cron into the `orders`
core's terms and back. The only module that imports the runtime SDK; it decides nothing.
Module top level reads no env, clock or randomness: the deploy snapshots it (docs/architecture.md,
"The runtime boundary")."""

from __future__ import annotations

import asyncio
import json
import secrets
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from workers import Response, WorkerEntrypoint, fetch

from orders.api.app import App
from orders.api.http import MAX_BODY_BYTES, Headers, Request, misconfigured_response
from orders.config import ConfigError, Settings
from orders.ports import Deps, OutboundRequest, OutboundResponse, SendError

# Every var and secret `Settings.from_env` reads; an unset secret arrives as None.
ENV_NAMES = (
    "ALLOWED_ORIGINS", "FEE_PERCENT", "PAYMENT_WINDOW_MINUTES", "PROCESSOR",
    "SUPPORTED_CURRENCIES", "PUBLIC_SITE_URL", "PUBLIC_API_URL", "NOWPAYMENTS_API_BASE",
    "NOWPAYMENTS_API_KEY", "NOWPAYMENTS_IPN_SECRET", "WEBHOOK_URL", "WEBHOOK_SECRET",
    "ADMIN_TOKEN", "ADMIN_TOKENS", "ADMIN_FAILURES_ALLOWED", "PAYOUT_OVERDUE_MINUTES",
    "RATE_LIMIT_ORDERS_PER_MINUTE", "RATE_LIMIT_QUOTES_PER_MINUTE", "WEBHOOK_TIMEOUT_SECONDS",
)  # fmt: skip
LIMITERS = {"orders": "RATE_LIMIT_ORDERS", "quotes": "RATE_LIMIT_QUOTES"}  # bucket -> binding
# The binding says only yes or no; its window is the 60 s `period` in wrangler.toml.
RETRY_AFTER_SECONDS = 60


class Default(WorkerEntrypoint):
    async def fetch(self, request: Any) -> Response:
        try:
            app = app_for(self.env)
        except ConfigError as exc:
            print(json.dumps({"error": "misconfigured", "detail": str(exc)}))
            response = misconfigured_response(request.headers.get("cf-ray") or "unknown")
        else:
            response = await app.handle(await to_request(request))
        for task in response.background:
            # The SDK's entrypoint class has workerd patch waitUntil to take a Python awaitable
            # and keep it alive until it settles (workerd python-entrypoint-helper,
            # `patchWaitUntil`).
            self.ctx.waitUntil(task())
        # A JS Response refuses any body, even an empty one, with 204/304; HEAD sends none.
        return Response(response.body or None, status=response.status, headers=response.headers)

    # workerd calls an entrypoint class's handler as scheduled(controller, env, ctx), with env and
    # ctx already given to the constructor (and passed as undefined, or not at all): only
    # `controller` is ever used, and every argument may be missing.
    async def scheduled(self, controller: Any = None, env: Any = None, ctx: Any = None) -> None:
        report = await app_for(self.env).scheduled()
        if any(report.values()):
            print(json.dumps({"cron": getattr(controller, "cron", None), **report}))


async def to_request(request: Any) -> Request:
    url = urlsplit(str(request.url))
    headers = Headers(list(request.headers.items()))
    return Request(
        method=method_of(request),
        path=unquote(url.path) or "/",
        query=dict(parse_qsl(url.query, keep_blank_values=True)),
        headers=headers,
        body=await read_body(request, headers),
        client_ip=headers.get("cf-connecting-ip") or "unknown",
    )


async def read_body(request: Any, headers: Headers) -> bytes:
    """The bytes as received (signatures are checked over them), but never more than the core
    takes: it answers 413 past MAX_BODY_BYTES, and a Worker has 128 MB of memory, so a large
    upload is not read at all when its Content-Length says so, and not read past the limit when
    it comes without one (chunked)."""
    js_request = getattr(request, "js_object", None)
    if js_request is None:
        return await request.bytes()  # type: ignore[no-any-return]
    if not js_request.body:
        return b""  # a null JS body (every GET): reading it would only cost an event-loop turn
    declared = headers.get("content-length", "").strip()
    if declared.isascii() and declared.isdigit():
        # The runtime delivers exactly the declared length; past the limit the core answers
        # 413 from the header alone.
        return b"" if int(declared) > MAX_BODY_BYTES else await request.bytes()
    reader = js_request.body.getReader()
    chunks: list[bytes] = []
    size = 0
    while size <= MAX_BODY_BYTES:
        part = await reader.read()
        if part.done:
            return b"".join(chunks)
        chunks.append(part.value.to_bytes())
        size += len(chunks[-1])
    await reader.cancel()  # over the limit: what was read is enough for the core's 413
    return b"".join(chunks)


def method_of(request: Any) -> str:
    """The method as the client sent it. The SDK's `Request.method` looks it up in Python's
    `http.HTTPMethod` and raises KeyError for any other (WebDAV's PROPFIND, or a lower-case
    `propfind`, which fetch does not upper-case); the router answers those with a 405."""
    js_request = getattr(request, "js_object", None)
    return str(request.method if js_request is None else js_request.method)


class _Deployment:
    """The App of the env last seen. workerd makes a new entrypoint instance, with a new SDK
    wrapper around the same JS env, for every event; but an isolate's env never changes (its vars,
    secrets and bindings are fixed at deploy) and the App keeps nothing per request (the local
    host also keeps one for the process). Building it once per isolate, not per request, saves
    reading every var through the SDK and parsing the settings each time."""

    env: Any = None
    app: App | None = None


def app_for(env: Any) -> App:
    # The SDK's `_EnvWrapper` keeps the JS env as `_env`; JS objects compare equal when they are
    # the same object. Without it, the wrapper itself is the key (and a new one never matches).
    key = getattr(env, "_env", env)
    if _Deployment.app is None or not (_Deployment.env is key or _Deployment.env == key):
        _Deployment.app = App(build_deps(env))  # a ConfigError leaves the last one in place
        _Deployment.env = key
    return _Deployment.app


def build_deps(env: Any) -> Deps:
    def text(name: str) -> str | None:
        value = getattr(env, name, None)
        return None if value is None else str(value)

    limiters = {
        bucket: BindingLimiter(binding)
        for bucket, name in LIMITERS.items()
        if (binding := getattr(env, name, None)) is not None
    }
    # The packaged SDK wraps D1, KV and rate-limit bindings (workers-py runtime-sdk `rpc.py`,
    # `_EnvWrapper`): arguments go to JS as plain values (None as null, dicts as objects) and
    # results come back as dicts and lists, so D1 and KV already have the core's shapes.
    return Deps(
        settings=Settings.from_env({name: text(name) for name in ENV_NAMES}),
        db=env.DB,
        kv=env.KV,
        send=send,
        clock=now,
        tokens=secrets.token_urlsafe,
        limiters=limiters,
    )


def now() -> datetime:
    return datetime.now(UTC)


class BindingLimiter:
    """The core's `RateLimiter` over a `[[ratelimits]]` binding."""

    def __init__(self, binding: Any) -> None:
        self.binding = binding

    async def hit(self, key: str) -> int | None:
        outcome = await self.binding.limit({"key": key})
        return None if outcome.success else RETRY_AFTER_SECONDS


async def send(request: OutboundRequest) -> OutboundResponse:
    """The core's one outbound HTTP call, over the runtime's fetch."""
    try:
        return await asyncio.wait_for(_exchange(request), request.timeout_seconds)
    except TimeoutError:
        raise SendError(f"timed out after {request.timeout_seconds:g}s") from None
    except Exception as exc:
        # No HTTP answer, in any of the shapes the runtime's fetch fails in: Pyodide's AbortError
        # (an OSError) for refused, reset or DNS, and a JsException (a JS TypeError) for a request
        # fetch will not even send, such as a URL without a scheme. The core handles SendError.
        raise SendError(f"{exc.__class__.__name__}: {exc}") from None


async def _exchange(request: OutboundRequest) -> OutboundResponse:
    options: dict[str, Any] = {"method": request.method, "headers": dict(request.headers)}
    if request.body is not None:
        options["body"] = request.body
    # A redirect is an answer for the core to judge, as on the local host, not one to follow.
    response = await fetch(request.url, redirect="manual", **options)
    body = await response.bytes()
    headers = {k.lower(): v for k, v in response.headers.items()}
    return OutboundResponse(response.status, body, headers)
