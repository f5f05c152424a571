"""The bulk load of a SYNTHETIC deal dataset (``synthetic_deals.DealGenerator``) into the
observatory tables, for large sizes (a million rounds): SQLAlchemy Core executemany in batches,
ids after the largest present, duplicate reports already merged into one round with both sources,
amounts normalised by ``normalise.parse_amount`` cached by phrase, the rollups refreshed once at
the end. ``DealGenerator.insert_into`` calls it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import String, func, insert, select, text
from sqlalchemy.orm import Session

from chanrong.observatory import rollups
from chanrong.observatory.errors import SyntheticAlreadyLoaded
from chanrong.observatory.models import (
    Financials,
    Investor,
    Listing,
    Organisation,
    Round,
    RoundInvestor,
)
from chanrong.observatory.normalise import AmountResult, parse_amount
from chanrong.observatory.synthetic_deals import DealGenerator, source_label


@lru_cache(maxsize=65536)
def normalised(phrase: str, year: int) -> AmountResult:
    """``parse_amount`` cached by phrase and year (the FX rate depends on the year)."""
    return parse_amount(phrase, year=year)


def insert_into(
    generator: DealGenerator,
    session: Session,
    *,
    batch: int = 20_000,
    tick: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Bulk-insert everything into the observatory tables (ids after the largest present);
    duplicate reports are merged (one round, both sources). ``tick(n)`` after each batch of
    ``n`` rounds. Flushes through Core executemany, never commits."""
    conn = session.connection()
    present = conn.execute(
        select(func.count(Round.id)).where(Round.sources.cast(String).like("%synthetic:%"))
    ).scalar()
    if present:
        raise SyntheticAlreadyLoaded(
            f"The observatory already holds {present:,} synthetic rounds; refused."
        )

    def base(model: Any) -> int:
        return int(conn.execute(select(func.max(model.id))).scalar() or 0)

    org0, inv0, round0 = base(Organisation), base(Investor), base(Round)
    listing0, fin0 = base(Listing), base(Financials)
    listings = generator.listings()
    listed_ids = {row["organisation_id"] for row in listings}

    def chunks(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
        for start in range(0, len(rows), batch):
            yield rows[start : start + batch]

    org_rows = [
        {
            "id": org0 + o.id, "name": o.name, "short_name": o.short_name,
            "former_names": [o.company.legal_name(trade=o.company.former)]
            if o.company.former else [],
            "aliases": [], "uscc": o.company.uscc, "province": o.province, "city": o.city,
            "sector": o.sector,
            "listing_status": "listed" if o.id in listed_ids else "unlisted",
        }
        for o in generator.orgs
    ]  # fmt: skip
    for chunk in chunks(org_rows):
        conn.execute(insert(Organisation), chunk)
    inv_rows = [
        {"id": inv0 + i.id, "name": i.name, "kind": i.kind, "state_level": i.state_level,
         "parent_group": None}
        for i in generator.investors
    ]  # fmt: skip
    for chunk in chunks(inv_rows):
        conn.execute(insert(Investor), chunk)
    for row in listings:
        row["id"] += listing0
        row["organisation_id"] += org0
    fin_rows = generator.financials(listings)  # the listings' organisation ids are final already
    for row in fin_rows:
        row["id"] += fin0
    for model, rows in ((Listing, listings), (Financials, fin_rows)):
        for chunk in chunks(rows):
            conn.execute(insert(model), chunk)
    rounds: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []
    counts = {"rounds": 0, "reports": 0, "round_investors": 0}

    def flush() -> None:
        if rounds:
            conn.execute(insert(Round), rounds)
        if links:
            conn.execute(insert(RoundInvestor), links)
        if tick:
            tick(len(rounds))
        rounds.clear()
        links.clear()

    for e in generator.iter_events():
        a = normalised(e.phrase, e.year)
        end = (
            e.day + timedelta(days=1)
            if e.precision == "day"
            else date(e.year + e.day.month // 12, e.day.month % 12 + 1, 1)
        )
        rid = round0 + e.id
        rounds.append(
            {
                "id": rid, "organisation_id": org0 + e.org, "year": e.year,
                "date_start": e.day, "date_end": end, "date_precision": e.precision,
                "round_label": e.label, "stage": e.stage, "amount_kind": a.status,
                "amount_low_fen": a.low_fen, "amount_high_fen": a.high_fen,
                "amount_text": a.text[:100], "currency": a.currency,
                "original_low": a.original_low, "original_high": a.original_high,
                "fx_rate": a.fx_rate,
                "sources": [source_label(generator.seed, r[0]) for r in e.reports],
            }
        )  # fmt: skip
        links += [
            {"round_id": rid, "investor_id": inv0 + i, "lead": lead} for i, lead in e.investors
        ]
        counts["rounds"] += 1
        counts["reports"] += len(e.reports)
        counts["round_investors"] += len(e.investors)
        if len(rounds) >= batch:
            flush()
    flush()
    if conn.dialect.name == "postgresql":
        for table in ("obs_organisations", "obs_investors", "obs_rounds", "obs_listings",
                      "obs_financials"):  # fmt: skip
            conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
                )
            )
    rollups.refresh(session)
    return counts | {
        "organisations": len(org_rows), "investors": len(inv_rows),
        "listings": len(listings), "financials": len(fin_rows),
    }  # fmt: skip
