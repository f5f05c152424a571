"""Data quality of devices over a time window: completeness, gaps, duplicates, conflicts,
quarantined readings by reason and clock skew, per device and for a fleet (by device type and
by owner, worst devices first). docs/telemetry-quality.md defines every figure.

Readings are counted with DuckDB over the store's Parquet (pruned to the window and the device
types asked); duplicates, conflicts and quarantined readings come from their SQL tables. Access
is the registry's: ``service.get_device`` for one device, ``service.list_devices`` for a fleet
(owner, platform, or the purpose of a consent grant).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from chanrong.principal import Principal
from chanrong.telemetry import catalogue, core, service
from chanrong.telemetry import quality_data as data
from chanrong.telemetry.errors import InvalidWindow
from chanrong.telemetry.models import Device
from chanrong.telemetry.store import ParquetStore

DEFAULT_DAYS = 7
MAX_WINDOW_DAYS = 31
FLEET_LIMIT = 5_000
"""Most devices one fleet summary covers (the first by handle; ``FleetQuality.truncated``)."""
FULL = 10_000  # completeness is in basis points: 10,000 is 100 %
_ms = data.epoch_ms


def window(start: str | int | None, end: str | int | None, *, now: datetime) -> tuple[int, int]:
    """The window [start, end) in epoch ms from epoch ms or RFC 3339 text with a zone; by
    default the ``DEFAULT_DAYS`` days up to the end of the current UTC hour."""
    bounds = []
    for name, given in (("start", start), ("end", end)):
        ms = None if given in (None, "") else core.parse_ts(given)
        if given not in (None, "") and ms is None:
            raise InvalidWindow(
                f"{name} must be epoch milliseconds or RFC 3339 with a zone", field=name,
                rule="format",
            )  # fmt: skip
        bounds.append(ms)
    end_ms = bounds[1]
    if end_ms is None:
        end_ms = -(-_ms(now) // core.MS_PER_HOUR) * core.MS_PER_HOUR
    start_ms = bounds[0] if bounds[0] is not None else end_ms - DEFAULT_DAYS * core.MS_PER_DAY
    if end_ms <= start_ms:
        raise InvalidWindow("end must be after start", field="end", rule="order")
    if end_ms - start_ms > MAX_WINDOW_DAYS * core.MS_PER_DAY:
        raise InvalidWindow(
            f"the window may span at most {MAX_WINDOW_DAYS} days", field="end", rule="max_window"
        )
    return start_ms, end_ms


@dataclass(frozen=True)
class SeriesQuality:
    """One series (device, metric) in the window. ``interval_ms`` is the expected interval
    (from the device's ``interval_seconds`` config, else the median observed step; None when
    neither is known); ``expected`` the readings that interval asks for in the part of the window
    after the series' first reading and before now; ``completeness_bp`` stored / expected in
    basis points (capped at 10,000); gaps are steps longer than ``GAP_FACTOR`` intervals (ms);
    ``duplicates`` the exact repeats seen over the series' whole life (only totals are kept);
    ``conflicts`` the conflicting readings with a timestamp in the window."""

    metric: catalogue.Metric | None
    metric_id: int
    readings: int
    interval_ms: int | None
    interval_source: str  # "config", "observed" or "" (unknown)
    expected: int | None
    completeness_bp: int | None
    gaps: int
    gap_ms: int
    longest_gap_ms: int
    duplicates: int
    conflicts: int


@dataclass(frozen=True)
class Skew:
    """How far a device's clock ran ahead of arrival, from its readings quarantined as
    ``future-timestamp`` in the window: how many, and the largest and (lower) median lead in ms
    of their timestamp over the time they were received (None without such readings)."""

    future_readings: int = 0
    max_ahead_ms: int | None = None
    median_ahead_ms: int | None = None


@dataclass(frozen=True)
class DeviceQuality:
    """The quality of one device over [``start_ms``, ``end_ms``): its series and their sums
    (completeness over the series with a known interval), quarantined readings by reason
    (received in the window), clock skew, and with ``hourly`` its stored readings per UTC hour
    (epoch ms of the hour, count; every hour of the window, empty ones included)."""

    device: Device
    start_ms: int
    end_ms: int
    series: list[SeriesQuality]
    quarantined: dict[str, int]
    skew: Skew
    hourly: list[tuple[int, int]] = field(default_factory=list)

    @property
    def readings(self) -> int:
        """Readings stored with a timestamp in the window."""
        return sum(s.readings for s in self.series)

    @property
    def expected(self) -> int | None:
        """Readings expected over the series with a known interval (None: none has one)."""
        known = [s.expected for s in self.series if s.expected]
        return sum(known) if known else None

    @property
    def completeness_bp(self) -> int | None:
        """Stored / expected in basis points, each series counting at most its expected."""
        return _ratio(self.series)

    @property
    def gaps(self) -> int:
        return sum(s.gaps for s in self.series)

    @property
    def gap_ms(self) -> int:
        return sum(s.gap_ms for s in self.series)

    @property
    def longest_gap_ms(self) -> int:
        return max((s.longest_gap_ms for s in self.series), default=0)

    @property
    def duplicates(self) -> int:
        return sum(s.duplicates for s in self.series)

    @property
    def conflicts(self) -> int:
        return sum(s.conflicts for s in self.series)

    @property
    def quarantined_total(self) -> int:
        return sum(self.quarantined.values())


def _ratio(series: Iterable[SeriesQuality]) -> int | None:
    known = [s for s in series if s.expected]
    if not known:
        return None
    expected = sum(s.expected or 0 for s in known)
    return sum(min(s.readings, s.expected or 0) for s in known) * FULL // expected


def worst_first(item: DeviceQuality) -> tuple[Any, ...]:
    """Sort key, worst device first: unknown completeness (nothing to measure it by), then the
    lowest completeness, then the most quarantined, gaps, conflicts and future readings."""
    bp = item.completeness_bp
    return (bp is not None, bp or 0, -item.quarantined_total, -item.gaps, -item.conflicts,
            -item.skew.future_readings, item.device.handle)  # fmt: skip


def device_quality(
    session: Session,
    store: ParquetStore,
    *,
    actor: Principal,
    handle: str,
    start_ms: int,
    end_ms: int,
    purpose: str | None = None,
    now: datetime,
) -> DeviceQuality:
    """The quality of the device ``handle`` over [``start_ms``, ``end_ms``) (epoch ms, UTC) with
    its readings per hour; ``now`` bounds what is expected. Readable by its owner, the
    platform, or with the ``purpose`` of a telemetry grant (``service.get_device``, audited)."""
    device = service.get_device(session, actor=actor, handle=handle, purpose=purpose)
    [quality] = _measure(session, store, [device], start_ms, end_ms, now)
    counts = store.query(
        session,
        "SELECT ts_ms // 3600000 * 3600000 AS hour, count(*) AS n FROM readings "
        "WHERE device_id = ? AND ts_ms >= ? AND ts_ms < ? GROUP BY 1",
        [device.id, start_ms, end_ms],
        start_ms=start_ms, end_ms=end_ms, device_types=[device.device_type],
    ).to_pydict()  # fmt: skip
    per_hour = dict(zip(counts["hour"], counts["n"], strict=True))
    first = start_ms // core.MS_PER_HOUR * core.MS_PER_HOUR
    hours = range(first, end_ms, core.MS_PER_HOUR)
    return replace(quality, hourly=[(h, per_hour.get(h, 0)) for h in hours])


@dataclass(frozen=True)
class GroupQuality:
    """The devices of one device type or one owner, summed: completeness over every series
    with a known interval, gaps, quarantined readings, conflicts, future readings and the
    largest lead of a device clock (ms)."""

    key: str  # device type name, or the owner's party id as text
    devices: int
    readings: int
    completeness_bp: int | None
    gaps: int
    quarantined: int
    conflicts: int
    future_readings: int
    max_ahead_ms: int | None


@dataclass(frozen=True)
class FleetQuality:
    """A fleet's quality over [``start_ms``, ``end_ms``): each device (worst first), the sums
    per device type and per owner (worst first), quarantined readings by reason over the fleet,
    and whether the fleet had more than ``FLEET_LIMIT`` devices (only the first were measured)."""

    start_ms: int
    end_ms: int
    devices: list[DeviceQuality]
    by_type: list[GroupQuality]
    by_owner: list[GroupQuality]
    quarantined: dict[str, int]
    total: int
    truncated: bool


def fleet_quality(
    session: Session,
    store: ParquetStore,
    *,
    actor: Principal,
    start_ms: int,
    end_ms: int,
    device_type: str | None = None,
    owner_party_id: int | None = None,
    purpose: str | None = None,
    now: datetime,
) -> FleetQuality:
    """The quality of the devices the actor may list (``service.list_devices``: its own, the
    platform's choice, or another owner's under the ``purpose`` of a fleet-wide telemetry
    grant), optionally of one ``device_type``, over [``start_ms``, ``end_ms``) (epoch ms)."""
    devices, total = service.list_devices(
        session, actor=actor, device_type=device_type, owner_party_id=owner_party_id,
        purpose=purpose, limit=FLEET_LIMIT,
    )  # fmt: skip
    measured = sorted(_measure(session, store, devices, start_ms, end_ms, now), key=worst_first)
    reasons: Counter[str] = Counter()
    for item in measured:
        reasons.update(item.quarantined)
    return FleetQuality(
        start_ms=start_ms, end_ms=end_ms, devices=measured,
        by_type=_groups(measured, lambda d: d.device.device_type),
        by_owner=_groups(measured, lambda d: str(d.device.owner_party_id)),
        quarantined=dict(sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))),
        total=total, truncated=total > len(devices),
    )  # fmt: skip


def _groups(items: list[DeviceQuality], key: Any) -> list[GroupQuality]:
    grouped: dict[str, list[DeviceQuality]] = {}
    for item in items:
        grouped.setdefault(key(item), []).append(item)
    groups = []
    for name, members in grouped.items():
        leads = [m.skew.max_ahead_ms for m in members if m.skew.max_ahead_ms is not None]
        groups.append(GroupQuality(
            key=name, devices=len(members), readings=sum(m.readings for m in members),
            completeness_bp=_ratio(s for m in members for s in m.series),
            gaps=sum(m.gaps for m in members),
            quarantined=sum(m.quarantined_total for m in members),
            conflicts=sum(m.conflicts for m in members),
            future_readings=sum(m.skew.future_readings for m in members),
            max_ahead_ms=max(leads) if leads else None,
        ))  # fmt: skip
    return sorted(groups, key=lambda g: (g.completeness_bp is not None, g.completeness_bp or 0,
                                         -g.quarantined, -g.gaps, g.key))  # fmt: skip


def _measure(
    session: Session,
    store: ParquetStore,
    devices: list[Device],
    start_ms: int,
    end_ms: int,
    now: datetime,
) -> list[DeviceQuality]:
    """Every figure of ``devices`` (already access-checked) over the window."""
    if not devices:
        return []
    ids = [d.id for d in devices]
    steps = data.steps(session, store, devices, start_ms, end_ms)
    firsts, duplicates, conflicts = data.series_tables(session, ids, start_ms, end_ms)
    quarantined, leads = data.quarantine(session, ids, start_ms, end_ms)
    effective_end = min(end_ms, _ms(now))
    result = []
    for device in devices:
        configured = data.configured_interval_ms(device)
        metric_ids = sorted({m for d, m in firsts if d == device.id}
                            | {m for d, m in steps if d == device.id})  # fmt: skip
        series = []
        for metric_id in metric_ids:
            key = (device.id, metric_id)
            readings, median, gaps, gap_ms, longest = steps.get(key, (0, None, 0, 0, 0))
            interval = configured or median
            expected = bp = None
            if interval:
                begin = max(start_ms, firsts.get(key, start_ms))
                expected = max(0, -(-(effective_end - begin) // interval))
                bp = min(readings, expected) * FULL // expected if expected else None
            series.append(SeriesQuality(
                metric=catalogue.METRICS_BY_ID.get(metric_id), metric_id=metric_id,
                readings=readings, interval_ms=interval,
                interval_source="config" if configured else "observed" if median else "",
                expected=expected, completeness_bp=bp, gaps=gaps, gap_ms=gap_ms,
                longest_gap_ms=longest, duplicates=duplicates.get(key, 0),
                conflicts=conflicts.get(key, 0),
            ))  # fmt: skip
        ahead = sorted(leads.get(device.id, []))
        skew = Skew(len(ahead), ahead[-1], ahead[(len(ahead) - 1) // 2]) if ahead else Skew()
        result.append(DeviceQuality(device=device, start_ms=start_ms, end_ms=end_ms, series=series,
                                    quarantined=quarantined.get(device.id, {}), skew=skew))  # fmt: skip
    return result
