"""Tier 5: the code under src/ can run on the edge (docs/architecture.md, the runtime boundary).

These machines test on CPython, where every module below imports fine, so nothing else would catch
code that breaks only on Pyodide inside workerd. The checks read the source with `ast`:

- no import of a standard module that Python Workers removed or cannot run, nor of a third-party
  package that `pywrangler sync` does not vendor (only `[project].dependencies` and what they need);
- `src/orders/` never imports the runtime (`js`, `pyodide`, `workers`): only the edge adapters may;
- no clock, randomness or environment read at import time: the edge runs module top level once at
  deploy to take a memory snapshot, and the deploy fails (randomness) or freezes the value (clock).

Each problem is reported as `file:line: what and why`.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"

# Standard modules a Python Worker cannot use, with the reason shown in the failure. Sources: the
# Python Workers "Standard Library" page (excluded and non-functional modules) and Pyodide's
# "Python compatibility" page (unvendored modules, which the Worker does not load).
UNAVAILABLE_STDLIB = {
    **dict.fromkeys(
        [
            "curses",
            "dbm",
            "ensurepip",
            "fcntl",
            "grp",
            "idlelib",
            "lib2to3",
            "msvcrt",
            "pwd",
            "resource",
            "syslog",
            "termios",
            "tkinter",
            "turtle",
            "turtledemo",
            "venv",
            "winreg",
            "winsound",
            "pty",
            "tty",
        ],
        "is not available in Python Workers",
    ),
    **dict.fromkeys(
        ["threading", "multiprocessing", "socket"],
        "imports on Pyodide but does not work (no threads, processes or sockets)",
    ),
    **dict.fromkeys(
        [
            "subprocess",
            "concurrent.futures",
            "socketserver",
            "http.client",
            "http.server",
            "urllib.request",
            "ftplib",
            "smtplib",
            "poplib",
            "imaplib",
            "xmlrpc",
        ],
        "needs threads, processes or sockets, which Pyodide lacks (use the injected send)",
    ),
    **dict.fromkeys(
        ["sqlite3", "ssl", "lzma"],
        "is unvendored from Pyodide's standard library (use the D1 binding, fetch)",
    ),
}

# Given by workerd itself (js, pyodide) or added by pywrangler sync (workers: workers-runtime-sdk).
RUNTIME_MODULES = {"js", "pyodide", "pyodide_js", "_pyodide", "workers"}

CORE_BOUNDARY = (
    "src/orders/ stays plain Python; "
    "only the edge adapters (src/entry.py, edge_http.py, edge_d1.py) touch the runtime"
)
NOT_VENDORED = (
    "is not vendored for the edge: "
    "add it to [project].dependencies in pyproject.toml, or keep it out of src/"
)

# Import-time reads that break the deploy snapshot, by fully qualified name.
FORBIDDEN_CALLS = {
    "uuid.uuid1": "randomness",
    "uuid.uuid4": "randomness",
    "os.urandom": "randomness",
    "os.getrandom": "randomness",
    "os.getenv": "the environment",
    "os.getenvb": "the environment",
    "datetime.datetime.now": "the clock",
    "datetime.datetime.utcnow": "the clock",
    "datetime.datetime.today": "the clock",
    "datetime.date.today": "the clock",
    **{
        f"time.{name}": "the clock"
        for name in [
            "time",
            "time_ns",
            "monotonic",
            "monotonic_ns",
            "perf_counter",
            "perf_counter_ns",
        ]
    },
}
FORBIDDEN_CALL_MODULES = {"secrets": "randomness", "random": "randomness"}
# Read, not called: `os.environ["X"]` and `os.environ.get("X")` are both reads.
FORBIDDEN_NAMES = {"os.environ": "the environment", "os.environb": "the environment"}


def vendored_distributions() -> set[str]:
    """`[project].dependencies` and everything they require: what `pywrangler sync` vendors."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pending = [_requirement_name(req) for req in project.get("dependencies", [])]
    seen: set[str] = set()
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = importlib.metadata.requires(name) or []
        except importlib.metadata.PackageNotFoundError:
            continue  # not installed here: its own imports are then unknown, the name still counts
        # Requirements behind an extra are not installed by a plain dependency.
        pending += [_requirement_name(req) for req in requires if "extra ==" not in req]
    return seen


def _requirement_name(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9._-]+", requirement)
    assert match, f"unreadable requirement {requirement!r} in pyproject.toml"
    return re.sub(r"[-_.]+", "-", match.group()).lower()


def vendored_import_names() -> set[str]:
    wanted = vendored_distributions()
    return {
        module
        for module, dists in importlib.metadata.packages_distributions().items()
        if any(re.sub(r"[-_.]+", "-", d).lower() in wanted for d in dists)
    } | {name.replace("-", "_") for name in wanted}


