"""The core in-process: the real App on an in-memory SQLite D1 loaded from schema.sql, with a
clock the test moves and fakes only at the outer edge (outbound HTTP)."""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from devhost import d1
from devhost.kv import LocalKV
from devhost.limits import WindowLimiter
from orders.api.app import App
from orders.api.http import Headers, Request, Response
from orders.config import Settings
from orders.ports import Deps, OutboundRequest, OutboundResponse, SendError
from orders.processors import nowpayments_ipn

ADMIN_TOKEN = "test-admin-token-of-the-in-process-harness"
BTC_ADDRESS = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"
TRON_ADDRESS = "TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7"
XRP_ADDRESS = "rPT1Sjq2YGrBMTttX4GZHjKu9dyfzbpAYe"


class FakeClock:
    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 26, 12, 0, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)

    async def sleep(self, seconds: float) -> None:
        """A wait in the core: time passes at once, and other tasks get their turn."""
        self.advance(seconds=seconds)
        await asyncio.sleep(0)


Answer = Callable[[OutboundRequest], Awaitable[OutboundResponse]]


@dataclass
class Outbound:
    """Records outbound requests and answers them with `answer` (default: refuse to connect)."""

    answer: Answer | None = None
    sent: list[OutboundRequest] = field(default_factory=list)

    async def __call__(self, request: OutboundRequest) -> OutboundResponse:
        self.sent.append(request)
        if self.answer is None:
            raise SendError("connection refused")
        return await self.answer(request)


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    background: list[Any]
    d1: int  # D1 round trips the request made before answering (background work not counted)

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class Harness:
    def __init__(self, **env: str) -> None:
        # FEE_PERCENT pinned: the worked amounts in the tests are at 0.5 %, whatever the default.
        defaults = {"PROCESSOR": "sandbox", "ADMIN_TOKEN": ADMIN_TOKEN,
                    "ALLOWED_ORIGINS": "https://onncx.com", "FEE_PERCENT": "0.5"}  # fmt: skip
        self.clock = FakeClock()
        self.connection = d1.connect(":memory:")
        self.db = d1.LocalD1(self.connection)
        self.outbound = Outbound()
        settings = Settings.from_env({**defaults, **env})
        self.deps = Deps(
            settings=settings,
            db=self.db,
            kv=LocalKV(self.connection, self.clock),
            send=self.outbound,
            clock=self.clock,
            tokens=secrets.token_urlsafe,
            sleep=self.clock.sleep,
            limiters={
                "orders": WindowLimiter(settings.rate_limit_orders_per_minute, self.clock),
                "quotes": WindowLimiter(settings.rate_limit_quotes_per_minute, self.clock),
            },
        )
        self.app = App(self.deps)
        self.payments: dict[str, dict[str, Any]] = {}  # see nowpayments_harness
        self.keys: dict[str, str] = {}  # order id -> the customer key its creation returned

    def close(self) -> None:
        self.connection.close()

    async def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
        client_ip: str = "203.0.113.7",
        run_background: bool = False,
    ) -> Reply:
        path, _, query = path.partition("?")
        pairs = [p.split("=", 1) for p in query.split("&") if "=" in p]
        params = dict(pairs)
        repeated = tuple(dict.fromkeys(n for i, (n, _) in enumerate(pairs) if n in dict(pairs[:i])))
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else b"")
        with d1.counting() as trips:
            response: Response = await self.app.handle(
                Request(method, path, params, Headers(headers or {}), data, client_ip, repeated)
            )
            if response.stream is not None:  # read to the end, as a client would
                response.body = b"".join([chunk async for chunk in response.stream])
        if run_background:
            for task in response.background:
                await task()
        return Reply(
            response.status, response.headers, response.body, response.background, trips.count
        )

    async def create(self, **overrides: Any) -> dict[str, Any]:
        """The new order as the API shows it to anyone; its customer key goes to `keys`."""
        reply = await self.call("POST", "/api/order", order_body(**overrides))
        assert reply.status == 201, reply.json
        order = dict(reply.json)
        self.keys[order["id"]] = order.pop("customer_key")
        return order

    async def choose(self, order_id: str, choice: str, **fields: Any) -> Reply:
        """The customer's choice for their order, made with its key."""
        body = {"key": self.keys[order_id], "choice": choice, **fields}
        return await self.call("POST", f"/api/order/{order_id}/choice", body)

    def admin(self, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {ADMIN_TOKEN}", **extra}

    def rows(self, sql: str, *params: Any) -> list[dict[str, Any]]:
        return [dict(r) for r in self.connection.execute(sql, params).fetchall()]

    async def pay(self, order_id: str, **body: Any) -> dict[str, Any]:
        """A sandbox deposit (POST /api/sandbox/pay): the order as the answer shows it."""
        reply = await self.call("POST", f"/api/sandbox/pay/{order_id}", body)
        assert reply.status in (200, 202), reply.json  # 202: its callback was dropped
        return reply.json["order"]  # type: ignore[no-any-return]

    async def order(self, order_id: str) -> dict[str, Any]:
        """The order as anyone with its id reads it."""
        return (await self.call("GET", f"/api/order/{order_id}")).json  # type: ignore[no-any-return]

    async def queue(self) -> list[tuple[str, str]]:
        """The operator's queue as (order id, reason), the longest waiting first."""
        reply = await self.call("GET", "/api/admin/queue", headers=self.admin())
        return [(i["order"]["id"], i["reason"]) for i in reply.json["items"]]

    def webhook_types(self, order_id: str) -> list[str]:
        """The operator's webhooks queued for the order, oldest first."""
        rows = self.rows(
            "SELECT type FROM webhook_outbox WHERE order_id = ? AND channel = 'webhook' "
            "ORDER BY seq", order_id,
        )  # fmt: skip
        return [r["type"] for r in rows]


def order_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "from_currency": "btc",
        "to_currency": "usdttrc20",
        "amount": "0.01",
        "payout_address": TRON_ADDRESS,
        "payout_extra_id": None,
        "refund_address": None,
        "email": None,
    }
    body.update(overrides)
    return body


