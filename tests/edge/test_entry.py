"""The Worker's composition root (src/entry.py), run on CPython under a small fake of the `workers`
SDK: only the SDK surface is faked; D1 and KV are the local host's real implementations over an
in-memory SQLite loaded from schema.sql, and the `orders` core is the real one."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import importlib
import json
import os
import random
import sqlite3
import sys
import sysconfig
import time
import types
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPMethod
from http.client import HTTPMessage
from pathlib import Path
from typing import Any

import pytest

from devhost import d1
from devhost.kv import LocalKV
from orders.ports import OutboundRequest, SendError

SRC = str(Path(__file__).resolve().parents[2] / "src")
STDLIB = sysconfig.get_paths()["stdlib"]
PACKAGES = (sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"])
API = "https://api.onncx.com"
WEBHOOK_URL = "https://hooks.example/onecash"
WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"k" * 24).decode()
CLIENT_IP = "203.0.113.7"
ORDER = {
    "from_currency": "btc",
    "to_currency": "eth",
    "amount": "0.01",
    "payout_address": "0x" + "ab" * 20,
}


# --- the fake SDK: the three names entry.py imports, with the runtime's rules -------------------


class FakeResponse:
    """`workers.Response`: like the JS Response, it refuses a body on a null-body status."""

    def __init__(
        self, body: str | bytes | None = None, status: int | None = None,
        status_text: str = "", headers: dict[str, str] | None = None,
    ) -> None:  # fmt: skip
        if body is not None and not isinstance(body, str | bytes):
            raise TypeError(f"Unsupported type in Response: {type(body).__name__}")
        if status in (101, 204, 205, 304) and body is not None:
            raise TypeError("Response with null body status cannot have body")
        self.body = body
        self.status = status or 200
        self.headers = dict(headers or {})

    def json(self) -> Any:
        assert isinstance(self.body, bytes)
        return json.loads(self.body)


@dataclass
class FetchAnswer:
    """What the fake `workers.fetch` returns: status, lower-cased headers, `await bytes()`."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    async def bytes(self) -> bytes:
        return self.body


@dataclass
class Sent:
    url: str
    options: dict[str, Any]


@dataclass
class Network:
    """Records every outbound fetch; answers 200 unless told otherwise."""

    answer: Callable[[Sent], Awaitable[FetchAnswer]] | None = None
    sent: list[Sent] = field(default_factory=list)

    async def fetch(self, url: str, **options: Any) -> FetchAnswer:
        self.sent.append(Sent(url, options))
        return await self.answer(self.sent[-1]) if self.answer else FetchAnswer()


class FakeEntrypoint:
    def __init__(self, ctx: Any, env: Any) -> None:
        self.ctx = ctx
        self.env = env


@dataclass
class Incoming:
    """A `workers.Request`: full URL, `HTTPMessage` headers, `await bytes()`, the JS request as
    `js_object`, and `method` as the SDK computes it: `HTTPMethod[js method]`, a KeyError for a
    method outside that enum."""

    js_object: types.SimpleNamespace  # the JS Request: `.method` is the method as sent
    url: str
    headers: HTTPMessage
    body: bytes = b""

    @property
    def method(self) -> HTTPMethod:
        return HTTPMethod[self.js_object.method]

    async def bytes(self) -> bytes:
        return self.body


