"""D1 for the core at the edge, over the raw JavaScript binding: the `Database` and `Statement`
shapes of `orders.ports`, with results that cross from JavaScript as one JSON string.

Why not the `workers` SDK's binding wrapper: it converts every argument and walks every result,
several JavaScript crossings per value, where one `JSON.stringify` text parsed by `json.loads`
costs less CPU per query (docs/edge.md has the measurements). D1 results are JSON
already (they come from the D1 service as JSON), so nothing is lost on the way.

Only src/entry.py uses this module, and only when it runs in Pyodide: it imports `js`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import js
from pyodide.ffi import jsnull, to_js

# Python ints beyond this cross to JavaScript as BigInt, which D1 refuses; and D1 hands back every
# number as a JS double, which the SDK's `to_py` turns into a float when it is not a safe integer.
MAX_SAFE_INTEGER = 2**53 - 1
PYODIDE_NUMBER_LIMIT = 2**52  # Pyodide 314 converts an int to a JS number up to here, else BigInt


def _integer(text: str) -> int | float:
    """An integer in D1's JSON as the SDK's conversion gives it: an int when it is a safe
    integer, else the float it is in JavaScript (JSON.stringify writes such doubles in full)."""
    if len(text) < 16:  # 15 digits and a sign at most: always safe
        return int(text)
    value = int(text)
    return value if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER else float(value)


_DECODER = json.JSONDecoder(parse_int=_integer)  # built once: json.loads(**kw) builds one per call


def _from_js(value: Any) -> Any:
    """A D1 result (a JsProxy of plain objects, arrays and numbers) as Python, in one crossing.
    JSON.stringify writes Infinity as null; D1 stores NaN as NULL and our schema stores no REAL,
    so only a REAL column holding an infinity would come back differently (None, not inf)."""
    text = js.JSON.stringify(value)
    return None if text is None else _DECODER.decode(text)  # None: `undefined`


def d1_value(value: Any) -> Any:
    """`value` as D1's `bind` takes it, or a TypeError naming it, before anything crosses.

    D1 binds null, numbers, strings, booleans (as 1 and 0) and bytes. Passed as they are, Python's
    None would arrive as `undefined`, which D1 refuses; a large int as a BigInt, which D1 refuses;
    bytes as a Python proxy, which D1 refuses; and any other object (a Decimal, a datetime) as a
    proxy D1 refuses too. Refusing here says which value it was, in Python."""
    if value is None:
        return jsnull
    if isinstance(value, bool | str | float):
        return value
    if isinstance(value, int):
        if -PYODIDE_NUMBER_LIMIT <= value <= PYODIDE_NUMBER_LIMIT:
            return value
        if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            # Pyodide makes a BigInt of an int past 2**52; as a float it is the same exact JS
            # number, which is what D1 takes (the SDK's conversion sends the BigInt, refused).
            return float(value)
        raise TypeError(
            f"D1_TYPE_ERROR: int {value} is beyond JavaScript's safe integers (±(2**53-1)): it "
            "would cross as a BigInt, which D1 refuses"
        )
    if isinstance(value, bytes | bytearray | memoryview):
        return to_js(bytes(value))  # a Uint8Array: D1 stores it as a BLOB
    raise TypeError(
        f"D1_TYPE_ERROR: type {type(value).__name__!r} not supported for value {value!r}: D1 binds "
        "None, str, int, float, bool and bytes"
    )


class D1Statement:
    """A prepared statement; `bind` makes a new one, as D1's does."""

    __slots__ = ("js_statement",)

    def __init__(self, js_statement: Any) -> None:
        self.js_statement = js_statement

    def bind(self, *values: Any) -> D1Statement:
        return D1Statement(self.js_statement.bind(*[d1_value(v) for v in values]))

    async def first(self) -> dict[str, Any] | None:
        return _from_js(await self.js_statement.first())  # type: ignore[no-any-return]

    async def all(self) -> dict[str, Any]:
        return _from_js(await self.js_statement.all())  # type: ignore[no-any-return]

    async def run(self) -> dict[str, Any]:
        return _from_js(await self.js_statement.run())  # type: ignore[no-any-return]


class D1:
    """The core's `Database` over a D1 binding (the JS `D1Database`, not the SDK's wrapper).
    Errors are D1's own, raised as `pyodide.ffi.JsException` with D1's message, as through the
    SDK's wrapper."""

    __slots__ = ("binding",)

    def __init__(self, binding: Any) -> None:
        self.binding = binding

    def prepare(self, sql: str) -> D1Statement:
        return D1Statement(self.binding.prepare(sql))

    async def batch(self, statements: Sequence[Any]) -> list[dict[str, Any]]:
        """One transaction: all of them or none (D1 rolls the batch back when one fails)."""
        if not all(isinstance(s, D1Statement) for s in statements):
            raise TypeError("D1 batch() takes statements prepared by this database")
        # A JS Array of the JS statements themselves: a Python list would cross as a proxy.
        array = to_js([s.js_statement for s in statements])
        return _from_js(await self.binding.batch(array))  # type: ignore[no-any-return]
