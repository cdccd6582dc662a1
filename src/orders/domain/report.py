"""The operator's numbers, from order rows in plain Decimal arithmetic: counts, volumes and fees
for a period (`stats`), and the rows of the accounting export (`csv_row`). Amounts stay exact
decimal text; nothing is summed in SQL, where TEXT amounts would turn into binary floats."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from orders.domain import money
from orders.domain.lifecycle import Status
from orders.domain.times import parse_timestamp

# The export's columns, in order; each is an `orders` column of the same name.
CSV_COLUMNS = (
    "id", "created_at", "updated_at", "status", "late", "from_currency", "from_amount",
    "to_currency", "to_amount", "rate", "fee_percent", "fee", "received_amount", "pay_currency",
    "pay_address", "payment_id", "deposit_tx_hash", "payout_address", "payout_extra_id",
    "payout_tx_hash", "refund_address", "refund_amount", "refund_tx_hash", "email",
)  # fmt: skip
# What a spreadsheet would run as a formula: such a cell is written with a leading apostrophe.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def fee(row: Mapping[str, Any]) -> Decimal:
    """The operator's fee on an order, in the currency paid out: the quoted gross
    (`from_amount × rate`) times the fee percentage."""
    exact = money.CONTEXT
    gross = exact.multiply(Decimal(row["from_amount"]), Decimal(row["rate"]))
    return money.round_down(
        exact.divide(exact.multiply(gross, Decimal(row["fee_percent"])), 100), 18
    )


def stats(rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Counts by status; what came in (every deposit received), what went out (payouts of
    completed orders, refunds of refunded ones) and the fees earned on completed orders, per
    currency."""
    counts: Counter[str] = Counter()
    sums: dict[str, defaultdict[str, list[Decimal]]] = {
        name: defaultdict(list) for name in ("volume_in", "volume_out", "refunds", "fees")
    }
    for row in rows:
        counts[row["status"]] += 1
        received = Decimal(row["received_amount"])
        if received:
            sums["volume_in"][row["pay_currency"]].append(received)
        if row["status"] == Status.COMPLETED.value:
            sums["volume_out"][row["to_currency"]].append(Decimal(row["to_amount"]))
            sums["fees"][row["to_currency"]].append(fee(row))
        if row["status"] == Status.REFUNDED.value and row.get("refund_amount"):
            sums["refunds"][row["pay_currency"]].append(Decimal(row["refund_amount"]))
    answer: dict[str, Any] = {
        "orders": sum(counts.values()),
        "by_status": {s.value: counts[s.value] for s in Status},
    }
    for name, per_currency in sums.items():
        answer[name] = {
            currency: money.to_text(money.total(values))
            for currency, values in sorted(per_currency.items())
        }
    return answer


def csv_row(row: Mapping[str, Any]) -> list[str]:
    values = {**row, "fee": money.to_text(fee(row)), "late": "yes" if row["late"] else "no"}
    return [_cell(values.get(name)) for name in CSV_COLUMNS]


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def median_minutes(payouts: Iterable[tuple[str, str]]) -> int | None:
    """The median time from `paid` to `completed` over (paid, completed) times, in whole minutes
    rounded up (a promise to a customer never rounds down); None without any payout."""
    waits = sorted(
        (parse_timestamp(done) - parse_timestamp(paid)).total_seconds() for paid, done in payouts
    )
    if not waits:
        return None
    middle = len(waits) // 2
    seconds = waits[middle] if len(waits) % 2 else (waits[middle - 1] + waits[middle]) / 2
    return max(1, -int(-seconds // 60))