class Stream:
    """The JS request's body, a ReadableStream: `getReader()`, then `await read()` gives
    `{done, value}` chunk by chunk (`value.to_bytes()`); it counts the chunks read."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks
        self.read = 0

    def getReader(self) -> Any:
        async def read() -> Any:
            if self.read == len(self.chunks):
                return types.SimpleNamespace(done=True, value=None)
            self.read += 1
            chunk = self.chunks[self.read - 1]
            return types.SimpleNamespace(
                done=False, value=types.SimpleNamespace(to_bytes=lambda: chunk)
            )

        async def cancel() -> None:
            pass

        return types.SimpleNamespace(read=read, cancel=cancel)


def incoming(
    method: str, path: str, body: bytes = b"", chunks: list[bytes] | None = None, **headers: str
) -> Incoming:
    message = HTTPMessage()
    for name, value in {"CF-Connecting-IP": CLIENT_IP, **headers}.items():
        message[name.replace("_", "-")] = value
    # The JS request's body is null when there is none (always for GET), else a stream.
    stream = Stream(chunks or [body]) if body or chunks else None
    js_request = types.SimpleNamespace(method=method, body=stream)
    return Incoming(js_request, API + path, message, body)


class Context:
    """The ExecutionContext: holds what `waitUntil` was given, to run (or drop) on demand."""

    def __init__(self) -> None:
        self.waiting: list[Awaitable[Any]] = []

    def waitUntil(self, awaitable: Awaitable[Any]) -> None:
        self.waiting.append(awaitable)

    async def settle(self) -> None:
        pending, self.waiting = self.waiting, []
        for awaitable in pending:
            await awaitable

    def drop(self) -> None:
        for awaitable in self.waiting:
            awaitable.close()
        self.waiting = []


@dataclass
class Limiter:
    """A `[[ratelimits]]` binding that answers every key the same way."""

    success: bool
    keys: list[str] = field(default_factory=list)

    async def limit(self, options: dict[str, str]) -> Any:
        self.keys.append(options["key"])
        return types.SimpleNamespace(success=self.success)


MakeEnv = Callable[..., types.SimpleNamespace]
EDGE_MODULES = ("entry", "edge_http")  # imported against the SDK: fresh for each fake


# --- fixtures ------------------------------------------------------------------------------------


@pytest.fixture
def network() -> Network:
    return Network()


def fake_sdk(network: Network) -> types.ModuleType:
    sdk = types.ModuleType("workers")
    sdk.WorkerEntrypoint = FakeEntrypoint
    sdk.Response = FakeResponse
    sdk.fetch = network.fetch
    return sdk


@pytest.fixture
def entry(network: Network, monkeypatch: pytest.MonkeyPatch) -> Iterator[types.ModuleType]:
    """src/entry.py (and edge_http.py, which takes the SDK's fetch), freshly imported against
    the fake SDK."""
    monkeypatch.setitem(sys.modules, "workers", fake_sdk(network))
    for name in EDGE_MODULES:
        sys.modules.pop(name, None)
    yield importlib.import_module("entry")
    for name in EDGE_MODULES:
        sys.modules.pop(name, None)


@pytest.fixture
def make_env() -> Iterator[MakeEnv]:
    """The Worker's `env`: D1 and KV bindings, vars and secrets; a missing name is unset."""
    connections: list[sqlite3.Connection] = []

    def make(**values: Any) -> types.SimpleNamespace:
        connections.append(d1.connect(":memory:"))
        return types.SimpleNamespace(
            DB=d1.LocalD1(connections[-1]),
            KV=LocalKV(connections[-1], lambda: datetime.now(UTC)),
            PROCESSOR="sandbox",
            **values,
        )

    yield make
    for connection in connections:
        connection.close()


@pytest.fixture
def ctx() -> Iterator[Context]:
    context = Context()
    yield context
    context.drop()


# --- requests through Default.fetch --------------------------------------------------------------


async def test_health_answers_json_with_a_request_id(
    entry: Any, make_env: MakeEnv, ctx: Context
) -> None:
    worker = entry.Default(ctx, make_env())

    response = await worker.fetch(incoming("GET", "/health"))

    assert response.status == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.headers["X-Request-Id"]
    assert response.json()["status"] == "ok"
    assert response.json()["checks"] == {"db": "ok"}


@pytest.mark.parametrize(
    ("name", "value"),
    [("FEE_PERCENT", "lots"), ("RATE_LOCK_MINUTES", "twenty"), ("EMAIL_PROVIDER", "smtp-relay")],
)
async def test_a_misconfigured_worker_answers_503_naming_the_variable_not_its_value(
    entry: Any,
    make_env: MakeEnv,
    ctx: Context,
    capsys: pytest.CaptureFixture[str],
    name: str,
    value: str,
) -> None:
    worker = entry.Default(ctx, make_env(**{name: value, "ALLOWED_ORIGINS": "https://onncx.com"}))

    response = await worker.fetch(
        incoming("GET", "/health", Origin="https://onncx.com", X_Request_Id="req-misconf-01")
    )

    assert response.status == 503
    error = response.json()["error"]
    assert error["code"] == "service_unavailable" and name in error["message"]
    assert value not in response.body.decode()
    assert response.json()["request_id"] == response.headers["X-Request-Id"] == "req-misconf-01"
    assert response.headers["Access-Control-Allow-Origin"] == "https://onncx.com"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert value in capsys.readouterr().out  # the operator's log has the whole reason


@pytest.mark.parametrize(
    ("name", "env"),
    [
        ("ADMIN_TOKEN", {"ADMIN_TOKEN": "dev-admin-token"}),
        ("ADMIN_TOKENS", {"ADMIN_TOKENS": f"ana:{'s' * 40},bo:{'s' * 40}"}),
    ],
)
async def test_a_short_or_shared_operator_token_is_503_and_never_shown(
    entry: Any,
    make_env: MakeEnv,
    ctx: Context,
    capsys: pytest.CaptureFixture[str],
    name: str,
    env: dict[str, str],
) -> None:
    worker = entry.Default(ctx, make_env(**env))

    response = await worker.fetch(incoming("GET", "/api/admin/queue"))

    assert response.status == 503 and name in response.json()["error"]["message"]
    logged = capsys.readouterr().out
    assert name in logged
    for token in ("dev-admin-token", "s" * 40):  # in neither the answer nor the log
        assert token not in response.body.decode() and token not in logged


async def test_a_misconfigured_worker_still_answers_preflights_and_makes_request_ids(
    entry: Any, make_env: MakeEnv, ctx: Context
) -> None:
    worker = entry.Default(ctx, make_env(FEE_PERCENT="lots", ALLOWED_ORIGINS="https://onncx.com"))

    preflight = await worker.fetch(incoming("OPTIONS", "/api/order", Origin="https://onncx.com"))
    refused = await worker.fetch(incoming("POST", "/api/order", json.dumps(ORDER).encode()))

    assert preflight.status == 204 and preflight.body is None
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://onncx.com"
    assert refused.status == 503 and refused.headers["X-Request-Id"].startswith("req_")
    assert "Access-Control-Allow-Origin" not in refused.headers  # no Origin, no CORS


async def test_a_misconfigured_cron_logs_why_and_does_not_raise(
    entry: Any, make_env: MakeEnv, ctx: Context, capsys: pytest.CaptureFixture[str]
) -> None:
    worker = entry.Default(ctx, make_env(PAYOUT_OVERDUE_MINUTES="soon"))

    await worker.scheduled(types.SimpleNamespace(cron="* * * * *"))
    await worker.scheduled()

    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["variable"] for line in logged] == ["PAYOUT_OVERDUE_MINUTES"] * 2
    assert all(line["error"] == "misconfigured" and "soon" in line["detail"] for line in logged)


