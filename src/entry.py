"""The Worker's composition root: hands the `orders` core the edge's bindings, and Cloudflare's
requests and cron to it (the conversions are in edge_http.py, D1 in edge_d1.py). It decides
nothing.
Module top level reads no env, clock or randomness: the deploy snapshots it (docs/architecture.md,
"The runtime boundary")."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from typing import Any

from workers import WorkerEntrypoint

from edge_http import js, send, to_js, to_request, to_response
from orders.api.app import App, Unconfigured
from orders.config import ConfigError, Settings, allowed_origins
from orders.ports import Deps

# Every var and secret `Settings.from_env` reads; an unset secret arrives as None.
ENV_NAMES = (
    "ALLOWED_ORIGINS", "FEE_PERCENT", "RATE_LOCK_MINUTES", "PAYMENT_WINDOW_MINUTES", "PROCESSOR",
    "SUPPORTED_CURRENCIES", "PUBLIC_SITE_URL", "PUBLIC_API_URL", "NOWPAYMENTS_API_BASE",
    "NOWPAYMENTS_API_KEY", "NOWPAYMENTS_IPN_SECRET", "NOWPAYMENTS_EMAIL", "NOWPAYMENTS_PASSWORD",
    "WEBHOOK_URL", "WEBHOOK_SECRET",
    "ADMIN_TOKEN", "ADMIN_TOKENS", "ADMIN_FAILURES_ALLOWED", "PAYOUT_OVERDUE_MINUTES",
    "PAYOUT_PROMISE_MINUTES",
    "RATE_LIMIT_ORDERS_PER_MINUTE", "RATE_LIMIT_QUOTES_PER_MINUTE", "WEBHOOK_TIMEOUT_SECONDS",
    "EMAIL_PROVIDER", "EMAIL_API_KEY", "EMAIL_FROM", "EMAIL_API_URL",
)  # fmt: skip
LIMITERS = {"orders": "RATE_LIMIT_ORDERS", "quotes": "RATE_LIMIT_QUOTES"}  # bucket -> binding
# The binding says only yes or no; its window is the 60 s `period` in wrangler.toml.
RETRY_AFTER_SECONDS = 60


class Default(WorkerEntrypoint):
    async def fetch(self, request: Any) -> Any:
        response = await serving(self.env).handle(await to_request(request))
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
        report = await serving(self.env).scheduled()
        if any(report.values()):
            print(json.dumps({"cron": getattr(controller, "cron", None), **report}))


class _Deployment:
    """The App of the env last seen. workerd makes a new entrypoint instance, with a new SDK
    wrapper around the same JS env, for every event; but an isolate's env never changes (its vars,
    secrets and bindings are fixed at deploy) and the App keeps nothing per request (the local
    host also keeps one for the process). Building it once per isolate, not per request, saves
    reading every var through the SDK and parsing the settings each time."""

    env: Any = None
    app: App | None = None


def serving(env: Any) -> App | Unconfigured:
    """The App of this env; while its settings do not parse, the stand-in that answers every
    request with a 503 naming the variable (through the App's own request id, CORS and headers)
    and runs no cron. The whole reason, value included, goes to the operator's log only."""
    try:
        return app_for(env)
    except ConfigError as exc:
        print(json.dumps({"error": "misconfigured", "variable": exc.variable, "detail": str(exc)}))
        origins = allowed_origins(_text(env, "ALLOWED_ORIGINS"))
        return Unconfigured(exc, origins, lambda prefix: f"{prefix}_{secrets.token_urlsafe(16)}")


def app_for(env: Any) -> App:
    # The SDK's `_EnvWrapper` keeps the JS env as `_env`; JS objects compare equal when they are
    # the same object. Without it, the wrapper itself is the key (and a new one never matches).
    key = getattr(env, "_env", env)
    if _Deployment.app is None or not (_Deployment.env is key or _Deployment.env == key):
        _Deployment.app = App(build_deps(env))  # a ConfigError leaves the last one in place
        _Deployment.env = key
    return _Deployment.app


def _text(env: Any, name: str) -> str | None:
    value = getattr(env, name, None)
    return None if value is None else str(value)


def build_deps(env: Any) -> Deps:
    def text(name: str) -> str | None:
        return _text(env, name)

    # The rate-limit bindings themselves, past the SDK's wrapper when there is one (BindingLimiter).
    bindings = getattr(env, "_env", None) if js is not None else None
    limiters = {
        bucket: BindingLimiter(binding, raw=bindings is not None)
        for bucket, name in LIMITERS.items()
        if (binding := getattr(env if bindings is None else bindings, name, None)) is not None
    }
    # The SDK's env wrapper hands KV arguments to JS as plain values and results back as Python
    # values, so KV already has the core's shape and is used through it (docs/edge.md says what
    # going past it would save). D1 goes through our own adapter instead (database_of).
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
    """The core's D1: edge_d1 over the raw JS binding, cheaper per query than the SDK's wrapper
    (every request makes one to four queries; docs/edge.md has the figures). The SDK's env
    wrapper keeps the JS env as `_env`; an env without it is not the SDK's (the CPython tests
    hand in the local host's D1, already in the core's shape) and is used as it is."""
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
    (its options object made in one `to_js`, its answer's one field read, where the SDK's
    wrapper converts both whole: docs/edge.md), else the SDK's wrapper or a host's own limiter,
    which take a dict."""

    def __init__(self, binding: Any, *, raw: bool = False) -> None:
        self.binding = binding
        self.raw = raw

    async def hit(self, key: str) -> int | None:
        options: Any = {"key": key}
        if self.raw:
            options = to_js(options, dict_converter=js.Object.fromEntries)
        outcome = await self.binding.limit(options)
        return None if outcome.success else RETRY_AFTER_SECONDS
