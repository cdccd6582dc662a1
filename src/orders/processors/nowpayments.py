"""The NOWPayments client (docs/nowpayments.md), over the injected `send`.

Reads are retried once on a network error, 429 or 5xx; a payment is never created twice: a create
whose outcome is unknown (timeout, 5xx) is reported, not retried, because the API offers no way to
look a payment up by our order id with the API key alone (listing payments needs an account
login, a JWT this service does not hold). Such an orphan payment has an address
nobody was shown, and it expires on its own.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from orders.domain import money
from orders.domain.currencies import CURRENCIES, Currency
from orders.domain.payment import PaymentStatus
from orders.errors import ServiceUnavailable
from orders.ports import Deps, OutboundRequest, SendError
from orders.processors.base import Deposits, Payment, ProcessorError

log = logging.getLogger("onecash.nowpayments")

READ_TIMEOUT = 8.0
CREATE_TIMEOUT = 15.0
# A callback must be answered within NOWPayments' 3 seconds, so a payment lookup gets one try;
# an unanswered callback is resent by NOWPayments and reconciliation asks again anyway.
LOOKUP_TIMEOUT = 2.0
READ_ATTEMPTS = 2
DEFAULT_MAX_AMOUNT = Decimal("1000000")
_RETRYABLE = {429, 500, 502, 503, 504}
# The account's payment list, read for reconciliation: pages of this many, at most this many pages.
LIST_PAGE = 500
LIST_PAGES = 10
# A pair to ask each currency's minimum against, for the currency list.
_REFERENCE = {"usdttrc20": "btc"}


class NowPayments:
    name = "nowpayments"

    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.base = deps.settings.nowpayments_api_base

    async def currencies(self) -> list[Currency]:
        data = await self._get("/full-currencies")
        wanted = set(self.deps.settings.supported_currencies)
        known = {c.code: c for c in CURRENCIES}
        listed: list[Currency] = []
        for item in data.get("currencies") or []:
            code = str(item.get("code", "")).lower()
            if code not in wanted or not item.get("enable", True):
                continue
            reference = _REFERENCE.get(code, "usdttrc20")
            minimum = await self.min_amount(code, reference)
            local = known.get(code)
            listed.append(
                Currency(
                    code=code,
                    # Ours first: a customer reads "Tether USD" on the TRON network, where
                    # NOWPayments writes its own names ("Tether USD (Tron)").
                    name=local.name if local else str(item.get("name") or code.upper()),
                    network=str(item.get("network") or code),
                    address_pattern=_pattern(item.get("wallet_regex"))
                    or (local.address_pattern if local else r"\S{10,128}"),
                    min_amount=minimum,
                    max_amount=local.max_amount if local else DEFAULT_MAX_AMOUNT,
                    decimals=local.decimals if local else 8,
                    needs_extra_id=bool(item.get("extra_id_exists")),
                    extra_id_pattern=_pattern(item.get("extra_id_regex")),
                    symbol=local.symbol if local else "",
                    network_name=local.network_name if local else "",
                    extra_id_optional=bool(local and local.extra_id_optional),
                )
            )
        return listed

    async def min_amount(self, from_currency: str, to_currency: str) -> Decimal:
        data = await self._get(
            "/min-amount", {"currency_from": from_currency, "currency_to": to_currency}
        )
        return _amount(data, "min_amount")

    async def estimate(self, from_currency: str, to_currency: str, amount: Decimal) -> Decimal:
        data = await self._get(
            "/estimate",
            {"amount": money.to_text(amount), "currency_from": from_currency,
             "currency_to": to_currency},
        )  # fmt: skip
        estimated = _amount(data, "estimated_amount")
        if estimated <= 0:
            raise ProcessorError("the processor gave no estimate for this pair")
        return estimated

    async def create_payment(
        self, *, order_id: str, currency: str, amount: Decimal, callback_url: str
    ) -> Payment:
        body = {
            "price_amount": money.to_text(amount),
            "price_currency": currency,
            "pay_currency": currency,
            "pay_amount": money.to_text(amount),
            "order_id": order_id,
            "order_description": f"ONE⚡CASH order {order_id}",
            "ipn_callback_url": callback_url,
        }
        data = await self._call(
            "POST", "/payment", body=body, timeout_seconds=CREATE_TIMEOUT, attempts=1
        )
        payment = _payment(data)
        if not payment.address:
            raise ProcessorError("the processor returned no deposit address")
        return payment

    async def get_payment(self, payment_id: str) -> Payment | None:
        if not payment_id.isdigit():
            return None
        try:
            data = await self._call(
                "GET", f"/payment/{payment_id}", timeout_seconds=LOOKUP_TIMEOUT, attempts=1
            )
        except _NotFound:
            return None
        return _payment(data)

    async def deposits(self, asked: Sequence[Deposits]) -> dict[str, list[Payment]]:
        """The orders' payments and repeat deposits: from the account's payment list when its
        login is configured (it finds a repeat deposit nobody told us of), else each payment we
        know of, one by one."""
        found: dict[str, dict[str, Payment]] = {a.order_id: {} for a in asked}
        if asked and self._login() is not None:
            owner = {a.payment_id: a.order_id for a in asked}
            for payment in await self._listed(min(a.since for a in asked)):
                order_id = owner.get(payment.parent_payment_id or payment.payment_id)
                if order_id is not None:
                    found[order_id][payment.payment_id] = payment
        elif asked:
            log.warning(
                "reconcile: NOWPAYMENTS_EMAIL and NOWPAYMENTS_PASSWORD are not set, so a repeat "
                "deposit whose callback was lost cannot be found; only known payments are asked"
            )
        for a in asked:
            for wanted in (a.payment_id, *a.known):
                if wanted not in found[a.order_id] and (known := await self.get_payment(wanted)):
                    found[a.order_id][wanted] = known
        return {order_id: list(payments.values()) for order_id, payments in found.items()}

    def _login(self) -> tuple[str, str] | None:
        settings = self.deps.settings
        if settings.nowpayments_email and settings.nowpayments_password:
            return settings.nowpayments_email, settings.nowpayments_password
        return None

    async def _listed(self, since: datetime) -> list[Payment]:
        """Every payment created since `since` (from the day before: the list filters by date),
        LIST_PAGE at a time, at most LIST_PAGES pages."""
        token = await self._token()
        day = (since - timedelta(days=1)).date().isoformat()
        payments: list[Payment] = []
        for page in range(LIST_PAGES):
            query = {"limit": str(LIST_PAGE), "page": str(page), "sortBy": "created_at",
                     "orderBy": "asc", "dateFrom": day}  # fmt: skip
            data = await self._call("GET", f"/payment/?{urlencode(query)}", bearer=token)
            payments.extend(_payment(item) for item in data.get("data") or [])
            if page + 1 >= int(data.get("pagesCount") or 0):
                break
        return payments

    async def _token(self) -> str:
        login = self._login()
        assert login is not None
        email, password = login
        data = await self._call("POST", "/auth", body={"email": email, "password": password})
        token = data.get("token")
        if not isinstance(token, str) or not token:
            raise ProcessorError("it gave no token for the account login", retryable=False)
        return token

    async def _get(self, path: str, query: dict[str, str] | None = None) -> dict[str, Any]:
        return await self._call("GET", path + (f"?{urlencode(query)}" if query else ""))

    async def _call(
        self,
        method: str,
        path: str,
        *,
        body: dict[str, Any] | None = None,
        timeout_seconds: float = READ_TIMEOUT,
        attempts: int = READ_ATTEMPTS,
        bearer: str | None = None,
    ) -> dict[str, Any]:
        key = self.deps.settings.nowpayments_api_key
        if not key:
            raise ServiceUnavailable(
                "Payments are unavailable: NOWPAYMENTS_API_KEY is not configured on this server."
            )
        headers = {"x-api-key": key, "Content-Type": "application/json",
                   "Accept": "application/json"}  # fmt: skip
        if bearer is not None:
            headers["Authorization"] = f"Bearer {bearer}"
        request = OutboundRequest(
            method,
            self.base + path,
            headers,
            json.dumps(body).encode() if body is not None else None,
            timeout_seconds,
        )
        problem = "no answer"
        for _ in range(attempts):
            try:
                response = await self.deps.send(request)
            except SendError as exc:
                problem = f"could not reach it: {exc}"
                continue
            if response.status in _RETRYABLE:
                problem = f"it answered HTTP {response.status}"
                continue
            data = _json(response.body)
            if 200 <= response.status < 300 and isinstance(data, dict):
                return data
            if response.status == 404:
                raise _NotFound()
            reason = data.get("message") if isinstance(data, dict) else None
            if response.status in (401, 403):
                log.error("NOWPayments refused our API key (HTTP %s)", response.status)
                raise ProcessorError("it refused our credentials", retryable=False)
            raise ProcessorError(
                f"it refused the request: {reason or f'HTTP {response.status}'}", retryable=False
            )
        log.warning("NOWPayments %s %s failed: %s", method, path, problem)
        raise ProcessorError(problem)


class _NotFound(Exception):
    pass


def _json(body: bytes) -> Any:
    try:
        return json.loads(body, parse_float=Decimal)
    except (ValueError, RecursionError):  # a broken answer is a refusal, never our own 500
        return None


def _amount(data: dict[str, Any], key: str) -> Decimal:
    try:
        return money.from_processor(data.get(key))
    except money.NotAnAmount as exc:
        raise ProcessorError(f"it sent a {key} we cannot read ({exc})", retryable=False) from None


def _pattern(value: Any) -> str | None:
    return str(value) if value else None


def _payment(data: dict[str, Any]) -> Payment:
    parent = data.get("parent_payment_id")
    expires = data.get("expiration_estimate_date") or data.get("valid_until")
    paid = _amount(data, "actually_paid")
    # When the money was seen: a repeat deposit is a payment made when it arrived; for the
    # order's own payment the API gives only its latest change, the moment we know it was seen
    # by (never later than when we heard).
    seen = data.get("created_at") if parent else data.get("updated_at")
    return Payment(
        processor=NowPayments.name,
        payment_id=str(data.get("payment_id")),  # a string on create, a number later
        status=str(data.get("payment_status") or PaymentStatus.WAITING.value),
        address=str(data.get("pay_address") or ""),
        amount=_amount(data, "pay_amount"),
        currency=str(data.get("pay_currency") or "").lower(),
        extra_id=data.get("payin_extra_id") or None,
        actually_paid=paid,
        tx_hash=data.get("payin_hash") or None,
        order_id=data.get("order_id") or None,
        parent_payment_id=str(parent) if parent else None,
        expires_at=_when(expires),
        paid_at=_when(seen) if paid > 0 else None,
    )


def _when(text: Any) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
