"""The observatory's yearly indicators, computed by SQL aggregation (docs/observatory-indicators.md
defines each). Money is fen; shares are fractions rounded to 4 places with their counts.

Every query groups in the database (SQLAlchemy Core); nothing loops over rounds in Python. The
financing figures read the yearly rollups (``rollups``: one row per company and year, one per
investor and year) unless a filter looks inside rounds (stage, investor type), so the same code
serves a million events. The listing figures (``listings_series``) and the organisation filter
they share with the financing figures are in ``listing_indicators``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Select, case, distinct, func, select
from sqlalchemy.orm import Session

from chanrong.observatory import rollups
from chanrong.observatory.errors import UnknownIndicatorFilter
from chanrong.observatory.listing_indicators import _in_years, _int, _orgs, listings_series
from chanrong.observatory.models import (
    INVESTOR_KINDS,
    SECTORS,
    Investor,
    InvestorYear,
    Organisation,
    OrgYear,
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


def _amounts(row: Any) -> dict[str, Any]:
    low, mid_high = _int(row.low), _int(row.mid_high)
    return {
        "estimated_fen": (low + mid_high) // 2,
        "estimated_low_fen": low,
        "estimated_high_fen": None if row.open else _int(row.high),
    }


_SUMS = ("events", "companies", "early", "state", "low", "mid_high", "exact", "high", "open",
         "with_amount")  # fmt: skip


def _cells_from_rounds(years: list[int], f: Filters) -> Select[Any]:
    # A round has a state-owned investor when it is among the distinct rounds of such
    # investors: an outer join (a hash join on PostgreSQL at any size), where ``IN (subquery)``
    # inside CASE becomes a per-row scan once the subquery outgrows PostgreSQL's work_mem.
    state = rollups.state_owned_rounds()
    query = rounds_query(
        select(
            Round.year.label("year"),
            Organisation.sector.label("sector"),
            Organisation.province.label("province"),
            func.count(Round.id).label("events"),
            func.count(distinct(Round.organisation_id)).label("companies"),
            func.count(case((Round.stage.in_(sorted(EARLY_STAGES)), 1))).label("early"),
            func.count(state.c.round_id).label("state"),
            *rollups.amount_sums(),
        ),
        f,
    )
    return (
        query.outerjoin(state, state.c.round_id == Round.id)
        .where(Round.year.in_(years))
        .group_by(Round.year, Organisation.sector, Organisation.province)
    )


def _cells_from_rollups(years: list[int], f: Filters) -> Select[Any]:
    # One OrgYear row per company with rounds in the year, so counting rows counts companies.
    sums = [func.sum(getattr(OrgYear, k)).label(k) for k in _SUMS if k != "companies"]
    query = select(
        OrgYear.year.label("year"),
        Organisation.sector.label("sector"),
        Organisation.province.label("province"),
        func.count(OrgYear.organisation_id).label("companies"),
        *sums,
    ).join(Organisation, Organisation.id == OrgYear.organisation_id)
    return (
        _orgs(query, f)
        .where(OrgYear.year.in_(years))
        .group_by(OrgYear.year, Organisation.sector, Organisation.province)
    )


def _needs_rounds(f: Filters) -> bool:
    """True when the filters look inside rounds (stage, investor type), which the rollups
    (per company and year) cannot answer."""
    return f.stage is not None or f.investor_type is not None


def _cells(session: Session, years: list[int], f: Filters) -> dict[int, list[Any]]:
    """Counts and amount sums per year, sector and province (year -> rows), in one query, from
    the rollups when the filters allow and from the rounds otherwise (the same figures).

    Every figure of the financing values and of the sector, province and Yangtze delta
    breakdowns is a sum of these cells: an organisation has one sector and one province, so
    its rounds of a year fall in one cell and distinct companies add up too."""
    query = _cells_from_rounds(years, f) if _needs_rounds(f) else _cells_from_rollups(years, f)
    out: dict[int, list[Any]] = {y: [] for y in years}
    for row in session.execute(query):
        out[row.year].append(row)
    return out


def _total(rows: Iterable[Any]) -> SimpleNamespace:
    """The sums of cells (zero for none)."""
    total = dict.fromkeys(_SUMS, 0)
    for row in rows:
        for k in _SUMS:
            total[k] += _int(getattr(row, k))
    return SimpleNamespace(**total)


def _by(rows: list[Any], key: str) -> dict[Any, SimpleNamespace]:
    groups: dict[Any, list[Any]] = {}
    for row in rows:
        groups.setdefault(getattr(row, key), []).append(row)
    return {k: _total(v) for k, v in groups.items()}


def financing_series(
    session: Session, years: Iterable[int], f: Filters
) -> dict[int, dict[str, Any]]:
    """Scalar financing indicators of each of ``years`` (see the indicator definitions), in one
    query grouped by year."""
    wanted = _in_years(years)
    cells = _cells(session, wanted, f)
    return {y: _financing_values(_total(cells[y])) for y in wanted}


def _financing_values(row: Any) -> dict[str, Any]:
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


def _group_dict(row: Any) -> dict[str, Any]:
    return {"events": _int(row.events), "companies": _int(row.companies), **_amounts(row)}


def _top_investors(session: Session, years: list[int], f: Filters) -> dict[int, list[Any]]:
    # Count per investor id and year first (the rollup, or the filtered rounds' links), then
    # rank those counts within each year and fetch the names of the top ones: far less work
    # than grouping the join of every link with its investor. (round_id, investor_id) is the
    # links' primary key, so counting links per investor counts distinct rounds.
    if f == Filters():
        per_investor = (
            select(InvestorYear.year, InvestorYear.investor_id, InvestorYear.events,
                   InvestorYear.led)
            .where(InvestorYear.year.in_(years))
            .subquery()
        )  # fmt: skip
    else:
        per_investor = (
            rounds_query(
                select(
                    Round.year.label("year"),
                    RoundInvestor.investor_id.label("investor_id"),
                    func.count(RoundInvestor.round_id).label("events"),
                    func.count(case((RoundInvestor.lead.is_(True), 1))).label("led"),
                ),
                f,
            )
            .join(RoundInvestor, RoundInvestor.round_id == Round.id)
            .where(Round.year.in_(years))
            .group_by(Round.year, RoundInvestor.investor_id)
            .subquery()
        )
    ranked = (
        select(
            per_investor.c.year,
            Investor.name,
            Investor.kind,
            per_investor.c.events,
            per_investor.c.led,
            func.row_number()
            .over(
                partition_by=per_investor.c.year,
                order_by=(per_investor.c.events.desc(), Investor.name),
            )
            .label("rank"),
        )
        .join(per_investor, per_investor.c.investor_id == Investor.id)
        .subquery()
    )
    investors: dict[int, list[dict[str, Any]]] = {y: [] for y in years}
    for r in session.execute(
        select(ranked).where(ranked.c.rank <= TOP_INVESTORS).order_by(ranked.c.year, ranked.c.rank)
    ):
        investors[r.year].append(
            {"name": r.name, "kind": r.kind, "events": _int(r.events), "led": _int(r.led)}
        )
    return investors


def _breakdowns(cells: list[Any], investors: list[Any]) -> dict[str, Any]:
    by_sector = {k or "unknown": _group_dict(v) for k, v in _by(cells, "sector").items()}
    by_province = [
        {"province": k, **_group_dict(v)}
        for k, v in _by(cells, "province").items()
        if k is not None
    ]
    by_province.sort(key=lambda p: (-p["events"], -p["estimated_fen"], p["province"]))
    delta = _total(r for r in cells if r.province in YANGTZE_DELTA)
    return {
        "by_sector": dict(sorted(by_sector.items())),
        "by_province": by_province[:TOP_PROVINCES],
        "yangtze_delta": _group_dict(delta),
        "most_active_investors": investors,
    }


def breakdowns_series(
    session: Session, years: Iterable[int], f: Filters
) -> dict[int, dict[str, Any]]:
    """Events and amounts by sector, by province (top 10), the Yangtze delta, top investors,
    for each of ``years`` (two queries, grouped by year)."""
    wanted = _in_years(years)
    cells = _cells(session, wanted, f)
    investors = _top_investors(session, wanted, f)
    return {y: _breakdowns(cells[y], investors[y]) for y in wanted}


def _change(now: Any, before: Any) -> float | None:
    if (
        isinstance(now, bool)
        or not isinstance(now, int | float)
        or not isinstance(before, int | float)
    ):
        return None
    return round((now - before) / before, 4) if before else None


def compute_series(
    session: Session, *, years: Iterable[int], filters: Filters | None = None
) -> dict[int, dict[str, Any]]:
    """``compute_indicators`` for each of ``years`` (year -> the same dict), in a fixed number
    of queries whatever the number of years: every query groups by year, and the previous
    year's values and the year-on-year change come from the adjacent year's row."""
    f = (filters or Filters()).check()
    wanted = _in_years(years)
    needed = sorted({*wanted, *(y - 1 for y in wanted)})
    cells = _cells(session, needed, f)
    lst = listings_series(session, needed, f)
    values = {y: _financing_values(_total(cells[y])) | lst[y] for y in needed}
    investors = _top_investors(session, wanted, f)
    parts = {y: _breakdowns(cells[y], investors[y]) for y in wanted}
    out = {}
    for y in wanted:
        now, before = values[y], values[y - 1]
        out[y] = {
            "year": y,
            "filters": asdict(f),
            "values": now,
            "previous": before,
            "change": {k: _change(v, before.get(k)) for k, v in now.items()},
            **parts[y],
        }
    return out


def compute_indicators(
    session: Session, *, year: int, filters: Filters | None = None
) -> dict[str, Any]:
    """Every indicator of ``year`` with the same indicators of the year before and the
    year-on-year change of each scalar ((now - before) / before, None when before is 0)."""
    return compute_series(session, years=[year], filters=filters)[year]
