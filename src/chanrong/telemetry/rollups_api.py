"""HTTP API of rollups, included in the telemetry router (/api/v1/telemetry):
``GET /rollups?device=HANDLE|device_type=T&metric=&start=&end=&grain=hour|day``."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from chanrong.http import Tx
from chanrong.parties.auth import Caller
from chanrong.telemetry import core, rollups_query
from chanrong.telemetry.errors import InvalidRollupQuery

router = APIRouter(tags=["telemetry"])


class RollupOut(BaseModel):
    """A series' figures over one hour or UTC day. Values are integers in units of
    10^-``scale`` of ``unit`` (``mean`` is sum / readings, as a float of those units); times
    are epoch ms and RFC 3339; ``state_seconds`` maps a state code to seconds in it."""

    device: str | None
    devices: int
    metric: str
    unit: str
    kind: str
    scale: int
    grain: str
    start_ms: int
    readings: int
    min: int | None
    max: int | None
    sum: int
    mean: float | None
    last_ts_ms: int | None
    last: int | None
    counter_use: int | None
    resets: int
    gaps: int
    gap_seconds: float
    state_seconds: dict[str, float] | None


def to_out(r: rollups_query.Rollup) -> RollupOut:
    """The API shape of a rollup."""
    return RollupOut(
        device=r.device, devices=r.devices, metric=r.metric.name, unit=r.metric.unit,
        kind=r.metric.kind, scale=r.metric.scale, grain=r.grain, start_ms=r.start_ms,
        readings=r.readings, min=r.min_value, max=r.max_value, sum=r.sum_value,
        mean=None if r.mean is None else float(r.mean), last_ts_ms=r.last_ts_ms,
        last=r.last_value, counter_use=r.counter_use, resets=r.resets, gaps=r.gaps,
        gap_seconds=r.gap_ms / 1000,
        state_seconds=None if r.state_ms is None
        else {str(code): ms / 1000 for code, ms in sorted(r.state_ms.items())},
    )  # fmt: skip


def parse_when(text: str, field: str, *, end: bool = False) -> int:
    """``text`` as epoch ms: RFC 3339 with a zone, epoch ms, or a date (its UTC midnight; as an
    ``end``, the midnight after it, so the day is included)."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        ms = core.parse_ts(text)
        if ms is None:
            raise InvalidRollupQuery(
                f"{field} must be RFC 3339 with a zone, epoch ms or a date (YYYY-MM-DD)",
                field=field, rule="datetime",
            ) from None  # fmt: skip
        return ms
    if end:
        day += timedelta(days=1)
    return (day - date(1970, 1, 1)).days * core.MS_PER_DAY


@router.get("/rollups", response_model=list[RollupOut])
def rollups(
    session: Tx,
    caller: Caller,
    start: str,
    end: str,
    device: Annotated[list[str] | None, Query()] = None,
    device_type: str | None = None,
    owner_party_id: int | None = None,
    metric: str | None = None,
    grain: str = "hour",
    purpose: str | None = None,
) -> object:
    """Rollups of one or more devices (``device``, repeatable) or sums over a fleet
    (``device_type`` and/or ``owner_party_id``) in [start, end) by hour or UTC day."""
    start_ms, end_ms = parse_when(start, "start"), parse_when(end, "end", end=True)
    if grain not in rollups_query.GRAINS:
        raise InvalidRollupQuery("grain must be hour or day", field="grain", rule="enum")
    if device:
        found = rollups_query.device_rollups(
            session, actor=caller, handles=device, metric=metric, start_ms=start_ms,
            end_ms=end_ms, grain=grain, purpose=purpose,  # type: ignore[arg-type]
        )  # fmt: skip
    elif device_type or owner_party_id is not None:
        found = rollups_query.fleet_rollups(
            session, actor=caller, device_type=device_type, owner_party_id=owner_party_id,
            metric=metric, start_ms=start_ms, end_ms=end_ms, grain=grain,  # type: ignore[arg-type]
            purpose=purpose,
        )  # fmt: skip
    else:
        raise InvalidRollupQuery("name a device or a fleet (device_type, owner_party_id)",
                                 field="device", rule="required")  # fmt: skip
    return [to_out(r) for r in found]
