"""The yearly rollups stay equal to the rounds they sum: after a bulk load, after imports that
add and merge rounds, and after an investor's type changes (on SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from chanrong.observatory import rollups, service
from chanrong.observatory.indicators import (
    Filters,
    _cells_from_rollups,
    _cells_from_rounds,
    compute_indicators,
)
from chanrong.observatory.models import InvestorYear, OrgYear
from chanrong.observatory.synthetic_deals import DealGenerator
from chanrong.principal import Principal
from tests.factories import create_obs_investor, create_obs_organisation, create_obs_round

YEARS = [2020, 2021, 2022, 2023, 2024]


def _table(session, model) -> set[tuple]:
    return {tuple(row) for row in session.execute(select(*model.__table__.columns))}


def _from_scratch(session) -> tuple[set[tuple], set[tuple]]:
    """The rollups as a full rebuild gives them (the stored ones are put back afterwards)."""
    kept = _table(session, OrgYear), _table(session, InvestorYear)
    rollups.refresh(session)
    rebuilt = _table(session, OrgYear), _table(session, InvestorYear)
    assert kept == rebuilt, "the stored rollups differ from a rebuild"
    return rebuilt


def _cells(session, query) -> dict[tuple, tuple]:
    return {
        (r.year, r.sector, r.province): tuple(int(v or 0) for v in r[3:])
        for r in session.execute(query)
    }


def _assert_cells_agree(session, f: Filters = Filters()) -> None:
    by_rollups = _cells(session, _cells_from_rollups(YEARS, f))
    by_rounds = _cells(session, _cells_from_rounds(YEARS, f))
    columns_rollups = [c.name for c in _cells_from_rollups(YEARS, f).selected_columns][3:]
    columns_rounds = [c.name for c in _cells_from_rounds(YEARS, f).selected_columns][3:]
    order = [columns_rounds.index(c) for c in columns_rollups]
    assert by_rollups == {k: tuple(v[i] for i in order) for k, v in by_rounds.items()}


def test_bulk_load_rollups_equal_the_rounds(session):
    DealGenerator(events=1_500, orgs=200, seed=7).insert_into(session)
    assert session.scalar(select(OrgYear.events).limit(1)) > 0
    _assert_cells_agree(session)
    _assert_cells_agree(session, Filters(sector="platform"))
    _assert_cells_agree(session, Filters(province="31"))
    _from_scratch(session)


def test_imports_and_retyping_keep_the_rollups(session):
    admin = Principal.system()
    rows = [
        (2, {"日期": "2024-03-05", "企业": "甲智能科技有限公司", "轮次": "A轮", "金额": "1亿元",
             "投资方": "乙资本、丙基金"}),
        (3, {"日期": "2024-07-01", "企业": "丁工业软件有限公司", "轮次": "天使轮", "金额": "数千万元",
             "投资方": "丙基金"}),
    ]  # fmt: skip
    service.import_rows(session, actor=admin, kind="deals", rows=rows)
    assert compute_indicators(session, year=2024)["values"]["events"] == 2
    # the same round reported again by another outlet with a narrower date: merged, not added
    again = [(2, rows[0][1] | {"来源": "另一家媒体"})]
    service.import_rows(session, actor=admin, kind="deals", rows=again)
    before = compute_indicators(session, year=2024)["values"]
    assert (before["events"], before["state_owned_events"]) == (2, 0)
    service.set_investor(session, name="丙基金", kind="state_owned", state_level="local")
    after = compute_indicators(session, year=2024)["values"]
    assert after["state_owned_events"] == 2
    top = compute_indicators(session, year=2024)["most_active_investors"]
    assert top[0] == {"name": "丙基金", "kind": "state_owned", "events": 2, "led": 0}
    _from_scratch(session)
    _assert_cells_agree(session)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rounds=st.lists(
        st.tuples(
            st.integers(0, 3),  # organisation
            st.sampled_from(YEARS),
            st.sampled_from(["seed", "angel", "a", "b", "strategic", None]),
            st.one_of(st.none(), st.integers(1, 10**12)),  # low end, fen
            st.one_of(st.none(), st.integers(1, 10**12)),  # width of a band; None: exact
            st.lists(st.integers(0, 2), max_size=3, unique=True),  # investors
        ),
        max_size=12,
    ),
    state=st.integers(0, 2),
)
def test_rollups_equal_a_rebuild_whatever_the_rounds(session, rounds, state):
    example = session.begin_nested()  # each example starts from the same empty tables
    orgs = [create_obs_organisation(session, province=p) for p in ("31", "32", "44", "11")]
    investors = [create_obs_investor(session) for _ in range(3)]
    for org, year, stage, low, width, who in rounds:
        create_obs_round(
            session, orgs[org], on=date(year, 6, 1), stage=stage, low_fen=low,
            amount_kind="exact" if width is None else "band",
            amount_high_fen=None if low is None else (low + 1 if width is None else low + width),
            investors=[(investors[i], i == 0) for i in who],
        )  # fmt: skip
    service.set_investor(session, name=investors[state].name, kind="state_owned")
    _assert_cells_agree(session)
    _from_scratch(session)
    example.rollback()
