"""The bodies people send, as pydantic models: their shape and types, checked before the
exchange's own rules (`domain.exchange`) judge what they say. Every problem becomes a `FieldError`
naming its field, all of them at once. The OpenAPI document is generated from these models."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    StringConstraints,
    ValidationError,
)

from orders.domain import money
from orders.domain.exchange import CUSTOMER_KEY_PATTERN
from orders.domain.lifecycle import Status
from orders.domain.payment import PaymentStatus
from orders.domain.problems import Choice
from orders.errors import FieldError, ValidationFailed

M = TypeVar("M", bound=BaseModel)


# An amount is taken as sent: "0.01\n" is not a plain decimal, so it is refused, not trimmed.
# The pattern is for the OpenAPI document; `money.parse_amount` checks it, with a kinder message.
AmountText = Annotated[
    StrictStr,
    StringConstraints(strip_whitespace=False),
    Field(json_schema_extra={"pattern": money.PATTERN}, examples=["0.01"]),
]


# The OpenAPI document lists the deployment's currency codes here (see openapi.document).
CurrencyCode = Annotated[StrictStr, Field(json_schema_extra={"x-currency": True})]


class CreateOrderBody(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={"examples": [{
            "from_currency": "btc", "to_currency": "usdttrc20", "amount": "0.01",
            "payout_address": "TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7", "email": "alice@example.com",
        }]},
    )  # fmt: skip

    from_currency: CurrencyCode
    to_currency: CurrencyCode
    amount: AmountText
    payout_address: StrictStr
    payout_extra_id: StrictStr | None = None
    refund_address: StrictStr | None = None
    refund_extra_id: StrictStr | None = None
    email: StrictStr | None = None
    payout_no_tag: StrictBool = Field(
        False,
        description="The payout wallet needs no memo or tag (a personal XRP wallet): the payout "
        "goes without `payout_extra_id`, where the currency allows it (`extra_id_optional`).",
    )
    refund_no_tag: StrictBool = Field(
        False, description="The same for the refund address and `refund_extra_id`."
    )
    # The pattern is for the OpenAPI document; `exchange.customer_key_problem` checks it.
    customer_key: (
        Annotated[
            StrictStr,
            StringConstraints(strip_whitespace=False),
            Field(json_schema_extra={"pattern": CUSTOMER_KEY_PATTERN}),
        ]
        | None
    ) = Field(
        None,
        description="Your own secret for this order (32 to 128 random URL-safe characters), "
        "instead of one made for you: it opens the order's choices as `customer_key` does, and "
        "a retry with the same Idempotency-Key, body and this key is answered with it again. "
        "Without it, a replay answers the order without its key.",
    )


StatusName = Annotated[StrictStr, Field(json_schema_extra={"enum": [s.value for s in Status]})]


class UpdateOrderBody(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={"examples": [{
            "status": "completed", "note": "sent from the hot wallet",
            "payout_tx_hash": "9f2c5a1be07d4c3f8e6b2a9d1c0e7f4a5b6c8d9e0f1a2b3c4d5e6f7a8b9c0d1e",
        }]},
    )  # fmt: skip

    status: StatusName | None = Field(
        None, description="The new status; leave it out to add only an internal_note."
    )
    payout_tx_hash: StrictStr | None = None
    refund_tx_hash: StrictStr | None = Field(None, description="Required with `refunded`.")
    refund_amount: AmountText | None = Field(
        None,
        description="What this refund returned, in the deposit's currency (with "
        "`refund_tx_hash`); at most what the order can still refund, all of it when left out.",
    )
    payout_amount: AmountText | None = Field(
        None,
        description="What the payout sent, in the payout currency (with `completed`), when not "
        "the order's amount; a short order's payout is its pro-rata share when left out.",
    )
    note: StrictStr | None = Field(None, description="Shown to the customer in the timeline.")
    internal_note: StrictStr | None = Field(None, description="Seen by operators only.")
    shared_tx: StrictBool = Field(
        False,
        description="The transaction pays several orders (a batched payout): a hash already "
        "recorded on another order is taken. Without it, that is 409 `duplicate_tx_hash`.",
    )
    correct: (
        Annotated[
            StrictStr, Field(json_schema_extra={"enum": ["payout_tx_hash", "refund_tx_hash"]})
        ]
        | None
    ) = Field(
        None,
        description="Correct a recorded hash: the field named holds the right one, `reason` "
        "says why; no status, amount or note goes with it. The timeline keeps the old hash.",
    )
    reason: StrictStr | None = Field(
        None, description="With `correct`: why (1 to 500 characters); shown in the timeline."
    )


class ChoiceBody(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={"examples": [{
            "key": "kM3v…", "choice": "refund",
            "refund_address": "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
        }]},
    )  # fmt: skip

    key: StrictStr = Field(description="The `customer_key` given when the order was created.")
    choice: Annotated[StrictStr, Field(json_schema_extra={"enum": [c.value for c in Choice]})]
    refund_address: StrictStr | None = Field(
        None, description="With `refund` or `refund_address`: where the refund goes."
    )
    refund_extra_id: StrictStr | None = Field(None, description="Its memo or tag, if it needs one.")
    refund_no_tag: StrictBool = Field(
        False,
        description="The refund wallet needs no memo or tag (a personal XRP wallet), where the "
        "currency allows it (`extra_id_optional`).",
    )


class SandboxPayBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    # Omitted: what the order still needs (all of it, or the rest of a part payment).
    amount: AmountText | None = None
    status: StrictStr = Field(
        PaymentStatus.FINISHED.value, json_schema_extra={"enum": [s.value for s in PaymentStatus]}
    )
    # False records the deposit at the (sandbox) processor but drops its callback, as a
    # network would: reconciliation must then find it.
    callback: bool = True
    # True ends the order's window first: a deposit after the rate lock ran out.
    late: bool = False


def parse(model: type[M], data: Any) -> M:
    if not isinstance(data, dict):
        raise ValidationFailed([FieldError("", "the body must be a JSON object")])
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed([_field_error(e) for e in exc.errors()]) from None


def _field_error(error: Any) -> FieldError:
    field = ".".join(str(part) for part in error["loc"])
    kind = error["type"]
    if kind == "extra_forbidden":
        return FieldError(field, "unknown field")
    if kind == "missing":
        return FieldError(field, "is required")
    if kind.startswith("string") or kind == "str_type":
        return FieldError(field, "must be a string")
    if kind.startswith("bool"):
        return FieldError(field, "must be true or false")
    return FieldError(field, str(error["msg"]))
