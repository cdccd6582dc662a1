"""The exchange's rules for what people ask: a supported pair, an amount within its limits and
precision, addresses and memos each currency accepts, a plain email and notes. Each problem
becomes a `FieldError` naming its field, all of them reported at once."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from orders.domain import money, text
from orders.domain.currencies import Currency
from orders.errors import FieldError, ValidationFailed

_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}")
_TX_HASH = re.compile(r"[0-9A-Za-z]{16,128}")


@dataclass(frozen=True)
class NewOrder:
    """What a person asks for, as they sent it."""

    from_currency: str
    to_currency: str
    amount: str
    payout_address: str
    payout_extra_id: str | None = None
    refund_address: str | None = None
    email: str | None = None
    refund_extra_id: str | None = None
    # The customer says their wallet needs no tag (only where the currency lets one be left out).
    payout_no_tag: bool = False
    refund_no_tag: bool = False


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
    body: NewOrder, currencies: dict[str, Currency]
) -> tuple[Currency, Currency, Decimal]:
    """The exchange's rules beyond types; returns the pair and the amount when all hold."""
    problems: list[FieldError] = []
    source, target, amount = check_exchange(
        currencies, (body.from_currency, body.to_currency), body.amount, problems=problems
    )
    if target:
        problems += destination_problems(
            target, body.payout_address, body.payout_extra_id, "payout", body.payout_no_tag
        )
    if source and body.refund_address:
        problems += destination_problems(
            source, body.refund_address, body.refund_extra_id, "refund", body.refund_no_tag
        )
    if body.email is not None and not _email_ok(body.email):
        problems.append(FieldError("email", "is not a valid email address"))
    if problems:
        raise ValidationFailed(problems)
    assert source and target
    return source, target, amount


def destination_problems(
    currency: Currency, address: str, extra_id: str | None, role: str, no_tag: bool = False
) -> list[FieldError]:
    """What is wrong with sending `currency` to `address` (and its memo or tag), each problem
    under `{role}_address` or `{role}_extra_id`: payouts and refunds are checked alike. `no_tag`
    is the customer saying their wallet needs no tag: taken where the currency lets one be left
    out (`extra_id_optional`), never in place of a tag they gave."""
    problems = []
    if problem := currency.address_problem(address):
        problems.append(FieldError(f"{role}_address", problem))
    if no_tag and extra_id:
        problems.append(FieldError(f"{role}_no_tag", f"goes without a {role}_extra_id"))
    elif no_tag and currency.needs_extra_id and not currency.extra_id_optional:
        problems.append(FieldError(f"{role}_no_tag", f"{currency.name} cannot be sent without "
                                   "its memo or tag"))  # fmt: skip
    elif no_tag:
        pass  # a wallet that needs no tag gets none
    elif currency.needs_extra_id and not extra_id:
        unless = f"; if the wallet needs none, send {role}_no_tag"
        where = unless if currency.extra_id_optional else ""
        problem = f"is required for {currency.name} (destination tag){where}"
        problems.append(FieldError(f"{role}_extra_id", problem))
    elif extra_id and not currency.needs_extra_id:
        problems.append(FieldError(f"{role}_extra_id", f"{currency.name} takes no extra id"))
    elif extra_id and (problem := currency.extra_id_problem(extra_id)):
        problems.append(FieldError(f"{role}_extra_id", problem))
    return problems


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


# A key the client chooses for its order is held to the shape of the ones made here
# (`secrets.token_urlsafe(24)`: 32 URL-safe characters, 192 bits) or longer.
CUSTOMER_KEY_PATTERN = "^[A-Za-z0-9_-]{32,128}$"
_CUSTOMER_KEY = re.compile(CUSTOMER_KEY_PATTERN)


def customer_key_problem(key: str) -> str | None:
    """What is wrong with a customer key a client chose, or None."""
    if _CUSTOMER_KEY.fullmatch(key) is None:
        return "must be 32 to 128 characters of A-Z, a-z, 0-9, '-' and '_' (a random secret)"
    return None
