"""Reconciliation against reference figures: qualifiers exact/over/under, gaps over 10% flagged."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from chanrong.observatory.errors import ReferenceNotFound
from chanrong.observatory.reconciliation import ReferenceFigure, gap, load_reference, reconcile
from tests.factories import create_obs_organisation, create_obs_round

YI = 10_000_000_000


def figure(value: str, qualifier: str, indicator: str = "financing_events") -> ReferenceFigure:
    return ReferenceFigure(indicator, 2024, Decimal(value), "rounds", qualifier)


def test_gap_respects_the_qualifier():
    assert gap(Decimal(90), figure("100", "exact")) == Decimal("0.1")
    assert gap(Decimal(110), figure("100", "exact")) == Decimal("0.1")
    assert gap(Decimal(150), figure("100", "over")) == 0
    assert gap(Decimal(80), figure("100", "over")) == Decimal("0.2")
    assert gap(Decimal(5), figure("10", "under")) == 0
    assert gap(Decimal(12), figure("10", "under")) == Decimal("0.2")


def test_the_shipped_reference_is_the_report():
    figures = {(f.indicator, f.year): f for f in load_reference()}
    assert figures[("financing_events", 2024)].value == 321
    assert figures[("financing_amount", 2024)].qualifier == "over"
    assert figures[("state_owned_participation_share", 2022)].qualifier == "under"


def test_reconcile_flags_gaps_over_ten_percent(session):
    org = create_obs_organisation(session, province="31", sector="solutions")
    for month in range(1, 10):  # nine rounds of 1亿 in Shanghai
        create_obs_round(session, org, stage="b", on=date(2024, month, 1))
    reference = [
        figure("10", "exact"),  # 9 vs 10: gap 0.1, not over 10%
        figure("12", "exact"),  # 9 vs 12: gap 0.25
        ReferenceFigure("financing_amount", 2024, Decimal("8"), "亿元", "over"),  # 9 >= 8
        ReferenceFigure("shanghai_amount", 2024, Decimal("9"), "亿元", "exact"),
        ReferenceFigure("listed_market_turnover", 2024, Decimal("1"), "亿元", "over"),
    ]
    rows = reconcile(session, year=2024, reference=reference)
    assert [(r["computed"], r["gap"], r["status"]) for r in rows] == [
        ("9", "0.1", "ok"),
        ("9", "0.25", "gap"),
        ("9", "0", "ok"),
        ("9", "0", "ok"),
        (None, None, "not_computed"),
    ]
    with pytest.raises(ReferenceNotFound):
        reconcile(session, year=1999, reference=reference)
