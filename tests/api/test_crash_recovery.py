"""kill -9 under load, then restart: every deposit the processor holds reaches its order.

The local host is killed with SIGKILL the moment a deposit is committed to the sandbox
processor's ledger and before its order hears of it (devhost/crash.py), while other deposits are
in flight. Each order is a short payment whose customer chose `send_rest`; the rest is the repeat
deposit a lost callback used to strand. After the last restart, the cron job's reconciliation
must bring every order level with the processor's ledger."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from decimal import Decimal
from pathlib import Path

import pytest

from tests.support.inprocess import order_body
from tests.support.localhost import Client, LocalHost

ORDERS = 24
ROUNDS = 3  # each round sends the rest of ORDERS // ROUNDS orders at once, and is killed
KILL_AT = 3  # the deposit of the round whose commit kills the host
WORKERS = 8


def ledger(host: LocalHost) -> dict[str, Decimal]:
    """What the processor holds for each order: the sum of its deposits in the sandbox ledger."""
    with closing(sqlite3.connect(Path(host.data.name) / "d1.sqlite")) as db:
        rows = db.execute("SELECT order_id, actually_paid FROM sandbox_payments").fetchall()
    held: dict[str, Decimal] = {}
    for order_id, paid in rows:
        held[order_id] = held.get(order_id, Decimal(0)) + Decimal(paid)
    return held


def shown(api: Client, order_id: str) -> dict:
    return api.request("GET", f"/api/order/{order_id}").json


def send_rest(api: Client, order_id: str) -> int | None:
    """The rest of the order, sent from the customer's wallet; None when the host died first."""
    try:
        return api.request("POST", f"/api/sandbox/pay/{order_id}", {}, timeout=10).status
    except OSError:
        return None


@pytest.fixture
def host() -> Iterator[LocalHost]:
    host = LocalHost(RATE_LIMIT_ORDERS_PER_MINUTE="10000").start()
    yield host
    host.close()


def test_every_deposit_interrupted_by_kill_9_is_healed_after_restart(host: LocalHost) -> None:
    api = host.client()
    orders = []
    for _ in range(ORDERS):
        reply = api.request("POST", "/api/order", order_body())
        assert reply.status == 201
        order_id, key = reply.json["id"], reply.json["customer_key"]
        part = api.request("POST", f"/api/sandbox/pay/{order_id}", {"amount": "0.004"})
        assert part.json["order"]["status"] == "action_required"
        chosen = api.request("POST", f"/api/order/{order_id}/choice",
                             {"key": key, "choice": "send_rest"})  # fmt: skip
        assert chosen.json["status"] == "partially_paid"
        orders.append(order_id)

    interrupted: set[str] = set()
    per_round = ORDERS // ROUNDS
    for round_ in range(ROUNDS):
        host.stop()
        host.env["DEVHOST_KILL_AFTER_DEPOSITS"] = str(KILL_AT)
        host.start()
        batch = orders[round_ * per_round : (round_ + 1) * per_round]
        with ThreadPoolExecutor(WORKERS) as pool:
            answers = list(pool.map(lambda o: send_rest(api, o), batch))
        assert host.process is not None and host.process.wait(timeout=10) == -9  # killed
        assert None in answers  # some deposits were in flight when it died
        host.env.pop("DEVHOST_KILL_AFTER_DEPOSITS")
        host.start()
        held = ledger(host)
        behind = {o for o in batch if Decimal(shown(api, o)["payment"]["received"]) < held[o]}
        assert behind, "the kill left no deposit the order does not show"
        interrupted |= behind

    host.advance(11 * 60)  # quiet long enough: the cron job asks the processor
    for _ in range(ORDERS // 20 + 2):  # reconciliation takes twenty orders a run
        host.run_cron()

    held = ledger(host)
    for order_id in orders:
        order = shown(api, order_id)
        assert Decimal(order["payment"]["received"]) == held[order_id], order_id
        full = held[order_id] >= Decimal("0.01")
        assert order["status"] == ("paid" if full else "partially_paid"), order
    print(f"\n{len(interrupted)} of {ORDERS} deposits interrupted by kill -9, all healed")
