from decimal import Decimal

import pytest

from orders.domain import money
from orders.domain.pricing import price


@pytest.mark.parametrize("text", ["0.01", "15", "0.000000000000000001", "123456789012345678"])
def test_plain_positive_decimals_parse_exactly(text: str) -> None:
    assert money.to_text(money.parse_amount(text)) == text


@pytest.mark.parametrize(
    "text", ["", "0", "0.0", "-1", "+1", "1e-3", "1.", ".5", " 1", "01", "NaN", "1,5", "0x10",
             "0.0000000000000000001", "0.01\n", "1\n", "1 ", "١", "1000000000000000000"],
)  # fmt: skip
def test_anything_else_is_not_an_amount(text: str) -> None:
    with pytest.raises(money.NotAnAmount):
        money.parse_amount(text)


def test_36_significant_digits_survive_parsing_writing_and_adding() -> None:
    huge = "999999999999999999.999999999999999999"
    assert money.to_text(money.parse_amount(huge)) == huge
    assert money.to_text(money.from_processor(huge)) == huge
    tiny = Decimal("0.000000000000000001")
    assert money.to_text(money.total([Decimal(huge), tiny])) == "1000000000000000000"
    assert money.total([Decimal(huge), -tiny]) == Decimal("999999999999999999.999999999999999998")


@pytest.mark.parametrize(
    "reported", ["1E+999999", "1e-19", "-1", "NaN", "Infinity", "sNaN", "1000000000000000000",
                 "0.1" + "0" * 90 + "1", "twelve", True],
)  # fmt: skip
def test_a_processor_amount_we_cannot_hold_exactly_is_refused(reported: object) -> None:
    with pytest.raises(money.NotAnAmount):
        money.from_processor(reported)


def test_amounts_are_written_without_exponents_or_trailing_zeros() -> None:
    assert money.to_text(Decimal("1E+2")) == "100"
    assert money.to_text(Decimal("1.50")) == "1.5"
    assert money.to_text(Decimal("0.00000001")) == "0.00000001"
    assert money.to_text(Decimal("0")) == "0"


def test_processor_amounts_never_pass_through_binary_floats() -> None:
    assert money.from_processor(Decimal("0.0000039")) == Decimal("0.0000039")
    assert money.from_processor("12.5") == Decimal("12.5")
    assert money.from_processor(None) == Decimal(0)


def test_the_fee_comes_off_what_arrives_rounded_down_to_the_currency() -> None:
    quoted = price(Decimal("0.01"), Decimal("950"), Decimal("0.5"), 6)
    assert quoted.rate == Decimal("95000")
    assert quoted.to_amount == Decimal("945.25")


def test_rounding_never_favours_the_customer_beyond_the_last_unit() -> None:
    quoted = price(Decimal("1"), Decimal("0.333333333333"), Decimal("1"), 8)
    assert quoted.to_amount == Decimal("0.32999999")
