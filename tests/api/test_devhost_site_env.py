"""The local host's generated /env.js: the site's configuration from its environment, as
JavaScript string literals whatever the values hold."""

from __future__ import annotations

import json
import re
from pathlib import Path

from devhost.pages import SITE_VARS, env_js


def exported(script: str) -> dict[str, object]:
    found = re.findall(r"^export const (\w+) = (.*);$", script, re.MULTILINE)
    return {name: json.loads(value) for name, value in found}


def test_env_js_carries_the_api_base_the_sandbox_flag_and_the_site_vars() -> None:
    env = {"SUPPORT_EMAIL": " help@example.com ", "OPERATOR_NAME": "Example Ltd"}
    values = exported(env_js("http://127.0.0.1:8787", True, env))
    assert values["API_BASE"] == "http://127.0.0.1:8787"
    assert values["SANDBOX"] is True
    assert values["SUPPORT_EMAIL"] == "help@example.com"
    assert values["OPERATOR_NAME"] == "Example Ltd"
    assert values["SUPPORT_URL"] == "" and values["OPERATOR_JURISDICTION"] == ""
    assert set(SITE_VARS) <= set(values)


def test_a_value_cannot_break_out_of_its_string() -> None:
    hostile = 'x"; alert(1); "\u2028</script>'
    script = env_js("http://127.0.0.1:8787", False, {"OPERATOR_NAME": hostile})
    assert exported(script)["OPERATOR_NAME"] == hostile
    assert "alert(1); " not in script.split("OPERATOR_NAME = ")[1].split('"')[0]
    assert "\u2028" not in script


def test_the_production_env_js_exports_every_name_the_generated_one_does() -> None:
    # A name the pages import but the deployed file lacks would stop every module loading.
    production = (Path(__file__).resolve().parents[2] / "pages" / "env.js").read_text()
    generated = env_js("http://127.0.0.1:8787", False, {})
    assert set(exported(production)) == set(exported(generated))
