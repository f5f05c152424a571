"""HTTP API of data quality, included in the telemetry router (/api/v1/telemetry): one device's
quality over a window, and a fleet's (worst devices first, sums per device type and owner).
Figures and units: docs/telemetry-quality.md."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from chanrong import clock
from chanrong.http import Tx
from chanrong.http import settings as app_settings
from chanrong.parties.auth import Caller
from chanrong.settings import Settings
from chanrong.telemetry import quality
from chanrong.telemetry.store import ParquetStore

router = APIRouter(tags=["telemetry"])
_TIME = "epoch milliseconds or RFC 3339 with a zone"


class SeriesQualityOut(BaseModel):
    """One series' quality in the window."""

    metric: str = Field(description="metric name, or its id when the catalogue lacks it")
    readings: int = Field(description="readings stored with a timestamp in the window")
    interval_ms: int | None = Field(description="expected interval, ms (None: unknown)")
    interval_source: str = Field(description="config, observed, or empty when unknown")
    expected: int | None
    completeness_bp: int | None = Field(description="stored / expected, basis points")
    gaps: int
    gap_ms: int
    longest_gap_ms: int
    duplicates: int = Field(description="exact repeats seen over the series' whole life")
    conflicts: int = Field(description="conflicting readings timed in the window")


class SkewOut(BaseModel):
    """Readings quarantined as future-timestamp in the window and their lead over arrival."""

    future_readings: int
    max_ahead_ms: int | None
    median_ahead_ms: int | None


class DeviceQualityOut(BaseModel):
    """A device's quality over [start_ms, end_ms)."""

    handle: str
    device_type: str
    owner_party_id: int
    start_ms: int
    end_ms: int
    readings: int
    expected: int | None
    completeness_bp: int | None
    gaps: int
    gap_ms: int
    longest_gap_ms: int
    duplicates: int
    conflicts: int
    quarantined: dict[str, int] = Field(description="received in the window, by reason")
    skew: SkewOut
    series: list[SeriesQualityOut]
    hourly: list[tuple[int, int]] = Field(
        description="(UTC hour in epoch ms, readings stored) for every hour of the window"
    )


class GroupQualityOut(BaseModel):
    """A device type's or an owner's devices, summed."""

    key: str
    devices: int
    readings: int
    completeness_bp: int | None
    gaps: int
    quarantined: int
    conflicts: int
    future_readings: int
    max_ahead_ms: int | None


class FleetQualityOut(BaseModel):
    """A fleet's quality: devices worst first, sums per type and per owner."""

    start_ms: int
    end_ms: int
    total: int
    truncated: bool
    quarantined: dict[str, int]
    by_type: list[GroupQualityOut]
    by_owner: list[GroupQualityOut]
    devices: list[DeviceQualityOut]


def _device_out(q: quality.DeviceQuality) -> DeviceQualityOut:
    d = q.device
    return DeviceQualityOut(
        handle=d.handle, device_type=d.device_type, owner_party_id=d.owner_party_id,
        start_ms=q.start_ms, end_ms=q.end_ms, readings=q.readings, expected=q.expected,
        completeness_bp=q.completeness_bp, gaps=q.gaps, gap_ms=q.gap_ms,
        longest_gap_ms=q.longest_gap_ms, duplicates=q.duplicates, conflicts=q.conflicts,
        quarantined=q.quarantined,
        skew=SkewOut(future_readings=q.skew.future_readings, max_ahead_ms=q.skew.max_ahead_ms,
                     median_ahead_ms=q.skew.median_ahead_ms),
        series=[SeriesQualityOut(
            metric=s.metric.name if s.metric else str(s.metric_id), readings=s.readings,
            interval_ms=s.interval_ms, interval_source=s.interval_source, expected=s.expected,
            completeness_bp=s.completeness_bp, gaps=s.gaps, gap_ms=s.gap_ms,
            longest_gap_ms=s.longest_gap_ms, duplicates=s.duplicates, conflicts=s.conflicts,
        ) for s in q.series],
        hourly=q.hourly,
    )  # fmt: skip


def _group_out(g: quality.GroupQuality) -> GroupQualityOut:
    return GroupQualityOut(**vars(g))


@router.get("/quality", response_model=DeviceQualityOut)
def device_quality(
    session: Tx,
    caller: Caller,
    settings: Annotated[Settings, Depends(app_settings)],
    device: Annotated[str, Query(max_length=170, description="the device's identifier")],
    start: Annotated[str | None, Query(description=_TIME)] = None,
    end: Annotated[str | None, Query(description=_TIME)] = None,
    purpose: str | None = None,
) -> object:
    """A device's data quality over [start, end) (default: the 7 days to the end of this hour):
    completeness, gaps, duplicates, conflicts, quarantined readings by reason, clock skew and
    readings per hour. Owner, platform, or the ``purpose`` of a telemetry grant (audited)."""
    now = clock.now()
    start_ms, end_ms = quality.window(start, end, now=now)
    found = quality.device_quality(
        session, ParquetStore.from_settings(settings), actor=caller, handle=device,
        start_ms=start_ms, end_ms=end_ms, purpose=purpose, now=now,
    )  # fmt: skip
    return _device_out(found)


@router.get("/quality/fleet", response_model=FleetQualityOut)
def fleet_quality(
    session: Tx,
    caller: Caller,
    settings: Annotated[Settings, Depends(app_settings)],
    device_type: str | None = None,
    owner_party_id: int | None = None,
    start: Annotated[str | None, Query(description=_TIME)] = None,
    end: Annotated[str | None, Query(description=_TIME)] = None,
    purpose: str | None = None,
) -> object:
    """The data quality of the caller's devices (the platform: everyone's; another owner's under
    the ``purpose`` of a fleet-wide telemetry grant), worst first, with sums per device type and
    per owner."""
    now = clock.now()
    start_ms, end_ms = quality.window(start, end, now=now)
    fleet = quality.fleet_quality(
        session, ParquetStore.from_settings(settings), actor=caller, start_ms=start_ms,
        end_ms=end_ms, device_type=device_type, owner_party_id=owner_party_id, purpose=purpose,
        now=now,
    )  # fmt: skip
    return FleetQualityOut(
        start_ms=fleet.start_ms, end_ms=fleet.end_ms, total=fleet.total,
        truncated=fleet.truncated, quarantined=fleet.quarantined,
        by_type=[_group_out(g) for g in fleet.by_type],
        by_owner=[_group_out(g) for g in fleet.by_owner],
        devices=[_device_out(d) for d in fleet.devices],
    )  # fmt: skip
