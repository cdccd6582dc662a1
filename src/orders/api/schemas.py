"""The bodies people send, checked: pydantic for shape and types, then the exchange's own rules.
Every problem becomes a `FieldError` naming its field; each stage reports all of its problems at
once (a body with the wrong shape is refused before its addresses are judged)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StrictStr, StringConstraints, ValidationError

from orders.domain import money, text
from orders.domain.currencies import Currency
from orders.domain.lifecycle import Status
from orders.domain.settlement import STATUS_MAP
from orders.errors import FieldError, ValidationFailed

M = TypeVar("M", bound=BaseModel)

_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}")
_TX_HASH = re.compile(r"[0-9A-Za-z]{16,128}")

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
    email: StrictStr | None = None


class UpdateOrderBody(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={"examples": [{
            "status": "completed", "note": "sent from the hot wallet",
            "payout_tx_hash": "9f2c5a1be07d4c3f8e6b2a9d1c0e7f4a5b6c8d9e0f1a2b3c4d5e6f7a8b9c0d1e",
        }]},
    )  # fmt: skip

    status: StrictStr = Field(json_schema_extra={"enum": [s.value for s in Status]})
    payout_tx_hash: StrictStr | None = None
    note: StrictStr | None = None


class SandboxPayBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    amount: AmountText | None = None
    status: StrictStr = Field("finished", json_schema_extra={"enum": [*STATUS_MAP]})
    # False records the deposit at the (sandbox) processor but drops its callback, as a
    # network would: reconciliation must then find it.
    callback: bool = True


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


Exchange = tuple[Currency | None, Currency | None, Decimal]


def check_exchange(
    currencies: dict[str, Currency],
    pair: tuple[str, str],
    amount_text: str,
    names: tuple[str, str] = ("from_currency", "to_currency"),
    problems: list[FieldError] | None = None,
) -> Exchange:
    """The pair and the amount, each problem added to `problems` under the field's `names`."""
    problems = [] if problems is None else problems
    supported = ", ".join(currencies)
    source, target = (currencies.get(code.lower()) for code in pair)
    for currency, name in zip((source, target), names, strict=True):
        if currency is None:
            problems.append(FieldError(name, f"unsupported currency; use one of {supported}"))
    if source and target and source.code == target.code:
        problems.append(FieldError(names[1], f"must differ from {names[0]}"))
    amount = Decimal(0)
    try:
        amount = money.parse_amount(amount_text)
        if source and amount != money.round_down(amount, source.decimals):
            problems.append(
                FieldError("amount", f"has more than {source.decimals} decimals for {source.code}")
            )
    except money.NotAnAmount as exc:
        problems.append(FieldError("amount", str(exc)))
    return source, target, amount


def check_quote(
    currencies: dict[str, Currency], query: Mapping[str, str]
) -> tuple[Currency, Currency, Decimal]:
    problems: list[FieldError] = []
    source, target, amount = check_exchange(
        currencies, (query.get("from", ""), query.get("to", "")), query.get("amount", ""),
        ("from", "to"), problems,
    )  # fmt: skip
    if problems:
        raise ValidationFailed(problems)
    assert source and target
    return source, target, amount


def check_order(
    body: CreateOrderBody, currencies: dict[str, Currency]
) -> tuple[Currency, Currency, Decimal]:
    """The exchange's rules beyond types; returns the pair and the amount when all hold."""
    problems: list[FieldError] = []
    source, target, amount = check_exchange(
        currencies, (body.from_currency, body.to_currency), body.amount, problems=problems
    )
    if target:
        if not target.address_ok(body.payout_address):
            problems.append(FieldError("payout_address", f"is not a valid {target.name} address"))
        if target.needs_extra_id and not body.payout_extra_id:
            problems.append(
                FieldError("payout_extra_id", f"is required for {target.name} (destination tag)")
            )
        elif body.payout_extra_id and not target.needs_extra_id:
            problems.append(FieldError("payout_extra_id", f"{target.name} takes no extra id"))
        elif body.payout_extra_id and not target.extra_id_ok(body.payout_extra_id):
            problems.append(FieldError("payout_extra_id", "is not a valid destination tag"))
    if source and body.refund_address and not source.address_ok(body.refund_address):
        problems.append(FieldError("refund_address", f"is not a valid {source.name} address"))
    if body.email is not None and not _email_ok(body.email):
        problems.append(FieldError("email", "is not a valid email address"))
    if problems:
        raise ValidationFailed(problems)
    assert source and target
    return source, target, amount


def _email_ok(email: str) -> bool:
    return len(email) <= 254 and _EMAIL.fullmatch(email) is not None and text.is_plain(email)


def check_note(note: str | None) -> None:
    if note is not None and not text.is_plain_note(note):
        raise ValidationFailed(
            [FieldError("note", "must not hold control or bidirectional-override characters")]
        )


def check_tx_hash(value: str | None, field: str) -> None:
    if value is not None and not _TX_HASH.fullmatch(value.removeprefix("0x")):
        raise ValidationFailed([FieldError(field, "is not a transaction hash")])
