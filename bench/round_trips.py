"""`make bench`, CPython part: per endpoint, the D1 round trips it makes, the CPU it costs
in-process, and its latency when every round trip takes 25 ms (D1's primary seen from a distant
Cloudflare location), as a ratio to the floor: a request that makes exactly one round trip.

Run: `make bench` (or `PYTHONPATH=src:. .venv/bin/python -m bench.round_trips`).
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

from devhost import d1
from tests.support.inprocess import (
    NOWPAYMENTS_ENV,
    Harness,
    Reply,
    finished_callback,
    nowpayments_harness,
    order_body,
)

D1_LATENCY = 0.025
RUNS = 200  # CPU samples per endpoint
LATENCY_RUNS = 10  # each costs 25 ms per round trip of real waiting

Call = Callable[[Harness], Awaitable[Reply]]


async def prepared(harness: Harness, status: str | None = None) -> dict[str, Any]:
    """A fresh order (and, with `status`, its processor payment in that state)."""
    order = (await harness.call("POST", "/api/order", order_body())).json
    if status:
        harness.payments[order["payment"]["id"]].update(payment_status=status, actually_paid=0.01)
    return order  # type: ignore[no-any-return]


def endpoints() -> dict[str, Callable[[Harness], Awaitable[Call]]]:
    """Each entry sets up what one request needs (untimed) and returns the request to time."""

    async def quote(h: Harness) -> Call:
        return lambda h: h.call("GET", "/api/quote?from=btc&to=usdttrc20&amount=0.01")

    async def create(h: Harness) -> Call:
        return lambda h: h.call("POST", "/api/order", order_body())

    async def read(h: Harness) -> Call:
        order = await prepared(h)
        return lambda h: h.call("GET", f"/api/order/{order['id']}")

    async def poll(h: Harness) -> Call:
        order = await prepared(h)
        etag = (await h.call("GET", f"/api/order/{order['id']}")).headers["ETag"]
        return lambda h: h.call("GET", f"/api/order/{order['id']}", headers={"If-None-Match": etag})

    async def put(h: Harness) -> Call:
        order = await prepared(h)
        body = {"status": "cancelled"}
        return lambda h: h.call("PUT", f"/api/order/{order['id']}", body, headers=h.admin())

    async def ipn(h: Harness) -> Call:
        order = await prepared(h, "finished")
        raw, headers = finished_callback(order)
        return lambda h: h.call("POST", "/api/ipn/nowpayments", raw=raw, headers=headers)

    async def floor(h: Harness) -> Call:
        return lambda h: h.call("GET", "/health")

    return {"floor: /health (1 round trip)": floor, "quote": quote, "create": create,
            "read": read, "304 poll": poll, "PUT": put, "IPN": ipn}  # fmt: skip


async def measure(name: str, setup: Callable[[Harness], Awaitable[Call]], latency: float,
                  runs: int, sandbox: bool = False) -> tuple[int, float]:  # fmt: skip
    """(round trips, median ms per request) over `runs` requests, each on a fresh setup."""
    env = {"RATE_LIMIT_ORDERS_PER_MINUTE": "100000", "RATE_LIMIT_QUOTES_PER_MINUTE": "100000"}
    harness = Harness(**env) if sandbox else nowpayments_harness(Harness(**NOWPAYMENTS_ENV))
    try:
        await harness.call("POST", "/api/order", order_body())  # KV catalogue warm, as usual
        samples, trips = [], 0
        for _ in range(runs):
            call = await setup(harness)
            harness.db.latency = latency
            clock = time.perf_counter if latency else time.process_time
            started = clock()
            reply = await call(harness)
            samples.append((clock() - started) * 1000)
            harness.db.latency = 0.0
            assert reply.status < 400, (name, reply.status, reply.body)
            trips = reply.d1
        return trips, statistics.median(samples)
    finally:
        harness.close()


async def sandbox_pay(h: Harness) -> Call:
    order = (await h.call("POST", "/api/order", order_body())).json
    return lambda h: h.call("POST", f"/api/sandbox/pay/{order['id']}", {"status": "finished"})


async def cron(runs: int, latency: float) -> tuple[int, float, int]:
    """A cron run with a full expiry batch (100 orders due): round trips, median ms, orders."""
    samples, trips, expired = [], 0, 0
    for _ in range(runs):
        harness = nowpayments_harness(Harness(**NOWPAYMENTS_ENV))
        try:
            for _ in range(100):
                await harness.call("POST", "/api/order", order_body())
            harness.clock.advance(hours=2)
            harness.db.latency = latency
            clock = time.perf_counter if latency else time.process_time
            with d1.counting() as counted:
                started = clock()
                report = await harness.app.scheduled()
                samples.append((clock() - started) * 1000)
            trips, expired = counted.count, report["expired"]
        finally:
            harness.close()
    return trips, statistics.median(samples), expired


async def main() -> list[dict[str, Any]]:
    rows = []
    cases = [(n, s, False) for n, s in endpoints().items()] + [("sandbox pay", sandbox_pay, True)]
    for name, setup, sandbox in cases:
        trips, cpu = await measure(name, setup, 0.0, RUNS, sandbox)
        _, wall = await measure(name, setup, D1_LATENCY, LATENCY_RUNS, sandbox)
        rows.append({"endpoint": name, "d1": trips, "cpu_ms": cpu, "latency_ms": wall})
    trips, cpu, expired = await cron(3, 0.0)
    _, wall, _ = await cron(2, D1_LATENCY)
    rows.append({"endpoint": f"cron ({expired} orders due)", "d1": trips, "cpu_ms": cpu,
                 "latency_ms": wall})  # fmt: skip
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    floor = rows[0]["latency_ms"]
    lines = [
        f"CPython {sys.version.split()[0]}, in-process; D1 latency {D1_LATENCY * 1000:g} ms "
        "per round trip for the last two columns",
        "| endpoint | D1 round trips | CPU ms/request | latency ms | × floor |",
        "|---|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['endpoint']} | {row['d1']} | {row['cpu_ms']:.2f} | "
            f"{row['latency_ms']:.1f} | {row['latency_ms'] / floor:.2f} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    results = asyncio.run(main())
    print(table(results))
    if "--json" in sys.argv:
        print(json.dumps(results))
