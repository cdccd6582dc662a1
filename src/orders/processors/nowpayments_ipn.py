"""NOWPayments IPN signatures: the exact string NOWPayments' Node code signs (a deep-sorted
`JSON.stringify` of `JSON.parse(body)`), the HMAC over it, and the check of a received callback."""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, NamedTuple

__all__ = [
    "CanonicalForms",
    "IpnBodyError",
    "encode_body",
    "js_canonical_json",
    "js_number",
    "js_parse",
    "sign",
    "signed_body",
    "verify",
]


class IpnBodyError(ValueError):
    """The body is not a JSON object as JavaScript's `JSON.parse` would read one."""


class CanonicalForms(NamedTuple):
    """The two strings a genuine callback may be signed over (equal when the body has no arrays)."""

    sdk: str  # `sortObjectDeep` of NOWPayments' Node SDK: arrays stay arrays
    docs: str  # `sortObject` of the API docs: arrays become index-keyed objects


# String.prototype.trim strips WhiteSpace and LineTerminator; Python's str.strip() disagrees on
# U+FEFF (JS strips it) and U+001C..U+001F (JS keeps them).
_JS_WHITESPACE = "\t\n\v\f\r \u00a0\u1680\u2028\u2029\u202f\u205f\u3000\ufeff" + "".join(
    map(chr, range(0x2000, 0x200B))
)
_MAX_ARRAY_INDEX = 2**32 - 2
_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
}
# Python's json joins escaped surrogate pairs into one code point, so any surrogate left in a
# str is a lone one: exactly what well-formed JSON.stringify (ES2019) escapes.
_NEEDS_ESCAPE = re.compile('["\\\\\x00-\x1f\ud800-\udfff]')


def _reject_constant(name: str) -> float:
    raise IpnBodyError(f"{name} is not JSON")  # Python accepts NaN/Infinity; JSON.parse does not


