"""An HTTP server on loopback in a thread, for the fakes of outside services: each POST is handed
to the fake as the handler and the raw body; `down()` closes the port (connections are refused)
until `up()` opens it again, on the same port."""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

OnPost = Callable[[BaseHTTPRequestHandler, bytes], None]


class Loopback:
    def __init__(self, on_post: OnPost) -> None:
        self.on_post = on_post
        self.port = 0
        self._server: ThreadingHTTPServer | None = None

    @property
    def is_up(self) -> bool:
        return self._server is not None

    def up(self) -> None:
        on_post = self.on_post

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                on_post(self, self.rfile.read(int(self.headers.get("Content-Length") or 0)))

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()

    def down(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
