"""src/edge_d1.py, the Worker's D1 over the raw JS binding, against the D1 stand-in: what it binds,
what it refuses before anything crosses, and results with exactly the shapes and values the SDK's
own wrapper gives (the core was written against those)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from edge_runtime import Edge
from pyodide.ffi import JsException
from workers import _EnvWrapper

from edge_d1 import D1, d1_value

# Values of every kind D1 hands back, including doubles that are integers beyond 2**53 (the SDK
# makes those floats) and a BLOB (an array of byte values).
EVERY_KIND = (
    "SELECT 1 AS one, -9007199254740991 AS lowest_safe, CAST(9007199254740993 AS REAL) AS past, "
    "1e20 AS e20, 1e21 AS e21, 0.1 AS tenth, 1e300 AS huge, -0.0 AS minus_zero, NULL AS nil, "
    "'é \u2028 \"q\" \\ 🦀' AS text, x'00ff10' AS blob, '' AS empty"
)


@pytest.fixture
def edge(make_edge: Any) -> Edge:
    edge: Edge = make_edge()
    edge.db.sqlite.exec(
        "CREATE TABLE t (k TEXT PRIMARY KEY, i INTEGER, r REAL, b BLOB, n TEXT, f INTEGER)"
    )
    return edge


@pytest.fixture
def db(edge: Edge) -> D1:
    return D1(edge.db)


@pytest.fixture
def sdk(edge: Edge) -> Any:
    return _EnvWrapper(edge.env).DB


async def test_the_worker_uses_it_and_raw_rate_limit_bindings(make_edge: Any) -> None:
    import entry

    edge = make_edge(PROCESSOR="sandbox", limits={"RATE_LIMIT_QUOTES": 5})
    assert (await edge.fetch("GET", "/health")).status == 200

    deps = entry._Deployment.app.deps  # type: ignore[union-attr]
    assert isinstance(deps.db, D1)
    assert deps.db.binding == edge.db  # the JS D1Database itself, not the SDK's wrapper
    # The rate limiter too goes to the JS binding, with a JS options object it accepts.
    limiter = deps.limiters["quotes"]
    assert (limiter.raw, limiter.binding == edge.limiters["RATE_LIMIT_QUOTES"]) == (True, True)
    assert await limiter.hit("quotes:x") is None


async def test_results_have_the_shapes_and_values_the_sdk_gives(db: D1, sdk: Any) -> None:
    for method in ("first", "all", "run"):
        ours = await getattr(db.prepare(EVERY_KIND), method)()
        theirs = await getattr(sdk.prepare(EVERY_KIND), method)()
        if method != "first":
            ours["meta"].pop("duration"), theirs["meta"].pop("duration")  # timings differ
        assert ours == theirs, method
        assert _types(ours) == _types(theirs), method  # an int stays an int, a float a float

    row = await db.prepare(EVERY_KIND).first()
    assert type(row) is dict
    assert (row["past"], row["e20"], row["lowest_safe"]) == (2.0**53, 1e20, -(2**53) + 1)
    assert (type(row["past"]), type(row["e20"]), type(row["one"])) == (float, float, int)
    assert row["blob"] == [0, 255, 16]
    assert row["nil"] is None


async def test_first_all_run_and_batch(edge: Edge, db: D1) -> None:
    insert = db.prepare("INSERT INTO t (k, i) VALUES (?, ?)")

    written = await insert.bind("a", 1).run()
    both = await db.batch([insert.bind("b", 2), db.prepare("SELECT k, i FROM t ORDER BY k")])
    missing = await db.prepare("SELECT k FROM t WHERE k = ?").bind("zz").first()
    listed = await db.prepare("SELECT k FROM t ORDER BY k").all()

    assert written["success"] is True and written["meta"]["changes"] == 1
    assert [r["meta"]["changes"] for r in both] == [1, 0]
    assert both[1]["results"] == [{"k": "a", "i": 1}, {"k": "b", "i": 2}]
    assert missing is None
    assert listed["results"] == [{"k": "a"}, {"k": "b"}]
    assert edge.db.trips == 4  # a batch is one round trip


async def test_it_binds_what_d1_binds(edge: Edge, db: D1) -> None:
    await (
        db.prepare("INSERT INTO t (k, i, r, b, n, f) VALUES (?, ?, ?, ?, ?, ?)")
        .bind("k", 2**53 - 1, 0.5, b"\x00\xff", None, True)  # 2**53-1: a BigInt in Pyodide
        .run()
    )
    await db.prepare("INSERT INTO t (k, b) VALUES (?, ?)").bind("ba", bytearray(b"\x01")).run()
    await db.prepare("INSERT INTO t (k, b) VALUES (?, ?)").bind("mv", memoryview(b"\x02")).run()

    [row] = edge.rows("SELECT i, r, hex(b) AS b, typeof(n) AS n, f FROM t WHERE k = 'k'")
    assert row == {"i": 2**53 - 1, "r": 0.5, "b": "00FF", "n": "null", "f": 1}  # True is 1
    blobs = [r["b"] for r in edge.rows("SELECT hex(b) AS b FROM t WHERE k IN ('ba', 'mv')")]
    assert sorted(blobs) == ["01", "02"]
    back = await db.prepare("SELECT b FROM t WHERE k = 'k'").first()
    assert back == {"b": [0, 255]}  # a BLOB comes back as D1 gives it, byte values


@pytest.mark.parametrize(
    ("value", "says"),
    [
        (Decimal("0.01"), "type 'Decimal' not supported"),
        (datetime(2026, 1, 1, tzinfo=UTC), "type 'datetime' not supported"),
        ([1, 2], "type 'list' not supported"),
        ({"a": 1}, "type 'dict' not supported"),
        (2**53, "int 9007199254740992 is beyond JavaScript's safe integers"),
        (-(2**53), "int -9007199254740992 is beyond"),
    ],
)
async def test_it_refuses_what_d1_would_refuse_before_anything_crosses(
    edge: Edge, db: D1, value: Any, says: str
) -> None:
    with pytest.raises(TypeError, match=f"D1_TYPE_ERROR: {says}"):
        db.prepare("SELECT ?").bind(value)
    with pytest.raises(TypeError, match="D1_TYPE_ERROR"):
        d1_value(value)

    assert edge.db.trips == 0


async def test_a_batch_is_one_transaction_and_d1s_error_surfaces_as_before(
    edge: Edge, db: D1, sdk: Any
) -> None:
    insert = "INSERT INTO t (k) VALUES (?)"

    with pytest.raises(JsException, match=r"D1_ERROR: UNIQUE constraint failed: t\.k") as ours:
        await db.batch([db.prepare(insert).bind("x"), db.prepare(insert).bind("x")])
    with pytest.raises(JsException) as theirs:
        await sdk.batch([sdk.prepare(insert).bind("x"), sdk.prepare(insert).bind("x")])

    assert str(ours.value) == str(theirs.value)
    assert edge.rows("SELECT k FROM t") == []


async def test_an_unreachable_d1_raises_for_the_health_check_to_catch(edge: Edge, db: D1) -> None:
    edge.db.available = False

    with pytest.raises(JsException, match="D1_ERROR: Network connection lost"):
        await db.prepare("SELECT 1 AS ok").first()


async def test_a_batch_takes_only_its_own_statements(db: D1, sdk: Any) -> None:
    with pytest.raises(TypeError, match="statements prepared by this database"):
        await db.batch([sdk.prepare("SELECT 1")])


def _types(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _types(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_types(v) for v in value]
    return type(value).__name__
