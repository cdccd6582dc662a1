"""`domain/order.py` is the record alone: how people see an order is `domain/views.py`."""

from __future__ import annotations

import ast
from pathlib import Path

ORDER = Path(__file__).resolve().parents[2] / "src" / "orders" / "domain" / "order.py"


def test_the_record_imports_no_rules() -> None:
    tree = ast.parse(ORDER.read_text())
    imported = {
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("orders")
    }
    assert imported == {"orders.domain.lifecycle"}


def test_the_record_has_no_views() -> None:
    names = {
        node.name
        for node in ast.walk(ast.parse(ORDER.read_text()))
        if isinstance(node, ast.FunctionDef)
    }
    assert not names & {"public", "operator", "public_json", "mask_email"}
