"""The storage's SQL, read from the source: no status of the lifecycle (nor a problem an order
waits in) is spelled out in its text, only bound from the sets of `domain.lifecycle`, so renaming
or regrouping a status cannot leave a query behind; and every row of the outbox is inserted by
`storage/outbox.py`, the one module that knows its table."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from orders.domain import problems
from orders.domain.lifecycle import Status

STORAGE = Path(__file__).resolve().parents[2] / "src" / "orders" / "storage"
MODULES = sorted(STORAGE.glob("*.py"))
VOCABULARY = [s.value for s in Status] + [problems.LATE, problems.UNDERPAID, problems.FAILED]


def sql_text(path: Path) -> list[str]:
    """The string constants of a module, docstrings left out (they may name a status)."""
    tree = ast.parse(path.read_text())
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        and id(node) not in docstrings
    ]  # fmt: skip


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_no_status_is_spelled_out_in_sql(path: Path) -> None:
    spelled = sorted(
        {word for text in sql_text(path) for word in VOCABULARY if f"'{word}'" in text}
    )
    assert not spelled, f"{path.name} spells out {spelled} in SQL: bind them from the sets"


def test_only_the_outbox_inserts_outbox_rows() -> None:
    inserting = [
        path.name
        for path in MODULES
        if any("INSERT INTO webhook_outbox" in text for text in sql_text(path))
    ]
    assert inserting == ["outbox.py"]