async def test_an_incoming_request_id_and_the_query_reach_the_core(
    entry: Any, make_env: MakeEnv, ctx: Context
) -> None:
    worker = entry.Default(ctx, make_env())

    response = await worker.fetch(
        incoming("GET", "/api/quote?from=btc&to=eth&amount=0.01", X_Request_Id="req-edge-0001")
    )

    assert response.status == 200
    assert response.headers["X-Request-Id"] == "req-edge-0001"
    assert response.json()["from"] == {"currency": "btc", "amount": "0.01"}


EDGE_ADMIN_TOKEN = "edge-tier-admin-token-long-enough-to-be-accepted"


@pytest.mark.parametrize("path", ["/api%2Fadmin%2Fqueue", "/api/admin%2Fqueue"])
async def test_an_encoded_slash_is_routed_as_sent_not_decoded(
    entry: Any, make_env: MakeEnv, ctx: Context, path: str
) -> None:
    worker = entry.Default(ctx, make_env(ADMIN_TOKEN=EDGE_ADMIN_TOKEN))
    admin = {"Authorization": f"Bearer {EDGE_ADMIN_TOKEN}"}

    plain = await worker.fetch(incoming("GET", "/api/admin/queue", **admin))
    encoded = await worker.fetch(incoming("GET", path, **admin))

    assert plain.status == 200
    assert encoded.status == 404 and encoded.json()["error"]["code"] == "not_found"


