"""The order endpoints: create (idempotent, all-or-nothing), read (ETag), operator update."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta
from typing import Any

from orders.api.auth import authorize_operator
from orders.api.http import JSON_TYPE, Request, Response, json_response
from orders.api.schemas import (
    CreateOrderBody,
    UpdateOrderBody,
    check_note,
    check_order,
    check_tx_hash,
    parse,
)
from orders.domain import money
from orders.domain.lifecycle import Source, Status
from orders.domain.order import Event, Order, timestamp
from orders.errors import (
    FieldError,
    IdempotencyKeyReused,
    NotFound,
    ProcessorUnavailable,
    ServiceUnavailable,
    ValidationFailed,
    VersionConflict,
)
from orders.ports import Deps
from orders.processors.base import Processor, ProcessorError
from orders.storage.store import IdempotencyStore, OrderStore
from orders.usecases.catalog import Catalog, Quote
from orders.usecases.changing import Change, Changer, webhook_row

IDEMPOTENCY_WINDOW = timedelta(hours=24)
# A reservation older than this belongs to an attempt that died mid-way; it may be taken over.
ABANDONED_AFTER = timedelta(minutes=2)
REPLAY_WAIT_STEPS = 50
REPLAY_WAIT_SECONDS = 0.1


class Ordering:
    def __init__(self, deps: Deps, processor: Processor, catalog: Catalog) -> None:
        self.deps = deps
        self.processor = processor
        self.catalog = catalog
        self.store = OrderStore(deps.db)
        self.keys = IdempotencyStore(deps.db)

    async def create(self, request: Request) -> Response:
        body = parse(CreateOrderBody, request.json())
        currencies = await self.catalog.currencies()
        source, target, amount = check_order(body, currencies)
        quote = await self.catalog.quote(source, target, amount, "amount")
        key = request.headers.get("idempotency-key")
        if key is None:
            return await self._create(body, quote)
        if not 1 <= len(key) <= 255:
            raise ValidationFailed([FieldError("Idempotency-Key", "must be 1 to 255 characters")])
        fingerprint = hashlib.sha256(
            json.dumps(body.model_dump(), sort_keys=True).encode()
        ).hexdigest()
        return await self._create_once(key, fingerprint, body, quote)

    async def _create_once(
        self, key: str, fingerprint: str, body: CreateOrderBody, quote: Quote
    ) -> Response:
        for _ in range(REPLAY_WAIT_STEPS):
            now = self.deps.clock()
            taken, held = await self.keys.reserve(
                key, fingerprint, timestamp(now), timestamp(now - IDEMPOTENCY_WINDOW)
            )
            if taken:
                try:
                    return await self._create(body, quote, key)
                except BaseException:
                    await self.keys.release(key)
                    raise
            if held is None:
                continue  # released by a failed attempt in between: try again
            if not hmac.compare_digest(held["request_hash"], fingerprint):
                raise IdempotencyKeyReused()
            if held["state"] == "done":
                return _replay(held)
            if held["created_at"] < timestamp(now - ABANDONED_AFTER):
                await self.keys.release(key)
                continue
            # The first request with this key is still being served: wait for its answer.
            await self.deps.sleep(REPLAY_WAIT_SECONDS)
        raise ServiceUnavailable(
            "A request with this Idempotency-Key is still being processed; retry shortly.",
            headers={"Retry-After": "2"},
        )

    async def _create(
        self, body: CreateOrderBody, quote: Quote, key: str | None = None
    ) -> Response:
        deps = self.deps
        order_id = deps.new_id("ord")
        callback = f"{deps.settings.public_api_url}/api/ipn/{self.processor.name}"
        try:
            payment = await self.processor.create_payment(
                order_id=order_id,
                currency=quote.from_currency.code,
                amount=quote.amount,
                callback_url=callback,
            )
        except ProcessorError as exc:
            raise ProcessorUnavailable(
                f"We could not get a deposit address from our payment processor "
                f"({exc.message}). No order was created; please try again in a few minutes."
            ) from None
        now = deps.clock()
        created = timestamp(now)
        expires = now + timedelta(minutes=deps.settings.payment_window_minutes)
        if payment.expires_at and now < payment.expires_at < expires:
            expires = payment.expires_at  # never promise longer than the processor will wait
        event = Event(to_status=Status.AWAITING_PAYMENT.value, at=created, source=Source.API.value)
        order = Order(
            id=order_id,
            status=Status.AWAITING_PAYMENT,
            version=1,
            created_at=created,
            updated_at=created,
            expires_at=timestamp(expires),
            late=False,
            from_currency=quote.from_currency.code,
            from_amount=money.to_text(quote.amount),
            to_currency=quote.to_currency.code,
            to_amount=money.to_text(quote.to_amount),
            payout_address=body.payout_address,
            payout_extra_id=body.payout_extra_id,
            refund_address=body.refund_address,
            email=body.email,
            rate=money.to_text(quote.rate),
            fee_percent=money.to_text(quote.fee_percent),
            processor=self.processor.name,
            payment_id=payment.payment_id,
            pay_address=payment.address,
            pay_extra_id=payment.extra_id,
            pay_amount=money.to_text(payment.amount),
            pay_currency=payment.currency,
            received_amount="0",
            deposits="{}",
            deposit_tx_hash=None,
            payout_tx_hash=None,
            processor_seen_at=created,
            change_id=deps.tokens(12),
            events=(event,),
        )
        response = _order_response(order, 201)
        response.headers["Location"] = f"/api/order/{order.id}"
        statements = self.store.insert(order, event, webhook_row(deps, order, "order.created"))
        if key is not None:
            statements.append(self.keys.complete(key, order.id, 201, response.body.decode("utf-8")))
        await deps.db.batch(statements)
        return response

    async def get(self, request: Request, order_id: str) -> Response:
        order = await self._load(order_id)
        if _etag_matches(request.headers.get("if-none-match"), order.etag):
            return Response(304, b"", {"ETag": order.etag})
        return _order_response(order, 200)

    async def update(self, request: Request, order_id: str) -> Response:
        authorize_operator(self.deps.settings.admin_token, request.headers.get("authorization"))
        body = parse(UpdateOrderBody, request.json())
        try:
            target = Status(body.status)
        except ValueError:
            raise ValidationFailed(
                [FieldError("status", f"must be one of {', '.join(s.value for s in Status)}")]
            ) from None
        check_tx_hash(body.payout_tx_hash, "payout_tx_hash")
        check_note(body.note)
        if target is Status.COMPLETED and not body.payout_tx_hash:
            raise ValidationFailed(
                [FieldError("payout_tx_hash", "is required to mark an order completed")]
            )
        order = await self._load(order_id)
        expected = None
        if_match = request.headers.get("if-match")
        if if_match is not None:
            if not _etag_matches(if_match, order.etag):
                raise VersionConflict()
            expected = order.version

        def decide(current: Order) -> Change:
            # Changer refuses a move off the lifecycle's edges, judged on the order as it is.
            fields = {"payout_tx_hash": body.payout_tx_hash} if body.payout_tx_hash else {}
            return Change(target, Source.OPERATOR, body.note, fields)

        changed, _ = await Changer(self.deps).change(
            order_id, decide, expected_version=expected, current=order
        )
        return _order_response(changed, 200)

    async def _load(self, order_id: str) -> Order:
        order = await self.store.get(order_id) if order_id.startswith("ord_") else None
        if order is None:
            raise NotFound("No order with this id. Check the link you were given.")
        return order


def _etag_matches(header: str | None, etag: str) -> bool:
    if header is None:
        return False
    tags = [t.strip() for t in header.split(",")]
    bare = etag.removeprefix("W/")
    return "*" in tags or any(t.removeprefix("W/") == bare for t in tags)


def _order_response(order: Order, status: int) -> Response:
    return json_response(order.public(), status, {"ETag": order.etag})


def _replay(held: dict[str, Any]) -> Response:
    """The first answer again, byte for byte."""
    return Response(
        int(held["status_code"]),
        str(held["response_body"]).encode("utf-8"),
        {
            "Content-Type": JSON_TYPE,
            "Location": f"/api/order/{held['order_id']}",
            "Idempotent-Replayed": "true",
        },
    )
