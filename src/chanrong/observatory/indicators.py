"""The observatory's yearly indicators, computed by SQL aggregation (docs/observatory-indicators.md
defines each). Money is fen; shares are fractions rounded to 4 places with their counts.

Every query groups in the database (SQLAlchemy Core); nothing loops over rounds in Python, so the
same code serves a million events.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, distinct, func, literal, or_, select
from sqlalchemy.orm import Session, aliased

from chanrong.observatory.errors import UnknownIndicatorFilter
from chanrong.observatory.models import (
    INVESTOR_KINDS,
    SECTORS,
    Financials,
    Investor,
    Listing,
    Organisation,
    Round,
    RoundInvestor,
)
from chanrong.observatory.stages import EARLY_STAGES, STAGES
from chanrong.parties.reference import PROVINCES

YANGTZE_DELTA = ("31", "32", "33", "34")  # Shanghai, Jiangsu, Zhejiang, Anhui
TOP_PROVINCES = 10
TOP_INVESTORS = 10


@dataclass(frozen=True)
class Filters:
    """Optional filters: a sector (models.SECTORS), a province code, a canonical stage, an
    investor type (models.INVESTOR_KINDS). Listing indicators honour sector and province only."""

    sector: str | None = None
    province: str | None = None
    stage: str | None = None
    investor_type: str | None = None

    def check(self) -> Filters:
        """Raise ``UnknownIndicatorFilter`` for a value outside its list."""
        for name, allowed in (
            ("sector", SECTORS), ("province", tuple(PROVINCES)), ("stage", STAGES),
            ("investor_type", INVESTOR_KINDS),
        ):  # fmt: skip
            value = getattr(self, name)
            if value is not None and value not in allowed:
                raise UnknownIndicatorFilter(f"unknown {name} {value!r}", field=name, rule="enum")
        return self


def _int(value: Any) -> int:
    return int(value or 0)


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def rounds_query(query: Select[Any], f: Filters) -> Select[Any]:
    """``query`` over rounds joined with their organisation, with the filters applied."""
    query = query.select_from(Round).join(Organisation, Organisation.id == Round.organisation_id)
    if f.sector:
        query = query.where(Organisation.sector == f.sector)
    if f.province:
        query = query.where(Organisation.province == f.province)
    if f.stage:
        query = query.where(Round.stage == f.stage)
    if f.investor_type:
        with_type = (
            select(RoundInvestor.round_id)
            .join(Investor, Investor.id == RoundInvestor.investor_id)
            .where(Investor.kind == f.investor_type)
        )
        query = query.where(Round.id.in_(with_type))
    return query


def _amount_columns() -> list[ColumnElement[Any]]:
    """Sums behind the amount indicators: low ends; closed high ends (the low end when the range
    is open); closed high ends of bounded ranges; open-ended and disclosed counts."""
    low, high = Round.amount_low_fen, Round.amount_high_fen
    return [
        func.sum(low).label("low"),
        func.sum(case((high.is_(None), low), else_=high - 1)).label("mid_high"),
        func.sum(case((Round.amount_kind == "exact", low), else_=None)).label("exact"),
        func.sum(case((high.is_not(None), high - 1), else_=None)).label("high"),
        func.count(case((and_(low.is_not(None), high.is_(None)), 1))).label("open"),
        func.count(low).label("with_amount"),
    ]


def _amounts(row: Any) -> dict[str, Any]:
    low, mid_high = _int(row.low), _int(row.mid_high)
    return {
        "estimated_fen": (low + mid_high) // 2,
        "estimated_low_fen": low,
        "estimated_high_fen": None if row.open else _int(row.high),
    }


def _state_owned_rounds() -> Select[Any]:
    return (
        select(RoundInvestor.round_id)
        .join(Investor, Investor.id == RoundInvestor.investor_id)
        .where(Investor.kind == "state_owned")
    )


def financing(session: Session, year: int, f: Filters) -> dict[str, Any]:
    """Scalar financing indicators of one year (see the indicator definitions)."""
    # A round has a state-owned investor when it is among the distinct rounds of such
    # investors: an outer join (a hash join on PostgreSQL at any size), where ``IN (subquery)``
    # inside CASE becomes a per-row scan once the subquery outgrows PostgreSQL's work_mem.
    state = _state_owned_rounds().distinct().subquery()
    query = rounds_query(
        select(
            func.count(Round.id).label("events"),
            func.count(distinct(Round.organisation_id)).label("companies"),
            func.count(case((Round.stage.in_(sorted(EARLY_STAGES)), 1))).label("early"),
            func.count(state.c.round_id).label("state"),
            *_amount_columns(),
        ),
        f,
    )
    query = query.outerjoin(state, state.c.round_id == Round.id).where(Round.year == year)
    row = session.execute(query).one()
    events, with_amount = _int(row.events), _int(row.with_amount)
    amounts = _amounts(row)
    return {
        "events": events,
        "companies_financed": _int(row.companies),
        "disclosed_sum_fen": _int(row.exact),
        **amounts,
        "open_ended_events": _int(row.open),
        "events_with_amount": with_amount,
        "undisclosed_events": events - with_amount,
        "average_amount_fen": amounts["estimated_fen"] // with_amount if with_amount else None,
        "early_stage_events": _int(row.early),
        "early_stage_share": _share(_int(row.early), events),
        "state_owned_events": _int(row.state),
        "state_owned_share": _share(_int(row.state), events),
    }


def _grouped(session: Session, key: Any, year: int, f: Filters, where: Any = None) -> list[Any]:
    query = rounds_query(
        select(
            key.label("key"),
            func.count(Round.id).label("events"),
            func.count(distinct(Round.organisation_id)).label("companies"),
            *_amount_columns(),
        ),
        f,
    ).where(Round.year == year)
    if where is not None:
        query = query.where(where)
    return list(session.execute(query.group_by(key)))


def _group_dict(row: Any) -> dict[str, Any]:
    return {"events": _int(row.events), "companies": _int(row.companies), **_amounts(row)}


def breakdowns(session: Session, year: int, f: Filters) -> dict[str, Any]:
    """Events and amounts by sector, by province (top 10), the Yangtze delta, top investors."""
    by_sector = {
        r.key or "unknown": _group_dict(r) for r in _grouped(session, Organisation.sector, year, f)
    }
    provinces = [
        {"province": r.key, **_group_dict(r)}
        for r in _grouped(
            session, Organisation.province, year, f, Organisation.province.is_not(None)
        )
    ]
    provinces.sort(key=lambda p: (-p["events"], -p["estimated_fen"], p["province"]))
    delta = _grouped(
        session, literal("yangtze_delta"), year, f, Organisation.province.in_(YANGTZE_DELTA)
    )
    # Count per investor id over the year's rounds first (driven by the rounds' year index and
    # the links' primary key), then fetch the names of those counts: far less work than grouping
    # the join of every link with its investor. (round_id, investor_id) is the links' primary
    # key, so counting links per investor counts distinct rounds.
    per_investor = (
        rounds_query(
            select(
                RoundInvestor.investor_id.label("investor_id"),
                func.count(RoundInvestor.round_id).label("events"),
                func.count(case((RoundInvestor.lead.is_(True), 1))).label("led"),
            ),
            f,
        )
        .join(RoundInvestor, RoundInvestor.round_id == Round.id)
        .where(Round.year == year)
        .group_by(RoundInvestor.investor_id)
        .subquery()
    )
    investors_query = (
        select(Investor.name, Investor.kind, per_investor.c.events, per_investor.c.led)
        .join(per_investor, per_investor.c.investor_id == Investor.id)
        .order_by(per_investor.c.events.desc(), Investor.name)
        .limit(TOP_INVESTORS)
    )
    return {
        "by_sector": dict(sorted(by_sector.items())),
        "by_province": provinces[:TOP_PROVINCES],
        "yangtze_delta": _group_dict(delta[0]) if delta else _group_dict(_EMPTY),
        "most_active_investors": [
            {"name": r.name, "kind": r.kind, "events": _int(r.events), "led": _int(r.led)}
            for r in session.execute(investors_query)
        ],
    }


@dataclass(frozen=True)
class _Empty:
    events: int = 0
    companies: int = 0
    low: int = 0
    mid_high: int = 0
    exact: int = 0
    high: int = 0
    open: int = 0
    with_amount: int = 0


_EMPTY = _Empty()


def _orgs(query: Select[Any], f: Filters) -> Select[Any]:
    if f.sector:
        query = query.where(Organisation.sector == f.sector)
    if f.province:
        query = query.where(Organisation.province == f.province)
    return query


def _listed_at(year_end: date) -> ColumnElement[bool]:
    return and_(
        Listing.listed_on <= year_end,
        or_(Listing.delisted_on.is_(None), Listing.delisted_on > year_end),
    )


def listings(session: Session, year: int, f: Filters) -> dict[str, Any]:
    """Listed companies at year end, new listings by board, IPO proceeds, listed companies'
    revenue and profit of the year."""
    end, start = date(year, 12, 31), date(year, 1, 1)
    base = (
        select().select_from(Listing).join(Organisation, Organisation.id == Listing.organisation_id)
    )
    listed = session.scalar(
        _orgs(base.add_columns(func.count(distinct(Listing.organisation_id))), f).where(
            _listed_at(end)
        )
    )
    new = _orgs(
        base.add_columns(
            Listing.board,
            func.count(Listing.id).label("n"),
            func.sum(Listing.ipo_proceeds_fen).label("proceeds"),
            func.count(Listing.ipo_proceeds_fen).label("with_proceeds"),
        ),
        f,
    ).where(Listing.listed_on >= start, Listing.listed_on <= end)
    boards = list(session.execute(new.group_by(Listing.board)))
    proceeds = sum(_int(r.proceeds) for r in boards)
    with_proceeds = sum(_int(r.with_proceeds) for r in boards)
    listed_orgs = select(Listing.organisation_id).where(_listed_at(end))
    previous = aliased(Financials)
    fin = session.execute(
        _orgs(
            select(
                func.count(Financials.id).label("n"),
                func.sum(Financials.revenue_fen).label("revenue"),
                func.sum(Financials.net_profit_fen).label("profit"),
                func.count(
                    case((and_(Financials.net_profit_fen > 0, previous.net_profit_fen <= 0), 1))
                ).label("turned"),
            )
            .select_from(Financials)
            .join(Organisation, Organisation.id == Financials.organisation_id)
            .outerjoin(
                previous,
                and_(
                    previous.organisation_id == Financials.organisation_id,
                    previous.year == year - 1,
                ),
            ),
            f,
        ).where(Financials.year == year, Financials.organisation_id.in_(listed_orgs))
    ).one()
    return {
        "listed_companies": _int(listed),
        "new_listings": sum(_int(r.n) for r in boards),
        "new_listings_by_board": {
            r.board: _int(r.n) for r in sorted(boards, key=lambda r: r.board)
        },
        "ipo_proceeds_fen": proceeds,
        "ipo_proceeds_average_fen": proceeds // with_proceeds if with_proceeds else None,
        "listed_with_financials": _int(fin.n),
        "listed_revenue_fen": _int(fin.revenue),
        "listed_profit_fen": _int(fin.profit),
        "listed_turned_profitable": _int(fin.turned),
    }


def _change(now: Any, before: Any) -> float | None:
    if (
        isinstance(now, bool)
        or not isinstance(now, int | float)
        or not isinstance(before, int | float)
    ):
        return None
    return round((now - before) / before, 4) if before else None


def compute_indicators(
    session: Session, *, year: int, filters: Filters | None = None
) -> dict[str, Any]:
    """Every indicator of ``year`` with the same indicators of the year before and the
    year-on-year change of each scalar ((now - before) / before, None when before is 0)."""
    f = (filters or Filters()).check()
    values = financing(session, year, f) | listings(session, year, f)
    before = financing(session, year - 1, f) | listings(session, year - 1, f)
    return {
        "year": year,
        "filters": asdict(f),
        "values": values,
        "previous": before,
        "change": {k: _change(v, before.get(k)) for k, v in values.items()},
        **breakdowns(session, year, f),
    }
