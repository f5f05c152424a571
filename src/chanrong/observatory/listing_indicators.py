"""The observatory's yearly listing indicators (docs/observatory-indicators.md): listed companies
at each year end, new listings by board, IPO proceeds, listed companies' revenue and profit.
Money is fen.

Like ``indicators`` (which adds them to every year's figures), every query groups by year in the
database. Listing indicators honour the sector and province filters only; ``_orgs`` applies
them and ``indicators`` uses it for the financing rollups too, with the small helpers below.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    case,
    cast,
    distinct,
    extract,
    func,
    literal_column,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from chanrong.observatory.models import Financials, Listing, Organisation

if TYPE_CHECKING:
    from chanrong.observatory.indicators import Filters


def _int(value: Any) -> int:
    return int(value or 0)


def _in_years(years: Iterable[int]) -> list[int]:
    return sorted({int(y) for y in years})


def _orgs(query: Select[Any], f: Filters) -> Select[Any]:
    if f.sector:
        query = query.where(Organisation.sector == f.sector)
    if f.province:
        query = query.where(Organisation.province == f.province)
    return query


def _year_of(day: Any) -> ColumnElement[int]:
    """The calendar year of a date column (on SQLite and PostgreSQL alike)."""
    return cast(extract("year", day), Integer)


def _listed_at_end_of(year: Any) -> ColumnElement[bool]:
    """Listed on or before 31 December of ``year`` and not delisted by then."""
    return and_(
        _year_of(Listing.listed_on) <= year,
        or_(Listing.delisted_on.is_(None), _year_of(Listing.delisted_on) > year),
    )


def _years_table(years: list[int]) -> Any:
    """The years as a one-column table (literal integers, the same on every database)."""
    rows = [select(literal_column(str(int(y)), Integer).label("year")) for y in years]
    return (rows[0] if len(rows) == 1 else union_all(*rows)).subquery("years")


def listings_series(
    session: Session, years: Iterable[int], f: Filters
) -> dict[int, dict[str, Any]]:
    """Listed companies at each year end, new listings by board, IPO proceeds, listed
    companies' revenue and profit of the year, for each of ``years`` (three queries)."""
    wanted = _in_years(years)
    calendar = _years_table(wanted)
    listed_query = _orgs(
        select(calendar.c.year, func.count(distinct(Listing.organisation_id)))
        .select_from(calendar)
        .join(Listing, _listed_at_end_of(calendar.c.year))
        .join(Organisation, Organisation.id == Listing.organisation_id),
        f,
    ).group_by(calendar.c.year)
    listed = {y: n for y, n in session.execute(listed_query)}
    listed_year = _year_of(Listing.listed_on)
    new = _orgs(
        select(
            listed_year.label("year"),
            Listing.board,
            func.count(Listing.id).label("n"),
            func.sum(Listing.ipo_proceeds_fen).label("proceeds"),
            func.count(Listing.ipo_proceeds_fen).label("with_proceeds"),
        )
        .select_from(Listing)
        .join(Organisation, Organisation.id == Listing.organisation_id),
        f,
    ).where(listed_year.in_(wanted))
    boards: dict[int, list[Any]] = {y: [] for y in wanted}
    for r in session.execute(new.group_by(listed_year, Listing.board)):
        boards[r.year].append(r)
    previous = aliased(Financials)
    listed_then = (
        select(Listing.id)
        .where(Listing.organisation_id == Financials.organisation_id)
        .where(_listed_at_end_of(Financials.year))
        .exists()
    )
    fin_query = _orgs(
        select(
            Financials.year.label("year"),
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
                previous.year == Financials.year - 1,
            ),
        ),
        f,
    ).where(Financials.year.in_(wanted), listed_then)
    fin = {r.year: r for r in session.execute(fin_query.group_by(Financials.year))}
    out = {}
    for y in wanted:
        rows = sorted(boards[y], key=lambda r: r.board)
        proceeds = sum(_int(r.proceeds) for r in rows)
        with_proceeds = sum(_int(r.with_proceeds) for r in rows)
        year_fin = fin.get(y)
        out[y] = {
            "listed_companies": _int(listed.get(y)),
            "new_listings": sum(_int(r.n) for r in rows),
            "new_listings_by_board": {r.board: _int(r.n) for r in rows},
            "ipo_proceeds_fen": proceeds,
            "ipo_proceeds_average_fen": proceeds // with_proceeds if with_proceeds else None,
            "listed_with_financials": _int(year_fin.n) if year_fin else 0,
            "listed_revenue_fen": _int(year_fin.revenue) if year_fin else 0,
            "listed_profit_fen": _int(year_fin.profit) if year_fin else 0,
            "listed_turned_profitable": _int(year_fin.turned) if year_fin else 0,
        }
    return out
