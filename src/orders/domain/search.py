"""The operator's order search as a value: which statuses, which creation times, what text, and
where a page starts. Parsed from a query string here, turned into SQL in `storage.backoffice`."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass

from orders.domain import text
from orders.domain.lifecycle import Status
from orders.errors import FieldError, ValidationFailed

MAX_LIMIT = 200
DEFAULT_LIMIT = 50
MAX_QUERY = 200
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")


@dataclass(frozen=True)
class Cursor:
    """The last order of a page: the next page starts after it (newest first)."""

    created_at: str
    order_id: str

    def encode(self) -> str:
        raw = f"{self.created_at}|{self.order_id}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, value: str) -> Cursor:
        try:
            raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raw = ""
        created_at, _, order_id = raw.partition("|")
        if not _TIME.fullmatch(created_at) or not order_id.startswith("ord_"):
            raise ValidationFailed([FieldError("cursor", "is not a cursor this API gave out")])
        return cls(created_at, order_id)


@dataclass(frozen=True)
class OrderFilter:
    statuses: tuple[str, ...] = ()
    created_from: str | None = None  # inclusive
    created_to: str | None = None  # exclusive
    q: str | None = None


def parse_filter(query: Mapping[str, str]) -> OrderFilter:
    errors: list[FieldError] = []
    statuses: tuple[str, ...] = ()
    if raw := query.get("status", "").strip():
        statuses = tuple(dict.fromkeys(s.strip() for s in raw.split(",") if s.strip()))
        known = {s.value for s in Status}
        if unknown := [s for s in statuses if s not in known]:
            errors.append(FieldError("status", f"unknown status {unknown[0]!r}; one or more of "
                                     f"{', '.join(s.value for s in Status)}"))  # fmt: skip
    bounds = []
    for name in ("from", "to"):
        value = query.get(name)
        if value is not None and _DATE.fullmatch(value):
            value += "T00:00:00Z"
        if value is not None and not _TIME.fullmatch(value):
            errors.append(FieldError(name, "must be a date (2026-11-26) or a UTC time "
                                     "(2026-11-26T12:00:00Z)"))  # fmt: skip
        bounds.append(value)
    q = query.get("q", "").strip() or None
    if q and (len(q) > MAX_QUERY or not text.is_plain(q)):
        errors.append(FieldError("q", f"must be plain text of at most {MAX_QUERY} characters"))
    if errors:
        raise ValidationFailed(errors)
    return OrderFilter(statuses, bounds[0], bounds[1], q)


def parse_page(query: Mapping[str, str]) -> tuple[int, Cursor | None]:
    raw = query.get("limit", "").strip()
    limit = DEFAULT_LIMIT
    if raw:
        if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
            raise ValidationFailed(
                [FieldError("limit", f"must be a whole number 1 to {MAX_LIMIT}")]
            )
        limit = int(raw)
    cursor = query.get("cursor", "").strip()
    return limit, Cursor.decode(cursor) if cursor else None
