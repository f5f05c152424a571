"""Reading rollups: one device set's hourly or daily rows, or a fleet's sums, for a caller
allowed to see them (owner, platform, or a live ``telemetry`` grant naming its purpose, through
``telemetry.service``). Daily figures are derived here from the hourly rows."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from chanrong.principal import Principal
from chanrong.telemetry import catalogue, service
from chanrong.telemetry.errors import InvalidRollupQuery
from chanrong.telemetry.models import RollupHour

Grain = Literal["hour", "day"]
GRAINS = ("hour", "day")
HOUR_MS = 3_600_000
DAY_MS = 86_400_000
MAX_DEVICES = 10_000


@dataclass
class Rollup:
    """A series' figures over one period (``start_ms``, an hour or a UTC day). Values are in
    units of 10**-``metric.scale`` of the metric's unit; times in epoch ms. ``device`` is the
    handle, or None for a fleet sum over ``devices`` devices (then ``last_*`` are None)."""

    device: str | None
    metric: catalogue.Metric
    grain: Grain
    start_ms: int
    readings: int = 0
    min_value: int | None = None
    max_value: int | None = None
    sum_value: int = 0
    last_ts_ms: int | None = None
    last_value: int | None = None
    counter_use: int | None = None
    resets: int = 0
    gaps: int = 0
    gap_ms: int = 0
    state_ms: dict[int, int] | None = None
    devices: int = 1
    _seen: set[int] = field(default_factory=set, repr=False)

    @property
    def mean(self) -> Fraction | None:
        """The exact mean value (sum / readings), in the metric's integer units."""
        return None if self.readings == 0 else Fraction(self.sum_value, self.readings)

    def add(self, row: Any, device_id: int) -> None:
        """Fold one hourly row (of ``tm_rollup_hours``) into this period."""
        self._seen.add(device_id)
        self.devices = len(self._seen)
        if row.readings:
            self.readings += row.readings
            self.sum_value += row.sum_value
            self.min_value = row.min_value if self.min_value is None else min(self.min_value, row.min_value)  # fmt: skip
            self.max_value = row.max_value if self.max_value is None else max(self.max_value, row.max_value)  # fmt: skip
            if self.device is not None and (self.last_ts_ms or -1) < row.last_ts_ms:
                self.last_ts_ms, self.last_value = row.last_ts_ms, row.last_value
        if row.counter_use is not None:
            self.counter_use = (self.counter_use or 0) + row.counter_use
        self.resets += row.resets
        self.gaps += row.gaps
        self.gap_ms += row.gap_ms
        if row.state_ms is not None:
            states = row.state_ms if isinstance(row.state_ms, dict) else json.loads(row.state_ms)
            self.state_ms = self.state_ms or {}
            for code, ms in states.items():
                self.state_ms[int(code)] = self.state_ms.get(int(code), 0) + int(ms)


def device_rollups(
    session: Session,
    *,
    actor: Principal,
    handles: list[str],
    metric: str | None = None,
    start_ms: int,
    end_ms: int,
    grain: Grain = "hour",
    purpose: str | None = None,
) -> list[Rollup]:
    """The rollups of the devices ``handles`` (each read through ``service.get_device``: owner,
    platform, or the ``purpose`` of a live telemetry grant, audited) over [``start_ms``,
    ``end_ms``) by ``grain``, optionally of one ``metric`` name; by device, metric and period."""
    _check_window(start_ms, end_ms, grain)
    devices = [service.get_device(session, actor=actor, handle=h, purpose=purpose) for h in handles]
    metric_ids = _metric_ids(devices, metric)
    by_id = {d.id: d for d in devices}
    out: dict[tuple[int, int, int], Rollup] = {}
    for row in _rows(session, list(by_id), metric_ids, start_ms, end_ms):
        period = _period(row.hour_ms, grain)
        k = (row.device_id, row.metric_id, period)
        if k not in out:
            out[k] = Rollup(by_id[row.device_id].handle, catalogue.METRICS_BY_ID[row.metric_id],
                            grain, period)  # fmt: skip
        out[k].add(row, row.device_id)
    return [out[k] for k in sorted(out, key=lambda k: (by_id[k[0]].handle, k[1], k[2]))]


def fleet_rollups(
    session: Session,
    *,
    actor: Principal,
    device_type: str | None = None,
    owner_party_id: int | None = None,
    metric: str | None = None,
    start_ms: int,
    end_ms: int,
    grain: Grain = "hour",
    purpose: str | None = None,
) -> list[Rollup]:
    """Sums over a fleet (the devices ``service.fleet`` gives the actor for
    ``device_type`` and ``owner_party_id``; another owner's fleet needs the purpose of a grant
    covering it) per metric and period: readings, counter use, state time, gaps, sum, min, max."""
    _check_window(start_ms, end_ms, grain)
    devices = service.fleet(
        session, actor=actor, device_type=device_type, owner_party_id=owner_party_id,
        purpose=purpose, limit=MAX_DEVICES,
    )  # fmt: skip
    metric_ids = _metric_ids(devices, metric)
    if not devices:
        return []
    out: dict[tuple[int, int], Rollup] = {}
    for row in _rows(session, [d.id for d in devices], metric_ids, start_ms, end_ms):
        period = _period(row.hour_ms, grain)
        k = (row.metric_id, period)
        if k not in out:
            out[k] = Rollup(None, catalogue.METRICS_BY_ID[row.metric_id], grain, period)
        out[k].add(row, row.device_id)
    return [out[k] for k in sorted(out)]


def _check_window(start_ms: int, end_ms: int, grain: str) -> None:
    if grain not in GRAINS:
        raise InvalidRollupQuery("grain must be hour or day", field="grain", rule="enum")
    if end_ms <= start_ms:
        raise InvalidRollupQuery("end must be after start", field="end", rule="after_start")


def _metric_ids(devices: Iterable[Any], metric: str | None) -> list[int] | None:
    if metric is None:
        return None
    ids = {m.id for d in devices if (m := catalogue.metric(d.device_type, metric)) is not None}
    if not ids:
        raise InvalidRollupQuery(f"no device asked for reports the metric {metric!r}",
                                 field="metric", rule="known_metric")  # fmt: skip
    return sorted(ids)


def _period(hour_ms: int, grain: Grain) -> int:
    return hour_ms - hour_ms % (DAY_MS if grain == "day" else HOUR_MS)


def _rows(
    session: Session, device_ids: list[int], metric_ids: list[int] | None, start: int, end: int
) -> Iterable[Any]:
    """The hourly rows of ``device_ids`` with hours overlapping [start, end)."""
    for i in range(0, len(device_ids), 500):
        query = select(RollupHour).where(
            RollupHour.device_id.in_(device_ids[i : i + 500]),
            RollupHour.hour_ms > start - HOUR_MS,
            RollupHour.hour_ms < end,
        )
        if metric_ids is not None:
            query = query.where(RollupHour.metric_id.in_(metric_ids))
        yield from session.execute(query.order_by(RollupHour.hour_ms)).scalars()
