"""What each route takes and answers, beyond what the route table says: one `Operation` per route
name, read by `openapi.py` to describe the API. Bodies are pydantic models, errors are classes of
the error tree, so the description is built from the same things the code runs on."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from orders.api import responses as out
from orders.api.schemas import ChoiceBody, CreateOrderBody, SandboxPayBody, UpdateOrderBody
from orders.domain.delivery import STATES
from orders.errors import (
    ApiError,
    ChoiceUnavailable,
    DuplicateTxHash,
    Forbidden,
    IdempotencyKeyReused,
    InvalidJson,
    InvalidTransition,
    NotFound,
    OfferExpired,
    PayloadTooLarge,
    ProcessorUnavailable,
    RateLimited,
    ServiceUnavailable,
    Unauthorized,
    ValidationFailed,
    VersionConflict,
)

Model = type[BaseModel]
# A parameter's kind: "text", or "currency" and "processor" (whose values depend on the settings).
TEXT = {"type": "string"}


@dataclass(frozen=True)
class Param:
    name: str
    where: str  # "query", "header" ("path" parameters come from the route's pattern)
    description: str
    required: bool = False
    schema: Mapping[str, Any] = field(default_factory=lambda: TEXT)
    kind: str = "text"


@dataclass(frozen=True)
class Link:
    """A value of this answer that another operation takes (a client's next step)."""

    operation: str
    parameters: Mapping[str, str]  # parameter → runtime expression, e.g. "$response.body#/id"


@dataclass(frozen=True)
class Answer:
    description: str
    model: Model | None = None  # None: no body
    headers: tuple[str, ...] = ()  # names in openapi.HEADERS that this answer always carries
    links: Mapping[str, Link] = field(default_factory=dict)
    media: str | None = None  # a body that is not JSON (e.g. "text/csv"), as text


@dataclass(frozen=True)
class Operation:
    summary: str
    answers: Mapping[int, Answer]
    errors: tuple[type[ApiError], ...] = ()
    body: Model | None = None
    params: tuple[Param, ...] = ()
    operator: bool = False  # needs the operator's bearer token


WITH_BODY: tuple[type[ApiError], ...] = (InvalidJson, PayloadTooLarge, ValidationFailed)
PATH_PARAMS: dict[str, Param] = {
    "id": Param("id", "path", "An order id as returned when the order was created (`ord_…`).",
                True, {"type": "string", "pattern": "^ord_[A-Za-z0-9_-]+$"}),
    "processor": Param("processor", "path", "The configured payment processor.", True,
                       kind="processor"),
    "event_id": Param("event_id", "path", "A webhook event id (`evt_…`).", True,
                      {"type": "string", "pattern": "^evt_[A-Za-z0-9_-]+$"}),
}  # fmt: skip

_TIME = {
    "type": "string",
    "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}Z)?$",
}
SEARCH: tuple[Param, ...] = (
    Param("status", "query", "One status, or several separated by commas."),
    Param("from", "query", "Created at or after (a date, or a UTC time).", schema=_TIME),
    Param("to", "query", "Created before (a date, or a UTC time).", schema=_TIME),
    Param(
        "q",
        "query",
        "Text found in the order id, email, an address, the processor's payment "
        "id or a transaction hash.",
        schema={"type": "string", "maxLength": 200},
    ),
)
PAGE: tuple[Param, ...] = (
    Param(
        "limit",
        "query",
        "Orders per page, 1 to 200 (default 50).",
        schema={"type": "integer", "minimum": 1, "maximum": 200},
    ),
    Param("cursor", "query", "`next_cursor` of the previous page."),
)


def outbox_status(what: str) -> Param:
    return Param("status", "query", f"Which {what} (default pending).",
                 schema={"type": "string", "enum": list(STATES)})  # fmt: skip


_ID = {"id": "$response.body#/id"}
_ORDER_LINKS = {
    "ReadOrder": Link("get_order", _ID),
    "PollOrder": Link("get_order", {**_ID, "header.If-None-Match": "$response.header.ETag"}),
    "UpdateOrder": Link("update_order", _ID),
    "PayOrder": Link("sandbox_pay", _ID),
}
_ORDER = Answer("The order.", out.Order, ("ETag",), _ORDER_LINKS)

OPERATIONS: dict[str, Operation] = {
    "health": Operation(
        "Whether the service and its database answer.",
        {200: Answer("All is well.", out.Health),
         503: Answer("The database does not answer.", out.Health)},
    ),
    "currencies": Operation(
        "The currencies that can be sent and received, with their limits.",
        {200: Answer("The currencies on offer.", out.Currencies)},
        (ProcessorUnavailable,),
    ),
    "quote": Operation(
        "What an amount buys, after our fee; valid for two minutes.",
        {200: Answer("The quote.", out.Quote)},
        (ValidationFailed, RateLimited, ProcessorUnavailable),
        params=(
            Param("from", "query", "The currency sent.", True, kind="currency"),
            Param("to", "query", "The currency wanted.", True, kind="currency"),
            Param("amount", "query", "How much is sent, a plain decimal.", True, kind="amount"),
        ),
    ),
    "create_order": Operation(
        "Create an order: a deposit address for what is sent, a payout to the given address.",
        {201: Answer("The new order (or, for a repeated Idempotency-Key, the first answer "
                     "again, without a `customer_key` made for it).",
                     out.CreatedOrder, ("Location",), _ORDER_LINKS)},
        (*WITH_BODY, IdempotencyKeyReused, RateLimited, ProcessorUnavailable),
        CreateOrderBody,
        (Param("Idempotency-Key", "header", "The same key with the same body within 24 hours "
               "returns the first answer and creates nothing, asking the processor nothing.",
               schema={"type": "string", "minLength": 1, "maxLength": 255}),),
    ),
    "get_order": Operation(
        "Read an order. Poll it with If-None-Match: 304 while nothing changed.",
        {200: _ORDER, 304: Answer("Unchanged since the ETag given.", None, ("ETag",))},
        (NotFound,),
        params=(Param("If-None-Match", "header", "The ETag of the order as last read."),),
    ),
    "update_order": Operation(
        "Move an order along its lifecycle (the operator, e.g. `completed` with the payout hash), "
        "record a refund on its own, or correct a recorded hash with a reason (`correct`); "
        "payouts and refunds are checked against what the order holds (422 naming the field; "
        "409 when there is nothing to refund), and a hash already recorded is 409 "
        "`duplicate_tx_hash` unless `shared_tx` says the transaction pays several orders.",
        {200: _ORDER},
        (*WITH_BODY, Unauthorized, NotFound, InvalidTransition, DuplicateTxHash, VersionConflict),
        UpdateOrderBody,
        (Param("If-Match", "header", "Refuse the change (412) if the order moved on since."),),
        operator=True,
    ),
    "choose": Operation(
        "The customer's choice for a problem payment (late or short), or a refund address (the "
        "status stays; the operator is sent `order.refund_address_changed`); needs the order's "
        "`customer_key`. A choice other changes kept overtaking is 409, never 412.",
        {200: _ORDER},
        (*WITH_BODY, Forbidden, NotFound, ChoiceUnavailable, OfferExpired, RateLimited,
         ProcessorUnavailable),
        ChoiceBody,
    ),
    "email_link": Operation(
        "Email the order's address a new link that can act on it (the choices, from any "
        "device): a new `customer_key`, in the link's #fragment only, which replaces the old "
        "one. The answer is the same whether or not the order has an email address; 503 when "
        "this exchange sends no emails. Rate limited per client and per order.",
        {202: Answer("Sent, if the order has an address.", out.LinkRequested)},
        (NotFound, RateLimited, ServiceUnavailable),
    ),
    "lookup": Operation(
        "Find an order by its deposit's transaction hash, exactly as written: its id and "
        "payment page. Rate limited.",
        {200: Answer("The order.", out.FoundOrder, links={"ReadOrder": Link("get_order", _ID)})},
        (ValidationFailed, NotFound, RateLimited),
        params=(Param("tx_hash", "query", "The deposit's transaction hash (16 to 128 letters and "
                      "digits, an optional 0x before them).", True,
                      {"type": "string", "pattern": "^(0x)?[0-9A-Za-z]{16,128}$"}),),
    ),
    "ipn": Operation(
        "The payment processor's signed callback; the signature is checked before anything.",
        {200: Answer("Taken (or already seen, or not ours).", out.IpnAnswer)},
        # 412: the order kept changing under it (five writes lost in a row); it is sent again.
        (*WITH_BODY, Unauthorized, NotFound, VersionConflict),
        out.ProcessorCallback,
        (Param("x-nowpayments-sig", "header", "HMAC-SHA512 of the sorted body.", True),),
    ),
    "sandbox_pay": Operation(
        "Sandbox only (PROCESSOR=sandbox, else 404): simulate a deposit to the order.",
        {200: Answer("The deposit was recorded and its callback fed through.", out.SandboxPaid),
         202: Answer("The deposit was recorded; its callback was dropped (`callback: false`).",
                     out.SandboxPaid)},
        (*WITH_BODY, NotFound, VersionConflict),
        SandboxPayBody,
    ),
    "list_webhooks": Operation(
        "Webhook events in the outbox, by status, each with its attempt log.",
        {200: Answer("The events.", out.WebhookEvents, links={"Redeliver": Link(
            "redeliver_webhook", {"event_id": "$response.body#/events/0/event_id"})})},
        (ValidationFailed, Unauthorized),
        params=(outbox_status("events"),),
        operator=True,
    ),
    "redeliver_webhook": Operation(
        "Send an event again from the start of its schedule; re-enables a receiver that "
        "answered 410.",
        {202: Answer("Queued.", out.Redelivery)},
        (Unauthorized, NotFound),
        operator=True,
    ),
    "list_emails": Operation(
        "The customers' emails in the outbox, by status, each with its attempt log.",
        {200: Answer("The emails.", out.EmailEvents)},
        (ValidationFailed, Unauthorized),
        params=(outbox_status("emails"),),
        operator=True,
    ),
    "redeliver_email": Operation(
        "Send an email again from the start of its schedule.",
        {202: Answer("Queued.", out.Redelivery)},
        (Unauthorized, NotFound),
        operator=True,
    ),
    "admin_orders": Operation(
        "Orders in the operator's view, newest first, a page at a time.",
        {200: Answer("A page of orders.", out.OperatorOrders)},
        (ValidationFailed,),
        params=(*SEARCH, *PAGE),
        operator=True,
    ),
    "admin_orders_csv": Operation(
        "Every order the filters match, as CSV with a header row (amounts as exact decimals).",
        {200: Answer("The export.", None, ("Content-Disposition",), media="text/csv")},
        (ValidationFailed,),
        params=SEARCH,
        operator=True,
    ),
    "admin_order": Operation(
        "One order in the operator's view, with its webhook events and its customer's emails, "
        "each with its attempts.",
        {200: Answer("The order.", out.OperatorOrderDetail, ("ETag",))},
        (NotFound,),
        operator=True,
    ),
    "admin_queue": Operation(
        "What waits on the operator now (payouts, refunds), the longest waiting first.",
        {200: Answer("The queue.", out.Queue)},
        operator=True,
    ),
    "admin_stats": Operation(
        "Counts, volumes and fees of the orders created in a period; the queue; the outbox.",
        {200: Answer("The numbers.", out.Stats)},
        (ValidationFailed,),
        params=SEARCH[1:3],
        operator=True,
    ),
    "openapi": Operation("This document.", {200: Answer("OpenAPI 3.1.", out.OpenApiDocument)}),
}  # fmt: skip
