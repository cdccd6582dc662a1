"""The runtime the Worker is deployed to is the runtime the Pyodide tiers test."""

from __future__ import annotations

import re
import tomllib
from datetime import date
from importlib.metadata import requires, version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# From this date the `python_workers` flag selects Python 3.14 on Pyodide 314.
PYTHON_314_FROM = date(2026, 9, 8)


def pyodide_pins() -> dict[str, str]:
    lines = (ROOT / "tests/pyodide/requirements.txt").read_text().splitlines()
    pins = (line.split("==") for line in lines if line and not line.startswith("#"))
    return {name.strip().lower(): pinned.strip() for name, pinned in pins}


def test_wrangler_selects_python_314() -> None:
    config = tomllib.loads((ROOT / "wrangler.toml").read_text())
    assert "python_workers" in config["compatibility_flags"]
    chosen = date.fromisoformat(config["compatibility_date"])
    assert chosen >= PYTHON_314_FROM or "python_workers_314" in config["compatibility_flags"]


def test_the_runtime_dependency_is_pinned_to_what_pyodide_loads() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["dependencies"] == [f"pydantic=={pyodide_pins()['pydantic']}"]


def test_pydantic_core_is_the_one_that_pydantic_pins() -> None:
    """pydantic pins its core exactly; the Pyodide wheel must be that release."""
    core = next(r for r in requires("pydantic") or [] if r.startswith("pydantic-core"))
    assert re.fullmatch(r"pydantic-core==([\d.]+)", core)
    assert core == f"pydantic-core=={pyodide_pins()['pydantic-core']}"
    assert version("pydantic") == pyodide_pins()["pydantic"]
