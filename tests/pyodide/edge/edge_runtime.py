"""The edge as workerd runs src/entry.py, inside Pyodide: the real `workers` SDK, the two modules
workerd registers for it, the JavaScript binding stand-ins of standins.mjs, and a driver that
builds the entrypoint class and calls its handlers the way workerd's python-entrypoint-helper
does. JavaScript `Request` objects go in, JavaScript `Response` objects come out.

Only importable inside Pyodide (it imports `js`); conftest.py keeps CPython away from this folder.
"""

from __future__ import annotations

import inspect
import json
import sys
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import js
from _repo_js import load
from pyodide.code import relaxed_call
from pyodide.ffi import JsProxy, create_proxy, jsnull, register_js_module, run_sync, to_js

API = "https://api.onncx.com"
NOWPAYMENTS = "https://api.nowpayments.io/v1"
CLIENT_IP = "203.0.113.7"
SCHEMA = (Path(__file__).resolve().parents[3] / "schema.sql").read_text()

standins: Any = run_sync(load("tests/pyodide/edge/standins.mjs"))


def js_object(value: Mapping[str, Any]) -> Any:
    """A plain JavaScript object (not a Map) from a dict; JS values in it pass through."""
    return to_js(value, dict_converter=js.Object.fromEntries)


def install_runtime() -> None:
    """What workerd sets up before the Worker's module runs. Must come before `import workers`:
    `pyodide.http` binds the global `fetch` once, when first imported. Done once."""
    if "_pyodide_entrypoint_helper" in sys.modules:
        return
    standins.installGlobalFetch()
    register_js_module("_cloudflare_compat_flags", standins.COMPATIBILITY_FLAGS)
    register_js_module("_pyodide_entrypoint_helper", standins.entrypointHelper())
    from pyodide import webloop
    from pyodide.http import _pyfetch

    assert _pyfetch._jsfetch == js.fetch, "pyodide.http was imported before the fetch stand-in"
    webloop.scheduleCallback = standins.trackTimers(webloop.scheduleCallback)


async def call_handler(relaxed: bool, instance: Any, name: str, *args: Any) -> Any:
    """What workerd's introspection wrapper does around a handler of an entrypoint class: the
    arguments come over RPC (`python_from_rpc` makes a JS Request a `workers.Request`), `fetch`
    is called relaxed (arguments it does not take are dropped), and the result goes back with
    `python_to_rpc` (a `workers.Response` becomes its JS Response)."""
    from workers import python_from_rpc, python_to_rpc

    method = getattr(instance, name)
    converted = [python_from_rpc(arg) for arg in args]
    result = relaxed_call(method, *converted) if relaxed else method(*converted)
    if inspect.isawaitable(result):
        result = await result
    return python_to_rpc(result)


@dataclass
class Answer:
    """What the client of the Worker observes of a JS Response."""

    status: int
    headers: dict[str, str]
    body: bytes | None  # None: the Response has a null body (204, 304, HEAD)

    @classmethod
    async def read(cls, response: Any) -> Answer:
        assert response.constructor.name == "Response", f"the Worker answered {response!r}"
        headers = js.Object.fromEntries(response.headers).to_py()
        stream = response.body
        null_body = stream is None or stream is jsnull
        body = None if null_body else (await response.arrayBuffer()).to_bytes()
        return cls(response.status, headers, body)

    @property
    def json(self) -> Any:
        assert self.body is not None
        return json.loads(self.body)


@dataclass
class Sent:
    """An outbound request the Worker made through the global fetch."""

    record: Any  # the stand-in's JS record: url, method, headers, body, aborted, abortReason

    @property
    def url(self) -> str:
        return str(self.record.url)

    @property
    def method(self) -> str:
        return str(self.record.method)

    @property
    def headers(self) -> dict[str, str]:
        return dict(self.record.headers.to_py())

    @property
    def body(self) -> bytes:
        body = self.record.body
        return b"" if body is None or body is jsnull else body.to_bytes()

    @property
    def aborted(self) -> bool:
        return bool(self.record.aborted)


Reply = tuple[int, Any] | Any  # (status, JSON-able body), or standins.HANG
Route = Callable[[Sent], Reply | Awaitable[Reply]]


def response(status: int, body: Any = b"", headers: Mapping[str, str] | None = None) -> Any:
    """A JS Response, as a remote server's answer."""
    if not isinstance(body, bytes):
        body = json.dumps(body).encode()
        headers = {"content-type": "application/json", **(headers or {})}
    return js.Response.new(
        to_js(body) if body else None, status=status, headers=js_object(headers or {})
    )