async def test_a_query_parameter_given_twice_is_refused(
    entry: Any, make_env: MakeEnv, ctx: Context
) -> None:
    worker = entry.Default(ctx, make_env())

    response = await worker.fetch(incoming("GET", "/api/quote?from=btc&to=eth&amount=0.01&to=ltc"))

    assert response.status == 422
    assert [d["field"] for d in response.json()["error"]["details"]] == ["to"]


async def test_answers_and_errors_say_nosniff(entry: Any, make_env: MakeEnv, ctx: Context) -> None:
    worker = entry.Default(ctx, make_env())

    answers = [await worker.fetch(incoming("GET", path)) for path in ("/health", "/nowhere")]

    assert [a.status for a in answers] == [200, 404]
    assert {a.headers["X-Content-Type-Options"] for a in answers} == {"nosniff"}


async def test_a_token_that_is_not_ascii_is_401(
    entry: Any, make_env: MakeEnv, ctx: Context
) -> None:
    worker = entry.Default(ctx, make_env(ADMIN_TOKEN=EDGE_ADMIN_TOKEN))

    response = await worker.fetch(incoming("GET", "/api/admin/queue", Authorization="Bearer \xff"))

    assert response.status == 401 and response.json()["error"]["code"] == "unauthorized"


async def test_a_preflight_answers_204_with_no_body_at_all(
    entry: Any, make_env: MakeEnv, ctx: Context
) -> None:
    worker = entry.Default(ctx, make_env(ALLOWED_ORIGINS="https://onncx.com"))

    response = await worker.fetch(incoming("OPTIONS", "/api/order", Origin="https://onncx.com"))

    assert response.status == 204
    assert response.body is None
    assert response.headers["Access-Control-Allow-Origin"] == "https://onncx.com"


async def test_creating_an_order_answers_201_and_delivers_its_webhook_after_the_response(
    entry: Any, make_env: MakeEnv, ctx: Context, network: Network
) -> None:
    env = make_env(WEBHOOK_URL=WEBHOOK_URL, WEBHOOK_SECRET=WEBHOOK_SECRET)
    worker = entry.Default(ctx, env)
    body = json.dumps(ORDER).encode()

    response = await worker.fetch(
        incoming("POST", "/api/order", body, Content_Type="application/json")
    )

    assert response.status == 201
    order = response.json()
    assert order["status"] == "awaiting_payment"
    assert response.headers["X-Request-Id"]
    assert ctx.waiting, "the webhook delivery was not handed to waitUntil"
    assert network.sent == []  # nothing went out before the response

    await ctx.settle()

    [delivery] = network.sent
    assert delivery.url == WEBHOOK_URL
    assert delivery.options["method"] == "POST"
    assert delivery.options["headers"]["webhook-signature"].startswith("v1,")
    assert json.loads(delivery.options["body"])["data"]["order"]["id"] == order["id"]
    outbox = env.DB.connection.execute("SELECT status FROM webhook_outbox").fetchall()
    assert [row["status"] for row in outbox] == ["delivered"]


async def test_a_refusing_rate_limit_binding_answers_429_keyed_by_client_ip(
    entry: Any, make_env: MakeEnv, ctx: Context
) -> None:
    limiter = Limiter(success=False)
    worker = entry.Default(ctx, make_env(RATE_LIMIT_ORDERS=limiter))

    response = await worker.fetch(incoming("POST", "/api/order", json.dumps(ORDER).encode()))

    assert response.status == 429
    assert response.headers["Retry-After"] == "60"
    assert limiter.keys == [f"orders:{CLIENT_IP}"]


async def test_the_app_is_kept_for_its_env_and_a_redeploy_brings_its_own_settings(
    entry: Any, make_env: MakeEnv, ctx: Context
) -> None:
    # workerd makes a new instance for every request; the env stays the same object while the
    # isolate lives, and a deploy with other vars is a new env.
    first = make_env(ALLOWED_ORIGINS="https://onncx.com")
    second = make_env(ALLOWED_ORIGINS="https://www.onncx.com")
    origin = {"Origin": "https://www.onncx.com"}

    before = await entry.Default(ctx, first).fetch(incoming("GET", "/health", **origin))
    kept = entry.app_for(first)
    again = entry.app_for(first)
    after = await entry.Default(ctx, second).fetch(incoming("GET", "/health", **origin))

    assert kept is again
    assert "Access-Control-Allow-Origin" not in before.headers
    assert after.headers["Access-Control-Allow-Origin"] == "https://www.onncx.com"


