"""The sandbox processor's own ledger in D1 (`PROCESSOR=sandbox` only): the processor's side of
test payments, so sandbox callbacks and reconciliation ask it exactly as they would NOWPayments."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from orders.domain import money
from orders.domain.payment import Payment
from orders.domain.times import parse_timestamp
from orders.ports import Database


class SandboxLedger:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, payment_id: str) -> Payment | None:
        row = (
            await self.db.prepare("SELECT * FROM sandbox_payments WHERE payment_id = ?")
            .bind(payment_id)
            .first()
        )
        return _payment(row) if row else None

    async def of_order(self, order_id: str) -> list[Payment]:
        """The order's payment first, then its repeat deposits in the order they came."""
        result = await (
            self.db.prepare(
                "SELECT * FROM sandbox_payments WHERE order_id = ? "
                "ORDER BY parent_payment_id IS NOT NULL, updated_at, payment_id"
            )
            .bind(order_id)
            .all()
        )
        return [_payment(row) for row in result.get("results") or []]

    async def save(self, payment: Payment, at: str) -> None:
        await (
            self.db.prepare(
                "INSERT INTO sandbox_payments (payment_id, order_id, parent_payment_id, status, "
                "currency, address, extra_id, amount, actually_paid, tx_hash, updated_at, "
                "paid_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (payment_id) DO UPDATE SET "
                "status = excluded.status, actually_paid = excluded.actually_paid, "
                "tx_hash = excluded.tx_hash, updated_at = excluded.updated_at, "
                # the money came when it was first seen, whatever the statuses after it
                "paid_at = coalesce(sandbox_payments.paid_at, excluded.paid_at)"
            )
            .bind(
                payment.payment_id,
                payment.order_id,
                payment.parent_payment_id,
                payment.status,
                payment.currency,
                payment.address,
                payment.extra_id,
                money.to_text(payment.amount),
                money.to_text(payment.actually_paid),
                payment.tx_hash,
                at,
                at if payment.actually_paid > 0 else None,
            )
            .run()
        )


def _payment(row: dict[str, Any]) -> Payment:
    return Payment(
        processor="sandbox",
        payment_id=row["payment_id"],
        status=row["status"],
        address=row["address"],
        amount=Decimal(row["amount"]),
        currency=row["currency"],
        extra_id=row["extra_id"],
        actually_paid=Decimal(row["actually_paid"]),
        tx_hash=row["tx_hash"],
        order_id=row["order_id"],
        parent_payment_id=row["parent_payment_id"],
        paid_at=parse_timestamp(row["paid_at"]) if row.get("paid_at") else None,
    )
