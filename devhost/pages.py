"""Serves `pages/` the way Cloudflare Pages would, with the headers from `pages/_headers`,
pointing the site at the local API instead of https://api.onncx.com."""

from __future__ import annotations

import fnmatch
import json
import mimetypes
from collections.abc import Mapping
from pathlib import Path

from aiohttp import web

PRODUCTION_API = "https://api.onncx.com"
# What pages/env.js holds besides the API base and the sandbox flag: the local host takes each
# from its environment or .dev.vars, like the Worker's vars, and serves it in /env.js.
SITE_VARS = ("SUPPORT_EMAIL", "SUPPORT_URL", "OPERATOR_NAME", "OPERATOR_JURISDICTION")


def parse_headers_file(text: str) -> list[tuple[str, dict[str, str]]]:
    """`_headers`: a path pattern line, then indented `Name: value` lines."""
    rules: list[tuple[str, dict[str, str]]] = []
    for raw in text.splitlines():
        if not raw.strip() or raw.strip().startswith("#"):
            continue
        if not raw[0].isspace():
            rules.append((raw.strip(), {}))
        elif rules and ":" in raw:
            name, _, value = raw.strip().partition(":")
            rules[-1][1][name.strip()] = value.strip()
    return rules


def env_js(api_base: str, sandbox: bool, env: Mapping[str, str]) -> str:
    """The generated /env.js; values as JSON strings, which are JavaScript string literals."""
    lines = [
        f"export const API_BASE = {json.dumps(api_base)};",
        f"export const SANDBOX = {'true' if sandbox else 'false'};",
        *(f"export const {name} = {json.dumps(env.get(name, '').strip())};" for name in SITE_VARS),
    ]
    return "\n".join(lines) + "\n"


def site(
    pages_dir: Path, api_base: str, sandbox: bool, env: Mapping[str, str] | None = None
) -> web.Application:
    headers_file = pages_dir / "_headers"

    def headers_for(path: str) -> dict[str, str]:
        rules = parse_headers_file(headers_file.read_text()) if headers_file.exists() else []
        merged: dict[str, str] = {}
        for pattern, values in rules:
            if fnmatch.fnmatch(path, pattern.replace(":splat", "*")):
                merged.update({k: v.replace(PRODUCTION_API, api_base) for k, v in values.items()})
        return merged

    async def serve(request: web.Request) -> web.StreamResponse:
        path = request.path
        if path == "/env.js":
            return web.Response(
                text=env_js(api_base, sandbox, env or {}),
                content_type="text/javascript",
                headers=headers_for(path),
            )
        relative = path.lstrip("/") or "index.html"
        if "\x00" in relative:
            relative = "_"  # no file has a NUL in its name (the OS refuses it): not found
        target = (pages_dir / relative).resolve()
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file() and (pages_dir / f"{relative}.html").is_file():
            target = (pages_dir / f"{relative}.html").resolve()
        if (
            pages_dir.resolve() not in target.parents
            or not target.is_file()
            or target.name.startswith("_")
        ):
            missing = pages_dir / "404.html"  # what Cloudflare Pages serves for an unknown path
            if missing.is_file():
                return web.Response(
                    status=404, body=missing.read_bytes(), content_type="text/html",
                    charset="utf-8", headers=headers_for(path),
                )  # fmt: skip
            return web.Response(status=404, text="Not found", headers=headers_for(path))
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if target.suffix == ".js":
            kind = "text/javascript"
        charset = (
            "utf-8" if kind.startswith("text/") or kind.endswith(("json", "svg+xml")) else None
        )
        return web.Response(
            body=target.read_bytes(), content_type=kind, charset=charset, headers=headers_for(path)
        )

    app = web.Application()
    app.router.add_get(r"/{tail:[\s\S]*}", serve)  # newlines too: an odd path is a 404 page
    return app
