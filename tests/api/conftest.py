"""Black-box fixtures: one local host for the session, or the deployment in ONECASH_API_URL."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.support.localhost import Client, LocalHost, local_host

EXTERNAL = os.environ.get("ONECASH_API_URL")


@pytest.fixture(scope="session")
def host() -> Iterator[LocalHost | None]:
    if EXTERNAL:
        yield None
        return
    with local_host(RATE_LIMIT_ORDERS_PER_MINUTE="1000", RATE_LIMIT_QUOTES_PER_MINUTE="1000") as h:
        yield h


@pytest.fixture
def api(host: LocalHost | None) -> Client:
    if host is None:
        return Client(EXTERNAL or "", os.environ.get("ONECASH_ADMIN_TOKEN"))
    return host.client()


@pytest.fixture
def hooks(host: LocalHost | None) -> LocalHost:
    """The local host's test hooks (clock, cron); absent on a real deployment."""
    if host is None:
        pytest.skip("needs the local host's test hooks; ONECASH_API_URL points elsewhere")
    return host
