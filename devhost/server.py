"""Composes the local host: the API (the `orders` core), the site, and the cron loop."""

from __future__ import annotations

import asyncio
import errno
import json
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web

from orders.api.app import App
from orders.config import Settings
from orders.ports import Deps

from . import crash, d1, inbound, pages
from .clock import ShiftableClock
from .kv import LocalKV
from .limits import WindowLimiter
from .outbound import HttpSender
from .settings import HostSettings, StartupError

log = logging.getLogger("devhost")
# One JSON object per line for each request and cron run: what it did and what it cost, D1
# round trips (`d1`) and time spent in them (`d1_ms`) included.
access = logging.getLogger("devhost.access")


def build(host: HostSettings, clock: ShiftableClock) -> tuple[App, d1.LocalD1, HttpSender]:
    host.data_dir.mkdir(parents=True, exist_ok=True)
    connection = d1.connect(host.data_dir / "d1.sqlite")
    db = d1.LocalD1(connection)
    if host.test_hooks and (deposits := host.env.get("DEVHOST_KILL_AFTER_DEPOSITS")):
        db.committed = crash.kill_after_deposits(int(deposits))
    settings = Settings.from_env(host.env)
    sender = HttpSender()
    deps = Deps(
        settings=settings,
        db=db,
        kv=LocalKV(connection, clock),
        send=sender,
        clock=clock,
        tokens=secrets.token_urlsafe,
        limiters={
            "orders": WindowLimiter(settings.rate_limit_orders_per_minute, clock),
            "quotes": WindowLimiter(settings.rate_limit_quotes_per_minute, clock),
        },
    )
    return App(deps), db, sender


def api(app: App, host: HostSettings, clock: ShiftableClock) -> web.Application:
    background: set[asyncio.Task[None]] = set()

    def later(task: Callable[[], Awaitable[None]]) -> None:
        # The edge's waitUntil: runs after the response, never delays it.
        job = asyncio.ensure_future(task())
        background.add(job)
        job.add_done_callback(background.discard)

    async def handle(request: web.Request) -> web.StreamResponse:
        started = time.perf_counter()
        with d1.counting() as trips:
            response = await inbound.answer(app, request, host.client_ip_header)
            sent = await inbound.send(request, response)
        # Started outside the count: work after the response is not the request's.
        for task in response.background:
            later(task)
        access.info(json.dumps({
            "at": clock().isoformat(timespec="milliseconds"), "method": request.method,
            "path": request.path_qs, "status": response.status,
            "ms": round((time.perf_counter() - started) * 1000, 2),
            "d1": trips.count, "d1_ms": round(trips.ms, 2),
            "request_id": response.headers.get("X-Request-Id"),
        }))  # fmt: skip
        return sent

    async def settle() -> None:
        # Test hooks first let in-flight waitUntil work finish: jumping the clock under a send
        # that is still running would expire its claim, which real time never does.
        while background:
            await asyncio.gather(*background, return_exceptions=True)

    async def run_scheduled(request: web.Request) -> web.StreamResponse:
        await settle()
        return web.json_response(await app.scheduled())

    async def move_clock(request: web.Request) -> web.StreamResponse:
        await settle()
        data = await request.json()
        now = clock.advance(float(data.get("advance_seconds", 0)))
        return web.json_response({"now": now.isoformat()})

    server = web.Application(
        client_max_size=1024 * 1024,
        middlewares=[inbound.own_errors(app, host.client_ip_header)],
        # The edge hands a Worker the body as sent, Content-Encoding and all: so does this host.
        handler_args={"auto_decompress": False},
    )
    if host.test_hooks:
        # Like `wrangler dev --test-scheduled`, plus a clock tests can move: never in production.
        server.router.add_post("/__scheduled", run_scheduled)
        server.router.add_post("/__dev/clock", move_clock)
    # Any path at all, newlines included (`.` would stop at one): the core decides what is there.
    server.router.add_route("*", r"/{tail:[\s\S]*}", handle)
    return server


async def cron_loop(app: App, interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        with d1.counting() as trips:
            report = await app.scheduled()
        if any(report.values()):
            access.info(
                json.dumps({"cron": report, "d1": trips.count, "d1_ms": round(trips.ms, 2)})
            )


async def listen(runner: web.AppRunner, host: HostSettings, port: int, what: str) -> None:
    """Starts `what` on `port`, or says plainly why it cannot and which setting moves it."""
    setting = "API_PORT" if what == "API" else "PAGES_PORT"
    try:
        await web.TCPSite(runner, host.host, port).start()
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            reason = (f"port {port} on {host.host} is already in use (another `make dev` still "
                      "running?)")  # fmt: skip
        else:
            reason = f"{host.host}:{port} refused: {exc.strerror or exc}"
        raise StartupError(
            f"The {what} cannot listen: {reason}.\n"
            f"Stop what holds it, or pick another port with {setting} (in the environment or "
            f".dev.vars), e.g. `{setting}={port + 10} make dev`."
        ) from None


def banner(host: HostSettings, app: App) -> str:
    """What `make dev` prints once both ports are open: where everything is."""
    site = f"http://{host.host}:{host.pages_port}"
    signing_in = (
        "sign in with ADMIN_TOKEN or one of ADMIN_TOKENS (.dev.vars)"
        if app.deps.settings.operators
        else "set ADMIN_TOKEN in .dev.vars to sign in"
    )
    return "\n".join((
        f"API listening on http://{host.host}:{host.api_port} (processor: {app.processor.name})",
        f"Site listening on {site}",
        f"Console on {site}/admin/ ({signing_in})",
        f"Data in {host.data_dir}; Ctrl-C stops.",
    ))  # fmt: skip


async def serve(root: Path) -> None:
    host = HostSettings.load(root)
    clock = ShiftableClock()
    app, db, sender = build(host, clock)
    api_base = f"http://{host.host}:{host.api_port}"
    runners = [
        web.AppRunner(api(app, host, clock), access_log=None),
        web.AppRunner(
            pages.site(host.pages_dir, api_base, app.deps.settings.sandbox, host.env),
            access_log=None,
        ),
    ]
    cron: asyncio.Task[None] | None = None
    try:
        for runner in runners:
            await runner.setup()
        await listen(runners[0], host, host.api_port, "API")
        await listen(runners[1], host, host.pages_port, "site")
        # One write: whoever waits for "Site listening" (the black-box tests) has it all.
        print(banner(host, app), flush=True)
        cron = asyncio.create_task(cron_loop(app, host.cron_interval))
        await asyncio.Event().wait()
    finally:
        if cron is not None:
            cron.cancel()
        for runner in runners:
            await runner.cleanup()
        await sender.close()
        db.connection.close()
