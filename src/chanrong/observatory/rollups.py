"""The observatory's yearly rollups: per organisation and year, and per investor and year.

The indicators add up a million rounds; reading one row per company and year instead (a quarter
of the rows, with the state-owned test already done) is what keeps them within their time
budget. The rollups are derived data, kept in the same transaction as the change: a service
that changes rounds or their investors does it inside ``tracking(session, organisation_ids)``,
a change of an investor's type calls ``refresh_investor``, and a bulk load calls ``refresh``
(rebuild everything). A reader never sees a rollup out of step with the rounds.

The sums are those ``indicators`` defines (fen); ``indicators`` reads them whenever the filters
do not need single rounds (no stage, no investor type), and the rounds otherwise.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Select, and_, case, delete, func, insert, select, tuple_
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


def _investor_years() -> Select[Any]:
    return (
        select(
            RoundInvestor.investor_id,
            Round.year,
            func.count(RoundInvestor.round_id).label("events"),
            func.count(case((RoundInvestor.lead.is_(True), 1))).label("led"),
        )
        .join(Round, Round.id == RoundInvestor.round_id)
        .group_by(RoundInvestor.investor_id, Round.year)
    )


def _chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), _CHUNK):
        yield ordered[start : start + _CHUNK]


_ORG_YEAR_COLUMNS = [c.name for c in OrgYear.__table__.columns]
_INVESTOR_YEAR_COLUMNS = [c.name for c in InvestorYear.__table__.columns]


def refresh(session: Session) -> None:
    """Rebuild every rollup from the rounds (after a bulk load; the migration that adds them).
    Flushes the session first so pending rounds count; never commits."""
    session.flush()
    session.execute(delete(OrgYear))
    session.execute(insert(OrgYear).from_select(_ORG_YEAR_COLUMNS, _org_years(None)))
    session.execute(delete(InvestorYear))
    session.execute(insert(InvestorYear).from_select(_INVESTOR_YEAR_COLUMNS, _investor_years()))


def _rebuild_org_years(session: Session, ids: list[int]) -> None:
    session.execute(delete(OrgYear).where(OrgYear.organisation_id.in_(ids)))
    session.execute(insert(OrgYear).from_select(_ORG_YEAR_COLUMNS, _org_years(ids)))


Contributions = dict[tuple[int, int], tuple[int, int]]
"""(investor id, year) -> (rounds, rounds led) of some organisations' rounds."""


def _contributions(session: Session, organisation_ids: list[int]) -> Contributions:
    out: Contributions = {}
    for chunk in _chunks(organisation_ids):
        query = (
            select(
                RoundInvestor.investor_id,
                Round.year,
                func.count(RoundInvestor.round_id),
                func.count(case((RoundInvestor.lead.is_(True), 1))),
            )
            .join(Round, Round.id == RoundInvestor.round_id)
            .where(Round.organisation_id.in_(chunk))
            .group_by(RoundInvestor.investor_id, Round.year)
        )
        for investor_id, year, events, led in session.execute(query):
            n, k = out.get((investor_id, year), (0, 0))
            out[(investor_id, year)] = (n + events, k + led)
    return out


def _apply(session: Session, before: Contributions, after: Contributions) -> None:
    """Add ``after - before`` to the investor rollups (rows falling to no rounds go)."""
    delta = {
        key: (after.get(key, (0, 0))[0] - old[0], after.get(key, (0, 0))[1] - old[1])
        for key, old in before.items()
    }
    for key, new in after.items():
        delta.setdefault(key, new)
    delta = {k: d for k, d in delta.items() if d != (0, 0)}
    for chunk in _chunks(investor for investor, _ in delta):
        stored = {
            (r.investor_id, r.year): (r.events, r.led)
            for r in session.scalars(
                select(InvestorYear).where(InvestorYear.investor_id.in_(chunk))
            )
        }
        keys = [k for k in delta if k[0] in set(chunk)]
        session.execute(
            delete(InvestorYear).where(
                tuple_(InvestorYear.investor_id, InvestorYear.year).in_(keys)
            )
        )
        rows = []
        for investor_id, year in keys:
            events, led = stored.get((investor_id, year), (0, 0))
            d_events, d_led = delta[(investor_id, year)]
            if events + d_events > 0:
                rows.append({"investor_id": investor_id, "year": year,
                             "events": events + d_events, "led": led + d_led})  # fmt: skip
        if rows:
            session.execute(insert(InvestorYear), rows)


@contextmanager
def tracking(session: Session, organisation_ids: Collection[int]) -> Iterator[None]:
    """Keep the rollups current across a change to the rounds of ``organisation_ids`` (rounds
    added, merged, moved between them, investors linked): the block makes the change, then the
    organisations' rollups are rebuilt and each investor's rollup gets the difference the block
    made to those organisations' rounds — work in proportion to the change, not the data."""
    ids = sorted(set(organisation_ids))
    session.flush()
    before = _contributions(session, ids)
    yield
    session.flush()
    after = _contributions(session, ids)
    for chunk in _chunks(ids):
        _rebuild_org_years(session, chunk)
    _apply(session, before, after)
    session.flush()


def refresh_investor(session: Session, investor_id: int) -> None:
    """Rebuild the rollups an investor's type enters: the company rollups of its rounds'
    organisations (the state-owned count); its own rollup counts rounds and does not change."""
    session.flush()
    organisations = session.scalars(
        select(Round.organisation_id)
        .join(RoundInvestor, RoundInvestor.round_id == Round.id)
        .where(RoundInvestor.investor_id == investor_id)
        .distinct()
    ).all()
    for chunk in _chunks(organisations):
        _rebuild_org_years(session, chunk)
