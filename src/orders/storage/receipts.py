"""Processor callbacks already applied, in D1: one row per payment and reported state, so a
repeated callback is recognised before the processor is asked again."""

from __future__ import annotations

from orders.domain.order import Order
from orders.ports import Database, Statement


class ReceiptStore:
    """Processor callbacks already seen, one per payment and status."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def seen(self, processor: str, payment_id: str, status: str) -> bool:
        row = (
            await self.db.prepare(
                "SELECT 1 AS seen FROM processor_receipts WHERE processor = ? AND payment_id = ? "
                "AND payment_status = ?"
            )
            .bind(processor, payment_id, status)
            .first()
        )
        return row is not None

    def record(
        self, processor: str, payment_id: str, status: str, judged: Order, at: str, body: str
    ) -> Statement:
        """Notes the callback once, and only while the order is still as `judged` was: a
        repeat of the same report inserts nothing."""
        return self.db.prepare(
            "INSERT INTO processor_receipts (processor, payment_id, payment_status, order_id, "
            "received_at, body) SELECT ?, ?, ?, id, ?, ? FROM orders "
            "WHERE id = ? AND change_id IS ? ON CONFLICT DO NOTHING"
        ).bind(processor, payment_id, status, at, body, judged.id, judged.change_id)
