"""Repayment schedules and offers: exact fen, documented rounding, sums to the principal."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chanrong.credit.offers import certificate_offer, fees_fen, working_capital_offer
from chanrong.credit.schedule import (
    add_months,
    build_schedule,
    half_up,
    period_interest_fen,
    split_principal,
)


@settings(max_examples=300, deadline=None)
@given(
    principal=st.integers(min_value=0, max_value=10**12),
    months=st.integers(min_value=1, max_value=60),
    rate=st.integers(min_value=0, max_value=10_000),
    repayment=st.sampled_from(["equal_principal", "bullet"]),
    start=st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)),
)
def test_schedule_principal_sums_exactly_and_interest_is_never_negative(
    principal: int, months: int, rate: int, repayment: str, start: date
) -> None:
    schedule = build_schedule(principal, rate, start, months, repayment)
    assert sum(i.principal_fen for i in schedule) == principal
    assert len(schedule) == months
    assert all(i.interest_fen >= 0 and i.principal_fen >= 0 for i in schedule)
    assert [i.due_on for i in schedule] == sorted({i.due_on for i in schedule})
    parts = [i.principal_fen for i in schedule]
    if repayment == "equal_principal":
        assert max(parts) - min(parts) <= 1
    else:
        assert parts[:-1] == [0] * (months - 1)


def test_split_principal_puts_the_extra_fen_first() -> None:
    assert split_principal(100, 3) == [34, 33, 33]
    assert split_principal(2, 3) == [1, 1, 0]
    with pytest.raises(ValueError):
        split_principal(5, 0)


def test_interest_is_act_365_half_up() -> None:
    # 1,000,000.00 yuan at 8 % for 31 days: 100,000,000 * 800 * 31 / 3,650,000 = 679452.05...
    assert period_interest_fen(100_000_000, 800, 31) == 679452
    assert half_up(5, 10) == 1 and half_up(4, 10) == 0 and half_up(15, 10) == 2
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)


def test_equal_principal_schedule_by_hand() -> None:
    schedule = build_schedule(300_000_00, 730, date(2026, 1, 1), 3, "equal_principal")
    assert [(i.due_on, i.principal_fen, i.interest_fen) for i in schedule] == [
        (date(2026, 2, 1), 100_000_00, 186_000),  # 30,000,000 * 730 * 31 / 3,650,000
        (date(2026, 3, 1), 100_000_00, 112_000),  # 20,000,000 * 730 * 28 / 3,650,000
        (date(2026, 4, 1), 100_000_00, 62_000),  # 10,000,000 * 730 * 31 / 3,650,000
    ]  # fmt: skip


def test_working_capital_offer_totals() -> None:
    offer = working_capital_offer(300_000_00, 3, "equal_principal", 730, 50, date(2026, 1, 1))
    assert offer.fees_fen == 1_500_00
    assert offer.interest_fen == 360_000
    assert offer.total_cost_fen == 510_000
    assert offer.proceeds_fen == 298_500_00
    assert offer.maturity_on == date(2026, 4, 1)
    assert offer.to_dict()["schedule"][0]["principal_fen"] == 100_000_00


def test_certificate_offer_is_an_act_360_discount() -> None:
    offer = certificate_offer(1_000_000_00, 90, 600, 10, date(2026, 3, 2))
    # 100,000,000 * 600 * 90 / 3,600,000 = 1,500,000 fen
    assert offer.interest_fen == 1_500_000
    assert offer.fees_fen == fees_fen(1_000_000_00, 10) == 100_000
    assert offer.proceeds_fen == 100_000_000 - 1_500_000 - 100_000
    assert offer.maturity_on == date(2026, 5, 31)
    assert [(i.principal_fen, i.due_on) for i in offer.schedule] == [
        (100_000_000, date(2026, 5, 31))
    ]