async def test_an_allowing_rate_limit_binding_lets_the_request_through(
    entry: Any, make_env: MakeEnv, ctx: Context
) -> None:
    limiter = Limiter(success=True)
    worker = entry.Default(ctx, make_env(RATE_LIMIT_QUOTES=limiter))

    response = await worker.fetch(incoming("GET", "/api/quote?from=btc&to=eth&amount=0.01"))

    assert response.status == 200
    assert limiter.keys == [f"quotes:{CLIENT_IP}"]


async def test_a_body_past_16_kib_without_a_length_is_read_no_further_than_that(
    entry: Any, make_env: MakeEnv, ctx: Context
) -> None:
    worker = entry.Default(ctx, make_env())
    request = incoming("POST", "/api/order", chunks=[b" " * 4096] * 1000)  # 4 MB, chunked

    response = await worker.fetch(request)

    assert response.status == 413
    assert request.js_object.body.read == 5  # 20 KiB: past the limit, and no further


@pytest.mark.parametrize("method", ["PROPFIND", "propfind"])
async def test_a_method_outside_pythons_enum_gets_the_apis_405(
    entry: Any, make_env: MakeEnv, ctx: Context, method: str
) -> None:
    worker = entry.Default(ctx, make_env())

    response = await worker.fetch(incoming(method, "/api/order"))

    assert response.status == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


# --- the cron ------------------------------------------------------------------------------------


async def test_scheduled_runs_the_cron_which_delivers_what_is_due(
    entry: Any,
    make_env: MakeEnv,
    ctx: Context,
    network: Network,
    capsys: pytest.CaptureFixture[str],
) -> None:
    env = make_env(WEBHOOK_URL=WEBHOOK_URL, WEBHOOK_SECRET=WEBHOOK_SECRET)
    worker = entry.Default(ctx, env)
    created = await worker.fetch(incoming("POST", "/api/order", json.dumps(ORDER).encode()))
    ctx.drop()  # as if the isolate went away before waitUntil ran

    await worker.scheduled(types.SimpleNamespace(cron="* * * * *"), env, ctx)

    [delivery] = network.sent
    assert json.loads(delivery.options["body"])["data"]["order"]["id"] == created.json()["id"]
    report = json.loads(capsys.readouterr().out)
    assert report == {
        "cron": "* * * * *", "expired": 0, "reconciled": 0, "delivered": 1, "emailed": 0,
        "forgotten": 0, "logins_forgotten": 0,
    }  # fmt: skip


async def test_scheduled_runs_when_the_runtime_hands_the_controller_alone(
    entry: Any, make_env: MakeEnv, ctx: Context, capsys: pytest.CaptureFixture[str]
) -> None:
    worker = entry.Default(ctx, make_env())

    await worker.scheduled(types.SimpleNamespace(cron="*/5 * * * *"))
    await worker.scheduled()

    assert capsys.readouterr().out == ""  # nothing was due, so nothing to report


# --- outbound HTTP -------------------------------------------------------------------------------


async def test_send_passes_the_request_through_and_reads_the_answer(
    entry: Any, network: Network
) -> None:
    async def answer(sent: Sent) -> FetchAnswer:
        return FetchAnswer(202, {"content-type": "text/plain"}, b"queued")

    network.answer = answer

    response = await entry.send(
        OutboundRequest("POST", "https://x.example/a", {"X-Key": "k"}, b"\x00\xff")
    )

    assert (response.status, response.body, dict(response.headers)) == (
        202, b"queued", {"content-type": "text/plain"},
    )  # fmt: skip
    assert network.sent[0].options == {
        "method": "POST", "headers": {"X-Key": "k"}, "body": b"\x00\xff", "redirect": "manual",
    }  # fmt: skip


