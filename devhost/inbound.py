"""From aiohttp's request to the core's, and the local host's own refusals in the API's shape.

The body is read no further than the core will take it (one byte past 16 KiB is enough to
refuse), and not at all when `Content-Length` already says too much. Whatever the server itself
refuses (a body it cannot read, a path no route takes) goes through `App.refuse`, so it carries
the one error body, a request id and CORS like every other answer.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from urllib.parse import urlsplit

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from orders.api.app import App
from orders.api.http import MAX_BODY_BYTES, Headers, Request, Response, parse_query
from orders.errors import ApiError, InvalidJson, NotFound, PayloadTooLarge

log = logging.getLogger("devhost")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def client_ip(request: web.Request, trusted_header: str | None) -> str:
    """The peer's address, unless the operator said a proxy in front sets `trusted_header`:
    any client can send a `CF-Connecting-IP`, and trusting it would let one reset its limits."""
    if trusted_header:
        # A list-valued header (X-Forwarded-For) ends with what the nearest proxy added.
        claimed = request.headers.get(trusted_header, "").split(",")[-1].strip()
        if claimed:
            return claimed
    return request.remote or "unknown"


def target(request: web.Request) -> tuple[str, str]:
    """The path and the query string as the client sent them, percent-encoded: the core routes
    on the raw path (`%2F` is not a `/`), as at the edge. aiohttp's `path` is decoded."""
    raw = request.raw_path.partition("#")[0]
    if not raw.startswith("/"):  # the absolute form a proxy may send: http://host/path?query
        parts = urlsplit(raw)
        return parts.path or "/", parts.query
    path, _, query = raw.partition("?")
    return path, query


def head(request: web.Request, trusted_header: str | None) -> Request:
    """The request without its body."""
    path, raw_query = target(request)
    query, repeated = parse_query(raw_query)
    return Request(
        method=request.method,
        path=path,
        query=query,
        headers=Headers(list(request.headers.items())),
        client_ip=client_ip(request, trusted_header),
        repeated=repeated,
    )


async def read_body(request: web.Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """At most `limit + 1` bytes of the body: enough for the core to see that it is too large."""
    chunks: list[bytes] = []
    size = 0
    while size <= limit:
        chunk = await request.content.read(limit + 1 - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


async def answer(app: App, request: web.Request, trusted_header: str | None) -> Response:
    ours = head(request, trusted_header)
    if (ours.declared_length or 0) > MAX_BODY_BYTES:
        return await app.handle(ours)  # refused on the header alone; the body is never read
    try:
        body = await read_body(request)
    except (HttpProcessingError, ConnectionError) as exc:
        # A broken chunked encoding, a body shorter than announced, a client gone mid-body.
        reason = getattr(exc, "message", "") or exc.__class__.__name__
        return app.refuse(ours, InvalidJson(f"The request body could not be read: {reason}."))
    return await app.handle(replace(ours, body=body))


def to_aiohttp(response: Response) -> web.Response:
    return web.Response(status=response.status, body=response.body, headers=response.headers)


async def send(request: web.Request, response: Response) -> web.StreamResponse:
    """The core's answer on the wire; a streamed body goes out chunk by chunk as it is made."""
    if response.stream is None:
        return to_aiohttp(response)
    out = web.StreamResponse(status=response.status, headers=response.headers)
    await out.prepare(request)
    async for chunk in response.stream:
        await out.write(chunk)
    await out.write_eof()
    return out


def own_errors(
    app: App, trusted_header: str | None
) -> Callable[..., Awaitable[web.StreamResponse]]:
    """What aiohttp itself would answer in text/plain (a path no route takes, a body over its
    own size limit, a bug in the host), answered in the API's shape instead."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except web.HTTPNotFound:
            error: ApiError = NotFound(f"There is nothing at {target(request)[0]}.")
        except web.HTTPRequestEntityTooLarge:
            error = PayloadTooLarge(f"The request body is larger than {MAX_BODY_BYTES} bytes.")
        except web.HTTPException as exc:
            if exc.status < 400:
                raise  # redirects and the like are answers, not errors
            log.warning("local host refused %s %s: %s", request.method, request.path, exc)
            error = ApiError()
        except Exception:
            log.exception("local host failed on %s %s", request.method, request.path)
            error = ApiError()
        return to_aiohttp(app.refuse(head(request, trusted_header), error))

    return middleware
