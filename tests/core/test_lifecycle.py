"""The lifecycle table is the one docs/api.md documents, edge for edge."""

import json
import re
from pathlib import Path

import pytest

from orders.domain import lifecycle, queue
from orders.domain.lifecycle import FINAL, TRANSITIONS, Status, allowed_next, can_move

DOCUMENTED_EDGES = {
    "awaiting_payment": {"confirming", "partially_paid", "action_required", "paid", "expired",
                         "failed", "cancelled"},
    "confirming": {"partially_paid", "action_required", "paid", "failed"},
    "partially_paid": {"confirming", "action_required", "paid", "completed", "refunded", "failed"},
    "action_required": {"confirming", "partially_paid", "paid", "refunding", "refunded", "failed"},
    "paid": {"completed", "refunded"},
    "expired": {"confirming", "action_required", "paid"},
    "refunding": {"refunded"},
    "completed": set(),
    "failed": {"refunding", "refunded"},
    "refunded": set(),
    "cancelled": {"refunded"},
}  # fmt: skip


def test_every_status_has_exactly_the_edges_docs_api_documents() -> None:
    assert {
        s.value: {t.value for t in nexts} for s, nexts in TRANSITIONS.items()
    } == DOCUMENTED_EDGES


@pytest.mark.parametrize("current", list(Status))
@pytest.mark.parametrize("target", list(Status))
def test_can_move_only_along_an_edge(current: Status, target: Status) -> None:
    assert can_move(current, target) is (target.value in DOCUMENTED_EDGES[current.value])


def test_final_statuses_go_nowhere() -> None:
    assert {s.value for s in FINAL} == {"completed", "failed", "refunded", "cancelled"}
    assert allowed_next(Status.COMPLETED) == []


def test_allowed_next_lists_statuses_in_lifecycle_order() -> None:
    assert allowed_next(Status.PAID) == ["completed", "refunded"]


# The pages' sets (pages/js/statuses.js) are the lifecycle's, by name: read off the module's
# `export const NAME = [...]` lines, so the check runs wherever the core's tests do (Pyodide too).
STATUSES_JS = Path(__file__).resolve().parents[2] / "pages" / "js" / "statuses.js"


def _js_sets() -> dict[str, list[str]]:
    text = STATUSES_JS.read_text()
    found = re.findall(r"^export const (\w+) = \[([^\]]*)\];$", text, flags=re.M)
    assert len(found) == text.count("export "), "every export of statuses.js is a plain array"
    return {name: json.loads(f"[{members}]") for name, members in found}


def test_the_pages_sets_are_the_lifecycles_of_the_same_name() -> None:
    js = _js_sets()
    assert {"FINAL", "OPEN_FOR_PAYMENT", "WENT_AHEAD", "STEPS"} <= js.keys()
    for name, members in js.items():
        python = getattr(lifecycle, name)  # AttributeError: a set the lifecycle does not name
        if isinstance(python, frozenset):
            assert sorted(members) == sorted(python) and len(members) == len(python), name
        else:
            assert members == [s.value for s in python], name


def test_the_payment_pages_steps_are_the_lifecycles() -> None:
    page = (STATUSES_JS.parents[1] / "payment.html").read_text()
    assert re.findall(r'data-step="(\w+)"', page) == [s.value for s in lifecycle.STEPS]


def test_the_pages_import_their_sets_instead_of_restating_them() -> None:
    pages = STATUSES_JS.parents[1]
    statuses = "|".join(s.value for s in Status)
    restated = re.compile(rf'\[\s*"({statuses})"\s*,\s*"({statuses})"')
    for script in [*pages.glob("js/*.js"), *pages.glob("admin/*.js")]:
        if script != STATUSES_JS:
            assert not restated.search(script.read_text()), script.name


def test_the_console_knows_every_status_and_queue_reason() -> None:
    admin = STATUSES_JS.parents[1] / "admin"
    select = re.search(
        r'<select id="status-filter".*?</select>', (admin / "index.html").read_text(), re.S
    )
    options = re.findall(r'<option value="(\w+)">', select[0] if select else "")
    assert sorted(options) == sorted(s.value for s in Status)  # the filter: one option each
    labels = re.search(r"const REASONS = \{(.*?)\};", (admin / "lists.js").read_text(), re.S)
    assert labels and re.findall(r"^\s*(\w+):", labels[1], re.M) == list(queue.REASONS)