@dataclass
class Edge:
    """One deployment of the Worker: its env (bindings, vars, secrets), a clock shared by KV,
    the rate limiters and the Worker's `now`, the network, and every ExecutionContext used."""

    entry: Any  # the src/entry.py module
    vars: dict[str, str] = field(default_factory=dict)
    limits: dict[str, int] = field(default_factory=dict)  # binding name -> requests per minute

    def __post_init__(self) -> None:
        self.clock = standins.Clock.new()
        self.db = standins.D1Database.new(js_object({"schema": SCHEMA}))
        self.kv = standins.KvNamespace.new(js_object({"clock": self.clock}))
        self.network = standins.useNetwork(standins.Network.new())
        self.limiters = {
            name: standins.Ratelimit.new(js_object({"limit": n, "period": 60, "clock": self.clock}))
            for name, n in self.limits.items()
        }
        self.routes: list[tuple[str, Route]] = []
        self._answer = create_proxy(self._route)
        self.network.answer(self._answer)
        self.contexts: list[Any] = []
        self.unsettled: list[Any] = []
        self._proxies = [create_proxy(self.entry.Default), create_proxy(call_handler)]
        self.driver = standins.Workerd.new(
            js_object({"entrypoint": self._proxies[0], "callHandler": self._proxies[1]})
        )
        self.env = self.make_env(**self.vars)

    def make_env(self, **values: str) -> Any:
        """The env workerd hands the Worker: bindings, then vars and secrets (an unset one is
        simply absent). A new env over the same bindings is a redeploy with other settings."""
        return js_object({"DB": self.db, "KV": self.kv, **self.limiters, **values})

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock.now() / 1000, UTC)

    def advance(self, **seconds: float) -> None:
        self.clock.advance(sum(seconds.get(k, 0) * s for k, s in UNITS.items()))

    # --- the network ---

    def route(self, prefix: str, answer: Route) -> None:
        """Requests to URLs starting with `prefix` are answered by `answer` (last added wins)."""
        self.routes.insert(0, (prefix, answer))

    async def _route(self, record: Any) -> Any:
        sent = Sent(record)
        for prefix, answer in self.routes:
            if sent.url.startswith(prefix):
                reply = answer(sent)
                if inspect.isawaitable(reply):
                    reply = await reply
                if reply is standins.HANG or isinstance(reply, JsProxy):
                    return reply
                status, body = reply
                return response(status, body)
        raise AssertionError(f"the Worker fetched {sent.method} {sent.url}, which no test expects")

    @property
    def sent(self) -> list[Sent]:
        return [Sent(record) for record in self.network.requests]

    # --- calling the Worker as workerd does ---

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        headers: Mapping[str, str] | None = None,
        raw: bytes | None = None,
        stream: Any = None,
    ) -> Any:
        """A JS Request as a client sends it: JSON when `body` is given, else the `raw` bytes,
        else the JS ReadableStream `stream`."""
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        sent_headers = {"CF-Connecting-IP": CLIENT_IP, **(headers or {})}
        init: dict[str, Any] = {"method": method}
        if stream is not None:
            init.update(body=stream, duplex="half")
        if data is not None:
            init["body"] = to_js(data)
            sent_headers.setdefault("Content-Type", "application/json")
        init["headers"] = js_object(sent_headers)
        return js.Request.new(API + path, js_object(init))

    def context(self) -> Any:
        """A new ExecutionContext, as workerd makes for every event; settle() runs them all."""
        ctx = standins.ExecutionContext.new()
        self.contexts.append(ctx)
        self.unsettled.append(ctx)
        return ctx

    async def fetch(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        headers: Mapping[str, str] | None = None,
        raw: bytes | None = None,
        stream: Any = None,
        env: Any = None,
    ) -> Answer:
        request = self.request(method, path, body, headers=headers, raw=raw, stream=stream)
        env = self.env if env is None else env
        return await Answer.read(await self.driver.fetch(request, env, self.context()))

    async def scheduled(
        self, cron: str = "* * * * *", *, env: Any = None, args: str = "workerd"
    ) -> None:
        """The cron trigger. `args`: "workerd" hands (controller, undefined, undefined) as
        workerd does for an entrypoint class; "controller" hands the controller alone."""
        controller = standins.ScheduledController.new(
            js_object({"scheduledTime": self.clock.now(), "cron": cron})
        )
        options = js_object({"args": [controller]}) if args == "controller" else None
        env = self.env if env is None else env
        await self.driver.scheduled(controller, env, self.context(), options)

    @property
    def waiting(self) -> int:
        """How many promises the Worker has handed to ctx.waitUntil so far."""
        return sum(ctx.waiting.length for ctx in self.contexts)

    async def settle(self) -> None:
        """Runs all work handed to waitUntil to its end, as the runtime does after a response;
        any of it that failed fails the test."""
        while self.unsettled:
            errors = (await self.unsettled.pop(0).settle()).to_py()
            assert not errors, f"background work failed: {errors}"

    def rows(self, sql: str, *params: Any) -> list[dict[str, Any]]:
        return [dict(row) for row in self.db.query(sql, *params).to_py()]

    def close(self) -> None:
        self.db.close()
        self._answer.destroy()
        for proxy in self._proxies:
            proxy.destroy()


UNITS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}


def nowpayments(edge: Edge) -> dict[str, dict[str, Any]]:
    """The Worker's calls to NOWPayments answered by the one NOWPayments stand-in the other tiers
    use (tests/support); returns the payments it keeps, which a test may move on."""
    # Imported here, not at the top: the bench times importing the core, after this module.
    from orders.ports import OutboundRequest
    from tests.support.inprocess import nowpayments_harness

    processor = SimpleNamespace(payments={}, outbound=SimpleNamespace(answer=None))
    nowpayments_harness(processor)  # type: ignore[arg-type]  # it needs only these two

    async def answer(sent: Sent) -> Any:
        request = OutboundRequest(sent.method, sent.url, sent.headers, sent.body or None)
        reply = await processor.outbound.answer(request)
        return response(reply.status, reply.body, reply.headers)

    edge.route(NOWPAYMENTS, answer)
    return processor.payments  # type: ignore[no-any-return]
