"""The OpenAPI document the API serves, checked by an independent validator; and the API checked
against it by schemathesis: generated requests, valid and not, alone and in sequences that follow
the document's links, never get a 5xx and every answer matches the document."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from openapi_spec_validator import OpenAPIV31SpecValidator

from orders.api.routes import ROUTES
from tests.support.localhost import ADMIN_TOKEN, Client, LocalHost, local_host

# Per operation and phase: about 800 requests, a few seconds. SCHEMATHESIS_EXAMPLES=500 and a
# SCHEMATHESIS_SEED make a longer, different run; left alone the run is the same every time.
EXAMPLES = os.environ.get("SCHEMATHESIS_EXAMPLES", "25")
SEED = os.environ.get("SCHEMATHESIS_SEED")
BUDGET_SECONDS = 50
# Everything but positive_data_acceptance: a request can fit the document and still be refused
# by the exchange's own rules (a minimum amount, a payout address of the wrong chain).
CHECKS = (
    "not_a_server_error,status_code_conformance,content_type_conformance,"
    "response_headers_conformance,response_schema_conformance,negative_data_rejection,"
    "missing_required_header,unsupported_method,allow_header_conformance,ignored_auth,"
    "use_after_free,ensure_resource_availability"
)


def test_the_served_document_is_valid_openapi_3_1_and_names_every_route(api: Client) -> None:
    reply = api.request("GET", "/openapi.json")
    assert reply.status == 200 and reply.headers["X-Request-Id"]
    document = reply.json
    OpenAPIV31SpecValidator(document).validate()
    assert document["openapi"] == "3.1.0"
    described = {(m.upper(), path) for path, item in document["paths"].items() for m in item}
    assert described == {(r.method, r.pattern) for r in ROUTES}
    operation = document["paths"]["/api/order"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/CreateOrderBody"}
    assert set(operation["responses"]) >= {"201", "400", "413", "422", "429", "502"}
    assert "ReadOrder" in operation["responses"]["201"]["links"]


@pytest.fixture(scope="module")
def fuzzed() -> Iterator[LocalHost]:
    """A local host of its own: hundreds of odd orders stay out of the other tests' data, and
    its limits are out of the way. Emails are on, as in production (a link asked for without
    them is a 503 by design, which the fuzzer counts as a failure); they go to a port that
    refuses them, so none leaves the machine."""
    if os.environ.get("ONECASH_API_URL"):
        pytest.skip("fuzzing creates orders at the processor; only against the local host")
    with local_host(
        RATE_LIMIT_ORDERS_PER_MINUTE="100000", RATE_LIMIT_QUOTES_PER_MINUTE="100000",
        ADMIN_FAILURES_ALLOWED="100000", EMAIL_PROVIDER="resend", EMAIL_API_KEY="re_fuzzed",
        EMAIL_FROM="orders@example.com", EMAIL_API_URL="http://127.0.0.1:9/emails",
    ) as host:  # fmt: skip
        yield host


def test_the_api_keeps_to_its_document(fuzzed: LocalHost, tmp_path: Path) -> None:
    # Our own settings file, so a schemathesis.toml lying around changes nothing, and the run's
    # working folder, so its cache lands in tmp_path rather than in the repository.
    config = tmp_path / "schemathesis.toml"
    config.write_text(f'[auth.openapi.operator]\nbearer = "{ADMIN_TOKEN}"\n')
    reproducible = ["--seed", SEED] if SEED else ["--generation-deterministic"]
    command = [
        sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "--no-color",
        "run", f"{fuzzed.api_url}/openapi.json", "--checks", CHECKS,
        "--phases", "examples,coverage,fuzzing,stateful", "--max-examples", EXAMPLES,
        "--workers", "1", "--request-timeout", "10", *reproducible,
    ]  # fmt: skip
    started = time.monotonic()
    run = subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, timeout=BUDGET_SECONDS * 2
    )
    elapsed = time.monotonic() - started
    report = run.stdout[-20_000:] + run.stderr[-5_000:]
    assert run.returncode == 0, report
    counted = re.search(r"(\d+) generated, (\d+) passed", report)
    assert counted and counted[1] == counted[2] and int(counted[1]) > 500, report
    assert elapsed < BUDGET_SECONDS, f"the run took {elapsed:.0f}s:\n{report}"
