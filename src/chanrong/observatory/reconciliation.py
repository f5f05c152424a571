"""Reconciliation: the computed indicators of a dataset against a reference (by default the
report's published 2024 figures, ``data/reference-2024.csv``), with gaps over 10% flagged.

A reference value has a qualifier: ``exact`` (the gap is |computed - value| / value), ``over``
(the true value is at least ``value``: only a computed value below it is a gap) or ``under``
(at most ``value``: only a computed value above it is a gap).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal
from importlib.resources import files
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from chanrong.observatory.errors import ReferenceNotFound
from chanrong.observatory.indicators import compute_indicators

GAP_LIMIT = Decimal("0.10")
REFERENCE_FILE = "reference-2024.csv"
FEN_PER_YI = Decimal(10) ** 10  # 1 亿元 = 10^8 yuan = 10^10 fen


@dataclass(frozen=True)
class ReferenceFigure:
    """One published figure: indicator name, year, value in its unit, qualifier, note."""

    indicator: str
    year: int
    value: Decimal
    unit: str
    qualifier: str
    note: str = ""


def load_reference(path: Path | None = None) -> list[ReferenceFigure]:
    """The reference table (the shipped report figures unless ``path`` names another CSV with the
    columns indicator, year, value, unit, qualifier, note)."""
    text = (
        path.read_text(encoding="utf-8")
        if path
        else (files("chanrong.observatory") / "data" / REFERENCE_FILE).read_text(encoding="utf-8")
    )
    return [
        ReferenceFigure(
            r["indicator"], int(r["year"]), Decimal(r["value"]), r["unit"],
            r["qualifier"], r.get("note") or "",
        )
        for r in csv.DictReader(text.splitlines())
    ]  # fmt: skip


def _lookup(ind: dict[str, Any], name: str) -> Decimal | None:
    """The computed value of a reference indicator, in the reference's unit; None if not
    computed from this dataset."""
    v, sectors = ind["values"], ind["by_sector"]
    provinces = {p["province"]: p for p in ind["by_province"]}
    yi = {
        "ipo_proceeds": v["ipo_proceeds_fen"],
        "ipo_proceeds_average": v["ipo_proceeds_average_fen"],
        "listed_revenue": v["listed_revenue_fen"],
        "listed_profit": v["listed_profit_fen"],
        "financing_amount": v["estimated_fen"],
        "financing_amount_average": v["average_amount_fen"],
        "intelligent_equipment_amount": sectors.get("intelligent_equipment", {}).get(
            "estimated_fen", 0
        ),
        "shanghai_amount": provinces.get("31", {}).get("estimated_fen", 0),
    }
    counts = {
        "listed_companies_year_end": v["listed_companies"],
        "new_listings": v["new_listings"],
        "listed_turned_profitable": v["listed_turned_profitable"],
        "financed_companies": v["companies_financed"],
        "financing_events": v["events"],
        "early_stage_events": v["early_stage_events"],
        "intelligent_equipment_events": sectors.get("intelligent_equipment", {}).get("events", 0),
        "solutions_financed_companies": sectors.get("solutions", {}).get("companies", 0),
        "yangtze_delta_companies": ind["yangtze_delta"]["companies"],
        "yangtze_delta_events": ind["yangtze_delta"]["events"],
        "shanghai_companies": provinces.get("31", {}).get("companies", 0),
        "shanghai_events": provinces.get("31", {}).get("events", 0),
    }
    if name in yi:
        if yi[name] is None:
            return None
        return (Decimal(yi[name]) / FEN_PER_YI).quantize(Decimal("0.0001"))
    if name in counts:
        return Decimal(counts[name])
    if name == "state_owned_participation_share":
        share = v["state_owned_share"]
        return None if share is None else Decimal(str(share)) * 100
    return None


def gap(computed: Decimal, figure: ReferenceFigure) -> Decimal:
    """The relative gap of ``computed`` from the figure, respecting its qualifier (0 when the
    computed value agrees with an ``over``/``under`` bound)."""
    value = figure.value
    if figure.qualifier == "over":
        diff = max(value - computed, Decimal(0))
    elif figure.qualifier == "under":
        diff = max(computed - value, Decimal(0))
    else:
        diff = abs(computed - value)
    if value == 0:
        return Decimal(0) if diff == 0 else Decimal(1)
    return (diff / abs(value)).quantize(Decimal("0.0001"))


def reconcile(
    session: Session, *, year: int, reference: list[ReferenceFigure] | None = None
) -> list[dict[str, Any]]:
    """Each reference figure of ``year`` beside the computed value: gap and ``status``
    (``ok``, ``gap`` over 10%, or ``not_computed`` when the dataset cannot give it)."""
    figures = [f for f in (reference or load_reference()) if f.year == year]
    if not figures:
        raise ReferenceNotFound(f"no reference figures for {year}")
    computed = compute_indicators(session, year=year)
    rows = []
    for figure in figures:
        value = _lookup(computed, figure.indicator)
        row: dict[str, Any] = {
            "indicator": figure.indicator,
            "year": figure.year,
            "reference": str(figure.value),
            "unit": figure.unit,
            "qualifier": figure.qualifier,
            "computed": None if value is None else format(value.normalize(), "f"),
            "gap": None,
            "status": "not_computed",
        }
        if value is not None:
            g = gap(value, figure)
            row["gap"] = format(g.normalize(), "f")
            row["status"] = "gap" if g > GAP_LIMIT else "ok"
        rows.append(row)
    return rows
