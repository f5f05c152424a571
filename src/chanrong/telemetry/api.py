"""HTTP API of telemetry under /api/v1/telemetry: the catalogue and the device registry (the
device commands of ``commands_api`` are included here too)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from chanrong.http import Tx
from chanrong.parties.auth import Caller
from chanrong.telemetry import (
    commands_api,
    ingest_api,
    quality_api,
    rollups_api,
    schemas,
    service,
)

router = APIRouter(prefix="/api/v1/telemetry", tags=["telemetry"])
# Included first: ``/devices/{handle:path}`` below would otherwise also match
# ``/devices/<handle>/commands`` (handles contain a slash, so the path converter is greedy).
router.include_router(commands_api.router)
router.include_router(ingest_api.router)  # POST /readings, GET /quarantine
router.include_router(rollups_api.router)  # GET /rollups
router.include_router(quality_api.router)  # GET /quality, /quality/fleet


@router.get("/types", response_model=list[schemas.DeviceTypeOut])
def device_types(caller: Caller) -> object:
    """The device types the platform knows and the metrics each reports."""
    return [schemas.DeviceTypeOut.of(kind) for kind in service.device_types()]


@router.post("/devices", response_model=schemas.DeviceOut, status_code=201)
def register_device(body: schemas.DeviceIn, session: Tx, caller: Caller) -> object:
    """Register a device on one of the caller's device identifiers (recorded in the ledger)."""
    return service.register_device(
        session, actor=caller, handle=body.handle, device_type=body.device_type, name=body.name
    )


@router.get("/devices", response_model=schemas.DevicePage)
def list_devices(
    session: Tx,
    caller: Caller,
    device_type: str | None = None,
    owner_party_id: int | None = None,
    purpose: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> object:
    """The caller's devices (the platform: everyone's); another owner's list needs the
    ``purpose`` of a live telemetry grant covering its fleet (audited)."""
    items, total = service.list_devices(
        session, actor=caller, device_type=device_type, owner_party_id=owner_party_id,
        purpose=purpose, limit=limit, offset=offset,
    )  # fmt: skip
    return {"items": items, "total": total, "limit": limit, "offset": offset}


@router.get("/devices/{handle:path}", response_model=schemas.DeviceOut)
def get_device(handle: str, session: Tx, caller: Caller, purpose: str | None = None) -> object:
    """One device: for its owner and the platform, or a party naming the ``purpose`` of its live
    telemetry grant (audited)."""
    return service.get_device(session, actor=caller, handle=handle, purpose=purpose)
