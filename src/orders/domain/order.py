"""The order record: one row of `orders`, typed (how people see it: `domain.views`)."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import asdict, dataclass, field, fields
from decimal import Decimal
from typing import Any

from orders.domain.lifecycle import Status


@dataclass(frozen=True)
class Event:
    to_status: str
    at: str
    source: str
    note: str | None = None
    from_status: str | None = None
    actor: str | None = None


@dataclass(frozen=True)
class Note:
    """An operator's internal note: shown to operators only."""

    at: str
    note: str
    actor: str | None = None


@dataclass(frozen=True)
class Order:
    id: str
    status: Status
    version: int
    created_at: str
    updated_at: str
    expires_at: str
    late: bool
    from_currency: str
    from_amount: str
    to_currency: str
    to_amount: str
    payout_address: str
    payout_extra_id: str | None
    refund_address: str | None
    email: str | None
    rate: str
    fee_percent: str
    processor: str
    payment_id: str
    pay_address: str
    pay_extra_id: str | None
    pay_amount: str
    pay_currency: str
    received_amount: str
    deposits: str
    deposit_tx_hash: str | None
    payout_tx_hash: str | None
    processor_seen_at: str
    change_id: str | None = None
    refund_tx_hash: str | None = None
    refund_amount: str | None = None
    overdue_event_id: str | None = None
    refund_extra_id: str | None = None
    customer_key_hash: str | None = None
    problem: str | None = None  # while action_required: "late_deposit" or "underpaid"
    offer: str | None = None  # a fresh quote for a late deposit, JSON (see domain.problems)
    # The processor's status of each deposit as last judged, JSON {"<payment_id>": "<status>"}.
    deposit_states: str = "{}"
    min_amount: str | None = None  # the pair's minimum deposit when the order was placed
    # Money it holds beyond its payout, arrived or left after it ended, waits for a refund
    # (domain.problems.refund_owed); cleared when a refund is recorded.
    refund_owed: bool = False
    events: tuple[Event, ...] = field(default=(), compare=False)
    notes: tuple[Note, ...] = field(default=(), compare=False)

    @classmethod
    def from_row(
        cls, row: dict[str, Any], events: tuple[Event, ...] = (), notes: tuple[Note, ...] = ()
    ) -> Order:
        names = {f.name for f in fields(cls)} - {"events", "notes"}
        values: dict[str, Any] = {name: row.get(name) for name in names}
        values["status"] = Status(row["status"])
        values["late"] = bool(row["late"])
        values["refund_owed"] = bool(row.get("refund_owed"))
        values["version"] = int(row["version"])
        return cls(**values, events=events, notes=notes)

    def row(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("events")
        data.pop("notes")
        data["status"] = self.status.value
        data["late"] = int(self.late)
        data["refund_owed"] = int(self.refund_owed)
        return data

    def opens_with(self, key: str) -> bool:
        """Whether `key` is this order's customer key; an order made before keys has none."""
        stored = self.customer_key_hash
        return stored is not None and hmac.compare_digest(customer_key_hash(key), stored)

    @property
    def etag(self) -> str:
        return etag_of(self.id, self.version)

    @property
    def received(self) -> Decimal:
        return Decimal(self.received_amount)


def customer_key_hash(key: str) -> str:
    """What an order keeps of its customer's key: the SHA-256, in hex."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def etag_of(order_id: str, version: int) -> str:
    """The ETag of order `order_id` at `version`: weak on purpose, it names the version, not a
    byte-exact body; its digest binds it to the order, so one order's tag never passes for
    another's."""
    digest = hashlib.sha256(f"{order_id}:{version}".encode()).hexdigest()[:16]
    return f'W/"{version}-{digest}"'
