"""One thin handler per route: read what the request says, call a use case, write the answer.
HTTP lives here (headers, ETags, status codes); decisions live in the use cases."""

from __future__ import annotations

import logging
from typing import Any

from orders import storage
from orders.api import openapi
from orders.api.auth import Operator, authorize_operator
from orders.api.http import JSON_TYPE, Request, Response, json_response
from orders.api.schemas import (
    ChoiceBody,
    CreateOrderBody,
    SandboxPayBody,
    UpdateOrderBody,
    parse,
)
from orders.domain import views
from orders.domain.exchange import NewOrder, check_quote
from orders.domain.lifecycle import Status
from orders.domain.order import Order, etag_of
from orders.domain.problems import Choice
from orders.domain.times import timestamp
from orders.errors import FieldError, NotFound, RateLimited, ValidationFailed
from orders.ports import Deps
from orders.processors.base import Processor
from orders.usecases.backoffice import BackOffice
from orders.usecases.catalog import Catalog
from orders.usecases.choices import Choices
from orders.usecases.emails import Emails
from orders.usecases.links import Links
from orders.usecases.ordering import Ordering
from orders.usecases.payments import Payments
from orders.usecases.webhooks import Webhooks

log = logging.getLogger("onecash")

SIGNATURE_HEADER = "x-nowpayments-sig"
Params = dict[str, str]


class Handlers:
    """Each method is the handler of the route of the same name (see `routes.ROUTES`)."""

    def __init__(self, deps: Deps, processor: Processor) -> None:
        self.deps = deps
        self.processor = processor
        self.catalog = Catalog(deps, processor)
        self.ordering = Ordering(deps, processor, self.catalog)
        self.payments = Payments(deps, processor)
        self.webhooks = Webhooks(deps)
        self.emails = Emails(deps)
        self.backoffice = BackOffice(deps)
        self.choices = Choices(self.ordering)
        self.links = Links(deps)

    async def health(self, request: Request, params: Params) -> Response:
        try:
            await storage.ping(self.deps.db)
            db = "ok"
        except Exception:
            log.exception("health: the database did not answer")
            db = "unavailable"
        return json_response(
            {"status": "ok" if db == "ok" else "degraded", "checks": {"db": db},
             "version": self.deps.settings.version, "processor": self.processor.name},
            200 if db == "ok" else 503,
        )  # fmt: skip

    async def currencies(self, request: Request, params: Params) -> Response:
        currencies = await self.catalog.currencies()
        return json_response({
            "currencies": [c.public() for c in currencies.values()],
            "payout_promise_minutes": self.deps.settings.payout_promise_minutes,
            "payout_median_minutes": await self.backoffice.payout_median_minutes(),
        })  # fmt: skip

    async def quote(self, request: Request, params: Params) -> Response:
        source, target, amount = check_quote(await self.catalog.currencies(), request.query)
        quote = await self.catalog.quote(source, target, amount, "amount")
        return json_response(quote.public())

    async def create_order(self, request: Request, params: Params) -> Response:
        fields = parse(CreateOrderBody, request.json()).model_dump()
        customer_key = fields.pop("customer_key")
        created = await self.ordering.create(
            NewOrder(**fields), request.headers.get("idempotency-key"), customer_key
        )
        headers = {"Content-Type": JSON_TYPE, "Location": f"/api/order/{created.order_id}"}
        if created.replayed:
            headers["Idempotent-Replayed"] = "true"
        return Response(201, created.body.encode("utf-8"), headers)

    async def get_order(self, request: Request, params: Params) -> Response:
        order = await self.ordering.read(params["id"])
        if etag_matches(request.headers.get("if-none-match"), order.etag):
            return Response(304, b"", {"ETag": order.etag})
        return order_response(order)

    async def update_order(self, request: Request, params: Params) -> Response:
        operator = await self._operator(request)
        body = parse(UpdateOrderBody, request.json())
        try:
            target = None if body.status is None else Status(body.status)
        except ValueError:
            raise ValidationFailed(
                [FieldError("status", f"must be one of {', '.join(s.value for s in Status)}")]
            ) from None
        expected = if_match_version(request.headers.get("if-match"), params["id"])
        changed = await self.ordering.change(
            params["id"], target, payout_tx_hash=body.payout_tx_hash, note=body.note,
            refund_tx_hash=body.refund_tx_hash, refund_amount=body.refund_amount,
            payout_amount=body.payout_amount, internal_note=body.internal_note, actor=operator.name,
            shared_tx=body.shared_tx, correct=body.correct, reason=body.reason,
            expected_version=expected,
        )  # fmt: skip
        return order_response(changed)

    async def choose(self, request: Request, params: Params) -> Response:
        body = parse(ChoiceBody, request.json())
        try:
            choice = Choice(body.choice)
        except ValueError:
            raise ValidationFailed(
                [FieldError("choice", f"must be one of {', '.join(c.value for c in Choice)}")]
            ) from None
        changed = await self.choices.choose(
            params["id"],
            body.key,
            choice,
            body.refund_address,
            body.refund_extra_id,
            body.refund_no_tag,
        )
        return order_response(changed)

    async def email_link(self, request: Request, params: Params) -> Response:
        """A fresh link to act on the order, emailed to its address; answered alike whether or
        not it has one."""
        await self._limit("orders", f"link:{params['id']}")
        message = await self.links.email_link(params["id"])
        return json_response({"id": params["id"], "message": message}, 202)

    async def lookup(self, request: Request, params: Params) -> Response:
        return json_response(await self.links.find(request.query.get("tx_hash")))

    async def ipn(self, request: Request, params: Params) -> Response:
        """A processor's signed callback: verified on the raw body before anything is trusted."""
        if params["processor"] != self.processor.name:
            raise NotFound(f"No payment processor called {params['processor']!r} is configured.")
        answer, _ = await self.payments.receive(request.body, request.headers.get(SIGNATURE_HEADER))
        return json_response(answer)

    async def sandbox_pay(self, request: Request, params: Params) -> Response:
        body = parse(SandboxPayBody, request.json())
        order = await self.payments.sandbox_pay(params["id"], body.status, body.amount,
                                                body.callback, body.late)  # fmt: skip
        return json_response(
            {"callback_sent": body.callback, "order": views.public(order)},
            200 if body.callback else 202,
        )

    async def list_webhooks(self, request: Request, params: Params) -> Response:
        await self._operator(request)
        return json_response(await self.webhooks.events(request.query.get("status", "pending")))

    async def redeliver_webhook(self, request: Request, params: Params) -> Response:
        await self._operator(request)
        await self.webhooks.redeliver(params["event_id"])
        return json_response({"event_id": params["event_id"], "status": "pending"}, 202)

    async def list_emails(self, request: Request, params: Params) -> Response:
        await self._operator(request)
        return json_response(await self.emails.events(request.query.get("status", "pending")))

    async def redeliver_email(self, request: Request, params: Params) -> Response:
        await self._operator(request)
        await self.emails.redeliver(params["event_id"])
        return json_response({"event_id": params["event_id"], "status": "pending"}, 202)

    async def admin_orders(self, request: Request, params: Params) -> Response:
        await self._operator(request)
        return json_response(await self.backoffice.orders(request.query))

    async def admin_orders_csv(self, request: Request, params: Params) -> Response:
        await self._operator(request)
        pages = self.backoffice.export(request.query)
        name = f"onecash-orders-{timestamp(self.deps.clock())[:10]}.csv"
        return Response(200, headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{name}"',
        }, stream=(page.encode("utf-8") async for page in pages))  # fmt: skip

    async def admin_order(self, request: Request, params: Params) -> Response:
        await self._operator(request)
        detail = await self.backoffice.order(params["id"])
        return json_response(detail, 200, {"ETag": detail["etag"]})

    async def admin_queue(self, request: Request, params: Params) -> Response:
        await self._operator(request)
        return json_response(await self.backoffice.queue())

    async def admin_stats(self, request: Request, params: Params) -> Response:
        await self._operator(request)
        return json_response(await self.backoffice.stats(request.query))

    async def openapi(self, request: Request, params: Params) -> Response:
        return json_response(openapi.document(self.deps.settings))

    async def _limit(self, bucket: str, key: str) -> None:
        """One more count against `bucket`'s limiter, under a key of the handler's choosing (the
        route's own count is per client address: `App._limited`). A broken limiter lets the
        request through, as there."""
        limiter = self.deps.limiters.get(bucket)
        if limiter is None:
            return
        try:
            retry_after = await limiter.hit(f"{bucket}:{key}")
        except Exception:
            log.exception("rate limiter %s failed; allowing the request", bucket)
            return
        if retry_after is not None:
            raise RateLimited(retry_after)

    async def _operator(self, request: Request) -> Operator:
        return await authorize_operator(
            self.deps.settings, self.deps.db, self.deps.clock, request.headers.get("authorization"),
            request.client_ip,
        )  # fmt: skip


