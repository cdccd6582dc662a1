"""A fake NOWPayments API for tests: a real HTTP server on 127.0.0.1 in a background thread that
answers like the documented API (docs/nowpayments.md) and sends signed IPN callbacks."""

from __future__ import annotations

import asyncio
import copy
import hashlib
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_DOWN, ROUND_UP, Decimal, InvalidOperation
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from orders.processors.nowpayments_ipn import encode_body, signed_body

B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
HEX = "0123456789abcdef"
# fmt: off
# code: name, network, USD price, network minimum, deposit address (prefix, alphabet, length)
CURRENCIES = {
    "btc":        ("Bitcoin", "btc", "95000", "0.0001", ("bc1q", BECH32, 38)),
    "eth":        ("Ethereum", "eth", "3400", "0.003", ("0x", HEX, 40)),
    "ltc":        ("Litecoin", "ltc", "100", "0.05", ("ltc1q", BECH32, 38)),
    "usdttrc20":  ("Tether USD (Tron)", "trx", "1", "10", ("T", B58, 33)),
    "xrp":        ("Ripple", "xrp", "2.3", "5", ("r", B58, 33)),
    "sol":        ("Solana", "sol", "180", "0.05", ("", B58, 44)),
    "doge":       ("Dogecoin", "doge", "0.32", "30", ("D", B58, 33)),
    "bnbmainnet": ("Binance Coin Mainnet", "bnb", "650", "0.01", ("bnb1", BECH32, 38)),
}
WALLET_REGEX = {
    "btc": r"^(bc1|[13])[a-zA-HJ-NP-Z0-9]{25,62}$",
    "eth": r"^(0x)[0-9A-Fa-f]{40}$",
    "ltc": r"^(L|M|3)[A-Za-z0-9]{33}$|^(ltc1)[0-9A-Za-z]{39}$",
    "usdttrc20": r"^T[1-9A-HJ-NP-Za-km-z]{33}$",
    "xrp": r"^r[1-9A-HJ-NP-Za-km-z]{24,34}$",
    "sol": r"^[1-9A-HJ-NP-Za-km-z]{32,44}$",
    "doge": r"^(D|A|9)[a-km-zA-HJ-NP-Z1-9]{33,34}$",
    "bnbmainnet": r"^(bnb1)[0-9a-z]{38}$",
}
EXTRA_ID_REGEX = {"xrp": r"^([0-9]{1,19})$", "bnbmainnet": r"^[0-9A-Za-z\-_]{1,120}$"}
DISABLED = {"bnbmainnet"}
FIAT_USD = {"usd": Decimal("1"), "eur": Decimal("1.08")}
DEPOSIT_FEE = Decimal("0.0026")  # 0.0015 BTC paid -> a 0.0000039 fee: tiny, as in real IPNs
# The answers' fields, in the order the API docs show them.
CREATE_FIELDS = ("payment_id", "payment_status", "pay_address", "price_amount", "price_currency",
    "pay_amount", "amount_received", "pay_currency", "order_id", "order_description",
    "ipn_callback_url", "created_at", "updated_at", "purchase_id", "smart_contract", "network",
    "network_precision", "time_limit", "burning_percent", "expiration_estimate_date",
    "is_fixed_rate", "is_fee_paid_by_user", "valid_until", "type", "payin_extra_id")
STATUS_FIELDS = ("payment_id", "invoice_id", "payment_status", "pay_address", "payin_extra_id",
    "price_amount", "price_currency", "pay_amount", "actually_paid", "pay_currency", "order_id",
    "order_description", "purchase_id", "created_at", "updated_at", "outcome_amount",
    "outcome_currency", "payout_hash", "payin_hash", "burning_percent", "type",
    "parent_payment_id")
IPN_FIELDS = ("payment_id", "parent_payment_id", "invoice_id", "payment_status", "pay_address",
    "payin_extra_id", "price_amount", "price_currency", "pay_amount", "actually_paid",
    "actually_paid_at_fiat", "pay_currency", "order_id", "order_description", "purchase_id",
    "outcome_amount", "outcome_currency", "payment_extra_ids", "payin_hash", "payout_hash",
    "created_at", "updated_at", "fee")
