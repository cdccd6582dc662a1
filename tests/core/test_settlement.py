"""What a processor's report means for an order: pure decisions, no I/O."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from orders.domain.lifecycle import Status
from orders.domain.order import Order
from orders.domain.settlement import settle
from orders.processors.base import Payment


def an_order(status: Status = Status.AWAITING_PAYMENT, **fields: object) -> Order:
    order = Order(
        id="ord_test", status=status, version=1, created_at="2026-11-26T12:00:00Z",
        updated_at="2026-11-26T12:00:00Z", expires_at="2026-11-26T13:00:00Z", late=False,
        from_currency="btc", from_amount="0.01", to_currency="usdttrc20", to_amount="945.25",
        payout_address="T" * 34, payout_extra_id=None, refund_address=None, email=None,
        rate="95000", fee_percent="0.5", processor="nowpayments", payment_id="100",
        pay_address="bc1qexample", pay_extra_id=None, pay_amount="0.01", pay_currency="btc",
        received_amount="0", deposits="{}", deposit_tx_hash=None, payout_tx_hash=None,
        processor_seen_at="2026-11-26T12:00:00Z",
    )  # fmt: skip
    return replace(order, **fields)


def a_payment(status: str, paid: str = "0", **fields: object) -> Payment:
    payment = Payment(processor="nowpayments", payment_id="100", status=status,
                      address="bc1qexample", amount=Decimal("0.01"), currency="btc",
                      actually_paid=Decimal(paid), order_id="ord_test")  # fmt: skip
    return replace(payment, **fields)


@pytest.mark.parametrize(
    ("reported", "paid", "becomes"),
    [("confirming", "0", Status.CONFIRMING), ("confirmed", "0.01", Status.CONFIRMING),
     ("sending", "0.01", Status.CONFIRMING), ("finished", "0.01", Status.PAID),
     ("finished", "0.02", Status.PAID), ("finished", "0.009", Status.PARTIALLY_PAID),
     ("partially_paid", "0.004", Status.PARTIALLY_PAID), ("failed", "0", Status.FAILED),
     ("expired", "0", Status.EXPIRED)],
)  # fmt: skip
def test_each_processor_status_maps_as_the_spec_says(
    reported: str, paid: str, becomes: Status
) -> None:
    change = settle(an_order(), a_payment(reported, paid))
    assert change is not None and change.status is becomes


def test_waiting_tells_us_nothing() -> None:
    assert settle(an_order(), a_payment("waiting")) is None


def test_paid_is_decided_by_exact_decimal_comparison() -> None:
    almost = settle(an_order(pay_amount="0.000000000000000002"),
                    a_payment("finished", "0.000000000000000001"))  # fmt: skip
    assert almost is not None and almost.status is Status.PARTIALLY_PAID


def test_a_late_confirming_never_undoes_paid() -> None:
    paid = an_order(Status.PAID, received_amount="0.01", deposits='{"100": "0.01"}')
    assert settle(paid, a_payment("confirming", "0.01")) is None


def test_a_repeat_report_changes_nothing() -> None:
    order = an_order(Status.PAID, received_amount="0.01", deposits='{"100": "0.01"}',
                     deposit_tx_hash="abc")  # fmt: skip
    assert settle(order, a_payment("finished", "0.01", tx_hash="abc")) is None


def test_a_payment_after_expiry_is_taken_and_marked_late() -> None:
    change = settle(an_order(Status.EXPIRED), a_payment("finished", "0.01"))
    assert change is not None and change.status is Status.PAID and change.fields["late"] is True
    assert "after the payment window" in (change.note or "")


def test_a_repeat_deposit_tops_up_a_partial_payment() -> None:
    partial = an_order(Status.PARTIALLY_PAID, received_amount="0.004", deposits='{"100": "0.004"}')
    child = a_payment("finished", "0.006", payment_id="101", parent_payment_id="100")
    change = settle(partial, child)
    assert change is not None and change.status is Status.PAID
    assert change.fields["received_amount"] == "0.01"


def test_a_repeat_deposit_on_a_completed_order_is_recorded_not_lost() -> None:
    done = an_order(Status.COMPLETED, received_amount="0.01", deposits='{"100": "0.01"}',
                    payout_tx_hash="ff" * 32)  # fmt: skip
    change = settle(done, a_payment("finished", "0.003", payment_id="102", parent_payment_id="100"))
    assert change is not None and change.status is None
    assert change.fields["received_amount"] == "0.013"


def test_a_failed_repeat_deposit_does_not_fail_the_order() -> None:
    partial = an_order(Status.PARTIALLY_PAID, received_amount="0.004", deposits='{"100": "0.004"}')
    assert settle(partial, a_payment("failed", payment_id="101", parent_payment_id="100")) is None


def test_deposits_add_up_exactly_past_28_significant_digits() -> None:
    earlier = an_order(deposits='{"99": "999999999999999998.999999999999999999"}')
    change = settle(earlier, a_payment("partially_paid", "1.000000000000000002"))
    assert change is not None
    assert change.fields["received_amount"] == "1000000000000000000.000000000000000001"