def local_modules() -> set[str]:
    """Top-level names that resolve inside src/ (the Worker's module root)."""
    return {path.stem for path in SRC.glob("*.py")} | {
        path.parent.name for path in SRC.glob("*/__init__.py")
    }


def check_source(
    source: str,
    filename: str,
    *,
    core: bool,
    local: set[str],
    vendored: set[str],
) -> list[str]:
    """Every edge-fidelity problem in one module, as `filename:line: message`."""
    tree = ast.parse(source, filename)
    problems = [
        f"{filename}:{line}: {message}"
        for line, message in _import_problems(tree, core, local, vendored)
    ]
    aliases = _aliases(tree)
    for node in _import_time_nodes(tree.body):
        if isinstance(node, ast.Call):
            name = _qualified(node.func, aliases)
            reason = _forbidden_call(name) if name else None
            if name and reason:
                problems.append(
                    f"{filename}:{node.lineno}: {name}() reads {reason} at import time; "
                    "do it inside a function (the deploy snapshot runs module top level)"
                )
        elif isinstance(node, ast.Attribute | ast.Name) and isinstance(node.ctx, ast.Load):
            name = _qualified(node, aliases)
            if name in FORBIDDEN_NAMES:
                problems.append(
                    f"{filename}:{node.lineno}: {name} reads {FORBIDDEN_NAMES[name]} at import "
                    "time; configuration comes from the Worker's env at request time"
                )
    return problems


def _forbidden_call(name: str) -> str | None:
    module, dot, _ = name.partition(".")
    return FORBIDDEN_CALLS.get(name) or (FORBIDDEN_CALL_MODULES.get(module) if dot else None)


def _unavailable(module: str) -> str | None:
    """Why a standard module (or the package it belongs to) cannot be used, if it cannot."""
    parts = module.split(".")
    for end in range(len(parts), 0, -1):
        if reason := UNAVAILABLE_STDLIB.get(".".join(parts[:end])):
            return reason
    return None


def _import_problems(
    tree: ast.Module, core: bool, local: set[str], vendored: set[str]
) -> Iterator[tuple[int, str]]:
    # Imports anywhere count, not only at top level: a lazy import fails at the edge all the same.
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            # `from http import client` imports the module http.client.
            submodules = (f"{node.module}.{alias.name}" for alias in node.names)
            names = [node.module, *(name for name in submodules if name in UNAVAILABLE_STDLIB)]
        else:
            continue  # relative imports stay inside src/
        for name in names:
            top = name.partition(".")[0]
            if reason := _unavailable(name):
                yield node.lineno, f"imports {name}, which {reason}"
            elif top in RUNTIME_MODULES:
                if core:
                    yield node.lineno, f"imports {top}: {CORE_BOUNDARY}"
            elif top not in sys.stdlib_module_names and top not in local and top not in vendored:
                yield node.lineno, f"imports {top}, which {NOT_VENDORED}"


def _aliases(tree: ast.Module) -> dict[str, str]:
    """Local name -> fully qualified name, from the module's imports."""
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    aliases[alias.asname] = alias.name
                else:
                    top = alias.name.partition(".")[0]
                    aliases[top] = top
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return aliases


def _qualified(node: ast.expr, aliases: dict[str, str]) -> str | None:
    if isinstance(node, ast.Name):
        return aliases.get(node.id)
    if isinstance(node, ast.Attribute):
        base = _qualified(node.value, aliases)
        return f"{base}.{node.attr}" if base else None
    return None


def _import_time_nodes(body: list[ast.stmt]) -> Iterator[ast.AST]:
    """Nodes evaluated when the module is imported.

    Class bodies, decorators and default values run at import; function and lambda bodies do not.
    """
    for stmt in body:
        if _is_main_guard(stmt):
            continue
        yield from _evaluated(stmt)


def _evaluated(node: ast.AST) -> Iterator[ast.AST]:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
        args = node.args
        at_definition: list[ast.expr] = [*args.defaults, *(d for d in args.kw_defaults if d)]
        if not isinstance(node, ast.Lambda):
            at_definition += node.decorator_list
        for expr in at_definition:
            yield from _evaluated(expr)
        return
    yield node
    for child in ast.iter_child_nodes(node):
        yield from _evaluated(child)


def _is_main_guard(stmt: ast.stmt) -> bool:
    return (
        isinstance(stmt, ast.If)
        and isinstance(stmt.test, ast.Compare)
        and isinstance(stmt.test.left, ast.Name)
        and stmt.test.left.id == "__name__"
    )


def _src_files() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if "__pycache__" not in p.parts)