def etag_matches(header: str | None, etag: str) -> bool:
    """`If-None-Match` against an order's tag: a list, `*`, weak or strong alike."""
    if header is None:
        return False
    tags = [t.strip() for t in header.split(",")]
    bare = etag.removeprefix("W/")
    return "*" in tags or any(t.removeprefix("W/") == bare for t in tags)


# What an If-Match that names no version of the order asks for: a version no order has (412).
NO_VERSION = -1


def if_match_version(header: str | None, order_id: str) -> int | None:
    """The version of order `order_id` an `If-Match` names (a list, weak or strong alike; the
    newest where it names several): None without one, or with `*` (the order as it is); a tag
    that is not one of this order's names NO_VERSION, which no order is at."""
    if header is None:
        return None
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    if "*" in tags:
        return None
    versions = [
        version
        for tag in tags
        if (version := _version_of(tag)) is not None
        and etag_of(order_id, version).removeprefix("W/") == tag
    ]
    return max(versions, default=NO_VERSION)


def _version_of(tag: str) -> int | None:
    """The version an order's tag (`"<version>-<digest>"`) begins with; None for another shape."""
    version, dash, _ = tag.removeprefix('"').partition("-")
    ok = dash and version.isascii() and version.isdigit() and len(version) <= 18
    return int(version) if ok else None


def order_response(order: Order, status: int = 200, **headers: Any) -> Response:
    return json_response(views.public(order), status, {"ETag": order.etag, **headers})
