"""The binding stand-ins keep the real bindings' rules, seen through the `workers` SDK's own
wrappers (`_EnvWrapper`), as src/entry.py sees them: what the Worker passes crosses to JavaScript
by the SDK's conversion, and D1 or KV refuse what the real ones refuse, with their error texts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from edge_runtime import Edge
from pyodide.ffi import JsException
from workers import _EnvWrapper, fetch


@pytest.fixture
def edge(make_edge: Any) -> Edge:
    return make_edge(limits={"RATE_LIMIT_QUOTES": 2})  # type: ignore[no-any-return]


@pytest.fixture
def env(edge: Edge) -> Any:
    return _EnvWrapper(edge.env)


async def test_d1_rows_come_back_as_dicts_and_none_goes_in_as_null(env: Any) -> None:
    db = env.DB
    await db.prepare("CREATE TABLE t (a TEXT, b INTEGER, c TEXT)").run()

    written = await db.prepare("INSERT INTO t VALUES (?, ?, ?)").bind("x", True, None).run()
    row = await db.prepare("SELECT a, b, c FROM t").first()
    missing = await db.prepare("SELECT a FROM t WHERE a = ?").bind("nope").first()
    listed = await db.prepare("SELECT a FROM t").all()

    assert written["meta"]["changes"] == 1
    assert row == {"a": "x", "b": 1, "c": None}  # a boolean is stored as 1, as D1 does
    assert missing is None
    assert listed["success"] is True
    assert listed["results"] == [{"a": "x"}]


async def test_d1_refuses_a_python_object_with_its_own_error(env: Any) -> None:
    # A Decimal crosses as a Python proxy: D1 takes only null, numbers, strings and bytes.
    with pytest.raises(JsException, match="D1_TYPE_ERROR: Type 'object' not supported"):
        env.DB.prepare("SELECT ?").bind(Decimal("0.01"))


async def test_d1_refuses_undefined(edge: Edge) -> None:
    # Past the SDK (which turns None into null), None reaches JavaScript as undefined.
    with pytest.raises(JsException, match="D1_TYPE_ERROR: Type 'undefined' not supported"):
        edge.db.prepare("SELECT ?").bind(None)


async def test_a_d1_batch_is_one_transaction(edge: Edge, env: Any) -> None:
    db = env.DB
    await db.prepare("CREATE TABLE t (a TEXT PRIMARY KEY)").run()

    with pytest.raises(JsException, match=r"D1_ERROR: UNIQUE constraint failed: t\.a"):
        await db.batch([
            db.prepare("INSERT INTO t VALUES (?)").bind("first"),
            db.prepare("INSERT INTO t VALUES (?)").bind("first"),
        ])  # fmt: skip

    assert edge.rows("SELECT a FROM t") == []


async def test_kv_honours_expiration_ttl_by_its_clock(edge: Edge, env: Any) -> None:
    await env.KV.put("k", "v", expirationTtl=60)

    kept = await env.KV.get("k")
    edge.advance(seconds=60)
    gone = await env.KV.get("k")

    assert (kept, gone) == ("v", None)


async def test_kv_refuses_a_ttl_under_a_minute_and_values_that_are_not_text(env: Any) -> None:
    with pytest.raises(JsException, match="Invalid expiration_ttl of 30"):
        await env.KV.put("k", "v", expirationTtl=30)
    with pytest.raises(JsException, match="KV put\\(\\) accepts only strings"):
        await env.KV.put("k", {"a": 1})


async def test_the_rate_limit_binding_answers_success_per_key(env: Any) -> None:
    outcomes = [(await env.RATE_LIMIT_QUOTES.limit({"key": "a"})).success for _ in range(3)]
    other = (await env.RATE_LIMIT_QUOTES.limit({"key": "b"})).success

    assert (outcomes, other) == ([True, True, False], True)


async def test_fetch_goes_to_the_network_stand_in_and_refuses_what_fetch_refuses(
    edge: Edge,
) -> None:
    edge.route("https://x.example/", lambda sent: (202, {"queued": True}))

    answer = await fetch("https://x.example/a", method="POST", body=b"\x00\xff", redirect="manual")

    assert answer.status == 202
    assert await answer.json() == {"queued": True}
    [sent] = edge.sent
    assert (sent.method, sent.body) == ("POST", b"\x00\xff")
    with pytest.raises(JsException, match="GET/HEAD method cannot have body"):
        await fetch("https://x.example/b", method="GET", body=b"no")