@pytest.fixture(scope="module")
def vendored() -> set[str]:
    return vendored_import_names()


@pytest.mark.parametrize("path", _src_files(), ids=lambda p: str(p.relative_to(SRC)))
def test_module_can_run_on_the_edge(path: Path, vendored: set[str]) -> None:
    relative = path.relative_to(ROOT)
    problems = check_source(
        path.read_text(encoding="utf-8"),
        str(relative),
        core=relative.parts[:2] == ("src", "orders"),
        local=local_modules(),
        vendored=vendored,
    )
    assert not problems, "\n".join(problems)


def test_the_worker_has_modules_to_check() -> None:
    assert _src_files(), "no Python modules under src/"


# The checker itself: a bad snippet must be caught, a good one must pass, or the tests above prove
# nothing.

BAD_CORE_MODULE = """\
import os
import threading
from datetime import datetime
import uuid as u
from js import fetch
import requests

STARTED = datetime.now()
TOKEN = u.uuid4().hex
KEY = os.environ.get("KEY")


class Settings:
    region = os.getenv("REGION")


def handler(stamp=datetime.now()):
    return datetime.now(), os.environ["LATER"]
"""

GOOD_CORE_MODULE = """\
import os
import secrets
import time
from datetime import UTC, datetime

import pydantic

from orders import errors
from orders.domain import money

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
new_id = secrets.token_hex
Clock = time.time


class Order(pydantic.BaseModel):
    id: str = pydantic.Field(default_factory=lambda: secrets.token_hex(8))


def now() -> datetime:
    return datetime.now(UTC)


def setting() -> str | None:
    return os.environ.get("X")


if __name__ == "__main__":
    print(time.time())
"""


def _check(source: str, *, core: bool = True) -> list[str]:
    return check_source(
        source, "src/orders/x.py", core=core, local={"orders"}, vendored={"pydantic"}
    )


def test_checker_reports_each_problem_with_file_and_line() -> None:
    problems = _check(BAD_CORE_MODULE)

    assert problems == [
        "src/orders/x.py:2: imports threading, which imports on Pyodide but does not work "
        "(no threads, processes or sockets)",
        "src/orders/x.py:5: imports js: src/orders/ stays plain Python; "
        "only the edge adapters (src/entry.py, edge_http.py, edge_d1.py) touch the runtime",
        "src/orders/x.py:6: imports requests, which is not vendored for the edge: "
        "add it to [project].dependencies in pyproject.toml, or keep it out of src/",
        "src/orders/x.py:8: datetime.datetime.now() reads the clock at import time; "
        "do it inside a function (the deploy snapshot runs module top level)",
        "src/orders/x.py:9: uuid.uuid4() reads randomness at import time; "
        "do it inside a function (the deploy snapshot runs module top level)",
        "src/orders/x.py:10: os.environ reads the environment at import time; "
        "configuration comes from the Worker's env at request time",
        "src/orders/x.py:14: os.getenv() reads the environment at import time; "
        "do it inside a function (the deploy snapshot runs module top level)",
        "src/orders/x.py:17: datetime.datetime.now() reads the clock at import time; "
        "do it inside a function (the deploy snapshot runs module top level)",
    ]


def test_checker_accepts_reads_inside_functions_and_plain_references() -> None:
    assert _check(GOOD_CORE_MODULE) == []


def test_entry_may_import_the_runtime_but_not_what_pyodide_lacks() -> None:
    entry = "from workers import Response, WorkerEntrypoint\nimport js\nimport sqlite3\n"

    assert _check(entry, core=False) == [
        "src/orders/x.py:3: imports sqlite3, which is unvendored from Pyodide's standard "
        "library (use the D1 binding, fetch)"
    ]


@pytest.mark.parametrize(
    ("snippet", "name"),
    [
        ("import secrets\nKEY = secrets.token_urlsafe()\n", "secrets.token_urlsafe()"),
        ("from random import choice\nX = choice('ab')\n", "random.choice()"),
        ("import os\nX = os.urandom(8)\n", "os.urandom()"),
        ("import time\nX = time.time()\n", "time.time()"),
        ("import datetime as dt\nX = dt.date.today()\n", "datetime.date.today()"),
        ("from os import environ\nX = environ['A']\n", "os.environ"),
        ("import subprocess\n", "subprocess"),
        ("import urllib.request\n", "urllib.request"),
        ("from http import client\n", "http.client"),
        ("from concurrent.futures import ThreadPoolExecutor\n", "concurrent.futures"),
    ],
)
def test_checker_catches(snippet: str, name: str) -> None:
    problems = _check(snippet)

    assert len(problems) == 1, problems
    assert name in problems[0]
