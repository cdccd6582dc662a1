"""The runtime-neutral request and response, and the one place errors become responses."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from orders.errors import ApiError, InvalidJson, ServiceUnavailable

JSON_TYPE = "application/json; charset=utf-8"
MAX_BODY_BYTES = 16 * 1024
# Our bodies nest two levels deep; a parser that recursed 16 KiB of brackets deep could exhaust
# the (smaller, wasm) stack before it raised anything we could catch.
MAX_JSON_DEPTH = 32

BackgroundTask = Callable[[], Awaitable[None]]


class Headers(Mapping[str, str]):
    """Case-insensitive, read-only request headers."""

    def __init__(self, items: Mapping[str, str] | list[tuple[str, str]] | None = None) -> None:
        pairs = items.items() if isinstance(items, Mapping) else (items or [])
        self._items = {k.lower(): v for k, v in pairs}

    def __getitem__(self, key: str) -> str:
        return self._items[key.lower()]

    def __iter__(self) -> Any:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: Mapping[str, str] = field(default_factory=dict)
    headers: Headers = field(default_factory=Headers)
    body: bytes = b""
    client_ip: str = "unknown"

    @property
    def declared_length(self) -> int | None:
        """The body size the client announced (`Content-Length`), if it is a number."""
        value = self.headers.get("content-length", "").strip()
        return int(value) if value.isascii() and value.isdigit() else None

    def json(self) -> Any:
        """The body parsed as JSON. Fractions parse as `Decimal`, so no binary float ever
        touches money (the models still insist that amounts arrive as strings)."""
        return parse_json(self.body)


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


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    # Work to run after the response is sent (the edge's waitUntil).
    background: list[BackgroundTask] = field(default_factory=list)


def json_response(
    data: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(status, body, {"Content-Type": JSON_TYPE, **(headers or {})})


def misconfigured_response(request_id: str) -> Response:
    """For a server whose settings do not parse: the detail goes to the log, not the client."""
    return error_response(
        ServiceUnavailable("This service is misconfigured; its operator has been alerted."),
        request_id,
    )


def error_response(error: ApiError, request_id: str) -> Response:
    body = {
        "code": error.code,
        "message": error.message,
        "details": [{"field": d.field, "message": d.message} for d in error.details],
    }
    return json_response({"error": body, "request_id": request_id}, error.status, error.headers)
