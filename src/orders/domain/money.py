"""Amounts: parsed from decimal strings into `Decimal`, rounded down to a currency's precision,
and written back as plain decimal strings (never exponent form, never a float).

Every amount has at most 18 digits before the point and 18 after it. All arithmetic on amounts
goes through `CONTEXT`, which holds that many digits and more, so a sum or a conversion is exact;
Python's default context keeps 28 digits and would silently round the 37th away.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import (
    ROUND_DOWN,
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
)

MAX_INTEGER_DIGITS = 18
MAX_DECIMALS = 18
# ASCII digits only (`\d` would take Arabic-Indic ones), the whole text, nothing around it:
# with `re.match` and `$` a trailing newline used to slip through.
_DECIMAL_TEXT = re.compile(
    rf"(0|[1-9][0-9]{{0,{MAX_INTEGER_DIGITS - 1}}})(\.[0-9]{{1,{MAX_DECIMALS}}})?"
)
# The same rule for an OpenAPI document (JSON Schema patterns are searched, not matched).
PATTERN = f"^{_DECIMAL_TEXT.pattern}$"
_LIMIT = Decimal(10) ** MAX_INTEGER_DIGITS
_SMALLEST = Decimal(1).scaleb(-MAX_DECIMALS)
_PLAIN = "must be a positive decimal number written like 0.01"

CONTEXT = Context(
    prec=80, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation, DivisionByZero, Overflow]
)
# For what must be exact (sums, normalising): rounding there raises instead of going unnoticed.
_EXACT = Context(prec=80, traps=[InvalidOperation, DivisionByZero, Overflow, Inexact])


class NotAnAmount(ValueError):
    pass


def parse_amount(text: str) -> Decimal:
    """A positive decimal written plainly: `"0.01"`, `"15"`. No signs, exponents or spaces."""
    if not _DECIMAL_TEXT.fullmatch(text):
        raise NotAnAmount(_PLAIN)
    value = Decimal(text)
    if value <= 0:
        raise NotAnAmount("must be greater than zero")
    return value


def to_text(value: Decimal) -> str:
    """`Decimal("1.50")` → `"1.5"`, `Decimal("1E+2")` → `"100"`; never exponent form."""
    if value == 0:
        return "0"
    return format(value.normalize(_EXACT), "f")


def round_down(value: Decimal, decimals: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_DOWN, context=CONTEXT)


def total(values: Iterable[Decimal]) -> Decimal:
    """The exact sum of `values`."""
    result = Decimal(0)
    for value in values:
        result = _EXACT.add(result, value)
    return result


def from_processor(value: object) -> Decimal:
    """A processor's amount (a JSON number arrives as a Decimal or int, or a string) as Decimal,
    exactly; one that is not a plain non-negative amount in our range is refused."""
    if value is None or value == "":
        return Decimal(0)
    if isinstance(value, bool):
        raise NotAnAmount(f"not an amount: {value!r}")
    if isinstance(value, float):
        # Only reached if a caller parsed JSON without parse_float=Decimal; repr is the
        # shortest text that round-trips, which is what the processor sent.
        value = repr(value)
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise NotAnAmount(f"not an amount: {str(value)[:40]!r}") from None
    if not amount.is_finite() or amount < 0 or not in_range(amount):
        raise NotAnAmount(f"not an amount we can hold exactly: {str(value)[:40]!r}")
    return amount


def in_range(value: Decimal) -> bool:
    """At most 18 digits before the point and 18 after it (trailing zeros aside). `copy_abs`,
    not `abs()`: the latter rounds to the default context's 28 digits first."""
    return value.copy_abs() < _LIMIT and value == value.quantize(_SMALLEST, context=CONTEXT)
