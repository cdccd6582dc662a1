"""The lifecycle table is the one docs/api.md documents, edge for edge."""

import pytest

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


def test_every_status_of_the_spec_has_exactly_its_edges() -> None:
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
