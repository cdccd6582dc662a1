"""Tier 3: the real, pinned wrangler accepts our schema and our Worker configuration, offline.

`make test` sets $WRANGLER to node_modules/.bin/wrangler and puts Node 22 first on PATH. Both
commands below run without an account or the internet:

- `d1 execute --local` runs schema.sql in workerd's own D1 (miniflare), the engine `--remote` uses,
  and `d1 migrations apply --local` applies migrations/ there as `make deploy` does remotely;
- `deploy --dry-run` reads wrangler.toml, validates the bindings and collects the Worker's modules
  into --outdir. For a Python Worker it only gathers the .py files under the folder of `main`
  (src/); it neither needs nor builds `python_modules/` (that is `pywrangler sync`, online, at
  deploy), and it does not start the Python runtime, so it works here.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.tools

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "schema.sql"
DATABASE = "onecash"  # database_name in wrangler.toml


def wrangler(*args: str, logs: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    executable = os.environ.get("WRANGLER")
    if not executable:
        pytest.skip("WRANGLER is not set: run `make test`, which installs the pinned wrangler")
    env = {
        **os.environ,
        "WRANGLER_SEND_METRICS": "false",  # offline machines; nothing to report to
        "WRANGLER_LOG_PATH": str(logs),  # keep debug logs out of the home folder
        "NO_COLOR": "1",
        "CI": "true",  # never prompt
    }
    result = subprocess.run(
        [executable, *args],
        cwd=ROOT,  # wrangler finds wrangler.toml here
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0 or not check, (
        f"wrangler {' '.join(args)} exited {result.returncode}\n"
        f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    )
    return result


def declared_objects() -> set[tuple[str, str]]:
    """(type, name) of every table, index, view and trigger that schema.sql creates."""
    pattern = re.compile(
        r"CREATE\s+(?:UNIQUE\s+)?(TABLE|INDEX|VIEW|TRIGGER)\s+(?:IF\s+NOT\s+EXISTS\s+)?[\"`]?(\w+)",
        re.IGNORECASE,
    )
    return {(kind.lower(), name) for kind, name in pattern.findall(SCHEMA.read_text())}


def test_schema_applies_twice_to_local_d1(tmp_path: Path) -> None:
    state = tmp_path / "state"
    local = ("d1", "execute", DATABASE, "--local", "--persist-to", str(state))

    # The second run is what `make deploy` does to a live database on every release.
    wrangler(*local, "--file", str(SCHEMA), logs=tmp_path)
    wrangler(*local, "--file", str(SCHEMA), logs=tmp_path)

    result = wrangler(
        *local,
        "--json",
        "--command",
        "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'",
        logs=tmp_path,
    )
    [answer] = json.loads(result.stdout)
    created = {(row["type"], row["name"]) for row in answer["results"]}
    declared = declared_objects()
    assert any(kind == "table" for kind, _ in declared), "schema.sql creates no table"
    assert declared <= created, f"declared but missing in D1: {sorted(declared - created)}"


def test_worker_configuration_builds(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"

    result = wrangler("deploy", "--dry-run", "--outdir", str(bundle), logs=tmp_path)

    uploaded = {p.relative_to(bundle).as_posix() for p in bundle.rglob("*") if p.is_file()}
    sources = {
        p.relative_to(ROOT / "src").as_posix()
        for p in (ROOT / "src").rglob("*.py")
        if "__pycache__" not in p.parts
    }
    assert "entry.py" in uploaded
    assert sources <= uploaded, f"modules left out of the bundle: {sorted(sources - uploaded)}"
    # Only edge code is uploaded (docs/architecture.md): no local-only code, and no stray files
    # from src/ (wrangler uploads .txt and other data files there as modules too).
    from_src = {p.name for p in (ROOT / "src").iterdir()}
    stray = {p for p in uploaded if p.split("/")[0] in from_src and not p.endswith(".py")}
    assert not stray, f"non-Python files from src/ in the bundle: {sorted(stray)}"
    assert not {p for p in uploaded if p.startswith(("devhost/", "tests/"))}
    for binding in ("env.DB", "env.KV", "env.RATE_LIMIT_ORDERS", "env.RATE_LIMIT_QUOTES"):
        assert binding in result.stdout, f"{binding} missing from wrangler's binding list"


def test_the_problem_payments_migration_runs_in_local_d1_and_keeps_every_row(
    tmp_path: Path,
) -> None:
    from tests.core.test_schema_upgrade import MIGRATION, OLD_ROWS, older_schema

    state = tmp_path / "state"
    local = ("d1", "execute", DATABASE, "--local", "--persist-to", str(state))
    old = tmp_path / "old.sql"
    old.write_text(older_schema() + "\n" + OLD_ROWS)
    wrangler(*local, "--file", str(old), logs=tmp_path)  # a database of the previous schema

    wrangler(*local, "--file", str(MIGRATION), logs=tmp_path)  # as docs/operations.md says
    wrangler(*local, "--file", str(SCHEMA), logs=tmp_path)

    result = wrangler(*local, "--json", "--command",
                      "UPDATE orders SET status = 'action_required', problem = 'underpaid'; "
                      "SELECT id, status FROM orders; SELECT count(*) AS n FROM order_events; "
                      "SELECT count(*) AS n FROM webhook_attempts; "
                      "SELECT channel FROM webhook_outbox; PRAGMA foreign_key_check",
                      logs=tmp_path)  # fmt: skip
    answers = [a["results"] for a in json.loads(result.stdout)]
    assert answers[1:] == [
        [{"id": "ord_old", "status": "action_required"}], [{"n": 1}], [{"n": 1}],
        [{"channel": "webhook"}], [],
    ]  # fmt: skip


def kept_rows(local: tuple[str, ...], logs: Path) -> list[tuple[object, ...]]:
    """What the operator would read back: each order's key, problem and offer, with its events and
    their channel."""
    from tests.core.test_schema_upgrade import KEPT

    result = wrangler(*local, "--json", "--command", KEPT, logs=logs)
    [answer] = json.loads(result.stdout)
    return [tuple(row.values()) for row in answer["results"]]


def test_a_second_run_of_the_migration_in_local_d1_is_refused_and_changes_nothing(
    tmp_path: Path,
) -> None:
    from tests.core.test_schema_upgrade import (
        KEPT_ROWS,
        MIGRATION,
        NEW_ROWS,
        OLD_ROWS,
        REFUSED,
        older_schema,
    )

    state = tmp_path / "state"
    local = ("d1", "execute", DATABASE, "--local", "--persist-to", str(state))
    old = tmp_path / "old.sql"
    old.write_text(older_schema() + "\n" + OLD_ROWS)
    wrangler(*local, "--file", str(old), logs=tmp_path)  # a database of the previous schema
    wrangler(*local, "--file", str(MIGRATION), logs=tmp_path)
    new = tmp_path / "new.sql"
    new.write_text(NEW_ROWS)  # what the new code writes afterwards
    wrangler(*local, "--file", str(new), logs=tmp_path)
    assert kept_rows(local, tmp_path) == KEPT_ROWS

    # A retried `wrangler d1 execute --file` after an answer that was lost.
    again = wrangler(*local, "--file", str(MIGRATION), logs=tmp_path, check=False)

    assert again.returncode != 0
    assert REFUSED in again.stdout + again.stderr
    assert kept_rows(local, tmp_path) == KEPT_ROWS  # D1 rolled the whole file back


def test_wrangler_d1_migrations_apply_runs_the_migration_once(tmp_path: Path) -> None:
    from tests.core.test_schema_upgrade import (
        KEPT_ROWS,
        MIGRATION,
        NEW_ROWS,
        OLD_ROWS,
        older_schema,
    )

    state = tmp_path / "state"
    local = ("d1", "execute", DATABASE, "--local", "--persist-to", str(state))
    apply = ("d1", "migrations", "apply", DATABASE, "--local", "--persist-to", str(state))
    old = tmp_path / "old.sql"
    old.write_text(older_schema() + "\n" + OLD_ROWS)
    wrangler(*local, "--file", str(old), logs=tmp_path)

    first = wrangler(*apply, logs=tmp_path)  # what `make deploy` runs, before schema.sql
    wrangler(*local, "--file", str(SCHEMA), logs=tmp_path)
    new = tmp_path / "new.sql"
    new.write_text(NEW_ROWS)
    wrangler(*local, "--file", str(new), logs=tmp_path)
    second = wrangler(*apply, logs=tmp_path)  # the next release

    assert MIGRATION.name in first.stdout
    assert "No migrations to apply" not in first.stdout
    assert "No migrations to apply" in second.stdout
    assert kept_rows(local, tmp_path) == KEPT_ROWS


def test_a_database_made_from_schema_sql_has_no_migration_to_apply(tmp_path: Path) -> None:
    from tests.core.test_schema_upgrade import MIGRATION, REFUSED

    state = tmp_path / "state"
    local = ("d1", "execute", DATABASE, "--local", "--persist-to", str(state))
    wrangler(*local, "--file", str(SCHEMA), logs=tmp_path)  # a new account's D1

    applied = wrangler("d1", "migrations", "apply", DATABASE, "--local", "--persist-to",
                       str(state), logs=tmp_path)  # fmt: skip
    by_hand = wrangler(*local, "--file", str(MIGRATION), logs=tmp_path, check=False)

    assert "No migrations to apply" in applied.stdout
    assert by_hand.returncode != 0
    assert REFUSED in by_hand.stdout + by_hand.stderr
