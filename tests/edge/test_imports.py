"""Every module of `src/orders` imports on its own, each in a fresh interpreter.

In one process a module is imported once, so an import cycle hides when some other module happens
to be imported first: `orders.domain.order` imported alone once failed with ImportError (order →
problems → changes → order) while the app started, because the app imported `changes` first.
Only a new interpreter per module shows the cycle; they run in parallel, one per core.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"


def modules_of(root: Path, package: str) -> list[str]:
    """Every module of `package` under `root`, packages (their `__init__`) included."""
    names = []
    for path in sorted((root / package).rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def import_alone(root: Path, module: str) -> subprocess.CompletedProcess[str]:
    """`import module` as the first thing a new interpreter does, with `root` on its path."""
    return subprocess.run(
        [sys.executable, "-c", f"import {module}"],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def import_each(root: Path, modules: list[str]) -> dict[str, subprocess.CompletedProcess[str]]:
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        return dict(zip(modules, pool.map(lambda m: import_alone(root, m), modules), strict=True))


MODULES = modules_of(SRC, "orders")


@pytest.fixture(scope="module")
def imported() -> dict[str, subprocess.CompletedProcess[str]]:
    return import_each(SRC, MODULES)


def test_there_are_modules_to_import() -> None:
    assert {"orders", "orders.domain.order", "orders.api.app"} <= set(MODULES)


@pytest.mark.parametrize("module", MODULES)
def test_module_imports_alone(
    module: str, imported: dict[str, subprocess.CompletedProcess[str]]
) -> None:
    result = imported[module]
    assert result.returncode == 0, f"`import {module}` alone failed:\n{result.stderr}"


def test_a_cycle_fails_the_check(tmp_path: Path) -> None:
    # The shape of the cycle this test was written for: each module needs a name from the
    # other at import time, so whichever comes first finds the other half made.
    package = tmp_path / "cyclic"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "first.py").write_text("from cyclic.second import B\nA = 1\n")
    (package / "second.py").write_text("from cyclic.first import A\nB = 2\n")

    results = import_each(tmp_path, modules_of(tmp_path, "cyclic"))

    assert results["cyclic"].returncode == 0
    for module in ("cyclic.first", "cyclic.second"):
        assert results[module].returncode != 0
        assert "partially initialized module" in results[module].stderr


# The layers of the core, lowest first (orders/__init__.py): a module imports its own layer and
# those below it. The modules at the top of the package (errors, config, ports, strict_json) are
# below every layer.
LAYERS = ("domain", "storage", "processors", "usecases", "api")


def layer_of(module: str) -> int:
    parts = module.split(".")
    return LAYERS.index(parts[1]) + 1 if len(parts) > 1 and parts[1] in LAYERS else 0


def imports_of(path: Path) -> list[tuple[int, str]]:
    """Each `orders…` module the file imports (anywhere in it, `TYPE_CHECKING` included), with
    its line; `from orders import storage` counts as `orders.storage`."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("orders")]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "orders":
                found += [(node.lineno, f"orders.{a.name}") for a in node.names]
            elif node.module.startswith("orders."):
                found.append((node.lineno, node.module))
    return found


@pytest.mark.parametrize("module", MODULES)
def test_module_imports_only_its_layer_and_below(module: str) -> None:
    path = SRC / Path(*module.split("."))
    path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
    upward = [
        f"{path.relative_to(SRC)}:{line} imports {name}"
        for line, name in imports_of(path)
        if layer_of(name) > layer_of(module)
    ]
    layer = LAYERS[layer_of(module) - 1] if layer_of(module) else "below the layers"
    assert not upward, f"{module} ({layer}) imports a layer above it: {upward}"
