"""`make deploy` refuses a site whose customers could reach nobody: scripts/check_site_env.mjs
on pages/env.js with its support contact or operator name empty, before anything is deployed."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = (ROOT / "pages/env.js").read_text()


def env_js(tmp_path: Path, **values: str) -> Path:
    """pages/env.js as shipped, with `values` in place of its strings (the rest emptied)."""
    text = SHIPPED
    for name in ("SUPPORT_EMAIL", "SUPPORT_URL", "OPERATOR_NAME", "OPERATOR_JURISDICTION"):
        line = f'export const {name} = "{values.get(name, "")}";'
        text, found = re.subn(rf"^export const {name} = .*;$", line, text, flags=re.M)
        assert found == 1, f"pages/env.js has no line for {name}"
    path = tmp_path / "env.js"
    path.write_text(text)
    return path


def check(path: Path) -> subprocess.CompletedProcess[str]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("no node on PATH: run `make test`, which installs it")
    return subprocess.run(
        [node, "scripts/check_site_env.mjs", str(path)], cwd=ROOT, capture_output=True,
        text=True, timeout=60, check=False,
    )  # fmt: skip


def test_a_site_with_nothing_filled_in_is_refused_naming_what_is_missing(tmp_path: Path) -> None:
    result = check(env_js(tmp_path))
    assert result.returncode == 1
    assert "refusing to deploy the site" in result.stderr
    for name in ("SUPPORT_EMAIL", "SUPPORT_URL", "OPERATOR_NAME"):
        assert name in result.stderr


def test_a_filled_site_passes(tmp_path: Path) -> None:
    filled = env_js(tmp_path, SUPPORT_EMAIL="support@onncx.com", OPERATOR_NAME="ONE CASH Ltd",
                    OPERATOR_JURISDICTION="Estonia")  # fmt: skip
    result = check(filled)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "support at support@onncx.com; operator ONE CASH Ltd" in result.stdout


def test_a_support_page_alone_is_a_contact_and_no_jurisdiction_only_warns(tmp_path: Path) -> None:
    result = check(env_js(tmp_path, SUPPORT_URL="https://help.onncx.com", OPERATOR_NAME="Op"))
    assert result.returncode == 0, result.stderr
    assert "warning: OPERATOR_JURISDICTION is empty" in result.stderr


def test_a_contact_without_an_operator_name_is_refused(tmp_path: Path) -> None:
    result = check(env_js(tmp_path, SUPPORT_EMAIL="support@onncx.com"))
    assert result.returncode == 1
    assert "OPERATOR_NAME is empty" in result.stderr
    assert "SUPPORT_EMAIL and SUPPORT_URL" not in result.stderr


def test_a_contact_the_site_would_not_show_is_no_contact(tmp_path: Path) -> None:
    # pages/js/support.js links only http(s) pages: this one would be left out.
    result = check(env_js(tmp_path, SUPPORT_URL="javascript:alert(1)", OPERATOR_NAME="Op"))
    assert result.returncode == 1
    assert "SUPPORT_URL" in result.stderr and "not an http(s) address" in result.stderr
    result = check(env_js(tmp_path, SUPPORT_EMAIL="support", OPERATOR_NAME="Op"))
    assert result.returncode == 1 and "not an email address" in result.stderr


def test_make_deploy_checks_the_site_before_it_changes_anything() -> None:
    planned = subprocess.run(
        ["make", "-n", "deploy"], cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**os.environ, "MAKEFLAGS": ""}, check=True,
    ).stdout.splitlines()  # fmt: skip
    first = next(i for i, line in enumerate(planned) if "check_site_env.mjs pages/env.js" in line)
    changing = [i for i, line in enumerate(planned) if re.search(r"pywrangler|wrangler ", line)]
    assert changing and first < min(changing), planned
