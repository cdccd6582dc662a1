"""The operator's webhook receiver (a Make.com scenario, say) as a real HTTP server on loopback.

It checks every delivery's signature with the `standardwebhooks` package, an implementation
independent of ours, and can be told to be down (connection refused), fail (500), hang past the
sender's timeout, or answer 410 Gone.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any

from standardwebhooks.webhooks import Webhook

from tests.fakes.loopback import Loopback

SECRET = "whsec_" + "dGVzdC13ZWJob29rLXNlY3JldC0zMi1ieXRlcy1sb25nISE="


@dataclass(frozen=True)
class Delivery:
    event_id: str
    timestamp: int
    body: dict[str, Any]
    signature_ok: bool
    answered: int | None  # None: the sender gave up before our answer


class Receiver:
    def __init__(self, secret: str = SECRET) -> None:
        self.webhook = Webhook(secret)
        self.mode = "ok"  # ok | error | gone | hang
        self.hang_seconds = 2.0
        self.deliveries: list[Delivery] = []
        self._lock = threading.Lock()
        self._loopback = Loopback(self._receive)

    @property
    def port(self) -> int:
        return self._loopback.port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    @property
    def is_up(self) -> bool:
        return self._loopback.is_up

    def up(self) -> Receiver:
        self._loopback.up()
        return self

    def down(self) -> None:
        """Closes the port: the sender's connections are refused until `up()`."""
        self._loopback.down()

    def _receive(self, handler: BaseHTTPRequestHandler, raw: bytes) -> None:
        headers = {k.lower(): v for k, v in handler.headers.items()}
        event_id = headers.get("webhook-id", "")
        stamp = int(headers.get("webhook-timestamp", "0"))
        # Our own clock is not the sender's (tests move the sender's), so the signature is
        # checked with the library's signer at the sender's timestamp, not its freshness window.
        expected = self.webhook.sign(event_id, datetime.fromtimestamp(stamp, UTC), raw.decode())
        ok = expected in headers.get("webhook-signature", "").split(" ")
        # A hanging receiver finally answers 504, so a 2xx always means the sender heard it.
        status = {"ok": 204, "error": 500, "gone": 410, "hang": 504}[self.mode]
        if self.mode == "hang":
            time.sleep(self.hang_seconds)  # a slow receiver, not a test waiting for time
        try:
            handler.send_response(status)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            answered: int | None = status
        except OSError:
            answered = None
        with self._lock:
            self.deliveries.append(Delivery(event_id, stamp, json.loads(raw), ok, answered))

    def accepted(self) -> list[Delivery]:
        """Deliveries this receiver answered with a 2xx, in the order they came."""
        with self._lock:
            return [d for d in self.deliveries if d.answered and 200 <= d.answered < 300]
