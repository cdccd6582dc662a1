"""What the operator may record on an order now, with the amounts `PUT /api/order/{id}` would
record when they are left out: the operator's view shows it (`due`), so the console offers
exactly what the API takes, and says the amount before it is recorded. Pure, and decided by the
same rules the change is checked with (`domain.records`), never a second copy of them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from orders.domain import money, problems
from orders.domain.lifecycle import Status, can_move
from orders.domain.order import Order


def due(order: Order) -> dict[str, Any]:
    """`payout`: what `completed` sends (a short order's pro-rata share), in the payout currency;
    `excess_refund`: what a refund recorded with that payout returns (an over-payment);
    `refund`: a refund on its own terms, with `status` `refunded`, or null when it is recorded
    with no status (money a completed or refunded order still holds); `cancel`: whether the
    order may be cancelled (nothing was paid). Each is null (false) when the API would refuse it."""
    return {
        "payout": _payout(order),
        "excess_refund": _excess_refund(order),
        "refund": _refund(order),
        "cancel": can_move(order.status, Status.CANCELLED),
    }


def is_short(order: Order) -> bool:
    """A short order is paid out pro rata: one whose customer was sending the rest. A `paid`
    order is paid in full, whatever arrived (a partial payout the customer accepted made what
    arrived its amount; an operator who marks an order paid by hand says it is)."""
    return order.status is Status.PARTIALLY_PAID and order.received < Decimal(order.pay_amount)


def _amount(value: Decimal, currency: str) -> dict[str, str]:
    return {"amount": money.to_text(value), "currency": currency}


def _payout(order: Order) -> dict[str, Any] | None:
    if not can_move(order.status, Status.COMPLETED):
        return None
    short = is_short(order)
    amount = problems.partial_payout(order) if short else Decimal(order.to_amount)
    if amount <= 0:
        return None  # refused (records._payout): nothing to pay out for what arrived
    return {**_amount(amount, order.to_currency), "short": short}


def _excess_refund(order: Order) -> dict[str, str] | None:
    if order.status is not Status.PAID or not problems.excess(order):
        return None
    most = problems.refundable(order, paying_out=True)
    return _amount(most, order.pay_currency) if most > 0 else None


def _refund(order: Order) -> dict[str, Any] | None:
    if can_move(order.status, Status.REFUNDED):
        most = problems.refundable(order, paying_out=False)
        return (
            {**_amount(most, order.pay_currency), "status": Status.REFUNDED.value}
            if most > 0
            else None
        )
    if order.refund_owed:  # an ended order holding money: a refund recorded on its own
        most = problems.refundable(order, paying_out=order.status is Status.COMPLETED)
        return {**_amount(most, order.pay_currency), "status": None} if most > 0 else None
    return None
