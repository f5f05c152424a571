"""HTTP ingest of readings and the quarantine listing, included in the telemetry router
(/api/v1/telemetry)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from chanrong.http import Tx
from chanrong.http import settings as app_settings
from chanrong.parties.auth import Caller
from chanrong.settings import Settings
from chanrong.telemetry import intake, payloads
from chanrong.telemetry.store import ParquetStore

router = APIRouter(tags=["telemetry"])

_BATCH_SCHEMA = {
    "type": "object",
    "required": ["readings"],
    "properties": {
        "readings": {
            "type": "array",
            "maxItems": payloads.MAX_HTTP_READINGS,
            "items": {
                "type": "object",
                "required": ["device", "metric", "ts", "value"],
                "properties": {
                    "device": {"type": "string", "example": "88.1001.12/SM-0001"},
                    "metric": {"type": "string", "example": "stitches"},
                    "ts": {"oneOf": [{"type": "integer"}, {"type": "string"}]},
                    "value": {"type": "number"},
                    "unit": {"type": "string"},
                },
            },
        }
    },
}


async def _body(request: Request) -> bytes:
    return await request.body()


class QuarantinedOut(BaseModel):
    """One quarantined reading or payload."""

    model_config = {"from_attributes": True}

    id: int
    received_at: datetime
    channel: str
    source: str
    device: str
    metric: str
    ts: str
    value: str
    reason: str
    detail: str
    payload: str


class QuarantinePage(BaseModel):
    """A page of quarantined readings."""

    items: list[QuarantinedOut]
    total: int
    limit: int
    offset: int


@router.post(
    "/readings",
    openapi_extra={"requestBody": {"required": True,
                                   "content": {"application/json": {"schema": _BATCH_SCHEMA}}}},
)  # fmt: skip
def post_readings(
    body: Annotated[bytes, Depends(_body)],
    session: Tx,
    caller: Caller,
    settings: Annotated[Settings, Depends(app_settings)],
) -> dict[str, object]:
    """Ingest a batch of up to 50,000 readings of the caller's devices through the one
    validation; the answer is the ingest report (received, stored, duplicates, conflicts,
    late, quarantined by reason)."""
    batch = payloads.parse_http_batch(body, source=f"http:party-{caller.party_id}")
    store = ParquetStore(settings.resolved_telemetry_dir())
    return intake.ingest_readings(session, actor=caller, store=store, batch=batch).as_dict()


@router.get("/quarantine", response_model=QuarantinePage)
def quarantine(
    session: Tx,
    caller: Caller,
    reason: str | None = None,
    device: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> object:
    """Quarantined readings of the caller's devices (the platform: all), newest first."""
    items, total = intake.list_quarantine(
        session, actor=caller, reason=reason, device=device, limit=limit, offset=offset
    )
    return {"items": items, "total": total, "limit": limit, "offset": offset}