# --- NOWPayments, answered at the outbound edge --------------------------------------------------

KEY = "np-key"
SECRET = "np-ipn"
NOWPAYMENTS_ENV = {
    "PROCESSOR": "nowpayments", "NOWPAYMENTS_API_KEY": KEY, "NOWPAYMENTS_IPN_SECRET": SECRET,
    "RATE_LIMIT_ORDERS_PER_MINUTE": "100000", "RATE_LIMIT_QUOTES_PER_MINUTE": "100000",
}  # fmt: skip
CURRENCIES = {"currencies": [
    {"code": "BTC", "name": "Bitcoin", "network": "btc", "enable": True,
     "wallet_regex": "^(bc1|[13])[a-zA-HJ-NP-Z0-9]{25,62}$", "extra_id_exists": False},
    {"code": "USDTTRC20", "name": "Tether USD", "network": "trx", "enable": True,
     "wallet_regex": "^T[1-9A-HJ-NP-Za-km-z]{33}$", "extra_id_exists": False},
]}  # fmt: skip


def nowpayments_harness(harness: Harness) -> Harness:
    """Answers `harness`'s outbound calls as NOWPayments would: its catalogue, minimums and
    estimates, and payments it keeps in `harness.payments` (`waiting` until a test changes
    one; `finished` and the amount make it paid when the order is next asked about)."""

    async def answer(request: OutboundRequest) -> OutboundResponse:
        path = request.url.split("/v1", 1)[1].split("?")[0]
        if path == "/full-currencies":
            return ok(CURRENCIES)
        if path == "/min-amount":
            return ok({"min_amount": 0.0001 if "currency_from=btc" in request.url else 5})
        if path == "/estimate":
            return ok({"estimated_amount": 951.5})
        if path == "/payment" and request.method == "POST":
            payment_id = str(5745459419 + len(harness.payments))
            harness.payments[payment_id] = {
                "payment_id": payment_id, "payment_status": "waiting", "pay_amount": 0.01,
                "pay_address": "bc1qdepositaddressxxxxxxxxxxxxxxxxxxxxxxx", "pay_currency": "btc",
                "actually_paid": 0, "order_id": json.loads(request.body or b"{}")["order_id"],
            }  # fmt: skip
            return ok(harness.payments[payment_id], 201)
        return ok(harness.payments[path.removeprefix("/payment/")])

    harness.outbound.answer = answer
    return harness


def finished_callback(order: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    """NOWPayments' signed callback saying `order`'s payment finished, paid in full (0.01, as
    `order_body` asks), and the headers it comes with."""
    raw, signature = nowpayments_ipn.signed_body({
        "payment_id": int(order["payment"]["id"]), "order_id": order["id"],
        "payment_status": "finished", "actually_paid": Decimal("0.01"),
    }, SECRET)  # fmt: skip
    return raw, {"x-nowpayments-sig": signature, "Content-Type": "application/json"}


def ok(data: object, status: int = 200) -> OutboundResponse:
    """A processor's JSON answer."""
    return OutboundResponse(status, json.dumps(data).encode())
