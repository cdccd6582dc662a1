"""`make dev` (`python -m devhost`) as a newcomer meets it: it says where the API, the site and
the console are; a port already taken, a port that is no number or a setting that does not parse
stops it with one plain message naming what to change, a non-zero exit and no traceback."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.support.localhost import ROOT, LocalHost


@contextmanager
def holding(port: int) -> Iterator[None]:
    """Something else listening on `port`, as another `make dev` would."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", port))
        held.listen()
        yield


def run_devhost(host: LocalHost) -> subprocess.CompletedProcess[str]:
    """The local host run to its end: these runs stop before serving anything."""
    try:
        return subprocess.run(
            [sys.executable, "-m", "devhost"], cwd=ROOT, env=host.env, capture_output=True,
            text=True, timeout=60, check=False,
        )  # fmt: skip
    finally:
        host.close()


def assert_refused_plainly(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    assert "Site listening" not in result.stdout
    for word in words:
        assert word in result.stderr, result.stderr


@pytest.mark.parametrize("setting", ["API_PORT", "PAGES_PORT"])
def test_a_port_taken_says_which_and_the_setting_that_moves_it(setting: str) -> None:
    host = LocalHost()
    port = host.api_port if setting == "API_PORT" else host.pages_port
    with holding(port):
        result = run_devhost(host)
    assert_refused_plainly(result, f"port {port}", "already in use", setting)


def test_a_port_that_is_no_number_is_named() -> None:
    result = run_devhost(LocalHost(PAGES_PORT="88o8"))
    assert_refused_plainly(result, "PAGES_PORT='88o8' is not a port")


def test_a_setting_that_does_not_parse_is_named_without_a_traceback() -> None:
    result = run_devhost(LocalHost(ADMIN_TOKEN="dev-admin-token"))  # the old, short one
    assert_refused_plainly(result, "ConfigError", "ADMIN_TOKEN")
    assert "dev-admin-token" not in result.stderr  # a secret's value is never printed


def test_it_prints_the_api_the_site_and_the_console() -> None:
    host = LocalHost().start()
    try:
        printed = host.log_path.read_text()
    finally:
        host.close()
    assert f"API listening on {host.api_url}" in printed
    assert f"Site listening on {host.site_url}" in printed
    assert f"Console on {host.site_url}/admin/" in printed
