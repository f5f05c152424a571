"""Observatory use cases: import deals, classify investors, list deals and the review list, load
the shipped sample, compute indicators and reconcile them with a reference.

Services take a session and never commit. Money is integer fen.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from importlib.resources import files
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chanrong.errors import Invalid
from chanrong.kit import tabular
from chanrong.observatory import review, rollups
from chanrong.observatory.errors import UnknownIndicatorFilter
from chanrong.observatory.importing import ImportResult, import_deals
from chanrong.observatory.importing_listings import (
    UpsertResult,
    import_financials,
    import_investors,
    import_listings,
)
from chanrong.observatory.indicators import (
    Filters,
    compute_indicators,
    compute_series,
    rounds_query,
)
from chanrong.observatory.models import (
    INVESTOR_KINDS,
    STATE_LEVELS,
    Investor,
    Organisation,
    Round,
    RoundInvestor,
)
from chanrong.observatory.reconciliation import load_reference, reconcile
from chanrong.parties.service import require_platform_admin
from chanrong.principal import Principal

__all__ = [
    "IMPORT_KINDS",
    "Filters",
    "ImportResult",
    "UpsertResult",
    "accept_review",
    "compute_indicators",
    "compute_series",
    "import_deals",
    "import_rows",
    "list_deals",
    "list_review",
    "load_reference",
    "load_sample",
    "reconcile",
    "reject_review",
    "set_investor",
]
SAMPLE_FILE = "named-deals.csv"
INVESTORS_FILE = "investors.csv"


IMPORT_KINDS = ("deals", "listings", "financials", "investors")


def import_rows(
    session: Session,
    *,
    actor: Principal,
    kind: str,
    rows: Iterable[tuple[int, Mapping[str, str]]],
    mapping: Mapping[str, str] | None = None,
) -> ImportResult | UpsertResult:
    """Import a file of ``kind`` (``IMPORT_KINDS``: deals; listings with exchange, board,
    dates and IPO proceeds; yearly revenue and net profit; investor types, every change
    through ``set_investor``) for a platform administrator (the API and CLI edge)."""
    if kind not in IMPORT_KINDS:
        raise Invalid(
            f"unknown import kind {kind!r} (one of {', '.join(IMPORT_KINDS)})",
            field="kind",
            rule="enum",
        )
    require_platform_admin(actor)
    if kind == "deals":
        return import_deals(session, rows=rows, mapping=mapping)
    if kind == "listings":
        return import_listings(session, rows=rows, mapping=mapping)
    if kind == "financials":
        return import_financials(session, rows=rows, mapping=mapping)
    return import_investors(session, rows=rows, mapping=mapping, classify=set_investor)


def set_investor(
    session: Session,
    *,
    name: str,
    kind: str,
    state_level: str | None = None,
    parent_group: str | None = None,
) -> Investor:
    """Create or classify an investor: type (models.INVESTOR_KINDS) and, for state-owned ones,
    the level of the state background (models.STATE_LEVELS)."""
    if kind not in INVESTOR_KINDS:
        raise UnknownIndicatorFilter(f"unknown investor type {kind!r}", field="kind", rule="enum")
    if state_level is not None and state_level not in STATE_LEVELS:
        raise UnknownIndicatorFilter(
            f"unknown state level {state_level!r}", field="state_level", rule="enum"
        )
    investor = session.scalar(select(Investor).where(Investor.name == name))
    if investor is None:
        investor = Investor(name=name)
        session.add(investor)
    retyped = investor.kind != kind and investor.id is not None
    investor.kind, investor.state_level, investor.parent_group = kind, state_level, parent_group
    session.flush()
    if retyped:  # the state-owned share of its rounds' companies may change
        rollups.refresh_investor(session, investor.id)
    return investor


def load_sample(session: Session) -> ImportResult:
    """Import the deals the report names (``data/named-deals.csv``) and classify the investors
    of ``data/investors.csv``. Running it again changes nothing."""
    data = files("chanrong.observatory") / "data"
    rows = tabular.read_rows(data.joinpath(SAMPLE_FILE).open("rb"), filename=SAMPLE_FILE)
    result = import_deals(session, rows=rows)
    for row in csv.DictReader(data.joinpath(INVESTORS_FILE).read_text("utf-8").splitlines()):
        set_investor(
            session, name=row["name"], kind=row["kind"],
            state_level=row["state_level"] or None, parent_group=row["parent_group"] or None,
        )  # fmt: skip
    return result


def list_deals(
    session: Session,
    *,
    year: int | None = None,
    filters: Filters | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """Rounds (newest first) with their company and investors, and the total count."""
    f = (filters or Filters()).check()
    query = rounds_query(select(Round, Organisation), f)
    count_query = rounds_query(select(func.count(Round.id)), f)
    if year is not None:
        query, count_query = query.where(Round.year == year), count_query.where(Round.year == year)
    total = session.scalar(count_query) or 0
    page = list(
        session.execute(
            query.order_by(Round.date_start.desc(), Round.id.desc()).limit(limit).offset(offset)
        )
    )
    ids = [r.id for r, _ in page]
    investors: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    if ids:
        links = session.execute(
            select(RoundInvestor.round_id, Investor.name, Investor.kind, RoundInvestor.lead)
            .join(Investor, Investor.id == RoundInvestor.investor_id)
            .where(RoundInvestor.round_id.in_(ids))
            .order_by(Investor.name)
        )
        for round_id, name, kind, lead in links:
            investors[round_id].append({"name": name, "kind": kind, "lead": lead})
    items = [
        {
            "id": r.id, "company": org.name, "organisation_id": org.id, "province": org.province,
            "sector": org.sector, "date": r.date_start.isoformat(),
            "date_precision": r.date_precision, "round_label": r.round_label, "stage": r.stage,
            "amount_kind": r.amount_kind, "amount_low_fen": r.amount_low_fen,
            "amount_high_fen": r.amount_high_fen, "amount_text": r.amount_text,
            "currency": r.currency, "fx_rate": None if r.fx_rate is None else str(r.fx_rate),
            "sources": list(r.sources), "investors": investors[r.id],
        }
        for r, org in page
    ]  # fmt: skip
    return items, total


def list_review(session: Session, *, status: str = "open") -> list[dict[str, Any]]:
    """The review list of uncertain name matches, with the name, province and sector of the
    organisation each name was imported under and of the candidate (``review.listed``)."""
    return review.listed(session, status=status)


def accept_review(session: Session, *, item_id: int, actor: Principal) -> dict[str, Any]:
    """Accept a review item: merge its organisation into the candidate (``review.accept``)."""
    return review.accept(session, item_id=item_id, actor=actor)


def reject_review(session: Session, *, item_id: int, actor: Principal) -> dict[str, Any]:
    """Reject a review item: different companies, not listed again (``review.reject``)."""
    return review.reject(session, item_id=item_id, actor=actor)
