"""`make bench`'s edge table, laid out from fixed figures (bench/edge_table.mjs, run by Node): what
the Workers CPU limit counts is shown as a share of the Free plan's 10 ms, marked where it does
not fit, never as a negative margin; and the note under it says how much of the Paid plan's
30 s the heaviest invocation takes."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIGURES = {
    "edge": {
        "floor": {"cpu": 1.2, "wall": 1.0},
        "cold_floor": {"cpu": 1.3},
        "figures": {
            "read": {"cpu": 2.5, "wall": 2.0, "background": 0.0},
            "create": {"cpu": 7.0, "wall": 9.0, "background": 3.5},
            "cron (100 orders due)": {"cpu": 200.0, "wall": 300.0, "background": 0.0},
        },
        "cold": {
            "read": {"cpu": 3.0},
            "create": {"cpu": 8.0},
            "cron (100 orders due)": {"cpu": 250.0},
        },
    },
    "inProcess": {
        "read": {"cpu": 0.1},
        "create": {"cpu": 0.35},
        "cron (100 orders due)": {"cpu": 20.0},
    },
}
SCRIPT = """
import { table } from "./bench/edge_table.mjs";
const { edge, inProcess } = JSON.parse(process.argv[1]);
console.log(table(edge, inProcess).join("\\n"));
"""


def rendered(figures: dict[str, Any]) -> list[str]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("no node on PATH: run `make test`, which installs it")
    result = subprocess.run(
        [node, "--input-type=module", "-e", SCRIPT, json.dumps(figures)], cwd=ROOT,
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    return result.stdout.splitlines()


def rows(lines: list[str]) -> dict[str, dict[str, str]]:
    cells = [
        [c.strip() for c in line.strip("|").split("|")] for line in lines if line.startswith("| ")
    ]
    header, *body = cells
    return {row[0]: dict(zip(header, row, strict=True)) for row in body}


def test_the_free_plan_column_is_a_share_marked_over_past_the_limit() -> None:
    table = rows(rendered(FIGURES))
    share = "of the Free plan's 10 ms"
    assert table["read"][share] == "25 %"
    assert table["create"]["invocation CPU"] == "10.50"  # the request and its waitUntil work
    assert table["create"][share] == "105 % over"
    assert table["cron (100 orders due)"][share] == "2000 % over"
    assert table["floor: bare WorkerEntrypoint, fixed Response"][share] == "12 %"


def test_no_figure_is_negative() -> None:
    for line in rendered(FIGURES):
        assert not re.search(r"(?<![\w-])-\d", line), line


def test_the_note_says_what_the_columns_mean_and_the_paid_plans_share() -> None:
    note = rendered(FIGURES)[-1]
    assert '"over" does not fit the Free plan' in note
    assert "cron (100 orders due) at 200.00 ms, is 0.7 % of it" in note
