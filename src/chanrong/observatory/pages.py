"""Console pages of the observatory: the year's indicators with their year-on-year change,
interactive charts, the deals matching the filters, the reconciliation with the report's
published figures, and the review list of uncertain name matches.

Readable by every logged-in user, as the API is; platform administrators decide review items.
Pages only call ``observatory.service``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from chanrong import clock
from chanrong.errors import ChanrongError
from chanrong.http import Tx
from chanrong.money import format_cny, format_cny_en
from chanrong.observatory import service
from chanrong.observatory.models import INVESTOR_KINDS, SECTORS
from chanrong.observatory.stages import STAGES
from chanrong.parties import reference
from chanrong.parties.auth import ConsoleUser
from chanrong.web.i18n import pick, translate
from chanrong.web.pages import language, render, sign_in

router = APIRouter(include_in_schema=False)
PAGE = 25
TREND_YEARS = 5  # events and amount
STATE_YEARS = 3  # state-owned participation
YEAR_CHOICES = 10
FEN_PER_YI = Decimal(10) ** 10
MAX_ID = 2**31 - 1  # review item ids are 32-bit integers
Text = Annotated[str, Query(max_length=32)]


def amount_text(item: dict[str, Any], lang: str) -> str:
    """A deal's amount for people: the exact amount, its range ``[low, high)``, an open range
    (``≥ low``), or 未披露 / undisclosed."""
    low, high = item["amount_low_fen"], item["amount_high_fen"]
    money = format_cny_en if lang == "en" else format_cny
    if low is None:
        return translate("obs_undisclosed", lang)
    if item["amount_kind"] == "exact" or (high is not None and high - low <= 1):
        return money(low)
    if high is None:
        return f"≥ {money(low)}"
    return f"{money(low)} – {money(high)}"


def _yi(fen: int | None) -> float | None:
    """Fen as 亿元 with two places, for chart axes."""
    return None if fen is None else float((Decimal(fen) / FEN_PER_YI).quantize(Decimal("0.01")))


def total_range(values: dict[str, Any], lang: str) -> str:
    """The year's total amount as a range: low – high in 亿元 (``≥ low`` when a band is open)."""
    low, high = values["estimated_low_fen"], values["estimated_high_fen"]
    lo = format_cny_en(low) if lang == "en" else format_cny(low, unit="亿元")
    if high is None:
        return f"≥ {lo}"
    hi = format_cny_en(high) if lang == "en" else format_cny(high, unit="亿元")
    return lo if hi == lo else f"{lo} – {hi}"


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.1f}%"


