"""Amounts: parsed from decimal strings into `Decimal`, rounded down to a currency's precision,
and written back as plain decimal strings (never exponent form, never a float)."""

from __future__ import annotations

import re
from decimal import ROUND_DOWN, Decimal, InvalidOperation

_DECIMAL_TEXT = re.compile(r"^(0|[1-9][0-9]{0,17})(\.[0-9]{1,18})?$")
MAX_DECIMALS = 18


class NotAnAmount(ValueError):
    pass


def parse_amount(text: str) -> Decimal:
    """A positive decimal written plainly: `"0.01"`, `"15"`. No signs, exponents or spaces."""
    if not _DECIMAL_TEXT.match(text):
        raise NotAnAmount("must be a positive decimal number written like 0.01")
    try:
        value = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern already excludes this
        raise NotAnAmount("must be a positive decimal number written like 0.01") from None
    if value <= 0:
        raise NotAnAmount("must be greater than zero")
    return value


def to_text(value: Decimal) -> str:
    """`Decimal("1.50")` → `"1.5"`, `Decimal("1E+2")` → `"100"`; never exponent form."""
    if value == 0:
        return "0"
    text = format(value.normalize(), "f")
    return text


def round_down(value: Decimal, decimals: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_DOWN)


def from_processor(value: object) -> Decimal:
    """A processor's amount (a JSON number arrives as a Decimal or int, or a string) as Decimal."""
    if value is None or value == "":
        return Decimal(0)
    if isinstance(value, float):
        # Only reached if a caller parsed JSON without parse_float=Decimal; repr is the
        # shortest text that round-trips, which is what the processor sent.
        return Decimal(repr(value))
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise NotAnAmount(f"not an amount: {value!r}") from None
