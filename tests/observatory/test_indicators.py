"""Indicators on a small hand-checked dataset: each definition of docs/observatory-indicators.md
gives exactly the value worked out by hand (on SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date

import pytest

from chanrong.observatory.errors import UnknownIndicatorFilter
from chanrong.observatory.indicators import Filters, compute_indicators
from tests.factories import (
    create_obs_financials,
    create_obs_investor,
    create_obs_listing,
    create_obs_organisation,
    create_obs_round,
)

YI = 10_000_000_000  # 1亿元 in fen
WAN = 1_000_000  # 1万元 in fen


@pytest.fixture
def dataset(session):
    """A: Shanghai equipment; B: Jiangsu solutions; C: Guangdong solutions; D: Beijing network.
    S is a state-owned investor, V a VC."""
    a = create_obs_organisation(session, province="31", sector="intelligent_equipment")
    b = create_obs_organisation(session, province="32", sector="solutions")
    c = create_obs_organisation(session, province="44", sector="solutions")
    d = create_obs_organisation(session, province="11", sector="network")
    s = create_obs_investor(session, name="国资S", kind="state_owned", state_level="local")
    v = create_obs_investor(session, name="风投V", kind="financial_vc")
    # 2024: five rounds
    create_obs_round(session, a, stage="a", low_fen=YI, investors=[(s, True), (v, False)])
    create_obs_round(
        session, a, stage="b", on=date(2024, 8, 1), amount_kind="band",
        low_fen=5000 * WAN, amount_high_fen=YI, investors=[(v, False)],
    )  # fmt: skip
    create_obs_round(session, b, stage="angel", low_fen=None, investors=[(s, False)])
    create_obs_round(
        session, c, stage="strategic", amount_kind="band", low_fen=YI, amount_high_fen=None,
        investors=[(v, True)],
    )  # fmt: skip
    create_obs_round(session, c, stage="seed", low_fen=1000 * WAN)
    # 2023: two rounds
    create_obs_round(session, d, stage="a", on=date(2023, 5, 1), low_fen=5000 * WAN,
                     investors=[(s, False)])  # fmt: skip
    create_obs_round(session, a, stage="angel", on=date(2023, 2, 1), low_fen=2000 * WAN)
    # listings: A and C list in 2024, B at the end of 2023, D listed in 2020 and left in 2024
    create_obs_listing(
        session, a, board="star", listed_on=date(2024, 6, 28), ipo_proceeds_fen=10 * YI
    )
    create_obs_listing(session, c, board="chinext", exchange="SZSE", listed_on=date(2024, 11, 1),
                       ipo_proceeds_fen=5 * YI)  # fmt: skip
    create_obs_listing(
        session, b, board="main", listed_on=date(2023, 12, 29), ipo_proceeds_fen=None
    )
    create_obs_listing(session, d, board="main", listed_on=date(2020, 1, 10),
                       delisted_on=date(2024, 5, 1), ipo_proceeds_fen=3 * YI)  # fmt: skip
    create_obs_financials(session, a, revenue_fen=10 * YI, net_profit_fen=YI)
    create_obs_financials(session, b, revenue_fen=2 * YI, net_profit_fen=-1000 * WAN)
    create_obs_financials(session, c, revenue_fen=3 * YI, net_profit_fen=2000 * WAN)
    create_obs_financials(session, d, revenue_fen=YI, net_profit_fen=YI)  # delisted: left out
    create_obs_financials(session, b, year=2023, revenue_fen=YI, net_profit_fen=100 * WAN)
    create_obs_financials(session, c, year=2023, revenue_fen=YI, net_profit_fen=-500 * WAN)
    return {"a": a, "b": b, "c": c, "d": d}


def test_financing_indicators(session, dataset):
    result = compute_indicators(session, year=2024)
    v = result["values"]
    assert v["events"] == 5
    assert v["companies_financed"] == 3
    assert v["disclosed_sum_fen"] == YI + 1000 * WAN  # exact amounts only
    # midpoints of the closed ranges: 1亿, (5000万 + 1亿 - 1 fen)/2, 1亿 (open: low end), 1000万
    assert v["estimated_low_fen"] == 26 * 1000 * WAN
    assert v["estimated_fen"] == (26_000_000_000 + 30_999_999_999) // 2 == 28_499_999_999
    assert v["estimated_high_fen"] is None and v["open_ended_events"] == 1
    assert (v["events_with_amount"], v["undisclosed_events"]) == (4, 1)
    assert v["average_amount_fen"] == 28_499_999_999 // 4
    assert (v["early_stage_events"], v["early_stage_share"]) == (3, 0.6)  # a, angel, seed
    assert (v["state_owned_events"], v["state_owned_share"]) == (2, 0.4)
    p = result["previous"]
    assert (p["events"], p["companies_financed"], p["estimated_fen"]) == (2, 2, 7000 * WAN)
    assert p["estimated_high_fen"] == 7000 * WAN and p["state_owned_share"] == 0.5
    assert result["change"]["events"] == 1.5
    assert result["change"]["companies_financed"] == 0.5


def test_breakdowns(session, dataset):
    result = compute_indicators(session, year=2024)
    assert result["by_sector"] == {
        "intelligent_equipment": {
            "events": 2, "companies": 1, "estimated_fen": 17_499_999_999,
            "estimated_low_fen": 15 * 1000 * WAN, "estimated_high_fen": 19_999_999_999,
        },
        "solutions": {
            "events": 3, "companies": 2, "estimated_fen": 11 * 1000 * WAN,
            "estimated_low_fen": 11 * 1000 * WAN, "estimated_high_fen": None,
        },
    }  # fmt: skip
    assert [(p["province"], p["events"], p["companies"]) for p in result["by_province"]] == [
        ("31", 2, 1), ("44", 2, 1), ("32", 1, 1),
    ]  # fmt: skip
    delta = result["yangtze_delta"]
    assert (delta["events"], delta["companies"], delta["estimated_fen"]) == (3, 2, 17_499_999_999)
    assert result["most_active_investors"] == [
        {"name": "风投V", "kind": "financial_vc", "events": 3, "led": 1},
        {"name": "国资S", "kind": "state_owned", "events": 2, "led": 1},
    ]


def test_listing_indicators(session, dataset):
    result = compute_indicators(session, year=2024)
    v = result["values"]
    assert v["listed_companies"] == 3  # A, B, C; D left in 2024
    assert v["new_listings"] == 2 and v["new_listings_by_board"] == {"chinext": 1, "star": 1}
    assert (v["ipo_proceeds_fen"], v["ipo_proceeds_average_fen"]) == (15 * YI, 75 * 1000 * WAN)
    assert v["listed_with_financials"] == 3
    assert v["listed_revenue_fen"] == 15 * YI
    assert v["listed_profit_fen"] == YI - 1000 * WAN + 2000 * WAN
    assert v["listed_turned_profitable"] == 1  # C: loss in 2023, profit in 2024
    p = result["previous"]
    assert (p["listed_companies"], p["new_listings"], p["ipo_proceeds_average_fen"]) == (2, 1, None)
    assert p["listed_revenue_fen"] == YI  # B only: C was not listed at the end of 2023
    assert result["change"]["listed_companies"] == 0.5


@pytest.mark.parametrize(
    ("filters", "events"),
    [
        (Filters(sector="solutions"), 3),
        (Filters(province="31"), 2),
        (Filters(stage="a"), 1),
        (Filters(investor_type="state_owned"), 2),
        (Filters(sector="security"), 0),
    ],
)
def test_filters(session, dataset, filters, events):
    assert compute_indicators(session, year=2024, filters=filters)["values"]["events"] == events


def test_listing_filters_by_province(session, dataset):
    values = compute_indicators(session, year=2024, filters=Filters(province="44"))["values"]
    assert (values["listed_companies"], values["ipo_proceeds_fen"]) == (1, 5 * YI)


def test_an_unknown_filter_is_refused(session):
    with pytest.raises(UnknownIndicatorFilter):
        compute_indicators(session, year=2024, filters=Filters(sector="biotech"))