def _tiles(ind: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    """The indicator tiles: label, value, the value's detail line, year-on-year change."""
    v, change = ind["values"], ind["change"]
    money = format_cny_en if lang == "en" else format_cny
    average = v["average_amount_fen"]
    return [
        {"key": "events", "value": v["events"],
         "detail": translate("obs_undisclosed_n", lang).replace("{n}", str(v["undisclosed_events"])),
         "change": change["events"]},
        {"key": "companies_financed", "value": v["companies_financed"], "detail": "",
         "change": change["companies_financed"]},
        {"key": "total_amount", "value": total_range(v, lang),
         "detail": translate("obs_estimate", lang) + " " + money(v["estimated_fen"]),
         "change": change["estimated_fen"]},
        {"key": "average_amount", "value": "—" if average is None else money(average),
         "detail": "", "change": change["average_amount_fen"]},
        {"key": "early_stage_share", "value": _percent(v["early_stage_share"]),
         "detail": translate("obs_events_n", lang).replace("{n}", str(v["early_stage_events"])),
         "change": change["early_stage_share"]},
        {"key": "state_owned_share", "value": _percent(v["state_owned_share"]),
         "detail": translate("obs_events_n", lang).replace("{n}", str(v["state_owned_events"])),
         "change": change["state_owned_share"]},
    ]  # fmt: skip


def _by_year(
    session: Session, year: int, f: service.Filters
) -> tuple[dict[str, Any], dict[int, Any]]:
    """The indicators of ``year`` and the values of the five years up to it (one
    ``compute_series`` call: a fixed number of queries grouped by year)."""
    series = service.compute_series(
        session, years=range(year - TREND_YEARS + 1, year + 1), filters=f
    )
    return series[year], {y: ind["values"] for y, ind in series.items()}


def _charts(
    ind: dict[str, Any], values: dict[int, Any], year: int, lang: str, link: str
) -> dict[str, Any]:
    """The chart points (data-series) of the page."""
    years = range(year - TREND_YEARS + 1, year + 1)
    return {
        "trend": [
            {"name": str(y), "value": values[y]["events"], "line": _yi(values[y]["estimated_fen"])}
            for y in years
        ],
        "sectors": [
            {"name": translate(f"obs_sector_{key}", lang), "value": row["events"]}
            for key, row in ind["by_sector"].items()
            if row["events"]
        ],
        "state": [
            {
                "name": str(y),
                "value": round((values[y]["state_owned_share"] or 0) * 100, 1),
                "count": values[y]["state_owned_events"],
            }
            for y in range(year - STATE_YEARS + 1, year + 1)
        ],
        "provinces": [
            {
                "name": pick(reference.PROVINCES[p["province"]], lang)
                if p["province"] in reference.PROVINCES
                else p["province"],
                "value": p["events"],
                "href": f"{link}province={p['province']}",
            }
            for p in ind["by_province"]
        ],
    }


def _latest_year(session: Session) -> int:
    """The year of the newest deal (this year when there is none)."""
    newest, _total = service.list_deals(session, limit=1)
    return int(newest[0]["date"][:4]) if newest else clock.today().year


@router.get("/observatory", response_class=HTMLResponse)
def observatory_home(
    request: Request,
    session: Tx,
    who: ConsoleUser,
    year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
    sector: Text = "",
    province: Text = "",
    stage: Text = "",
    investor_type: Text = "",
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    """Indicator tiles, charts and the deals of a year, filtered."""
    sign_in(request, who)
    lang = language(request)
    latest = _latest_year(session)
    year = year or latest
    f = service.Filters(
        sector=sector or None, province=province or None, stage=stage or None,
        investor_type=investor_type or None,
    ).check()  # fmt: skip
    ind, values = _by_year(session, year, f)
    deals, total = service.list_deals(session, year=year, filters=f, limit=PAGE, offset=offset)
    chosen = {"year": year, "sector": sector, "province": province, "stage": stage,
              "investor_type": investor_type}  # fmt: skip
    query = urlencode({k: v for k, v in chosen.items() if v})
    no_province = urlencode({k: v for k, v in chosen.items() if v and k != "province"})
    for deal in deals:
        deal["amount_display"] = amount_text(deal, lang)
    return render(request, "observatory/index.html", {
        "chosen": chosen, "year": year,
        "years": sorted({*range(latest - YEAR_CHOICES + 1, latest + 1), year}, reverse=True),
        "sectors": SECTORS, "stages": STAGES, "investor_kinds": INVESTOR_KINDS,
        "filtered": any(v for k, v in chosen.items() if k != "year"),
        "tiles": _tiles(ind, lang), "ind": ind,
        "charts": _charts(ind, values, year, lang, f"/observatory?{no_province}&"),
        "deals": deals, "total": total, "offset": offset, "page": PAGE,
        "page_base": f"/observatory?{query}&offset=",
    })  # fmt: skip


@router.get("/observatory/reconciliation", response_class=HTMLResponse)
def reconciliation_page(
    request: Request,
    session: Tx,
    who: ConsoleUser,
    year: Annotated[int, Query(ge=1990, le=2100)] = 2024,
) -> Response:
    """The computed indicators beside the report's published figures; gaps over 10% flagged."""
    sign_in(request, who)
    rows = service.reconcile(session, year=year)
    for row in rows:
        row["gap_percent"] = None if row["gap"] is None else f"{Decimal(row['gap']) * 100:.1f}%"
    counts = {s: sum(1 for r in rows if r["status"] == s) for s in ("ok", "gap", "not_computed")}
    return render(
        request, "observatory/reconciliation.html", {"year": year, "rows": rows, "counts": counts}
    )


@router.get("/observatory/review", response_class=HTMLResponse)
def review_page(request: Request, session: Tx, who: ConsoleUser) -> Response:
    """Uncertain company-name matches waiting for a person; platform administrators accept
    (merge) or reject them."""
    principal = sign_in(request, who)
    return render(request, "observatory/review.html", {
        "items": service.list_review(session), "can_decide": principal.is_platform_admin,
    })  # fmt: skip


def _decide(request: Request, session: Session, who: Any, item_id: int, accept: bool) -> Response:
    """Accept or reject an item. htmx gets the decided row back (or the row with the reason it
    was refused: htmx swaps only 2xx answers); a plain form post goes back to the list, and a
    refusal shows as the error page."""
    principal = sign_in(request, who)
    decide = service.accept_review if accept else service.reject_review
    if request.headers.get("hx-request") != "true":
        decide(session, item_id=item_id, actor=principal)
        return RedirectResponse("/observatory/review", status_code=303)
    try:
        with session.begin_nested():  # a refused decision leaves nothing behind
            item = decide(session, item_id=item_id, actor=principal)
    except ChanrongError as error:
        found = service.review.listed(session, status=None, ids=[item_id])
        if not found:
            raise
        item, refused = found[0], error
    else:
        refused = None
    return render(request, "observatory/_review_row.html", {
        "r": item, "can_decide": principal.is_platform_admin, "refused": refused,
    })  # fmt: skip


@router.post("/observatory/review/{item_id}/accept", response_class=HTMLResponse)
def accept_review(
    item_id: Annotated[int, Path(ge=1, le=MAX_ID)], request: Request, session: Tx, who: ConsoleUser
) -> Response:
    """Accept a review item: its organisation is merged into the candidate."""
    return _decide(request, session, who, item_id, accept=True)


@router.post("/observatory/review/{item_id}/reject", response_class=HTMLResponse)
def reject_review(
    item_id: Annotated[int, Path(ge=1, le=MAX_ID)], request: Request, session: Tx, who: ConsoleUser
) -> Response:
    """Reject a review item: different companies, not listed again."""
    return _decide(request, session, who, item_id, accept=False)
