"""The shared address vectors (tests/fixtures/addresses.json) and the API's verdict on one, in
the form the JavaScript checks answer: what the Python, Node and browser tests compare."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from orders.domain.addresses import AddressVerdict, UnsupportedCurrency

VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parents[1] / "fixtures" / "addresses.json").read_text("utf-8")
)

Check = Callable[[str, str], AddressVerdict]


def python_verdict(check: Check, currency: str, value: str) -> list[str]:
    """`[status, message]`, or `["unsupported", ""]` for a currency without rules."""
    try:
        verdict = check(currency, value)
    except UnsupportedCurrency:
        return ["unsupported", ""]
    return [verdict.status, verdict.message]