def js_parse(raw_body: bytes) -> Any:
    """Read bytes as `JSON.parse` would: every number becomes an IEEE double (big ints round)."""
    try:
        text = raw_body.decode("utf-8")  # strict, and no BOM skipping: JSON.parse rejects a BOM
        return json.loads(text, parse_int=float, parse_float=float, parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise IpnBodyError(f"not JSON: {exc}") from exc


def js_number(x: float) -> str:
    """ECMAScript Number::toString(10), which JSON.stringify writes for numbers."""
    if not math.isfinite(x):  # a literal like 1e400 parses to Infinity; JSON.stringify says null
        return "null"
    if x == 0:
        return "0"  # -0 too
    # repr() gives the shortest round-trip digits (closest of the shortest), as V8 does;
    # only the layout differs, so re-lay them out by Number::toString's k (digits) and n (point
    # position).
    mantissa, _, exp_text = repr(abs(x)).partition("e")
    int_part, _, frac_part = mantissa.partition(".")
    all_digits = int_part + frac_part
    significant = all_digits.lstrip("0")
    n = len(int_part) - (len(all_digits) - len(significant)) + int(exp_text or 0)
    digits = significant.rstrip("0")
    k = len(digits)
    if k <= n <= 21:
        text = digits + "0" * (n - k)
    elif 0 < n <= 21:
        text = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        text = "0." + "0" * -n + digits
    else:
        e = n - 1
        text = digits[0] + ("." + digits[1:] if k > 1 else "") + ("e+" if e >= 0 else "e-")
        text += str(abs(e))
    return ("-" if x < 0 else "") + text


def _js_string(s: str) -> str:
    def escape(match: re.Match[str]) -> str:
        char = match.group()
        return _ESCAPES.get(char) or f"\\u{ord(char):04x}"

    return '"' + _NEEDS_ESCAPE.sub(escape, s) + '"'


def _array_index(key: str) -> int | None:
    if len(key) <= 10 and key.isascii() and key.isdigit() and (key == "0" or key[0] != "0"):
        index = int(key)
        return index if index <= _MAX_ARRAY_INDEX else None
    return None


def _own_keys(keys: list[str]) -> list[str]:
    # ECMAScript OrdinaryOwnPropertyKeys: a JS object lists array-index keys first, ascending,
    # whatever order they were added in; only the other keys keep their order. So even after
    # `.sort()`, "10" follows "9", and both precede "a".
    indexed = sorted((i, k) for k in keys if (i := _array_index(k)) is not None)
    return [k for _, k in indexed] + [k for k in keys if _array_index(k) is None]


def _sorted_keys(keys: list[str]) -> list[str]:
    # Array.prototype.sort() compares UTF-16 code units, not code points: an emoji (U+D83D...)
    # sorts before U+FFFF. Rebuilding with `result[key] = ...` drops "__proto__", because that
    # assignment hits the prototype setter instead of creating a property.
    ordered = sorted(keys, key=lambda k: k.encode("utf-16-be", "surrogatepass"))
    return [k for k in _own_keys(ordered) if k != "__proto__"]


def _as_parsed(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _as_parsed(value[k]) for k in _own_keys(list(value))}
    if isinstance(value, list):
        return [_as_parsed(v) for v in value]
    return value


def _sdk_sorted(value: Any) -> Any:
    if isinstance(value, list):
        return [_sdk_sorted(v) for v in value]
    if isinstance(value, dict):
        if "constructor" in value:
            # The SDK only sorts when `value.constructor === Object`; an own "constructor" key
            # shadows that, so the SDK leaves the whole subtree as parsed.
            return _as_parsed(value)
        return {k: _sdk_sorted(value[k]) for k in _sorted_keys(list(value))}
    return value


def _docs_sorted(value: Any) -> Any:
    # The docs recurse into anything typeof "object" and rebuild it as a plain object, so an
    # array becomes {"0": ..., "1": ...} (numeric key order, see _own_keys).
    items = {str(i): v for i, v in enumerate(value)} if isinstance(value, list) else value
    result: dict[str, Any] = {}
    for key in _sorted_keys(list(items)):
        item = items[key]
        result[key] = _docs_sorted(item) if isinstance(item, dict | list) else item
    return result


def _stringify(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float):
        return js_number(value)
    if isinstance(value, str):
        return _js_string(value)
    if isinstance(value, list):
        return "[" + ",".join(_stringify(v) for v in value) + "]"
    return "{" + ",".join(_js_string(k) + ":" + _stringify(v) for k, v in value.items()) + "}"


def js_canonical_json(raw_body: bytes) -> CanonicalForms:
    """Both strings NOWPayments may have signed for this body; IpnBodyError unless an object."""
    value = js_parse(raw_body)
    if not isinstance(value, dict):
        raise IpnBodyError("the body is not a JSON object")
    try:
        return CanonicalForms(_stringify(_sdk_sorted(value)), _stringify(_docs_sorted(value)))
    except RecursionError as exc:
        raise IpnBodyError("the body nests too deeply") from exc


def _js_trim(secret: str) -> str:
    return secret.strip(_JS_WHITESPACE)


def sign(canonical: str, secret: str) -> str:
    """Lowercase hex HMAC-SHA512 of `canonical`, keyed with the trimmed secret (as Node's SDK)."""
    key = _js_trim(secret)
    if not key:
        raise ValueError("the IPN secret is empty")
    return hmac.new(key.encode("utf-8"), canonical.encode("utf-8"), hashlib.sha512).hexdigest()


def verify(raw_body: bytes, signature: str | None, secret: str | None) -> bool:
    """True only if `signature` is NOWPayments' signature of these exact bytes under `secret`."""
    if not signature or not secret or not _js_trim(secret):
        return False  # an unset secret never opens the door
    received = signature.strip().lower()  # hex is case-blind; the SDK trims too
    if not received.isascii():
        return False
    try:
        forms = js_canonical_json(raw_body)
        expected = [sign(canonical, secret) for canonical in dict.fromkeys(forms)]
    except ValueError:  # IpnBodyError, or a secret that is not encodable
        return False
    matched = False
    for candidate in expected:  # no early exit: every form costs the same
        matched |= hmac.compare_digest(candidate, received)
    return matched


def _encode(value: Any) -> str:
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} cannot be a JSON number")
        return format(value, "f")  # exact digits: a Python receiver can read them back exactly
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value} cannot be a JSON number")
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Mapping):
        return "{" + ",".join(_encode(str(k)) + ":" + _encode(v) for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_encode(v) for v in value) + "]"
    raise TypeError(f"cannot encode {type(value).__name__} as JSON")


def encode_body(payload: Mapping[str, Any]) -> bytes:
    """Compact UTF-8 JSON in the payload's key order; Decimals are written digit for digit."""
    return _encode(payload).encode("utf-8")


def signed_body(payload: Mapping[str, Any], secret: str) -> tuple[bytes, str]:
    """A callback body and its `x-nowpayments-sig`, as NOWPayments would send them.

    The signature covers what a JS parser reads in the bytes sent (a Decimal with 20 digits is
    signed as the double it rounds to), so the receiver's check is the real one.
    """
    body = encode_body(payload)
    return body, sign(js_canonical_json(body).sdk, secret)
