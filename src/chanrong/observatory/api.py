"""``/api/v1/observatory``: indicators, deals, the review list, reconciliation (any authenticated
caller) and deal imports (platform administrators). Amounts are integer fen."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, UploadFile

from chanrong.http import Tx
from chanrong.kit import tabular
from chanrong.observatory import service
from chanrong.observatory.errors import UnknownIndicatorFilter
from chanrong.parties.auth import Caller
from chanrong.parties.reference import province_code

router = APIRouter(prefix="/api/v1/observatory", tags=["observatory"])


def _filters(
    sector: str | None, province: str | None, stage: str | None, investor_type: str | None
) -> service.Filters:
    code = province_code(province) if province else None
    if province and code is None:
        raise UnknownIndicatorFilter(
            f"unknown province {province!r}", field="province", rule="enum"
        )
    return service.Filters(sector=sector, province=code, stage=stage, investor_type=investor_type)


@router.get("/indicators")
def indicators(
    session: Tx,
    caller: Caller,
    year: int,
    sector: str | None = None,
    province: str | None = None,
    stage: str | None = None,
    investor_type: str | None = None,
) -> dict[str, Any]:
    """A year's indicators, the year before, and the year-on-year change of each."""
    where = _filters(sector, province, stage, investor_type)
    return service.compute_indicators(session, year=year, filters=where)


@router.get("/deals")
def deals(
    session: Tx,
    caller: Caller,
    year: int | None = None,
    sector: str | None = None,
    province: str | None = None,
    stage: str | None = None,
    investor_type: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """Financing rounds, newest first, with the same filters as the indicators."""
    where = _filters(sector, province, stage, investor_type)
    items, total = service.list_deals(session, year=year, filters=where, limit=limit, offset=offset)
    return {"items": items, "total": total, "limit": limit, "offset": offset}


@router.get("/reconciliation")
def reconciliation(session: Tx, caller: Caller, year: int = 2024) -> dict[str, Any]:
    """The computed indicators beside the report's published figures; gaps over 10% flagged."""
    return {"year": year, "rows": service.reconcile(session, year=year)}


@router.get("/review")
def review(session: Tx, caller: Caller) -> dict[str, Any]:
    """Uncertain company-name matches waiting for a person."""
    return {"items": service.list_review(session)}


@router.post("/imports")
def import_deals(file: UploadFile, session: Tx, caller: Caller) -> dict[str, object]:
    """Import deal records from a CSV or XLSX upload (platform administrators)."""
    rows = tabular.read_rows(file.file, filename=file.filename or "upload.csv")
    return service.import_deal_rows(session, actor=caller, rows=rows).as_dict()
