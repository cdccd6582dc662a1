"""`make bench`, the edge part: time per request of each endpoint where the Worker runs, Python 3.14
in Pyodide 314 through the real `workers` SDK (called as workerd calls it, bindings stood in by
tests/pyodide/edge/standins.mjs in the same process), against the same requests on CPython
in-process (the core's `App.handle`), and against the floor: a bare `WorkerEntrypoint` answering
a fixed Response through the same SDK path, in the same run.

One request at a time, each on a fresh setup (untimed), measured from the request object in to
the response object out, after a warm-up pass. Two clocks: the CPU time of the thread that runs
Python (the Workers limit is CPU time; other processes on the machine do not inflate it), as the
mean over RUNS requests, since in Pyodide it comes in 4 ms scheduler ticks; and wall time, as the
median. Run by bench/edge.mjs, which boots Pyodide and calls `pyodide_main`; `python -m
bench.edge_cpu` prints the CPython figures as JSON for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from tests.support.inprocess import (
    ADMIN_TOKEN,
    NOWPAYMENTS_ENV,
    Harness,
    finished_callback,
    nowpayments_harness,
    order_body,
)

RUNS = 100
CRON_RUNS = 3
CRON_ORDERS = 100  # a full expiry batch
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
WEBHOOK_URL = "https://hook.eu1.make.com/onecash-bench"
ENV = {
    **NOWPAYMENTS_ENV, "ADMIN_TOKEN": ADMIN_TOKEN, "ALLOWED_ORIGINS": "https://onncx.com",
    "WEBHOOK_URL": WEBHOOK_URL, "WEBHOOK_SECRET": "whsec_YmVuY2gtdGhyb3dhd2F5LWtleQ==",
}  # fmt: skip
POLITE = {"Origin": "https://onncx.com"}  # the site's requests carry it: CORS headers are built


class Target(Protocol):
    """One deployment to time requests against: the edge in Pyodide, or the core on CPython."""

    payments: dict[str, dict[str, Any]]

    async def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
    ) -> dict[str, Any]: ...

    async def timed(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
    ) -> Sample: ...

    async def timed_cron(self) -> Sample: ...

    async def settle(self) -> None: ...

    def advance(self, hours: float) -> None: ...

    def close(self) -> None: ...


# (wall ms, CPU ms) of the request, and CPU ms of the work it handed to waitUntil (the webhook
# delivery after a change), which the edge also counts against the invocation's CPU limit.
Sample = tuple[float, float, float]
Timed = Callable[[Target], Awaitable[Sample]]
Setup = Callable[[Target], Awaitable[Timed]]


async def created(target: Target) -> dict[str, Any]:
    answer = await target.call("POST", "/api/order", order_body(), headers=POLITE)
    assert answer["status"] == 201, answer
    return answer["json"]  # type: ignore[no-any-return]


def endpoints() -> dict[str, Setup]:
    """Each entry prepares one request (untimed) and returns the timed call."""

    async def health(t: Target) -> Timed:
        return lambda t: t.timed("GET", "/health", headers=POLITE)

    async def quote(t: Target) -> Timed:
        path = "/api/quote?from=btc&to=usdttrc20&amount=0.01"
        return lambda t: t.timed("GET", path, headers=POLITE)

    async def create(t: Target) -> Timed:
        return lambda t: t.timed("POST", "/api/order", order_body(), headers=POLITE)

    async def read(t: Target) -> Timed:
        order = await created(t)
        return lambda t: t.timed("GET", f"/api/order/{order['id']}", headers=POLITE)

    async def poll(t: Target) -> Timed:
        order = await created(t)
        read = await t.call("GET", f"/api/order/{order['id']}")
        headers = {**POLITE, "If-None-Match": read["headers"]["etag"]}
        return lambda t: t.timed("GET", f"/api/order/{order['id']}", headers=headers)

    async def put(t: Target) -> Timed:
        order = await created(t)
        body = {"status": "cancelled"}
        headers = {**POLITE, **ADMIN}
        return lambda t: t.timed("PUT", f"/api/order/{order['id']}", body, headers=headers)

    async def ipn(t: Target) -> Timed:
        order = await created(t)
        t.payments[order["payment"]["id"]].update(payment_status="finished", actually_paid=0.01)
        raw, headers = finished_callback(order)
        return lambda t: t.timed("POST", "/api/ipn/nowpayments", raw=raw, headers=headers)

    return {
        "GET /health": health,
        "quote": quote,
        "create": create,
        "read": read,
        "304 poll": poll,
        "PUT (cancel)": put,
        "IPN": ipn,
    }


async def sandbox_pay(t: Target) -> Timed:
    order = await created(t)
    path = f"/api/sandbox/pay/{order['id']}"
    return lambda t: t.timed("POST", path, {"status": "finished"}, headers=POLITE)


def summary(samples: list[Sample]) -> dict[str, float]:
    return {
        "cpu": statistics.fmean(cpu for _, cpu, _ in samples),
        "wall": statistics.median(wall for wall, _, _ in samples),
        "background": statistics.fmean(background for _, _, background in samples),
    }


async def measure(
    make: Callable[..., Target], setup: Setup, runs: int, **env: str
) -> dict[str, float]:
    """CPU and wall ms per request over `runs` requests, each on a fresh setup, one deployment."""
    target = make(**env)
    try:
        await created(target)  # the KV catalogue warm, as it usually is
        samples = []
        for _ in range(runs):
            call = await setup(target)
            await target.settle()  # the setup's background work, before the clock starts
            samples.append(await call(target))
        return summary(samples)
    finally:
        target.close()


async def cron(make: Callable[..., Target], runs: int) -> dict[str, float]:
    """CPU and wall ms of a cron run that expires a full batch of orders."""
    samples = []
    for _ in range(runs):
        target = make(**ENV)
        try:
            for _ in range(CRON_ORDERS):
                await created(target)
            await target.settle()
            target.advance(hours=2)
            samples.append(await target.timed_cron())
        finally:
            target.close()
    return summary(samples)


async def run(
    make: Callable[..., Target], runs: int = RUNS, cron_runs: int = CRON_RUNS
) -> dict[str, dict[str, float]]:
    figures = {name: await measure(make, setup, runs, **ENV) for name, setup in endpoints().items()}
    figures["sandbox pay"] = await measure(
        make, sandbox_pay, runs, **{**ENV, "PROCESSOR": "sandbox"}
    )
    figures[f"cron ({CRON_ORDERS} orders due)"] = await cron(make, cron_runs)
    return figures


# --- CPython: the core in-process ----------------------------------------------------------------


class InProcess:
    """The core's App on CPython over an in-memory SQLite D1 (tests/support's Harness)."""

    def __init__(self, **env: str) -> None:
        self.harness = Harness(**env)
        if env.get("PROCESSOR") == "nowpayments":
            nowpayments_harness(self.harness)
        self.payments = self.harness.payments

    async def call(self, method: str, path: str, body: Any = None, **kw: Any) -> dict[str, Any]:
        reply = await self.harness.call(method, path, body, **kw)
        headers = {k.lower(): v for k, v in reply.headers.items()}
        return {"status": reply.status, "headers": headers, "json": reply.json}

    async def timed(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
    ) -> Sample:
        from orders.api.http import Headers, Request

        path, _, query = path.partition("?")
        params = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else b"")
        request = Request(method, path, params, Headers(headers or {}), data, "203.0.113.7")
        wall, cpu = time.perf_counter(), time.process_time()
        response = await self.harness.app.handle(request)
        sample = (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000, 0.0
        assert response.status < 400, (method, path, response.status, response.body)
        return sample  # its background work (Harness leaves it unrun) is not measured here

    async def settle(self) -> None:
        pass  # Harness.call leaves background work unrun

    async def timed_cron(self) -> Sample:
        wall, cpu = time.perf_counter(), time.process_time()
        await self.harness.app.scheduled()
        return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000, 0.0

    def advance(self, hours: float) -> None:
        self.harness.clock.advance(hours=hours)

    def close(self) -> None:
        self.harness.close()


# --- Pyodide: src/entry.py through the real SDK --------------------------------------------------


def edge_target() -> Callable[..., Target]:
    """Deployments of src/entry.py as the edge tier runs it (tests/pyodide/edge/edge_runtime.py),
    rate-limit bindings included, with a driver that times the workerd-side call alone."""
    sys.path.insert(0, "/repo/tests/pyodide/edge")
    import edge_runtime

    edge_runtime.install_runtime()
    import entry

    class OnEdge:
        def __init__(self, **env: str) -> None:
            limits = {"RATE_LIMIT_ORDERS": 10**9, "RATE_LIMIT_QUOTES": 10**9}
            self.edge = edge_runtime.Edge(entry, env, limits)
            entry.now = self.edge.now  # type: ignore[attr-defined]
            self.payments = edge_runtime.nowpayments(self.edge)
            self.edge.route(WEBHOOK_URL, lambda sent: (200, {}))  # the operator's receiver

        async def call(self, method: str, path: str, body: Any = None, **kw: Any) -> dict[str, Any]:
            answer = await self.edge.fetch(method, path, body, **kw)
            return {"status": answer.status, "headers": answer.headers, "json": answer.json}

        async def timed(self, method: str, path: str, body: Any = None, **kw: Any) -> Sample:
            request = self.edge.request(method, path, body, **kw)
            edge = self.edge
            # The remote servers' work (NOWPayments, the webhook receiver) runs in this thread
            # too, in the network stand-in: it is taken out of both figures.
            remote = edge.network.cpuMs
            ctx = edge.context()
            wall, cpu, response = await edge.driver.timedFetch(request, edge.env, ctx)
            assert response.status < 400, (method, path, response.status)
            cpu -= edge.network.cpuMs - remote
            if not ctx.waiting.length:
                return float(wall), float(cpu), 0.0
            remote, started = edge.network.cpuMs, edge_runtime.standins.threadCpuMs()
            await edge.settle()
            background = edge_runtime.standins.threadCpuMs() - started
            return float(wall), float(cpu), background - (edge.network.cpuMs - remote)

        async def settle(self) -> None:
            await self.edge.settle()

        async def timed_cron(self) -> Sample:
            edge = self.edge
            controller = edge_runtime.standins.ScheduledController.new(
                edge_runtime.js_object({"scheduledTime": edge.clock.now(), "cron": "* * * * *"})
            )
            remote = edge.network.cpuMs
            wall, cpu, _ = await edge.driver.timedScheduled(controller, edge.env, edge.context())
            return float(wall), float(cpu) - (edge.network.cpuMs - remote), 0.0

        def advance(self, hours: float) -> None:
            self.edge.advance(hours=hours)

        def close(self) -> None:
            self.edge.close()

    return OnEdge


async def floor(runs: int = RUNS * 3) -> dict[str, float]:
    """A bare Python Worker answering a fixed Response, through the same driver and SDK path."""
    import edge_runtime
    from pyodide.ffi import create_proxy
    from workers import Response, WorkerEntrypoint

    class Bare(WorkerEntrypoint):
        async def fetch(self, request: Any) -> Response:
            return Response('{"status":"ok"}', headers={"Content-Type": "application/json"})

    proxies = [create_proxy(Bare), create_proxy(edge_runtime.call_handler)]
    driver = edge_runtime.standins.Workerd.new(
        edge_runtime.js_object({"entrypoint": proxies[0], "callHandler": proxies[1]})
    )
    edge = edge_runtime.Edge(sys.modules["entry"], {})
    try:
        samples = []
        for _ in range(runs):
            request = edge.request("GET", "/health", headers=POLITE)
            wall, cpu, _ = await driver.timedFetch(request, edge.env, edge.context())
            samples.append((float(wall), float(cpu), 0.0))
        return summary(samples)
    finally:
        edge.close()
        for proxy in proxies:
            proxy.destroy()


async def pyodide_main(runs: int = RUNS) -> str:
    """Inside Pyodide: the edge figures, and the floor, as JSON. A first pass warms V8 up (its
    WebAssembly starts in a baseline compiler and is optimised as it runs, as in an isolate that
    has served a while), and its figures are reported as `cold`."""
    make = edge_target()
    with contextlib.redirect_stdout(io.StringIO()):  # the cron's report lines
        cold = await run(make, max(3, runs // 8), cron_runs=1)
        cold_floor = await floor(runs)
        figures = await run(make, runs)
        bare = await floor()
    return json.dumps({"floor": bare, "figures": figures, "cold": cold, "cold_floor": cold_floor})


if __name__ == "__main__":
    with contextlib.redirect_stdout(io.StringIO()):
        asyncio.run(run(InProcess, max(3, RUNS // 8), cron_runs=1))  # the warm-up, as in Pyodide
        figures = asyncio.run(run(InProcess))
    print(json.dumps(figures))
