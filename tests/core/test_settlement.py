"""What a processor's report means for an order: pure decisions, no I/O."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from orders.domain.changes import Change
from orders.domain.lifecycle import Status
from orders.domain.order import Order
from orders.domain.settlement import expiry
from orders.domain.settlement import settle as settle_all
from orders.processors.base import Payment

LOCK = timedelta(minutes=20)


def settle(order: Order, payment: Payment, now: str) -> Change | None:
    """What one report (a callback, or one payment asked about) does to `order`."""
    return settle_all(order, [payment], now, LOCK)


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


IN_TIME = "2026-11-26T12:10:00Z"  # within an_order's window
LATE = "2026-11-26T13:10:00Z"  # after it


def a_payment(status: str, paid: str = "0", **fields: object) -> Payment:
    payment = Payment(processor="nowpayments", payment_id="100", status=status,
                      address="bc1qexample", amount=Decimal("0.01"), currency="btc",
                      actually_paid=Decimal(paid), order_id="ord_test")  # fmt: skip
    return replace(payment, **fields)


@pytest.mark.parametrize(
    ("reported", "paid", "becomes"),
    [("confirming", "0", Status.CONFIRMING), ("confirmed", "0.01", Status.CONFIRMING),
     ("sending", "0.01", Status.CONFIRMING), ("finished", "0.01", Status.PAID),
     ("finished", "0.02", Status.PAID), ("finished", "0.009", Status.ACTION_REQUIRED),
     ("partially_paid", "0.004", Status.ACTION_REQUIRED), ("failed", "0", Status.FAILED),
     ("expired", "0", Status.EXPIRED)],
)  # fmt: skip
def test_each_processor_status_maps_as_docs_nowpayments_says(
    reported: str, paid: str, becomes: Status
) -> None:
    change = settle(an_order(), a_payment(reported, paid), IN_TIME)
    assert change is not None and change.status is becomes
    short = becomes is Status.ACTION_REQUIRED
    assert change.fields.get("problem") == ("underpaid" if short else None)


def test_waiting_tells_us_nothing() -> None:
    assert settle(an_order(), a_payment("waiting"), IN_TIME) is None


def test_paid_is_decided_by_exact_decimal_comparison() -> None:
    almost = settle(an_order(pay_amount="0.000000000000000002"),
                    a_payment("finished", "0.000000000000000001"), IN_TIME)  # fmt: skip
    assert almost is not None and almost.status is Status.ACTION_REQUIRED


def test_a_late_confirming_never_undoes_paid() -> None:
    paid = an_order(Status.PAID, received_amount="0.01", deposits='{"100": "0.01"}')
    assert settle(paid, a_payment("confirming", "0.01"), LATE) is None


def test_a_repeat_report_changes_nothing() -> None:
    order = an_order(Status.PAID, received_amount="0.01", deposits='{"100": "0.01"}',
                     deposit_tx_hash="abc")  # fmt: skip
    assert settle(order, a_payment("finished", "0.01", tx_hash="abc"), LATE) is None


@pytest.mark.parametrize("status", [Status.AWAITING_PAYMENT, Status.EXPIRED])
def test_a_payment_after_the_rate_lock_waits_for_the_customer(status: Status) -> None:
    change = settle(an_order(status), a_payment("finished", "0.01"), LATE)
    assert change is not None and change.status is Status.ACTION_REQUIRED
    assert change.fields["late"] is True and change.fields["problem"] == "late_deposit"
    assert "after the rate lock ended" in (change.note or "")


def test_a_deposit_seen_in_time_is_not_late_when_it_settles_after_the_window() -> None:
    seen = settle(an_order(), a_payment("confirming", "0.01"), IN_TIME)
    assert seen is not None and "late" not in seen.fields
    confirming = an_order(Status.CONFIRMING, received_amount="0.01", deposits='{"100": "0.01"}')
    change = settle(confirming, a_payment("finished", "0.01"), LATE)
    assert change is not None and change.status is Status.PAID


def test_a_late_deposit_being_confirmed_waits_for_the_customer_once_final() -> None:
    seen = settle(an_order(Status.EXPIRED), a_payment("confirming"), LATE)
    assert seen is not None and seen.status is Status.CONFIRMING and seen.fields["late"] is True
    confirming = an_order(Status.CONFIRMING, late=True)
    change = settle(confirming, a_payment("finished", "0.01"), LATE)
    assert change is not None and change.status is Status.ACTION_REQUIRED
    assert change.fields["problem"] == "late_deposit"


def test_more_money_after_the_window_turns_a_short_payment_into_a_late_one() -> None:
    short = an_order(Status.ACTION_REQUIRED, problem="underpaid", received_amount="0.004",
                     deposits='{"100": "0.004"}')  # fmt: skip
    child = a_payment("finished", "0.006", payment_id="101", parent_payment_id="100")
    change = settle(short, child, LATE)
    assert change is not None and change.status is None
    assert change.fields["problem"] == "late_deposit" and change.fields["late"] is True
    assert change.fields["received_amount"] == "0.01"


def test_the_same_short_payment_reported_again_after_the_window_changes_nothing() -> None:
    short = an_order(Status.ACTION_REQUIRED, problem="underpaid", received_amount="0.004",
                     deposits='{"100": "0.004"}')  # fmt: skip
    assert settle(short, a_payment("partially_paid", "0.004"), LATE) is None


def test_the_rest_arriving_in_time_pays_a_short_order() -> None:
    short = an_order(Status.ACTION_REQUIRED, problem="underpaid", received_amount="0.004",
                     deposits='{"100": "0.004"}')  # fmt: skip
    child = a_payment("finished", "0.006", payment_id="101", parent_payment_id="100")
    change = settle(short, child, IN_TIME)
    assert change is not None and change.status is Status.PAID


def test_an_over_payment_goes_ahead_and_says_the_excess_is_refunded() -> None:
    change = settle(an_order(), a_payment("finished", "0.012"), IN_TIME)
    assert change is not None and change.status is Status.PAID
    assert "excess is refunded" in (change.note or "")


def test_the_lock_ending_expires_an_unpaid_order_and_reprices_a_short_one() -> None:
    assert expiry(an_order(), IN_TIME) is None
    expired = expiry(an_order(), LATE)
    assert expired is not None and expired.status is Status.EXPIRED
    # The rest did not come within the lock: what arrived is re-priced, like a late deposit.
    waiting_rest = an_order(Status.PARTIALLY_PAID, received_amount="0.004")
    back = expiry(waiting_rest, LATE)
    assert back is not None and back.status is Status.ACTION_REQUIRED
    assert back.fields == {"problem": "late_deposit", "late": True, "offer": None}
    # No choice made within the lock: the same.
    unanswered = an_order(Status.ACTION_REQUIRED, problem="underpaid", received_amount="0.004")
    repriced = expiry(unanswered, LATE)
    assert repriced is not None and repriced.status is None
    assert repriced.fields["problem"] == "late_deposit"
    assert expiry(an_order(Status.PAID), LATE) is None


def test_a_repeat_deposit_tops_up_a_partial_payment() -> None:
    partial = an_order(Status.PARTIALLY_PAID, received_amount="0.004", deposits='{"100": "0.004"}')
    child = a_payment("finished", "0.006", payment_id="101", parent_payment_id="100")
    change = settle(partial, child, IN_TIME)
    assert change is not None and change.status is Status.PAID
    assert change.fields["received_amount"] == "0.01"


def test_a_repeat_deposit_on_a_completed_order_is_recorded_not_lost() -> None:
    done = an_order(Status.COMPLETED, received_amount="0.01", deposits='{"100": "0.01"}',
                    payout_tx_hash="ff" * 32)  # fmt: skip
    repeat = a_payment("finished", "0.003", payment_id="102", parent_payment_id="100")
    change = settle(done, repeat, LATE)
    assert change is not None and change.status is None
    assert change.fields["received_amount"] == "0.013"


def test_a_failed_repeat_deposit_does_not_fail_the_order() -> None:
    partial = an_order(Status.PARTIALLY_PAID, received_amount="0.004", deposits='{"100": "0.004"}')
    failed = a_payment("failed", payment_id="101", parent_payment_id="100")
    assert settle(partial, failed, IN_TIME) is None


def test_deposits_add_up_exactly_past_28_significant_digits() -> None:
    earlier = an_order(deposits='{"99": "999999999999999998.999999999999999999"}')
    change = settle(earlier, a_payment("partially_paid", "1.000000000000000002"), IN_TIME)
    assert change is not None
    assert change.fields["received_amount"] == "1000000000000000000.000000000000000001"
