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
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from orders.domain import money
from orders.domain.currencies import CURRENCIES, Currency
from orders.errors import ServiceUnavailable
from orders.ports import Deps, OutboundRequest, SendError
from orders.processors.base import Payment, ProcessorError

log = logging.getLogger("onecash.nowpayments")

READ_TIMEOUT = 8.0
CREATE_TIMEOUT = 15.0
# A callback must be answered within NOWPayments' 3 seconds, so a payment lookup gets one try;
# an unanswered callback is resent by NOWPayments and reconciliation asks again anyway.
LOOKUP_TIMEOUT = 2.0
READ_ATTEMPTS = 2
DEFAULT_MAX_AMOUNT = Decimal("1000000")
_RETRYABLE = {429, 500, 502, 503, 504}
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
                    name=str(item.get("name") or code.upper()),
                    network=str(item.get("network") or code),
                    address_pattern=_pattern(item.get("wallet_regex"))
                    or (local.address_pattern if local else r"\S{10,128}"),
                    min_amount=minimum,
                    max_amount=local.max_amount if local else DEFAULT_MAX_AMOUNT,
                    decimals=local.decimals if local else 8,
                    needs_extra_id=bool(item.get("extra_id_exists")),
                    extra_id_pattern=_pattern(item.get("extra_id_regex")),
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
    ) -> dict[str, Any]:
        key = self.deps.settings.nowpayments_api_key
        if not key:
            raise ServiceUnavailable(
                "Payments are unavailable: NOWPAYMENTS_API_KEY is not configured on this server."
            )
        request = OutboundRequest(
            method,
            self.base + path,
            {"x-api-key": key, "Content-Type": "application/json", "Accept": "application/json"},
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
    return Payment(
        processor=NowPayments.name,
        payment_id=str(data.get("payment_id")),  # a string on create, a number later
        status=str(data.get("payment_status") or "waiting"),
        address=str(data.get("pay_address") or ""),
        amount=_amount(data, "pay_amount"),
        currency=str(data.get("pay_currency") or "").lower(),
        extra_id=data.get("payin_extra_id") or None,
        actually_paid=_amount(data, "actually_paid"),
        tx_hash=data.get("payin_hash") or None,
        order_id=data.get("order_id") or None,
        parent_payment_id=str(parent) if parent else None,
        expires_at=_when(expires),
    )


def _when(text: Any) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
