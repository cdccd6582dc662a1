"""The operator's door, in-process: a right token always gets in, wrong ones are counted per
client address (exactly, also in parallel) and answer 429 past the limit; the tokens themselves
must be long and each operator's own."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from orders.api.app import App
from orders.config import ConfigError, Settings
from orders.storage.failed_logins import FailedLogins
from tests.core.conftest import MakeHarness
from tests.support.inprocess import ADMIN_TOKEN, Harness

WRONG = {"Authorization": "Bearer " + "w" * 44}
SHARED_ADDRESS = "203.0.113.7"  # an office NAT: the operator and someone guessing, one address
LONG = "x" * 32


async def queue(harness: Harness, headers: dict[str, str], client_ip: str = SHARED_ADDRESS) -> int:
    return (
        await harness.call("GET", "/api/admin/queue", headers=headers, client_ip=client_ip)
    ).status


async def test_the_right_token_gets_in_after_twenty_wrong_ones_from_its_own_address(
    harness: Harness,
) -> None:
    wrong = [await queue(harness, WRONG) for _ in range(25)]

    right = await harness.call(
        "GET", "/api/admin/queue", headers=harness.admin(), client_ip=SHARED_ADDRESS
    )

    assert wrong == [401] * 20 + [429] * 5  # ADMIN_FAILURES_ALLOWED is 20 by default
    assert right.status == 200 and right.json["items"] == []
    assert await queue(harness, WRONG) == 429  # letting the operator in reset nothing


async def test_wrong_tokens_past_the_limit_answer_429_until_their_window_ends(
    make_harness: MakeHarness,
) -> None:
    harness = make_harness(ADMIN_FAILURES_ALLOWED="3")
    wrong = [await queue(harness, WRONG) for _ in range(3)]
    limited = await harness.call("GET", "/api/admin/queue", headers=WRONG)

    assert wrong == [401, 401, 401]
    assert limited.status == 429 and limited.json["error"]["code"] == "rate_limited"
    assert limited.headers["Retry-After"] == "600"
    assert "WWW-Authenticate" not in limited.headers
    assert await queue(harness, WRONG, client_ip="198.51.100.9") == 401  # another address

    harness.clock.advance(minutes=9)
    assert await queue(harness, WRONG) == 429  # each wrong token renews the ten minutes
    harness.clock.advance(minutes=10, seconds=1)
    assert await queue(harness, WRONG) == 401  # the window ended: counted from one again


async def test_an_ipv6_client_is_counted_by_its_slash_64(make_harness: MakeHarness) -> None:
    harness = make_harness(ADMIN_FAILURES_ALLOWED="2")
    # One subscriber's /64 holds 2**64 addresses: a new one per guess is no way round the limit.
    statuses = [await queue(harness, WRONG, client_ip=f"2001:db8:1:2::{n:x}") for n in range(4)]

    assert statuses == [401, 401, 429, 429]
    assert await queue(harness, WRONG, client_ip="2001:db8:1:3::1") == 401  # another /64
    assert await queue(harness, harness.admin(), client_ip="2001:db8:1:2::99") == 200


class YieldingKV:
    """KV as it is at the edge: every call a network hop, when other requests run."""

    def __init__(self, kv: object) -> None:
        self.kv = kv

    async def get(self, key: str) -> str | None:
        await asyncio.sleep(0)
        return await self.kv.get(key)  # type: ignore[attr-defined, no-any-return]

    async def put(self, key: str, value: str, *, expirationTtl: int | None = None) -> None:
        await asyncio.sleep(0)
        await self.kv.put(key, value, expirationTtl=expirationTtl)  # type: ignore[attr-defined]


async def test_parallel_wrong_tokens_are_each_counted(make_harness: MakeHarness) -> None:
    harness = make_harness(ADMIN_FAILURES_ALLOWED="5")
    # The harness's D1 yields before every statement; its KV is made to yield as well, as both
    # do at the edge, so the fifty requests below interleave at every await.
    harness.deps = replace(harness.deps, kv=YieldingKV(harness.deps.kv))
    harness.app = App(harness.deps)

    statuses = await asyncio.gather(*(queue(harness, WRONG) for _ in range(50)))

    assert sorted(statuses) == [401] * 5 + [429] * 45
    assert await queue(harness, harness.admin()) == 200


async def test_the_count_is_one_statement_that_no_interleaving_can_split(harness: Harness) -> None:
    store = FailedLogins(harness.db)  # its every await yields to the others
    now, until = "2026-11-26T12:00:00Z", "2026-11-26T12:10:00Z"

    counts = await asyncio.gather(*(store.count("203.0.113.7", now, until) for _ in range(200)))

    assert sorted(counts) == list(range(1, 201))  # each failure saw a count of its own
    assert harness.rows("SELECT failures FROM failed_logins") == [{"failures": 200}]


async def test_the_cron_forgets_counts_whose_window_ended(harness: Harness) -> None:
    await queue(harness, WRONG)
    await queue(harness, WRONG, client_ip="198.51.100.9")
    harness.clock.advance(minutes=5)
    await queue(harness, WRONG, client_ip="198.51.100.9")  # renews that address's window

    harness.clock.advance(minutes=6)
    report = await harness.app.scheduled()

    assert report["logins_forgotten"] == 1
    assert harness.rows("SELECT client FROM failed_logins") == [{"client": "198.51.100.9"}]


async def test_a_wrong_token_is_refused_when_d1_cannot_count_it(harness: Harness) -> None:
    harness.db.available = False

    assert await queue(harness, WRONG) == 401


# --- the tokens themselves -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"ADMIN_TOKEN": "x" * 31}, "ADMIN_TOKEN must be at least 32 characters, got 31"),
        ({"ADMIN_TOKENS": f"ana:{LONG},bo:short"}, "ADMIN_TOKENS: the token of 'bo' must be at "
         "least 32 characters, got 5"),
        ({"ADMIN_TOKENS": f"ana:{LONG}1,ana:{LONG}2"}, "ADMIN_TOKENS names 'ana' twice"),
        ({"ADMIN_TOKENS": f"ana:{LONG}1,Ana:{LONG}2"}, "ADMIN_TOKENS names 'Ana' twice"),
        ({"ADMIN_TOKENS": f"ana:{LONG},bo:{LONG}"}, "ADMIN_TOKENS gives 'ana' and 'bo' the same "
         "token"),
        ({"ADMIN_TOKEN": LONG, "ADMIN_TOKENS": f"bo:{LONG}"}, "ADMIN_TOKENS gives 'bo' the token "
         "of ADMIN_TOKEN"),
    ],
)  # fmt: skip
def test_short_or_shared_operator_tokens_are_refused_naming_the_variable(
    env: dict[str, str], named: str
) -> None:
    with pytest.raises(ConfigError) as refused:
        Settings.from_env(env)

    assert named in str(refused.value)
    assert refused.value.variable == named.split()[0].rstrip(":")  # what the 503 names
    assert "x" * 8 not in str(refused.value) and "short" not in str(refused.value)  # no token


def test_long_distinct_operator_tokens_are_taken() -> None:
    settings = Settings.from_env(
        {"ADMIN_TOKEN": ADMIN_TOKEN, "ADMIN_TOKENS": f"ana:{LONG}1, bo:{LONG}2"}
    )

    assert settings.operators == ((None, ADMIN_TOKEN), ("ana", f"{LONG}1"), ("bo", f"{LONG}2"))