async def test_send_reports_a_refused_connection_as_a_send_error(
    entry: Any, network: Network
) -> None:
    async def refuse(sent: Sent) -> FetchAnswer:
        raise OSError("connection refused")  # Pyodide's AbortError is an OSError

    network.answer = refuse

    with pytest.raises(SendError, match="connection refused"):
        await entry.send(OutboundRequest("GET", "https://x.example/"))


async def test_send_reports_a_request_fetch_refuses_to_send_as_a_send_error(
    entry: Any, network: Network
) -> None:
    class JsException(Exception):  # what Pyodide raises for a JS TypeError
        pass

    async def refuse(sent: Sent) -> FetchAnswer:
        raise JsException("TypeError: Failed to parse URL from hooks.example/no-scheme")

    network.answer = refuse

    with pytest.raises(SendError, match="Failed to parse URL"):
        await entry.send(OutboundRequest("POST", "hooks.example/no-scheme", body=b"{}"))


async def test_send_gives_up_after_the_request_timeout(entry: Any, network: Network) -> None:
    async def hang(sent: Sent) -> FetchAnswer:
        await asyncio.sleep(3600)
        raise AssertionError("unreachable")

    network.answer = hang

    with pytest.raises(SendError, match=r"timed out after 0\.05s"):
        await entry.send(OutboundRequest("GET", "https://x.example/", timeout_seconds=0.05))


# --- configuration and import --------------------------------------------------------------------


def test_every_setting_the_core_reads_is_forwarded_from_env(entry: Any) -> None:
    from orders.config import Settings

    class Recorder(dict[str, str]):
        def get(self, key: str, default: Any = None) -> Any:
            read.add(key)
            return super().get(key, default)

    read: set[str] = set()
    Settings.from_env(Recorder())

    assert read <= set(entry.ENV_NAMES)


def test_importing_entry_reads_no_env_clock_or_randomness(
    network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tripwire over the whole import of entry and the core it pulls in. Unlike a look at the
    source, it also catches a read hidden behind a helper that module top level calls. Only reads
    made by our own code count: pydantic, for one, checks an environment variable as models build.
    """
    reads: list[str] = []

    def record(what: str) -> None:
        # Whose read is it? The first caller outside the standard library and this file.
        frame = sys._getframe(2)
        while frame and _standard(frame.f_code.co_filename):
            frame = frame.f_back
        if frame and frame.f_code.co_filename.startswith(SRC):
            reads.append(f"{what} from {frame.f_code.co_filename}:{frame.f_lineno}")

    def tripwire(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            record(name)
            return real(*args, **kwargs)

        return wrapped

    class Clock(dt.datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Any:
            record("datetime.now")
            return super().now(tz)

    class Environ(dict[str, str]):
        def __getitem__(self, key: str) -> str:
            record(f"os.environ[{key!r}]")
            return super().__getitem__(key)

        def get(self, key: str, default: Any = None) -> Any:
            record(f"os.environ[{key!r}]")
            return super().get(key, default)

    randomness = [(os, "urandom"), (random, "_urandom")] + [
        (random, name) for name in ("random", "randint", "randrange", "choice", "getrandbits")
    ]
    clock = [(time, "time"), (time, "time_ns"), (time, "monotonic")]
    for module, name in randomness + clock:
        real = getattr(module, name)
        monkeypatch.setattr(module, name, tripwire(f"{module.__name__}.{name}", real))
    monkeypatch.setattr(dt, "datetime", Clock)
    monkeypatch.setattr(os, "environ", Environ(os.environ))
    monkeypatch.setitem(sys.modules, "workers", fake_sdk(network))
    # Import entry and the whole core afresh, then put the modules the other tests use back.
    before = set(sys.modules)
    for name in [n for n in before if n in EDGE_MODULES or n.split(".")[0] == "orders"]:
        monkeypatch.delitem(sys.modules, name)
    try:
        module = importlib.import_module("entry")
    finally:
        for name in set(sys.modules) - before:
            del sys.modules[name]

    assert reads == []
    assert issubclass(module.Default, FakeEntrypoint)


def _standard(filename: str) -> bool:
    if filename.startswith("<frozen") or filename == __file__:
        return True
    return filename.startswith(STDLIB) and not filename.startswith(PACKAGES)
