"""What the API answers, as pydantic models: the OpenAPI document (`openapi.py`) is generated
from these and the request models in `schemas.py`.

The endpoints build their bodies as plain dicts (cheaper at the edge than validating every
answer); these models are the contract those dicts are held to. They forbid unknown fields, so
an answer that grows a field the document does not list fails the schema checks in the tests.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeAlias

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from orders.domain import problems, queue
from orders.domain.delivery import STATES
from orders.domain.lifecycle import Source, Status
from orders.errors import ApiError

# The vocabularies the answers use, each from the module that names it: a Literal of the
# domain's tuple (validated, and the schema's `enum`), never a second list written here.
if TYPE_CHECKING:
    ProblemReason: TypeAlias = str
    ActionChoice: TypeAlias = str
    QueueReason: TypeAlias = str
    DeliveryState: TypeAlias = str
else:
    ProblemReason = Literal[problems.REASONS]
    ActionChoice = Literal[tuple(c.value for c in problems.ACTION_CHOICES)]
    QueueReason = Literal[queue.REASONS]
    DeliveryState = Literal[STATES]

DecimalText = Annotated[
    str,
    Field(
        pattern=r"^(0|[1-9][0-9]*)(\.[0-9]*[1-9])?$",
        description="A decimal number written plainly: no exponent, no trailing zeros, no sign.",
        examples=["0.01"],
    ),
]
Timestamp = Annotated[
    str,
    Field(
        pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$",
        description="UTC, to the second.",
        examples=["2026-11-26T12:00:00Z"],
    ),
]


def _error_codes() -> list[JsonValue]:
    seen: list[type[ApiError]] = [ApiError]
    for cls in seen:
        seen.extend(cls.__subclasses__())
    return [*sorted({cls.code for cls in seen})]


class Shape(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorDetail(Shape):
    field: str = Field(description="The field at fault; empty when the body as a whole is.")
    message: str


class ErrorBody(Shape):
    code: str = Field(json_schema_extra={"enum": _error_codes()})
    message: str = Field(description="What happened and what to do, for a person.")
    details: list[ErrorDetail]


class Error(Shape):
    """Every error, whatever its status."""

    error: ErrorBody
    request_id: str = Field(description="The same as the X-Request-Id header.")


class Checks(Shape):
    db: Literal["ok", "unavailable"]


class Health(Shape):
    status: Literal["ok", "degraded"]
    checks: Checks
    version: str
    processor: str


class Currency(Shape):
    code: str = Field(examples=["usdttrc20"], description="The processor's ticker: what the API "
                      "takes and answers.")  # fmt: skip
    name: str = Field(examples=["Tether USD"], description="The coin, as a person knows it.")
    network: str = Field(examples=["trx"], description="The processor's code of its network.")
    needs_extra_id: bool = Field(description="A memo or destination tag goes with payouts.")
    address_pattern: str = Field(description="A regular expression a payout address matches.")
    extra_id_pattern: str | None
    min_amount: DecimalText
    max_amount: DecimalText
    decimals: int
    symbol: str = Field(examples=["USDT"], description="What an amount is written with.")
    network_name: str = Field(examples=["TRON"], description="The network, as a person knows "
                              "it: coins sent on another network are lost.")  # fmt: skip
    extra_id_optional: bool = Field(
        description="The tag may be left out when the wallet paid needs none (`payout_no_tag`, "
        "`refund_no_tag`); false where it is required."
    )


class Currencies(Shape):
    currencies: list[Currency]
    payout_promise_minutes: int = Field(
        ge=1, description="The payout is sent within this long of the payment being final "
        "(PAYOUT_PROMISE_MINUTES): what the payment page tells the customer to expect."
    )  # fmt: skip
    payout_median_minutes: int | None = Field(
        ge=1, description="How long payouts took lately, from paid to completed: the median of "
        "the last 100, in minutes (rounded up), refreshed every 10 minutes; null before the "
        "first payout."
    )  # fmt: skip


class Amount(Shape):
    currency: str
    amount: DecimalText


class Quote(Shape):
    from_: Amount = Field(alias="from")
    to: Amount
    rate: DecimalText = Field(description="Units of `to` per unit of `from`, before the fee.")
    fee_percent: DecimalText
    min_amount: DecimalText
    expires_at: Timestamp
    rate_lock_minutes: int = Field(
        ge=1, description="Once the order is placed, its rate is locked this long: the window "
        "to pay in."
    )  # fmt: skip


class Payout(Shape):
    currency: str
    amount: DecimalText
    address: str
    extra_id: str | None


class Payment(Shape):
    processor: str
    id: str
    address: str = Field(description="Where to send the deposit.")
    extra_id: str | None
    amount: DecimalText
    to_send: DecimalText = Field(
        description="What to send now: the rest while the customer sends it (`partially_paid`), "
        "else `amount`."
    )
    currency: str
    uri: str = Field(description="For a wallet to scan: `bitcoin:<address>?amount=0.01`, with "
                     "`to_send`.")  # fmt: skip
    received: DecimalText
    tx_hash: str | None


class PayoutSent(Shape):
    tx_hash: str | None


class Refund(Shape):
    tx_hash: str | None = Field(description="The refund's transaction, once sent.")
    amount: DecimalText | None = Field(description="In the deposit's currency.")


class PartialPayout(Shape):
    amount: DecimalText = Field(description="In `to.currency`: for what arrived, at the locked "
                                "rate.")  # fmt: skip


class Offer(Shape):
    amount: DecimalText = Field(description="What arrived, in the deposit's currency.")
    to_amount: DecimalText = Field(description="The payout for it at today's rate, less the fee.")
    rate: DecimalText
    expires_at: Timestamp = Field(description="Accept (`continue`) before this.")


class Action(Shape):
    """What went wrong with the payment and what the customer may choose (docs/api.md)."""

    reason: ProblemReason = Field(
        description="`payment_failed`: the order is `failed` but holds money, which the customer "
        "may ask back (`refund`)."
    )
    received: DecimalText
    choices: list[ActionChoice]
    remaining: DecimalText | None = Field(description="Underpaid: what is still to send.")
    partial_payout: PartialPayout | None
    offer: Offer | None = Field(description="Late: a fresh quote, after `fresh_quote`.")


class TimelineEntry(Shape):
    status: Status
    at: Timestamp
    source: Source
    note: str | None


class Order(Shape):
    id: str = Field(pattern=r"^ord_[A-Za-z0-9_-]+$")
    status: Status
    version: int = Field(ge=1, description="Counts changes; the ETag is derived from it.")
    created_at: Timestamp
    updated_at: Timestamp
    expires_at: Timestamp
    late: bool = Field(description="Paid after the payment window ended.")
    from_: Amount = Field(alias="from")
    to: Payout
    rate: DecimalText
    fee_percent: DecimalText
    refund_address: str | None
    refund_extra_id: str | None = Field(description="The memo or tag the refund needs.")
    email: str | None = Field(description="Masked: `a***@example.com`.")
    payment: Payment
    payout: PayoutSent
    refund: Refund
    excess: DecimalText | None = Field(
        description="Paid beyond the amount (deposit's currency): refunded to the refund address."
    )
    action: Action | None = Field(
        description="Set while `action_required`, and on a `failed` order that holds money."
    )
    timeline: list[TimelineEntry]


class CreatedOrder(Order):
    customer_key: str | None = Field(
        None,
        description="Lets the customer make the choices of a problem payment (`POST "
        "/api/order/{id}/choice`). Given only in the first answer: keep it (the site keeps it "
        "in the payment link's #fragment). It is not stored with the Idempotency-Key, so a "
        "replay leaves it out, unless the request chose its own `customer_key`: then a replay "
        "that sends it again is answered with it.",
    )


class OperatorTimelineEntry(TimelineEntry):
    actor: str | None = Field(description="The operator who made the change, by name.")


class InternalNote(Shape):
    at: Timestamp
    note: str
    actor: str | None


class DueAmount(Shape):
    amount: DecimalText
    currency: str


class DuePayout(DueAmount):
    short: bool = Field(description="Less arrived than was asked: the pro-rata share of the "
                        "quote, at the locked rate.")  # fmt: skip


class DueRefund(DueAmount):
    status: Literal[Status.REFUNDED] | None = Field(
        description="Record it with this status, or (null) on its own: `refund_tx_hash` alone."
    )


class Due(Shape):
    """What the operator may record now (`PUT /api/order/{id}`), with the amount recorded when
    the body leaves it out; null (false) where the API would refuse it."""

    payout: DuePayout | None = Field(description="`completed`: what the payout sends, in the "
                                     "payout currency.")  # fmt: skip
    excess_refund: DueAmount | None = Field(
        description="With `completed`: the over-payment's refund, in the deposit's currency."
    )
    refund: DueRefund | None = Field(description="A refund of what the order can still refund, "
                                     "in the deposit's currency.")  # fmt: skip
    cancel: bool = Field(description="`cancelled` is allowed: nothing was paid.")


class OperatorOrder(Order):
    """The operator's view of an order: the public one with the full email, the deposits one by
    one, the refund, the internal notes, who made each change, and what may be recorded now."""

    email: str | None = Field(description="In full.")
    deposits: dict[str, DecimalText] = Field(description="Each deposit, by payment id.")
    payout_overdue_notified: bool = Field(description="`order.payout_overdue` was sent.")
    due: Due
    notes: list[InternalNote]
    timeline: list[OperatorTimelineEntry]  # type: ignore[assignment]


class OperatorOrders(Shape):
    orders: list[OperatorOrder]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null at the end."
    )


class LinkRequested(Shape):
    """The same answer whether or not the order has an email address: it reveals nothing."""

    id: str = Field(pattern=r"^ord_[A-Za-z0-9_-]+$")
    message: str = Field(description="What happens now, for a person.")


class FoundOrder(Shape):
    id: str = Field(pattern=r"^ord_[A-Za-z0-9_-]+$")
    page: str = Field(description="The order's payment page (PUBLIC_SITE_URL), by its id: it "
                      "shows the order; changing it needs the customer's key.")  # fmt: skip


class SandboxPaid(Shape):
    callback_sent: bool
    order: Order


class IpnAnswer(Shape):
    ok: bool
    duplicate: bool | None = None
    ignored: str | None = None
    order_status: Status | None = None


class WebhookAttempt(Shape):
    at: Timestamp
    status_code: int | None
    error: str | None
    duration_ms: int


class WebhookEvent(Shape):
    event_id: str
    order_id: str
    type: str = Field(examples=["order.paid"])
    status: DeliveryState
    attempts: int
    created_at: Timestamp
    next_attempt_at: Timestamp
    delivered_at: Timestamp | None
    last_error: str | None
    attempt_log: list[WebhookAttempt]


class WebhookEvents(Shape):
    status: DeliveryState
    webhook_url_configured: bool
    endpoint_disabled_by_410: bool
    events: list[WebhookEvent]


class EmailEvents(Shape):
    status: DeliveryState
    emails_configured: bool = Field(description="A provider, its key and a sender are set.")
    events: list[WebhookEvent] = Field(description="The emails; `type` is `email.<kind>`.")


class OperatorOrderDetail(Shape):
    order: OperatorOrder
    etag: str = Field(description="The order's ETag, for If-Match on a change.")
    webhooks: list[WebhookEvent]
    emails: list[WebhookEvent] = Field(description="The customer's emails about this order, "
                                       "oldest first; `type` is `email.<kind>`.")  # fmt: skip


class QueueItem(Shape):
    reason: QueueReason
    waiting_since: Timestamp
    age_seconds: int = Field(ge=0)
    order: OperatorOrder


class Queue(Shape):
    now: Timestamp
    total: int = Field(description="How many wait; `items` holds the 500 waiting longest.")
    items: list[QueueItem]


class QueueSummary(Shape):
    length: int
    oldest_age_seconds: int | None


class OutboxSummary(Shape):
    pending: int
    dead: int


PerCurrency = dict[str, DecimalText]


class Stats(Shape):
    from_: Timestamp | None = Field(alias="from")
    to: Timestamp | None
    orders: int
    by_status: dict[str, int]
    volume_in: PerCurrency = Field(description="Deposits received, per currency.")
    volume_out: PerCurrency = Field(description="Payouts of completed orders, per currency.")
    refunds: PerCurrency = Field(description="Refunds recorded, per currency.")
    fees: PerCurrency = Field(description="Fees earned on completed orders, per currency.")
    queue: QueueSummary
    webhooks: OutboxSummary


class Redelivery(Shape):
    event_id: str
    status: Literal["pending"]


class ProcessorCallback(BaseModel):
    """A NOWPayments IPN body; only its signature makes it count (see `x-nowpayments-sig`)."""

    model_config = ConfigDict(extra="allow")

    payment_id: int | str
    payment_status: str
    order_id: str | None = None
    actually_paid: Any = None


class OpenApiDocument(BaseModel):
    """This document."""

    model_config = ConfigDict(extra="allow")

    openapi: str
    info: dict[str, Any]
    paths: dict[str, Any]
