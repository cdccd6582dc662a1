"""The core's one `send` for outbound HTTP, over aiohttp, with the request's own timeout."""

from __future__ import annotations

import asyncio

import aiohttp

from orders.ports import OutboundRequest, OutboundResponse, SendError


class HttpSender:
    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None

    async def __call__(self, request: OutboundRequest) -> OutboundResponse:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        try:
            async with self._session.request(
                request.method,
                request.url,
                headers=dict(request.headers),
                data=request.body,
                timeout=aiohttp.ClientTimeout(total=request.timeout_seconds),
                allow_redirects=False,
            ) as response:
                body = await response.read()
                return OutboundResponse(
                    response.status, body, {k.lower(): v for k, v in response.headers.items()}
                )
        except TimeoutError:
            raise SendError(f"timed out after {request.timeout_seconds:g}s") from None
        except (aiohttp.ClientError, asyncio.CancelledError, OSError) as exc:
            if isinstance(exc, asyncio.CancelledError):
                raise
            raise SendError(f"{exc.__class__.__name__}: {exc}") from None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
