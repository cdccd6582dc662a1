"""JSON in and out. In, from untrusted bytes: strict (no NaN, no 4,300-digit integers, no deep
nesting), fractions as `Decimal`, and `InvalidJson` saying why for anything else, whatever the
bytes. Out, as the API writes it: compact, with non-ASCII text left as it is."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from orders.errors import InvalidJson

MAX_JSON_DEPTH = 32


def dumps(data: Any) -> str:
    """JSON as every answer, stored replay and webhook body of the API is written."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def parse_json(raw: bytes) -> Any:
    """Strict JSON, or `InvalidJson` saying why: never another exception, whatever the bytes."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidJson("The request body is not valid JSON: it is not UTF-8.") from None
    if _nesting(raw) > MAX_JSON_DEPTH:
        raise InvalidJson(
            f"The request body nests deeper than {MAX_JSON_DEPTH} levels; no request needs that."
        )
    try:
        return json.loads(text, parse_float=Decimal, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        reason = f"{exc.msg} at line {exc.lineno} column {exc.colno}"
    except _NotJson as exc:
        reason = str(exc)
    except ValueError:  # an integer past Python's 4300-digit limit for int()
        reason = "a number in it has too many digits"
    except RecursionError:  # pragma: no cover - _nesting keeps the parser shallow
        reason = "it nests too deeply"
    raise InvalidJson(f"The request body is not valid JSON: {reason}.")


class _NotJson(ValueError):
    pass


def _no_constant(name: str) -> Any:
    raise _NotJson(f"{name} is not a JSON value")  # Python's json accepts it; JSON does not


def _nesting(raw: bytes) -> int:
    """How deep the brackets of a JSON text nest (outside strings)."""
    if raw.count(b"[") + raw.count(b"{") <= MAX_JSON_DEPTH:
        return 0  # the common case, decided at C speed: too few brackets to nest too deep
    depth = deepest = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return deepest