LIST_PARAMS = {"limit", "page", "sortBy", "orderBy", "dateFrom", "dateTo", "invoiceId"}
# fmt: on
EIGHT = Decimal("1e-8")
Amount = Decimal | str | int


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def body(self) -> dict[str, Any]:
        return {
            "status": False,
            "statusCode": self.status,
            "code": self.code,
            "message": self.message,
        }


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # names lowercased
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def _chars(seed: str, alphabet: str, count: int) -> str:
    stream = hashlib.shake_256(seed.encode()).digest(count)
    return "".join(alphabet[b % len(alphabet)] for b in stream)


def _num(value: Amount) -> Decimal:
    # shortest digits, as NOWPayments writes numbers (0.0000039, not 0.00000390)
    amount = Decimal(str(value))
    return amount.normalize() if amount else Decimal(0)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _positive(value: Any, field: str) -> Decimal:
    try:  # the API converts numeric strings, as Joi does
        if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
            raise InvalidOperation
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ApiError(400, "INVALID_REQUEST_PARAMS", f'"{field}" must be a number') from None
    if not amount.is_finite() or amount <= 0:
        raise ApiError(400, "INVALID_REQUEST_PARAMS", f'"{field}" must be a positive number')
    return amount


def _usd(code: Any, field: str) -> Decimal:
    code = code.lower() if isinstance(code, str) else code
    if code in FIAT_USD:
        return FIAT_USD[code]
    if code in CURRENCIES and code not in DISABLED:
        return Decimal(CURRENCIES[code][2])
    raise ApiError(400, "INVALID_REQUEST_PARAMS", f'"{field}" {code!r} is not available')


def _floor(code: Any, field: str) -> Decimal:
    """The network minimum of a crypto we can be paid in (fiat has none here)."""
    _usd(code, field)
    if code.lower() not in CURRENCIES:
        raise ApiError(400, "INVALID_REQUEST_PARAMS", f'"{field}" must be a crypto currency')
    return Decimal(CURRENCIES[code.lower()][3])


def _settle(p: dict[str, Any]) -> None:
    """Derive the fee and outcome from what was paid (or, before payment, from what is due)."""
    base = p["actually_paid"] or p["pay_amount"]
    fee = _num((base * DEPOSIT_FEE).quantize(EIGHT, ROUND_DOWN))
    p["fee"] = {"currency": p["pay_currency"], "depositFee": fee if p["actually_paid"] else 0,
                "withdrawalFee": 0, "serviceFee": 0}  # fmt: skip
    p["outcome_amount"] = _num(base - fee)


class _Server(ThreadingHTTPServer):
    fake: FakeNowPayments

    def verify_request(self, request: Any, client_address: Any) -> bool:
        return not self.fake._down  # while "down", a new connection is closed unanswered


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    timeout = 10

    def do_GET(self) -> None:
        self.server.fake._serve(self)

    do_POST = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keeps pytest output clean


