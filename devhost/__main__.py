"""`python -m devhost`: run the API and the site locally (what `make dev` runs)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from pathlib import Path

from orders.config import ConfigError

from .server import serve
from .settings import StartupError


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("aiohttp").setLevel(logging.WARNING)
    # The access log is JSON lines on stdout, nothing before each object.
    access = logging.getLogger("devhost.access")
    access.propagate = False
    lines = logging.StreamHandler(sys.stdout)
    lines.setFormatter(logging.Formatter("%(message)s"))
    access.addHandler(lines)
    root = Path(__file__).resolve().parent.parent

    async def run() -> None:
        task = asyncio.create_task(serve(root))
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, task.cancel)
        with contextlib.suppress(asyncio.CancelledError):
            await task

    try:
        asyncio.run(run())
    except (StartupError, ConfigError) as exc:
        # A taken port or a setting that does not parse: the message says what to change, and
        # a traceback would only bury it.
        kind = "" if isinstance(exc, StartupError) else "ConfigError: "
        print(f"{kind}{exc}", file=sys.stderr)
        return 1
    print("Stopped.", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
