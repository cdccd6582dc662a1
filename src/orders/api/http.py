"""The runtime-neutral request and response, and the one place errors become responses."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from orders import strict_json
from orders.errors import ApiError
from orders.strict_json import parse_json

JSON_TYPE = "application/json; charset=utf-8"
MAX_BODY_BYTES = 16 * 1024
# Our bodies nest two levels deep; a parser that recursed 16 KiB of brackets deep could exhaust
# the (smaller, wasm) stack before it raised anything we could catch.

BackgroundTask = Callable[[], Awaitable[None]]


class Headers(Mapping[str, str]):
    """Case-insensitive, read-only request headers. A value holding bytes that are not UTF-8
    (a host that decodes with `surrogateescape`, as aiohttp does) is taken as Latin-1, byte for
    byte: every value is then text that encodes, so `Bearer \\xff` is a wrong token, not a 500."""

    def __init__(self, items: Mapping[str, str] | list[tuple[str, str]] | None = None) -> None:
        pairs = items.items() if isinstance(items, Mapping) else (items or [])
        self._items = {k.lower(): _text(v) for k, v in pairs}

    def __getitem__(self, key: str) -> str:
        return self._items[key.lower()]

    def __iter__(self) -> Any:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)


def _text(value: str) -> str:
    if value.isascii():
        return value
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: bytes a host could not decode
        return value.encode("utf-8", "surrogateescape").decode("latin-1")
    return value


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # as sent, percent-encoded: the router matches it undecoded (api/routes.py)
    query: Mapping[str, str] = field(default_factory=dict)
    headers: Headers = field(default_factory=Headers)
    body: bytes = b""
    client_ip: str = "unknown"
    # Query parameters given more than once (`?status=a&status=b`): the app refuses them, so no
    # proxy in front can read one value while the API acts on another.
    repeated: tuple[str, ...] = ()

    @property
    def declared_length(self) -> int | None:
        """The body size the client announced (`Content-Length`), if it is a number."""
        value = self.headers.get("content-length", "").strip()
        return int(value) if value.isascii() and value.isdigit() else None

    def json(self) -> Any:
        """The body parsed as JSON. Fractions parse as `Decimal`, so no binary float ever
        touches money (the models still insist that amounts arrive as strings)."""
        return parse_json(self.body)


def parse_query(raw: str) -> tuple[dict[str, str], tuple[str, ...]]:
    """A raw query string (`a=1&b=`) as the request's `query` and `repeated`: each name with its
    value, decoded, and the names given more than once (in the order first seen). Both hosts
    parse with this, so they agree on what a query says."""
    query: dict[str, str] = {}
    repeated: list[str] = []
    for name, value in parse_qsl(raw, keep_blank_values=True):
        if name in query and name not in repeated:
            repeated.append(name)
        query.setdefault(name, value)
    return query, tuple(repeated)


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    # A body sent as it is made (a long CSV export), instead of `body`; hosts that cannot
    # stream join it.
    stream: AsyncIterator[bytes] | None = None
    # Work to run after the response is sent (the edge's waitUntil).
    background: list[BackgroundTask] = field(default_factory=list)


def json_response(
    data: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    body = strict_json.dumps(data).encode("utf-8")
    return Response(status, body, {"Content-Type": JSON_TYPE, **(headers or {})})


def error_response(error: ApiError, request_id: str) -> Response:
    body = {
        "code": error.code,
        "message": error.message,
        "details": [{"field": d.field, "message": d.message} for d in error.details],
    }
    return json_response({"error": body, "request_id": request_id}, error.status, error.headers)
