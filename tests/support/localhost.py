"""The local host as a subprocess on free ports, and a small HTTP client that talks to it the
way any client would. `ONECASH_API_URL` points the black-box suite at another deployment
(`make dev-workerd`, a deployed Worker) instead; tests that need the local host's test hooks
(moving its clock, running cron now) skip there with a reason."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
ADMIN_TOKEN = "blackbox-admin-token-of-the-local-host-tier"
STARTUP_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class Client:
    def __init__(self, base_url: str, admin_token: str | None = ADMIN_TOKEN) -> None:
        self.base_url = base_url.rstrip("/")
        self.admin_token = admin_token

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
        timeout: float = 15.0,
    ) -> Reply:
        parts = urlsplit(self.base_url + path)
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        sent = {"Content-Type": "application/json", **(headers or {})}
        try:
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            connection.request(method, target, body=data, headers=sent)
            response = connection.getresponse()
            return Reply(response.status, response.headers, response.read())
        finally:
            connection.close()

    def admin(self, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.admin_token}", **extra}


class LocalHost:
    """`python -m devhost` with its own data folder, ports and environment."""

    def __init__(self, **env: str) -> None:
        self.api_port = free_port()
        self.pages_port = free_port()
        self.data = tempfile.TemporaryDirectory(prefix="onecash-")
        self.env = {
            **os.environ,
            "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}",
            "API_PORT": str(self.api_port),
            "PAGES_PORT": str(self.pages_port),
            "DATA_DIR": self.data.name,
            "PROCESSOR": "sandbox",
            "ADMIN_TOKEN": ADMIN_TOKEN,
            "DEVHOST_TEST_HOOKS": "1",
            "CRON_INTERVAL_SECONDS": "3600",  # tests run cron themselves, when they mean to
            **env,
        }
        self.process: subprocess.Popen[str] | None = None
        self._starts = 0
        self.log_path = Path(self.data.name) / "devhost.log"

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def site_url(self) -> str:
        return f"http://127.0.0.1:{self.pages_port}"

    def start(self) -> LocalHost:
        with self.log_path.open("a") as log:  # the child keeps its own copy of the handle
            self.process = subprocess.Popen(
                [sys.executable, "-m", "devhost"], cwd=ROOT, env=self.env, stdout=log,
                stderr=subprocess.STDOUT, text=True,
            )  # fmt: skip
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"devhost exited early:\n{self.log_path.read_text()}")
            if self.log_path.read_text().count("Site listening") > self._starts:
                self._starts += 1
                return self
            time.sleep(0.05)  # waiting for a process to bind, not for time to pass
        raise RuntimeError(f"devhost did not start:\n{self.log_path.read_text()}")

    def stop(self) -> int:
        if self.process is None:
            return 0
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def restart(self) -> None:
        assert self.stop() == 0, "Ctrl-C should stop the local host cleanly"
        self.start()

    def close(self) -> None:
        self.stop()
        self.data.cleanup()

    def client(self) -> Client:
        return Client(self.api_url)

    # Test hooks: present only on the local host with DEVHOST_TEST_HOOKS=1.
    def advance(self, seconds: float) -> None:
        reply = self.client().request("POST", "/__dev/clock", {"advance_seconds": seconds})
        assert reply.status == 200, reply.body

    def run_cron(self) -> dict[str, int]:
        reply = self.client().request("POST", "/__scheduled")
        assert reply.status == 200, reply.body
        return reply.json  # type: ignore[no-any-return]


@contextmanager
def local_host(**env: str) -> Iterator[LocalHost]:
    host = LocalHost(**env).start()
    try:
        yield host
    finally:
        host.close()
