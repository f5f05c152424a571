"""``/api/v1/observatory``: indicators, deals, the review list, reconciliation (any authenticated
caller), deal imports and review decisions (platform administrators). Amounts are integer fen."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, UploadFile

from chanrong.http import Tx
from chanrong.kit import tabular
from chanrong.observatory import schemas, service
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


@router.get("/indicators", response_model=schemas.Indicators)
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


@router.get("/deals", response_model=schemas.DealPage)
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


@router.get("/reconciliation", response_model=schemas.Reconciliation)
def reconciliation(session: Tx, caller: Caller, year: int = 2024) -> dict[str, Any]:
    """The computed indicators beside the report's published figures; gaps over 10% flagged."""
    return {"year": year, "rows": service.reconcile(session, year=year)}


@router.get("/review", response_model=schemas.ReviewList)
def review(session: Tx, caller: Caller) -> dict[str, Any]:
    """Uncertain company-name matches waiting for a person."""
    return {"items": service.list_review(session)}


@router.post("/review/{item_id}/accept", response_model=schemas.ReviewItem)
def accept_review(
    item_id: Annotated[int, Path(ge=1, le=2**31 - 1)], session: Tx, caller: Caller
) -> dict[str, Any]:
    """Accept a review item: its organisation is merged into the candidate (platform
    administrators). Answers the decided item."""
    return service.accept_review(session, item_id=item_id, actor=caller)


@router.post("/review/{item_id}/reject", response_model=schemas.ReviewItem)
def reject_review(
    item_id: Annotated[int, Path(ge=1, le=2**31 - 1)], session: Tx, caller: Caller
) -> dict[str, Any]:
    """Reject a review item: different companies; the pair is not listed again (platform
    administrators). Answers the decided item."""
    return service.reject_review(session, item_id=item_id, actor=caller)


@router.post("/imports", response_model=schemas.ImportReport)
def import_deals(
    file: UploadFile, session: Tx, caller: Caller, kind: str = "deals"
) -> dict[str, object]:
    """Import deals, listings, financials or investor types (``kind``) from a CSV or XLSX
    upload (platform administrators)."""
    rows = tabular.read_rows(file.file, filename=file.filename or "upload.csv")
    return service.import_rows(session, actor=caller, kind=kind, rows=rows).as_dict()
