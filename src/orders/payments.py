"""Payments arriving: processor callbacks (IPN), sandbox deposits, expiry and reconciliation.

Every path ends in `settlement.settle` applied through `Changer`, so a payment moves an order the
same way whether a callback, the sandbox or the cron job noticed it, and only once.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from decimal import Decimal
from typing import Any

from . import ipn_signature, money
from .changes import Change, Changer
from .deps import Deps
from .errors import FieldError, NotFound, ServiceUnavailable, Unauthorized, ValidationFailed
from .forms import SandboxPayBody, parse
from .http import Headers, Request, Response, json_response
from .lifecycle import OPEN_FOR_PAYMENT, Source, Status
from .order import Order, timestamp
from .processor import Payment, Processor, ProcessorError
from .sandbox import SandboxProcessor
from .settlement import STATUS_MAP, settle
from .store import OrderStore, ReceiptStore

log = logging.getLogger("onecash.payments")

SIGNATURE_HEADER = "x-nowpayments-sig"
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

    async def callback(self, request: Request, processor_name: str) -> Response:
        """A processor's signed callback: verified on the raw body before anything is trusted."""
        if processor_name != self.processor.name:
            raise NotFound(f"No payment processor called {processor_name!r} is configured.")
        secret = self.deps.settings.ipn_secret
        if not secret:
            log.error(
                "IPN refused: NOWPAYMENTS_IPN_SECRET is not set, callbacks cannot be verified"
            )
            raise Unauthorized("Callbacks are disabled: no IPN secret is configured.")
        if not ipn_signature.verify(request.body, request.headers.get(SIGNATURE_HEADER), secret):
            raise Unauthorized("Missing or invalid callback signature.")
        body = json.loads(request.body, parse_float=Decimal)
        payment_id = str(body.get("payment_id") or "")
        status = str(body.get("payment_status") or "")
        if not payment_id or status not in STATUS_MAP:
            raise ValidationFailed([FieldError("payment_status", "unknown payment status")])
        receipt = f"{status}:{money.to_text(money.from_processor(body.get('actually_paid')))}"
        now = timestamp(self.deps.clock())
        if await self.receipts.seen(self.processor.name, payment_id, receipt):
            return json_response({"ok": True, "duplicate": True})
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
            return json_response({"ok": True, "ignored": "unknown payment"})
        order = await self._order_for(payment, str(body.get("order_id") or ""))
        if order is None:
            log.warning("IPN for payment %s matches no order", payment_id)
            return json_response({"ok": True, "ignored": "unknown order"})
        changed, _ = await self.apply(order.id, payment)
        await self.receipts.record(
            self.processor.name, payment_id, receipt, order.id, now, request.body.decode("utf-8")
        )
        return json_response({"ok": True, "order_status": changed.status.value})

    async def apply(self, order_id: str, payment: Payment) -> tuple[Order, bool]:
        result = await Changer(self.deps).change(order_id, lambda o: settle(o, payment))
        await self.store.touch_seen(order_id, timestamp(self.deps.clock()))
        return result

    async def _order_for(self, payment: Payment, claimed_order_id: str) -> Order | None:
        # The processor's own record names the order; the callback's claim is only a fallback.
        for order_id in (payment.order_id, claimed_order_id):
            if order_id and order_id.startswith("ord_"):
                order = await self.store.get(order_id)
                if order is not None:
                    return order
        parent = payment.parent_payment_id or payment.payment_id
        row = (
            await self.deps.db.prepare(
                "SELECT id FROM orders WHERE processor = ? AND payment_id = ?"
            )
            .bind(self.processor.name, parent)
            .first()
        )
        return await self.store.get(row["id"]) if row else None

    async def sandbox_pay(self, request: Request, order_id: str) -> Response:
        """Simulates a deposit: the sandbox ledger records it, then its signed callback goes
        through `callback` exactly like NOWPayments' would."""
        sandbox = self.processor
        if not isinstance(sandbox, SandboxProcessor):
            raise NotFound("The sandbox is only available when PROCESSOR=sandbox.")
        body = parse(SandboxPayBody, request.json())
        if body.status not in STATUS_MAP:
            raise ValidationFailed(
                [FieldError("status", f"must be one of {', '.join(STATUS_MAP)}")]
            )
        order = await self.store.get(order_id) if order_id.startswith("ord_") else None
        payment = await sandbox.find_payment(order_id) if order else None
        if order is None or payment is None:
            raise NotFound("No order with this id.")
        try:
            amount = money.parse_amount(body.amount) if body.amount else payment.amount
        except money.NotAnAmount as exc:
            raise ValidationFailed([FieldError("amount", str(exc))]) from None
        paid = await sandbox.record_deposit(payment, body.status, amount)
        if body.callback:
            payload = _ipn_payload(paid, order)
            raw, signature = ipn_signature.signed_body(payload, self.deps.settings.ipn_secret or "")
            callback = Request(
                "POST", f"/api/ipn/{sandbox.name}",
                headers=Headers({SIGNATURE_HEADER: signature, "content-type": "application/json"}),
                body=raw, client_ip=request.client_ip,
            )  # fmt: skip
            await self.callback(callback, sandbox.name)
        after = await self.store.get(order_id)
        assert after is not None
        return json_response(
            {
                "callback_sent": body.callback,
                "order": after.public(),
            },
            200 if body.callback else 202,
        )

    async def expire_due(self) -> int:
        """Moves `awaiting_payment` orders past their window to `expired`, a bounded batch."""
        now = timestamp(self.deps.clock())

        def decide(order: Order) -> Change | None:
            if order.status is Status.AWAITING_PAYMENT and order.expires_at <= now:
                return Change(Status.EXPIRED, Source.SCHEDULER, "the payment window ended")
            return None

        changer = Changer(self.deps)
        expired = 0
        for order_id in await self.store.due_to_expire(now, EXPIRE_BATCH):
            _, changed = await changer.change(order_id, decide)
            expired += changed
        return expired

    async def reconcile(self) -> int:
        """Asks the processor about open orders it has been quiet about: a missed callback is
        never a lost payment. Returns how many orders it asked about."""
        now = self.deps.clock()
        quiet = await self.store.quiet(
            self.processor.name,
            (*(s.value for s in OPEN_FOR_PAYMENT), Status.EXPIRED.value),
            quiet_since=timestamp(now - RECONCILE_AFTER),
            expired_after=timestamp(now - LATE_PAYMENT_HORIZON),
            limit=RECONCILE_BATCH,
        )
        asked = 0
        for order_id, payment_id in quiet:
            try:
                payment = await self.processor.get_payment(payment_id)
            except ProcessorError as exc:
                log.warning("reconcile: processor unavailable (%s); next run retries", exc.message)
                break
            asked += 1
            if payment is None:
                await self.store.touch_seen(order_id, timestamp(now))
                continue
            await self.apply(order_id, payment)
        return asked


def _ipn_payload(payment: Payment, order: Order) -> dict[str, Any]:
    """A callback body shaped like NOWPayments' (see reference/nowpayments.md)."""
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
        "order_id": order.id,
        "order_description": f"ONE⚡CASH order {order.id}",
        "purchase_id": payment.payment_id,
        "outcome_amount": payment.actually_paid,
        "outcome_currency": payment.currency,
        "payin_hash": payment.tx_hash,
        "fee": {"currency": payment.currency, "depositFee": 0, "withdrawalFee": 0, "serviceFee": 0},
    }
