"""HTTP at the edge, between the runtime and the core: the runtime's request as the core's
`Request`, the core's `Response` as the runtime's, and the core's one outbound call over the
runtime's fetch. With src/entry.py and src/edge_d1.py, one of the three modules that touch the
runtime; src/orders/ never does.

At the edge (Pyodide) the request's headers and the response cross through `js` directly: the
SDK's conversions cost 0.05-0.1 ms more per request each (docs/edge.md). The CPython tests run
this module under a fake of the SDK, without `js`: there the SDK's path is kept."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

from workers import Response, fetch

try:
    import js
    from pyodide.ffi import to_js
except ImportError:  # CPython, under the tests' fake SDK
    js = to_js = None

from orders.api.http import MAX_BODY_BYTES, Headers, Request, parse_query
from orders.ports import OutboundRequest, OutboundResponse, SendError


def to_response(response: Any) -> Any:
    """The core's response as the runtime's. At the edge, a JS Response built in one call with
    its init crossing once; the SDK's `Response` (the CPython tests' fake) turns its headers into
    a JS Headers object first and checks the body's type, which costs more (docs/edge.md).
    Either way the SDK hands workerd the JS Response. A JS Response refuses any body, even an
    empty one, with 204/304; HEAD sends none: no body is null."""
    if js is None:
        return Response(response.body or None, status=response.status, headers=response.headers)
    init = to_js(
        {"status": response.status, "headers": response.headers},
        dict_converter=js.Object.fromEntries,
    )
    return js.Response.new(to_js(response.body) if response.body else None, init)


def headers_of(request: Any) -> Headers:
    """The request's headers. At the edge, the JS Headers' [name, value] pairs in one crossing
    (names already lower-case, values already trimmed, repeated ones joined with ", " except
    Set-Cookie, as the SDK's `headers` gives them). The SDK's `headers` builds an HTTPMessage
    pair by pair first."""
    js_request = getattr(request, "js_object", None)
    if js is None or js_request is None:
        return Headers(list(request.headers.items()))
    return Headers(js.Array.from_(js_request.headers).to_py())


async def to_request(request: Any) -> Request:
    url = urlsplit(str(request.url))
    headers = headers_of(request)
    query, repeated = parse_query(url.query)
    return Request(
        method=method_of(request),
        # As sent, never percent-decoded: `%2F` is not a segment boundary (api/routes.py).
        path=url.path or "/",
        query=query,
        headers=headers,
        body=await read_body(request, headers),
        client_ip=headers.get("cf-connecting-ip") or "unknown",
        repeated=repeated,
    )


async def read_body(request: Any, headers: Headers) -> bytes:
    """The bytes as received (signatures are checked over them), but never more than the core
    takes: it answers 413 past MAX_BODY_BYTES, and a Worker has 128 MB of memory, so a large
    upload is not read at all when its Content-Length says so, and not read past the limit when
    it comes without one (chunked)."""
    js_request = getattr(request, "js_object", None)
    if js_request is None:
        return await request.bytes()  # type: ignore[no-any-return]
    if not js_request.body:
        return b""  # a null JS body (every GET): reading it would only cost an event-loop turn
    declared = headers.get("content-length", "").strip()
    if declared.isascii() and declared.isdigit():
        # The runtime delivers exactly the declared length; past the limit the core answers
        # 413 from the header alone.
        return b"" if int(declared) > MAX_BODY_BYTES else await request.bytes()
    reader = js_request.body.getReader()
    chunks: list[bytes] = []
    size = 0
    while size <= MAX_BODY_BYTES:
        part = await reader.read()
        if part.done:
            return b"".join(chunks)
        chunks.append(part.value.to_bytes())
        size += len(chunks[-1])
    await reader.cancel()  # over the limit: what was read is enough for the core's 413
    return b"".join(chunks)


def method_of(request: Any) -> str:
    """The method as the client sent it. The SDK's `Request.method` looks it up in Python's
    `http.HTTPMethod` and raises KeyError for any other (WebDAV's PROPFIND, or a lower-case
    `propfind`, which fetch does not upper-case); the router answers those with a 405."""
    js_request = getattr(request, "js_object", None)
    return str(request.method if js_request is None else js_request.method)


async def send(request: OutboundRequest) -> OutboundResponse:
    """The core's one outbound HTTP call, over the runtime's fetch."""
    try:
        return await asyncio.wait_for(_exchange(request), request.timeout_seconds)
    except TimeoutError:
        raise SendError(f"timed out after {request.timeout_seconds:g}s") from None
    except Exception as exc:
        # No HTTP answer, in any of the shapes the runtime's fetch fails in: Pyodide's AbortError
        # (an OSError) for refused, reset or DNS, and a JsException (a JS TypeError) for a request
        # fetch will not even send, such as a URL without a scheme. The core handles SendError.
        raise SendError(f"{exc.__class__.__name__}: {exc}") from None


async def _exchange(request: OutboundRequest) -> OutboundResponse:
    options: dict[str, Any] = {"method": request.method, "headers": dict(request.headers)}
    if request.body is not None:
        options["body"] = request.body
    # A redirect is an answer for the core to judge, as on the local host, not one to follow.
    response = await fetch(request.url, redirect="manual", **options)
    body = await response.bytes()
    headers = {k.lower(): v for k, v in response.headers.items()}
    return OutboundResponse(response.status, body, headers)
