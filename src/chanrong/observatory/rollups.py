"""The observatory's yearly rollups: per organisation and year, and per investor and year.

The indicators add up a million rounds; reading one row per company and year instead (a quarter
of the rows, with the state-owned test already done) is what keeps them within their time
budget. The rollups are derived data: every service that changes rounds, their investors or an
investor's type calls ``refresh`` for the organisations it touched, in the same transaction, so
a reader never sees a rollup out of step with the rounds. ``refresh()`` with no arguments
rebuilds everything (after a bulk load).

The sums are those ``indicators`` defines (fen); ``indicators`` reads them whenever the filters
do not need single rounds (no stage, no investor type), and the rounds otherwise.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from typing import Any

from sqlalchemy import Select, and_, case, delete, func, insert, select
from sqlalchemy.orm import Session

from chanrong.observatory.models import Investor, InvestorYear, OrgYear, Round, RoundInvestor
from chanrong.observatory.stages import EARLY_STAGES

_CHUNK = 5_000  # ids per IN list: far under every database's parameter limit


def amount_sums() -> list[Any]:
    """The amount sums of a group of rounds (fen; 0 for none), labelled as ``OrgYear``'s
    columns: low ends; closed high ends (the low end when the range is open); exact amounts;
    closed high ends of bounded ranges; open-ended and disclosed counts."""
    low, high = Round.amount_low_fen, Round.amount_high_fen
    return [
        func.coalesce(func.sum(low), 0).label("low"),
        func.coalesce(func.sum(case((high.is_(None), low), else_=high - 1)), 0).label("mid_high"),
        func.coalesce(func.sum(case((Round.amount_kind == "exact", low))), 0).label("exact"),
        func.coalesce(func.sum(case((high.is_not(None), high - 1))), 0).label("high"),
        func.count(case((and_(low.is_not(None), high.is_(None)), 1))).label("open"),
        func.count(low).label("with_amount"),
    ]


def state_owned_rounds(organisation_ids: Collection[int] | None = None) -> Any:
    """The distinct ids of rounds with a state-owned investor (of ``organisation_ids``' rounds
    when given), as a subquery with one column ``round_id``."""
    query = (
        select(RoundInvestor.round_id)
        .join(Investor, Investor.id == RoundInvestor.investor_id)
        .where(Investor.kind == "state_owned")
    )
    if organisation_ids is not None:
        query = query.join(Round, Round.id == RoundInvestor.round_id).where(
            Round.organisation_id.in_(organisation_ids)
        )
    return query.distinct().subquery()


def _org_years(organisation_ids: Collection[int] | None) -> Select[Any]:
    state = state_owned_rounds(organisation_ids)
    query = (
        select(
            Round.organisation_id,
            Round.year,
            func.count(Round.id).label("events"),
            func.count(case((Round.stage.in_(sorted(EARLY_STAGES)), 1))).label("early"),
            func.count(state.c.round_id).label("state"),
            *amount_sums(),
        )
        .outerjoin(state, state.c.round_id == Round.id)
        .group_by(Round.organisation_id, Round.year)
    )
    if organisation_ids is not None:
        query = query.where(Round.organisation_id.in_(organisation_ids))
    return query


def _investor_years(investor_ids: Collection[int] | None) -> Select[Any]:
    query = (
        select(
            RoundInvestor.investor_id,
            Round.year,
            func.count(RoundInvestor.round_id).label("events"),
            func.count(case((RoundInvestor.lead.is_(True), 1))).label("led"),
        )
        .join(Round, Round.id == RoundInvestor.round_id)
        .group_by(RoundInvestor.investor_id, Round.year)
    )
    if investor_ids is not None:
        query = query.where(RoundInvestor.investor_id.in_(investor_ids))
    return query


def _chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), _CHUNK):
        yield ordered[start : start + _CHUNK]


_ORG_YEAR_COLUMNS = [c.name for c in OrgYear.__table__.columns]
_INVESTOR_YEAR_COLUMNS = [c.name for c in InvestorYear.__table__.columns]


def _rebuild_org_years(session: Session, ids: list[int] | None) -> None:
    wipe = delete(OrgYear)
    if ids is not None:
        wipe = wipe.where(OrgYear.organisation_id.in_(ids))
    session.execute(wipe)
    session.execute(insert(OrgYear).from_select(_ORG_YEAR_COLUMNS, _org_years(ids)))


def _rebuild_investor_years(session: Session, ids: list[int] | None) -> None:
    wipe = delete(InvestorYear)
    if ids is not None:
        wipe = wipe.where(InvestorYear.investor_id.in_(ids))
    session.execute(wipe)
    session.execute(insert(InvestorYear).from_select(_INVESTOR_YEAR_COLUMNS, _investor_years(ids)))


def refresh(
    session: Session,
    *,
    organisation_ids: Collection[int] | None = None,
    investor_ids: Collection[int] = (),
) -> None:
    """Recompute the rollups of ``organisation_ids`` (every year) and of the investors in their
    rounds plus ``investor_ids``; everything when ``organisation_ids`` is None. Flushes the
    session first so pending rounds count; never commits."""
    session.flush()
    if organisation_ids is None:
        _rebuild_org_years(session, None)
        _rebuild_investor_years(session, None)
        return
    investors = set(investor_ids)
    for chunk in _chunks(organisation_ids):
        _rebuild_org_years(session, chunk)
        investors.update(
            session.scalars(
                select(RoundInvestor.investor_id)
                .join(Round, Round.id == RoundInvestor.round_id)
                .where(Round.organisation_id.in_(chunk))
                .distinct()
            )
        )
    for chunk in _chunks(investors):
        _rebuild_investor_years(session, chunk)


def refresh_investor(session: Session, investor_id: int) -> None:
    """Recompute the rollups an investor's type enters: the organisations of its rounds."""
    session.flush()
    organisations = session.scalars(
        select(Round.organisation_id)
        .join(RoundInvestor, RoundInvestor.round_id == Round.id)
        .where(RoundInvestor.investor_id == investor_id)
        .distinct()
    ).all()
    refresh(session, organisation_ids=organisations, investor_ids=[investor_id])
