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

try:
    # At the edge (Pyodide) the request's headers and the response cross through `js` directly:
    # the SDK's conversions cost 0.05-0.1 ms more per request each (docs/edge.md). The CPython
    # tests run this module under a fake of the SDK, without `js`: there the SDK's path is kept.
    import js
    from pyodide.ffi import to_js
except ImportError:
    js = None

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
    async def fetch(self, request: Any) -> Any:
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
        if response.stream is not None:
            # A streamed body (the operator's CSV export) is joined here: the core already reads
            # it from D1 a page at a time, and an export of a few MB fits a Worker's memory.
            response.body = b"".join([chunk async for chunk in response.stream])
        return to_response(response)

    # workerd calls an entrypoint class's handler as scheduled(controller, env, ctx), with env and
    # ctx already given to the constructor (and passed as undefined, or not at all): only
    # `controller` is ever used, and every argument may be missing.
    async def scheduled(self, controller: Any = None, env: Any = None, ctx: Any = None) -> None:
        report = await app_for(self.env).scheduled()
        if any(report.values()):
            print(json.dumps({"cron": getattr(controller, "cron", None), **report}))


def to_response(response: Any) -> Any:
    """The core's response as the runtime's. At the edge, a JS Response built in one call with
    its init crossing once; the SDK's `Response` (the CPython tests' fake) turns its headers into
    a JS Headers object first and checks the body's type, about 0.1 ms more. Either way
    `python_to_rpc` hands workerd the JS Response. A JS Response refuses any body, even an empty
    one, with 204/304; HEAD sends none: no body is null."""
    if js is None:
        return Response(response.body or None, status=response.status, headers=response.headers)
    init = to_js(
        {"status": response.status, "headers": response.headers},
        dict_converter=js.Object.fromEntries,
    )
    return js.Response.new(to_js(response.body) if response.body else None, init)


def headers_of(request: Any) -> Headers:
    """The request's headers. At the edge, the JS Headers' [name, value] pairs in one crossing
    (names already lower-case, values already trimmed, repeated ones joined with ", " except
    Set-Cookie, as the SDK's `headers` gives them). The SDK's `headers` builds an HTTPMessage
    pair by pair first."""
    js_request = getattr(request, "js_object", None)
    if js is None or js_request is None:
        return Headers(list(request.headers.items()))
    return Headers(js.Array.from_(js_request.headers).to_py())


async def to_request(request: Any) -> Request:
    url = urlsplit(str(request.url))
    headers = headers_of(request)
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

    # The rate-limit bindings themselves, past the SDK's wrapper when there is one (BindingLimiter).
    bindings = getattr(env, "_env", None) if js is not None else None
    limiters = {
        bucket: BindingLimiter(binding, raw=bindings is not None)
        for bucket, name in LIMITERS.items()
        if (binding := getattr(env if bindings is None else bindings, name, None)) is not None
    }
    # The packaged SDK wraps KV (workers-py runtime-sdk `rpc.py`, `_EnvWrapper`): arguments go to
    # JS as plain values and results come back as Python values, so KV already has the core's
    # shape (going past the wrapper saved only 0.02 ms a call). D1 goes through our own adapter
    # instead (database_of).
    return Deps(
        settings=Settings.from_env({name: text(name) for name in ENV_NAMES}),
        db=database_of(env),
        kv=env.KV,
        send=send,
        clock=now,
        tokens=secrets.token_urlsafe,
        limiters=limiters,
    )


def database_of(env: Any) -> Any:
    """The core's D1: edge_d1 over the raw JS binding, which costs about half the CPU per query
    of the SDK's wrapper (every request makes one to four queries; docs/edge.md). The SDK's
    `_EnvWrapper` keeps the JS env as `_env`; an env without it is not the SDK's (the CPython
    tests hand in the local host's D1, already in the core's shape) and is used as it is."""
    js_env = getattr(env, "_env", None) if js is not None else None
    if js_env is None:
        return env.DB
    # Imported here: edge_d1 imports `js`, which only Pyodide has. Once per isolate (app_for).
    from edge_d1 import D1

    return D1(js_env.DB)


def now() -> datetime:
    return datetime.now(UTC)


class BindingLimiter:
    """The core's `RateLimiter` over a `[[ratelimits]]` binding: the JS binding itself when `raw`
    (its options object made in one `to_js`, its answer's one field read: 0.1 ms less per
    limited request than the SDK's wrapper, which converts both whole), else the SDK's wrapper
    or a host's own limiter, which take a dict."""

    def __init__(self, binding: Any, *, raw: bool = False) -> None:
        self.binding = binding
        self.raw = raw

    async def hit(self, key: str) -> int | None:
        options: Any = {"key": key}
        if self.raw:
            options = to_js(options, dict_converter=js.Object.fromEntries)
        outcome = await self.binding.limit(options)
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
