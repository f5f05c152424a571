"""SME features from trade facts: volume, growth, concentration, punctuality, receivables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from chanrong.credit.features import (
    compute_trade_features,
    hhi_bp,
    ratio_bp,
    scored_values,
    utilisation_bp,
)

AS_OF = date(2026, 3, 2)


@dataclass(frozen=True)
class Fact:
    counterparty_party_id: int
    role: str
    amount_fen: int
    order_date: date
    due_on: date
    paid_on: date | None


def _sale(buyer: int, amount: int, days_ago: int) -> Fact:
    day = AS_OF - timedelta(days=days_ago)
    return Fact(buyer, "seller", amount, day, day + timedelta(days=60), None)


def test_volume_growth_and_concentration() -> None:
    history = [
        _sale(1, 600, 10), _sale(2, 300, 100), _sale(3, 100, 364),  # current window
        _sale(1, 800, 366), _sale(2, 500, 700),                     # previous window
        _sale(9, 999, 731),                                          # outside both
    ]  # fmt: skip
    features = compute_trade_features(history, [200, 50], AS_OF)
    assert features["sales_12m_fen"].value == 1000
    assert features["sales_12m_fen"].inputs == {"invoices": 3}
    assert features["sales_12m_fen"].start == AS_OF - timedelta(days=365)
    assert features["sales_12m_fen"].end == AS_OF
    assert features["sales_growth_bp"].value == ratio_bp(1000, 1300) - 10_000 == -2308
    # shares .6, .3, .1: HHI = .36 + .09 + .01 = .46
    assert features["buyer_hhi_bp"].value == 4600
    assert features["top_buyer_share_bp"].value == 6000
    assert features["confirmed_receivables_fen"].value == 250
    assert features["receivables_to_sales_bp"].value == 2500
    assert features["confirmed_receivables_fen"].source == "trade.service.confirmed_amounts"


def test_punctuality_counts_purchases_due_before_the_decision_by_amount() -> None:
    def buy(amount: int, due_days_ago: int, paid_late_by: int | None) -> Fact:
        due = AS_OF - timedelta(days=due_days_ago)
        paid = None if paid_late_by is None else due + timedelta(days=paid_late_by)
        return Fact(7, "buyer", amount, due - timedelta(days=30), due, paid)

    history = [buy(300, 10, 0), buy(100, 20, 5), buy(100, 5, None), buy(500, -10, None)]
    features = compute_trade_features(history, [], AS_OF)
    assert features["on_time_bp"].value == 6000  # 300 of 500 due
    assert features["on_time_bp"].inputs == {"due_invoices": 3, "due_fen": 500}
    assert features["sales_12m_fen"].value == 0
    assert features["sales_growth_bp"].value is None
    assert features["buyer_hhi_bp"].value is None
    assert features["receivables_to_sales_bp"].value is None


def test_hhi_and_utilisation() -> None:
    assert hhi_bp([5, 5]) == 5000
    assert hhi_bp([7]) == 10_000
    assert hhi_bp([]) is None
    value, observed = utilisation_bp([
        ("power_state", {0: 3_000, 1: 1_000}), ("run_state", {2: 2_000, 1: 2_000}),
        ("fault_code", {5: 99_999}),
    ])  # fmt: skip
    assert (value, observed) == (3750, 8_000)
    assert utilisation_bp([]) == (None, 0)


def test_scored_values_fill_missing_features_with_none() -> None:
    features = compute_trade_features([_sale(1, 100, 1)], [], AS_OF)
    values = scored_values(features)
    assert values["sales_12m_fen"] == 100
    assert values["device_utilisation_bp"] is None
