"""The edge tier: src/entry.py in Pyodide under the real `workers` SDK (see edge_runtime.py).

It runs only inside Pyodide (`node tests/pyodide/run.mjs tests/pyodide/edge`); the CPython run of
`pytest tests` skips this folder, whose modules import `js`, which only Pyodide has.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import pytest

if sys.platform != "emscripten":
    collect_ignore_glob = ["*.py"]
else:
    import edge_runtime

    # What workerd sets up before the Worker's module is imported, then the import itself.
    edge_runtime.install_runtime()
    import entry

    def pytest_unconfigure(config: pytest.Config) -> None:
        edge_runtime.standins.clearTimers()  # so that Node exits as soon as pytest is done

    @pytest.fixture
    def make_edge(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
        """Deployments of the Worker: `make_edge(PROCESSOR="sandbox", ...)` with those vars and
        secrets; each one's D1 is closed after the test. The Worker reads the time from the
        deployment's clock (the one its KV and rate limiters use), which tests move."""
        made: list[edge_runtime.Edge] = []

        def make(*, limits: dict[str, int] | None = None, **values: str) -> edge_runtime.Edge:
            made.append(edge_runtime.Edge(entry, values, limits or {}))
            monkeypatch.setattr(entry, "now", made[-1].now)
            return made[-1]

        yield make
        for edge in made:
            edge.close()
