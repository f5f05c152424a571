"""Money: exact integer fen, parsing yuan, allocation and display."""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from chanrong.money import Money, format_cny, format_cny_en


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        ("1,234.50", 123450),
        ("1，234.5", 123450),
        ("¥12", 1200),
        ("￥ 12.3", 1230),
        ("3.5元", 350),
        (" 0.01 ", 1),
        ("-7.25", -725),
        ("100.00", 10000),
        (42, 4200),
        (Decimal("1.10"), 110),
    ],
)
def test_parse_accepts_how_people_write_yuan(text, fen):
    assert Money.parse(text) == Money(fen)


@pytest.mark.parametrize("text", ["1.005", "0.001", "12.345元"])
def test_parse_refuses_a_third_decimal(text):
    with pytest.raises(ValueError, match="two decimals"):
        Money.parse(text)


@pytest.mark.parametrize("text", ["NaN", "Infinity", "-inf"])
def test_parse_refuses_non_finite(text):
    with pytest.raises(ValueError, match="finite"):
        Money.parse(text)


@pytest.mark.parametrize("text", ["", "abc", "1.2.3", "十元"])
def test_parse_refuses_text_that_is_no_amount(text):
    with pytest.raises(ValueError, match="not an amount"):
        Money.parse(text)


def test_money_takes_only_integer_fen():
    for bad in (1.5, True, "100", Decimal(1)):
        with pytest.raises(TypeError):
            Money(bad)


def test_money_is_immutable():
    amount = Money(1)
    with pytest.raises(AttributeError):
        amount.fen = 2


def test_arithmetic_and_comparison():
    a, b = Money(1050), Money(-50)
    assert a + b == Money(1000)
    assert a - b == Money(1100)
    assert a * 3 == 3 * a == Money(3150)
    assert -a == Money(-1050)
    assert b < a and a > b and a >= Money(1050) and b <= Money(-50)
    assert not Money(0) and bool(a)
    assert hash(Money(5)) == hash(Money(5))
    assert Money(5) != 5
    assert a.yuan == Decimal("10.50")
    with pytest.raises(TypeError):
        a + 1
    with pytest.raises(TypeError):
        a * 1.5
    with pytest.raises(TypeError):
        a * True


def test_from_decimal_yuan_names_the_rounding():
    assert Money.from_decimal_yuan(Decimal("1.005")) == Money(101)
    assert Money.from_decimal_yuan(Decimal("-1.005")) == Money(-101)
    assert Money.from_decimal_yuan(Decimal("1.005"), ROUND_HALF_EVEN) == Money(100)
    assert Money.from_decimal_yuan(Decimal("1.019"), ROUND_DOWN) == Money(101)


def test_allocate_uses_largest_remainder_with_ties_to_the_earliest():
    assert [m.fen for m in Money(100).allocate([1, 1, 1])] == [34, 33, 33]
    assert [m.fen for m in Money(-100).allocate([1, 1, 1])] == [-34, -33, -33]
    assert [m.fen for m in Money(10).allocate([3, 7])] == [3, 7]
    assert [m.fen for m in Money(5).allocate([1, 0, 1])] == [3, 0, 2]
    assert [m.fen for m in Money(1).allocate([1, 2])] == [0, 1]


@pytest.mark.parametrize("weights", [[], [0, 0], [1, -1]])
def test_allocate_refuses_bad_weights(weights):
    with pytest.raises(ValueError):
        Money(100).allocate(weights)


@given(
    st.integers(-(10**15), 10**15),
    st.lists(st.integers(0, 10**6), min_size=1, max_size=20).filter(lambda w: sum(w) > 0),
)
def test_allocate_parts_sum_exactly_and_stay_within_one_fen_of_the_share(fen, weights):
    parts = Money(fen).allocate(weights)
    assert len(parts) == len(weights)
    assert sum(p.fen for p in parts) == fen
    total = sum(weights)
    for part, weight in zip(parts, weights, strict=True):
        exact = Decimal(fen) * weight / total
        assert abs(Decimal(part.fen) - exact) < 1
        if weight == 0:
            assert part.fen == 0


@given(st.integers(-(10**12), 10**12))
def test_parse_of_the_yuan_text_round_trips(fen):
    assert Money.parse(str(Money(fen).yuan)) == Money(fen)


@pytest.mark.parametrize(
    ("fen", "text"),
    [
        (0, "0.00元"),
        (123450, "1,234.50元"),
        (999_999, "9,999.99元"),
        (1_000_000, "1.00万元"),
        (123_456_789, "123.46万元"),
        (9_999_994_999, "9,999.99万元"),
        (10_000_000_000, "1.00亿元"),
        (1_234_567_890_123, "123.46亿元"),
        (-123450, "-1,234.50元"),
        (-123_456_789, "-123.46万元"),
        (-25_000_000_000, "-2.50亿元"),
    ],
)
def test_format_cny_picks_the_unit_by_size(fen, text):
    assert format_cny(Money(fen)) == text
    assert format_cny(fen) == text


def test_format_cny_with_a_fixed_unit_and_places():
    assert format_cny(Money(123_456_789), unit="元") == "1,234,567.89元"
    assert format_cny(Money(123_456_789), unit="万元", places=4) == "123.4568万元"
    assert format_cny(Money(123_456_789), unit="亿元", places=3) == "0.012亿元"
    assert format_cny(Money(150), unit="万元", places=0) == "0万元"
    assert format_cny(Money(5_000_000), unit="万元", places=0) == "5万元"
    assert str(Money(1_000_000)) == "1.00万元"
    with pytest.raises(ValueError, match="unknown unit"):
        format_cny(Money(1), unit="美元")


def test_format_cny_rounds_half_up_for_display():
    assert format_cny(Money(1_005_000), unit="万元") == "1.01万元"
    assert format_cny(Money(-1_005_000), unit="万元") == "-1.01万元"


@pytest.mark.parametrize(
    ("fen", "text"),
    [
        (123450, "CNY 1,234.50"),
        (-5, "CNY -0.05"),
        (99_999_999, "CNY 999,999.99"),
        (100_000_000, "CNY 1.00 m"),
        (1_234_567_800, "CNY 12.35 m"),
        (120_000_000_000, "CNY 1.20 bn"),
        (-120_000_000_000, "CNY -1.20 bn"),
    ],
)
def test_format_cny_en(fen, text):
    assert format_cny_en(Money(fen)) == text


class Payment(BaseModel):
    amount: Money


def test_pydantic_takes_and_gives_integer_fen():
    payment = Payment.model_validate_json('{"amount": 12345}')
    assert payment.amount == Money(12345)
    assert payment.model_dump() == {"amount": 12345}
    assert payment.model_dump_json() == '{"amount":12345}'
    assert Payment(amount=Money(7)).amount == Money(7)
    assert Payment.model_json_schema()["properties"]["amount"]["type"] == "integer"


@pytest.mark.parametrize("raw", ['{"amount": 12.5}', '{"amount": "12"}', '{"amount": true}'])
def test_pydantic_refuses_anything_but_integer_fen(raw):
    with pytest.raises(ValidationError):
        Payment.model_validate_json(raw)
