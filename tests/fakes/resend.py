"""Resend's `POST /emails` on loopback, for the tests that follow a customer's emails: it records
what it is sent and answers as Resend does (or with the failure it is told to give)."""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.fakes.loopback import Loopback


@dataclass(frozen=True)
class Sent:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


class FakeResend:
    """Resend's `POST /emails` on loopback: records each request, then answers `status` (200
    with an email id, as Resend does, or the failure it is told to give)."""

    def __init__(self) -> None:
        self.status = 200
        self.sent: list[Sent] = []
        self._lock = threading.Lock()
        self._loopback = Loopback(self._receive)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._loopback.port}/emails"

    def up(self) -> FakeResend:
        self._loopback.up()
        return self

    def down(self) -> None:
        self._loopback.down()

    def _receive(self, handler: BaseHTTPRequestHandler, raw: bytes) -> None:
        headers = {k.lower(): v for k, v in handler.headers.items()}
        with self._lock:  # recorded before answering: once answered, it is here
            self.sent.append(Sent(handler.path, headers, json.loads(raw)))
        ok = self.status == 200
        answer = json.dumps({"id": str(uuid.uuid4())}).encode() if ok else b""
        handler.send_response(self.status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(answer)))
        handler.end_headers()
        handler.wfile.write(answer)

    def to(self, address: str) -> list[Sent]:
        with self._lock:
            return [s for s in self.sent if s.body["to"] == [address]]

    def wait_for(self, address: str, subject: str, timeout: float = 10.0) -> Sent:
        """The first email to `address` whose subject starts with `subject`, once it has come: an
        email goes out in the background after the answer that queued it, so the test waits for
        that delivery to land here (not for time to pass), up to `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            found = [s for s in self.to(address) if s.body["subject"].startswith(subject)]
            if found:
                return found[0]
            if time.monotonic() > deadline:
                raise AssertionError(f"no email {subject!r} to {address} came: {self.sent}")
            time.sleep(0.05)
