"""The local host's configuration: `.dev.vars` read like wrangler reads it, the environment
winning over it, and the local-only knobs (ports, data folder, cron interval)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


class StartupError(Exception):
    """Why the local host cannot start, for the person who ran `make dev`: printed as it is,
    without a traceback (nothing in the code is wrong, something on the machine or a setting is)."""


def port_setting(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, str(default)).strip()
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise StartupError(f"{name}={raw!r} is not a port: give a number from 1 to 65535.")
    return int(raw)


def read_dev_vars(path: Path) -> dict[str, str]:
    """`KEY=value` lines; `#` comments; optional single or double quotes around the value."""
    values: dict[str, str] = {}
    if not path.exists():
        return values
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


@dataclass(frozen=True)
class HostSettings:
    env: dict[str, str]  # what the Worker would see as vars and secrets
    host: str
    api_port: int
    pages_port: int
    data_dir: Path
    pages_dir: Path
    cron_interval: float
    test_hooks: bool
    # The header a proxy in front of this host sets to the client's address; None: the peer's.
    client_ip_header: str | None = None

    @classmethod
    def load(cls, root: Path, environ: Mapping[str, str] | None = None) -> HostSettings:
        environ = dict(os.environ if environ is None else environ)
        env = {**read_dev_vars(root / ".dev.vars"), **environ}
        host = env.get("HOST", "127.0.0.1")
        api_port = port_setting(env, "API_PORT", 8787)
        pages_port = port_setting(env, "PAGES_PORT", 8788)
        local_site = f"http://{host}:{pages_port}"
        env.setdefault("PROCESSOR", "sandbox")
        env.setdefault("PUBLIC_SITE_URL", local_site)
        env.setdefault("PUBLIC_API_URL", f"http://{host}:{api_port}")
        origins = [o for o in env.get("ALLOWED_ORIGINS", "").split(",") if o.strip()]
        for origin in (local_site, f"http://localhost:{pages_port}"):
            if origin not in origins:
                origins.append(origin)
        env["ALLOWED_ORIGINS"] = ",".join(origins)
        return cls(
            env=env,
            host=host,
            api_port=api_port,
            pages_port=pages_port,
            data_dir=Path(env.get("DATA_DIR", str(root / ".data"))),
            pages_dir=Path(env.get("PAGES_DIR", str(root / "pages"))),
            cron_interval=float(env.get("CRON_INTERVAL_SECONDS", "60")),
            test_hooks=env.get("DEVHOST_TEST_HOOKS") == "1",
            client_ip_header=env.get("TRUST_CLIENT_IP_HEADER", "").strip() or None,
        )
