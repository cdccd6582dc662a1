"""pytest's `async def` tests on Pyodide's own event loop.

pytest-asyncio cannot run in Pyodide: the browser-style loop (WebLoop) is always running, so
`asyncio.Runner` refuses to start. Here each coroutine test is driven to completion with
`pyodide.ffi.run_sync`, which suspends the WebAssembly stack (JSPI) while the loop runs it: the
test really runs on Pyodide's loop, timers and all. Without JSPI `run_sync` raises, so a test can
never pass without having run.
"""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from pyodide.ffi import run_sync


def pytest_addoption(parser: pytest.Parser) -> None:
    # pyproject.toml configures pytest-asyncio for the CPython tiers; known here, they are ignored.
    parser.addini("asyncio_mode", "pytest-asyncio's mode (CPython tiers only)")
    parser.addini("asyncio_default_fixture_loop_scope", "pytest-asyncio's loop scope")


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    test = pyfuncitem.obj
    if not inspect.iscoroutinefunction(test):
        return None
    names = pyfuncitem._fixtureinfo.argnames
    arguments: dict[str, Any] = {name: pyfuncitem.funcargs[name] for name in names}
    run_sync(test(**arguments))
    return True
