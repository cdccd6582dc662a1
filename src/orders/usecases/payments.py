"""Payments arriving: processor callbacks (IPN), sandbox deposits, expiry and reconciliation.

Every path ends in `settlement.settle` applied through `Changer`, so a payment moves an order the
same way whether a callback, the sandbox or the cron job noticed it, and only once.
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from datetime import timedelta
from typing import Any

from orders.domain import money
from orders.domain.changes import Change
from orders.domain.lifecycle import OPEN_FOR_PAYMENT, Source
from orders.domain.order import Order
from orders.domain.settlement import STATUS_MAP, expiry, settle
from orders.domain.times import parse_timestamp, timestamp
from orders.errors import (
    FieldError,
    NotFound,
    ServiceUnavailable,
    Unauthorized,
    ValidationFailed,
)
from orders.ports import Deps, Statement
from orders.processors import nowpayments_ipn
from orders.processors.base import Deposits, Payment, Processor, ProcessorError
from orders.processors.sandbox import SandboxProcessor
from orders.storage.orders import OrderStore
from orders.storage.receipts import ReceiptStore
from orders.strict_json import parse_json
from orders.usecases.changing import Changer

log = logging.getLogger("onecash.payments")

RECONCILE_AFTER = timedelta(minutes=10)  # quiet this long, we ask the processor ourselves
LATE_PAYMENT_HORIZON = timedelta(days=7)  # NOWPayments' own longest payment window
EXPIRE_BATCH = 100
RECONCILE_BATCH = 20


class Payments:
    def __init__(self, deps: Deps, processor: Processor) -> None:
        self.deps = deps
        self.processor = processor
        self.store = OrderStore(deps.db)
        self.receipts = ReceiptStore(deps.db)

    async def receive(
        self, raw: bytes, signature: str | None
    ) -> tuple[dict[str, Any], Order | None]:
        """One callback, in at most three D1 round trips besides asking the processor: the
        receipt check, the order, and one batch with the change, the receipt and the
        "heard from" mark. Returns the answer for the processor and the order as it now is."""
        secret = self.deps.settings.ipn_secret
        if not secret:
            log.error(
                "IPN refused: NOWPAYMENTS_IPN_SECRET is not set, callbacks cannot be verified"
            )
            raise Unauthorized("Callbacks are disabled: no IPN secret is configured.")
        if not nowpayments_ipn.verify(raw, signature, secret):
            raise Unauthorized("Missing or invalid callback signature.")
        body = parse_json(raw)
        if not isinstance(body, dict):
            raise ValidationFailed([FieldError("", "the body must be a JSON object")])
        payment_id = str(body.get("payment_id") or "")
        status = str(body.get("payment_status") or "")
        if not payment_id or status not in STATUS_MAP:
            raise ValidationFailed([FieldError("payment_status", "unknown payment status")])
        try:
            reported = money.from_processor(body.get("actually_paid"))
        except money.NotAnAmount as exc:
            raise ValidationFailed([FieldError("actually_paid", str(exc))]) from None
        receipt = f"{status}:{money.to_text(reported)}"
        if await self.receipts.seen(self.processor.name, payment_id, receipt):
            return {"ok": True, "duplicate": True}, None
        try:
            payment = await self.processor.get_payment(payment_id)
        except ProcessorError as exc:
            # Not acknowledged, so the processor sends it again; reconciliation also catches it.
            raise ServiceUnavailable(
                f"Could not confirm the payment with the processor: {exc.message}",
                headers={"Retry-After": "60"},
            ) from None
        if payment is None:
            log.warning("IPN for payment %s that the processor does not know", payment_id)
            return {"ok": True, "ignored": "unknown payment"}, None
        # The processor's own record names the order; the callback's claim is only a fallback.
        order = await self.store.find_for_payment(
            self.processor.name,
            payment.parent_payment_id or payment.payment_id,
            [payment.order_id or "", str(body.get("order_id") or "")],
        )
        if order is None:
            log.warning("IPN for payment %s matches no order", payment_id)
            return {"ok": True, "ignored": "unknown order"}, None
        now = timestamp(self.deps.clock())
        text = raw.decode("utf-8")
        lock = self._lock()
        changer = Changer(self.deps)

        def step(current: Order) -> tuple[Order, list[Statement], list[Statement]]:
            # Settled on the order as just read, in one batch with the "heard from" mark and the
            # receipt. The receipt is recorded only with the state it was judged against (the
            # order as this batch leaves it), so a lost race leaves the callback unseen, and the
            # race is planned again on the fresh order.
            after, planned = changer.plan(current, lambda o: settle(o, [payment], now, lock))
            seen = self.store.touch_seen(current.id, now)
            noted = self.receipts.record(self.processor.name, payment_id, receipt, after, now, text)
            return after, planned, [seen, noted]

        after, _ = await changer.write(order.id, step, current=order)
        return {"ok": True, "order_status": after.status.value}, after

    def _lock(self) -> timedelta:
        return timedelta(minutes=self.deps.settings.rate_lock_minutes)

    async def sandbox_pay(
        self, order_id: str, status: str, amount_text: str | None, callback: bool = True,
        late: bool = False,
    ) -> Order:  # fmt: skip
        """Simulates a deposit: the sandbox ledger records it, then (unless `callback` is False,
        a callback lost on the way) its signed callback goes through `receive` exactly like
        NOWPayments' would. `late` first ends the order's window, as if the customer paid after
        the rate lock ran out. Returns the order as it then is."""
        sandbox = self.processor
        if not isinstance(sandbox, SandboxProcessor):
            raise NotFound("The sandbox is only available when PROCESSOR=sandbox.")
        if status not in STATUS_MAP:
            raise ValidationFailed(
                [FieldError("status", f"must be one of {', '.join(STATUS_MAP)}")]
            )
        try:
            amount = money.parse_amount(amount_text) if amount_text else None
        except money.NotAnAmount as exc:
            raise ValidationFailed([FieldError("amount", str(exc))]) from None
        if late:
            await self._end_window(order_id)
        paid = await sandbox.record_deposit(order_id, status, amount)
        if paid is None:
            raise NotFound("No order with this id.")
        after = None
        if callback:
            raw, signature = nowpayments_ipn.signed_body(
                _ipn_payload(paid), self.deps.settings.ipn_secret or ""
            )
            _, after = await self.receive(raw, signature)
        if after is None:  # no callback, or one already seen: show the order as it is
            after = await self.store.get(order_id)
        assert after is not None
        return after

    async def _end_window(self, order_id: str) -> None:
        now = timestamp(self.deps.clock())

        def end(order: Order) -> Change:
            until = min(order.expires_at, now)
            change = expiry(replace(order, expires_at=until), now) or Change(None, Source.SCHEDULER)
            return replace(change, fields={**change.fields, "expires_at": until})

        await Changer(self.deps).change(order_id, end)

    async def expire_due(self) -> int:
        """Moves `awaiting_payment` orders past their window to `expired`: a bounded batch, in
        two round trips however many orders it holds."""
        now = timestamp(self.deps.clock())
        due = await self.store.due_to_expire(now, EXPIRE_BATCH)
        return len(await Changer(self.deps).change_all(due, lambda order: expiry(order, now)))

    async def reconcile(self) -> int:
        """Asks the processor about every deposit to the orders it has been quiet about, open
        ones first: their own payment and each repeat deposit, so a missed callback is never a
        lost payment, whatever the order's status. Two D1 round trips per run; returns how many
        orders it asked about."""
        now = self.deps.clock()
        quiet = await self.store.quiet(
            self.processor.name,
            tuple(s.value for s in OPEN_FOR_PAYMENT),
            quiet_since=timestamp(now - RECONCILE_AFTER),
            expired_after=timestamp(now - LATE_PAYMENT_HORIZON),
            limit=RECONCILE_BATCH,
        )
        try:
            reports = await self.processor.deposits([_asked(order) for order in quiet])
        except ProcessorError as exc:
            log.warning("reconcile: processor unavailable (%s); next run retries", exc.message)
            return 0
        asked = [order for order in quiet if order.id in reports]
        seen = timestamp(now)
        lock = self._lock()

        def decide(order: Order) -> Change | None:
            return settle(order, reports[order.id], seen, lock)

        changer = Changer(self.deps)
        await changer.commit_all(
            [changer.plan(order, decide) for order in asked],
            [self.store.touch_seen(order.id, seen) for order in asked],
        )
        return len(asked)


def _asked(order: Order) -> Deposits:
    known = tuple(p for p in json.loads(order.deposits or "{}") if p != order.payment_id)
    return Deposits(order.id, order.payment_id, known, parse_timestamp(order.created_at))


def _ipn_payload(payment: Payment) -> dict[str, Any]:
    """A callback body shaped like NOWPayments' (see docs/nowpayments.md)."""
    return {
        "payment_id": int(payment.payment_id),
        "parent_payment_id": int(payment.parent_payment_id) if payment.parent_payment_id else None,
        "invoice_id": None,
        "payment_status": payment.status,
        "pay_address": payment.address,
        "payin_extra_id": payment.extra_id,
        "price_amount": payment.amount,
        "price_currency": payment.currency,
        "pay_amount": payment.amount,
        "actually_paid": payment.actually_paid,
        "actually_paid_at_fiat": 0,
        "pay_currency": payment.currency,
        "order_id": payment.order_id,
        "order_description": f"ONE⚡CASH order {payment.order_id}",
        "purchase_id": payment.payment_id,
        "outcome_amount": payment.actually_paid,
        "outcome_currency": payment.currency,
        "payin_hash": payment.tx_hash,
        "fee": {"currency": payment.currency, "depositFee": 0, "withdrawalFee": 0, "serviceFee": 0},
    }