class FakeNowPayments:
    """`with FakeNowPayments() as np:` runs the server; `np.url` is the API base (ends in /v1)."""

    AUTH_STATUS = 403  # what api.nowpayments.io answers to a missing or wrong x-api-key

    def __init__(
        self,
        *,
        api_key: str = "np-test-api-key",
        ipn_secret: str = "np-test-ipn-secret",  # noqa: S107 - a throwaway test secret
        email: str = "operator@example.com",
        password: str = "np-test-password",  # noqa: S107 - a throwaway test secret
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.api_key, self.ipn_secret, self.clock = api_key, ipn_secret, clock
        self.email, self.password = email, password
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._log: list[RecordedRequest] = []
        self._payments: dict[str, dict[str, Any]] = {}
        self._next_id = 5_000_000_001
        self._failures: list[int] = []
        self._delay = 0.0
        self._down = False
        self._server = _Server(("127.0.0.1", 0), _Handler, bind_and_activate=False)
        self._server.fake = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )

    def start(self) -> FakeNowPayments:
        self._server.server_bind()
        self._server.server_activate()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes a delayed answer at once
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()

    def __enter__(self) -> FakeNowPayments:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    # --- controls for tests (thread-safe) ---
    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._log)

    @property
    def payments(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self._payments)

    def fail_next(self, n: int = 1, status: int = 500) -> None:
        with self._lock:
            self._failures.extend([status] * n)

    def clear_failures(self) -> None:
        with self._lock:
            self._failures.clear()

    def set_down(self, down: bool = True) -> None:
        with self._lock:
            self._down = down

    def delay_next(self, seconds: float) -> None:
        """Hold the next answer for `seconds` AFTER doing the work: a slow server whose client
        may give up although the payment exists (the "outcome unknown" case)."""
        with self._lock:
            self._delay = seconds

    def set_payment(self, payment_id: str | int, *, status: str | None = None,
                    actually_paid: Amount | None = None, payin_hash: str | None = None,
                    ) -> dict[str, Any]:  # fmt: skip
        """Change a payment without telling anyone (a callback that never arrived)."""
        with self._lock:
            p = self._payments[str(payment_id)]
            self._apply(p, status, actually_paid)
            if payin_hash is not None:
                p["payin_hash"] = payin_hash
            return copy.deepcopy(p)

    def _apply(self, p: dict[str, Any], status: str | None, paid: Amount | None) -> None:
        p["payment_status"] = status or p["payment_status"]
        if paid is not None:
            p["actually_paid"] = _num(paid)
            digest = hashlib.sha256(f"{p['payment_id']}:{paid}".encode()).hexdigest()
            p["payin_hash"] = (
                p["payin_hash"] or ("0x" if p["pay_currency"] == "eth" else "") + digest
            )
        p["updated_at"] = _iso(self.clock())
        _settle(p)

    def child_payment(self, parent_id: str | int, actually_paid: Amount, *,
                      status: str = "finished") -> str:  # fmt: skip
        """A repeat deposit to a used address: a new payment carrying `parent_payment_id`."""
        with self._lock:
            parent = self._payments[str(parent_id)]
            child = self._new_payment(parent, parent_payment_id=int(parent["payment_id"]))
            self._apply(self._payments[child], status, actually_paid)
        return child

    def ipn_body(self, payment_id: str | int, status: str | None = None,
                 actually_paid: Amount | None = None, *, extra: Mapping[str, Any] | None = None,
                 secret: str | None = None) -> tuple[bytes, str]:  # fmt: skip
        """A callback body and its signature as NOWPayments sends them; changes nothing."""
        with self._lock:
            p = copy.deepcopy(self._payments[str(payment_id)])
            if status is not None or actually_paid is not None:
                self._apply(p, status, actually_paid)
        body = (
            {k: p[k] for k in IPN_FIELDS} | {"payment_id": int(p["payment_id"])} | dict(extra or {})
        )
        return signed_body(body, self.ipn_secret if secret is None else secret)

    def send_ipn(self, payment_id: str | int, status: str | None = None,
                 actually_paid: Amount | None = None, *, extra: Mapping[str, Any] | None = None,
                 url: str | None = None) -> tuple[int, bytes]:  # fmt: skip
        """Update the payment, then POST its signed callback; answers (HTTP status, body)."""
        target = self.set_payment(payment_id, status=status, actually_paid=actually_paid)
        body, signature = self.ipn_body(payment_id, extra=extra)
        if not (url := url or target["ipn_callback_url"]):
            raise ValueError(f"payment {payment_id} has no ipn_callback_url")
        headers = {"Content-Type": "application/json", "x-nowpayments-sig": signature}
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: no proxy
        try:
            with opener.open(request, timeout=10) as answer:
                return answer.status, answer.read()
        except urllib.error.HTTPError as refused:
            return refused.code, refused.read()

    async def asend_ipn(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        """send_ipn for async tests: the receiver may be serving on this very event loop."""
        return await asyncio.to_thread(self.send_ipn, *args, **kwargs)

    # --- the HTTP side ---
    def _serve(self, handler: _Handler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        parts = urlsplit(handler.path)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        headers = {k.lower(): v for k, v in handler.headers.items()}
        with self._lock:
            if self._down:
                handler.close_connection = True  # a kept-alive connection dies unanswered too
                return
            self._log.append(RecordedRequest(handler.command, parts.path, query, headers, body))
            failure = self._failures.pop(0) if self._failures else None
            delay, self._delay = self._delay, 0.0
        if failure is not None:
            status, payload = failure, self._failure_body(failure)
        else:
            try:
                status, payload = self._route(handler.command, parts.path, query, headers, body)
            except ApiError as error:
                status, payload = error.status, error.body()
        if delay:
            self._stopping.wait(delay)
        raw = payload if isinstance(payload, bytes) else encode_body(payload)
        kind = "text/html" if isinstance(payload, bytes) else "application/json; charset=utf-8"
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", kind)
            handler.send_header("Content-Length", str(len(raw)))
            handler.end_headers()
            handler.wfile.write(raw)
        except OSError:  # the client gave up on a delayed answer: that was the point
            handler.close_connection = True

    @staticmethod
    def _failure_body(status: int) -> Any:
        if status in (502, 503, 504):  # gateway errors come from the CDN in front, as HTML
            return f"<html><body><h1>{status}</h1>upstream unavailable</body></html>".encode()
        code = "TOO_MANY_REQUESTS" if status == 429 else "INTERNAL_ERROR"
        return ApiError(status, code, "fake failure").body()

    def _route(self, method: str, path: str, query: dict[str, str], headers: dict[str, str],
               body: bytes) -> tuple[int, Any]:  # fmt: skip
        if (method, path) == ("GET", "/v1/status"):
            return 200, {"message": "OK"}
        if (method, path) == ("POST", "/v1/auth"):
            return 200, self._auth(body)
        if headers.get("x-api-key") != self.api_key:
            raise ApiError(self.AUTH_STATUS, "INVALID_API_KEY", "Invalid api key")
        if (method, path) == ("GET", "/v1/full-currencies"):
            return 200, {"currencies": [self._currency(code) for code in CURRENCIES]}
        if (method, path) == ("GET", "/v1/min-amount"):
            return 200, self._min_amount(query)
        if (method, path) == ("GET", "/v1/estimate"):
            return 200, self._estimate(query)
        if (method, path) == ("POST", "/v1/payment"):
            return 201, self._create(body)
        if method == "GET" and path in ("/v1/payment", "/v1/payment/"):
            return 200, self._list(query, headers)
        if method == "GET" and path.startswith("/v1/payment/"):
            return 200, self._status(path.removeprefix("/v1/payment/"))
        raise ApiError(404, "NOT_FOUND", f"Cannot {method} {path}")

    def _auth(self, body: bytes) -> dict[str, str]:
        try:
            given = json.loads(body)
        except ValueError:
            given = None
        pair = (given.get("email"), given.get("password")) if isinstance(given, dict) else None
        if pair != (self.email, self.password):
            raise ApiError(401, "INVALID_CREDENTIALS", "Invalid email or password")
        return {"token": self._token()}

    def _token(self) -> str:
        return "eyJhbGciOiJIUzI1NiJ9." + _chars(self.email + self.password, B58, 43)

    @staticmethod
    def _currency(code: str) -> dict[str, Any]:
        name, network, *_ = CURRENCIES[code]
        extra = EXTRA_ID_REGEX.get(code)
        # the real list spells codes in upper case; `ticker` names the asset, not the code
        return {"id": list(CURRENCIES).index(code) + 1, "code": code.upper(), "name": name,
                "enable": code not in DISABLED, "wallet_regex": WALLET_REGEX[code], "priority": 1,
                "extra_id_exists": extra is not None, "extra_id_regex": extra,
                "logo_url": f"/images/coins/{code}.svg", "track": True, "cg_id": name.lower(),
                "is_maxlimit": False, "network": network, "smart_contract": None,
                "network_precision": None, "precision": 8,
                "ticker": "usdt" if code == "usdttrc20" else code}  # fmt: skip

    def _min_amount(self, query: dict[str, str]) -> dict[str, Any]:
        source, target = query.get("currency_from", ""), query.get("currency_to", "")
        usd = _usd(source, "currency_from")
        minimum = _floor(source, "currency_from")
        if target:  # both legs must clear their network's minimum
            minimum = max(minimum, _floor(target, "currency_to") * _usd(target, "") / usd)
        answer = {"currency_from": source, "currency_to": target or "btc",
                  "min_amount": _num(minimum.quantize(EIGHT, ROUND_UP))}  # fmt: skip
        if fiat := query.get("fiat_equivalent"):
            answer["fiat_equivalent"] = _num((minimum * usd / _usd(fiat, "fiat")).quantize(EIGHT))
        return answer

    def _estimate(self, query: dict[str, str]) -> dict[str, Any]:
        amount = _positive(query.get("amount"), "amount")
        source, target = query.get("currency_from", ""), query.get("currency_to", "")
        rate = _usd(source, "currency_from") / _usd(target, "currency_to")
        estimated = _num((amount * rate).quantize(EIGHT, ROUND_DOWN))
        return {"currency_from": source, "amount_from": _num(amount), "currency_to": target,
                "estimated_amount": estimated}  # fmt: skip

    def _create(self, body: bytes) -> dict[str, Any]:
        try:
            asked = json.loads(body, parse_float=Decimal)
        except ValueError:
            asked = None
        if not isinstance(asked, dict):
            raise ApiError(400, "INVALID_REQUEST_PARAMS", "Your payload has to be JSON object")
        price = _positive(asked.get("price_amount"), "price_amount")
        rate = _usd(asked.get("price_currency"), "price_currency") / _usd(
            asked.get("pay_currency"), "pay_currency"
        )
        price_currency, pay_currency = str(asked["price_currency"]), str(asked["pay_currency"])
        due = asked.get("pay_amount")
        due = _positive(due, "pay_amount") if due is not None else price * rate
        due = _num(due.quantize(EIGHT, ROUND_DOWN))
        if due < _floor(pay_currency, "pay_currency"):
            raise ApiError(400, "AMOUNT_MINIMAL_ERROR", f"Crypto amount {due} is less than minimal")
        callback = asked.get("ipn_callback_url")
        if callback is not None and not str(callback).startswith(("http://", "https://")):
            raise ApiError(400, "INVALID_REQUEST_PARAMS", '"ipn_callback_url" must be a valid uri')
        with self._lock:
            payment_id = self._new_payment({
                "price_amount": _num(price), "price_currency": price_currency.lower(),
                "pay_amount": due, "pay_currency": pay_currency.lower(),
                "order_id": asked.get("order_id"), "ipn_callback_url": callback,
                "order_description": asked.get("order_description"),
                "is_fixed_rate": bool(asked.get("is_fixed_rate"))})  # fmt: skip
            return {k: self._payments[payment_id][k] for k in CREATE_FIELDS}  # payment_id: a str

    def _new_payment(self, fields: Mapping[str, Any], parent_payment_id: int | None = None) -> str:
        """Store a new payment (the caller holds the lock); its address is stable for its id."""
        payment_id, now, code = str(self._next_id), self.clock(), fields["pay_currency"]
        self._next_id += 1
        prefix, alphabet, length = CURRENCIES[code][4]
        window = timedelta(minutes=20) if fields["is_fixed_rate"] else timedelta(days=7)
        p = {k: fields[k] for k in ("price_amount", "price_currency", "pay_amount", "pay_currency",
             "order_id", "order_description", "ipn_callback_url", "is_fixed_rate")}  # fmt: skip
        p |= {"payment_id": payment_id, "parent_payment_id": parent_payment_id,
              "payment_status": "waiting", "invoice_id": None, "actually_paid": Decimal(0),
              "actually_paid_at_fiat": 0, "payin_hash": None, "payout_hash": None,
              "purchase_id": str(int(payment_id) + 83_748_011), "outcome_currency": code,
              "created_at": _iso(now), "updated_at": _iso(now), "type": "crypto2crypto",
              "valid_until": _iso(now + window), "network": CURRENCIES[code][1],
              "expiration_estimate_date": _iso(now + timedelta(days=1)), "time_limit": None,
              "smart_contract": None, "network_precision": None, "burning_percent": None,
              "is_fee_paid_by_user": False, "payment_extra_ids": None}  # fmt: skip
        # a repeat deposit reuses its parent's address (and memo)
        p["pay_address"] = fields.get("pay_address") or prefix + _chars(
            payment_id, alphabet, length
        )
        p["payin_extra_id"] = fields.get("payin_extra_id") or (
            str(int(payment_id) * 7 % 4_294_967_295) if code in EXTRA_ID_REGEX else None
        )
        _settle(p)
        p["amount_received"] = p["outcome_amount"]
        self._payments[payment_id] = p
        return payment_id

    def _status(self, raw_id: str) -> dict[str, Any]:
        if not raw_id.isdigit():
            raise ApiError(400, "INVALID_REQUEST_PARAMS", '"paymentId" must be a number')
        with self._lock:
            if raw_id not in self._payments:
                raise ApiError(404, "PAYMENT_NOT_FOUND", f"Payment {raw_id} not found")
            return self._view(self._payments[raw_id])

    @staticmethod
    def _view(p: Mapping[str, Any]) -> dict[str, Any]:
        # answers after the create carry payment_id as a NUMBER
        return {k: p[k] for k in STATUS_FIELDS} | {"payment_id": int(p["payment_id"])}

    def _list(self, query: dict[str, str], headers: dict[str, str]) -> dict[str, Any]:
        """GET /v1/payment/, the API's only search: it needs a JWT from POST /v1/auth and has no
        order_id filter, so a client pages through a date range and matches order_id itself."""
        if headers.get("authorization") != f"Bearer {self._token()}":
            message = "Authorization header is empty (Bearer JWTtoken is required)"
            raise ApiError(401, "AUTH_REQUIRED", message)
        if unknown := sorted(set(query) - LIST_PARAMS):
            raise ApiError(400, "INVALID_REQUEST_PARAMS", f'"{unknown[0]}" is not allowed')
        limit, page = query.get("limit", "10"), query.get("page", "0")
        sort_by, order_by = query.get("sortBy", "created_at"), query.get("orderBy", "asc")
        if not (limit.isdigit() and 1 <= int(limit) <= 500 and page.isdigit()):
            raise ApiError(400, "INVALID_REQUEST_PARAMS", '"limit" must be 1..500, "page" >= 0')
        if sort_by not in STATUS_FIELDS or order_by not in ("asc", "desc"):
            raise ApiError(400, "INVALID_REQUEST_PARAMS", '"sortBy" or "orderBy" is invalid')
        low, high = query.get("dateFrom", ""), query.get("dateTo", "~")  # ISO dates compare as text
        invoice = query.get("invoiceId")
        with self._lock:
            rows = [self._view(p) for p in self._payments.values()
                    if low <= p["created_at"] and p["created_at"][: len(high)] <= high
                    and invoice in (None, str(p["invoice_id"]))]  # fmt: skip
        rows.sort(key=lambda r: (r[sort_by] is None, r[sort_by] or 0, r["payment_id"]),
                  reverse=order_by == "desc")  # fmt: skip
        size, start = int(limit), int(limit) * int(page)
        return {"data": rows[start : start + size], "limit": size, "page": int(page),
                "pagesCount": -(-len(rows) // size), "total": len(rows)}  # fmt: skip
