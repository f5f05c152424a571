"""The queries behind ``quality``: per series, readings and steps from the Parquet store
(DuckDB); series states, conflicts and quarantined readings from SQL. They take devices the
caller was already allowed to read."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pyarrow as pa
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chanrong.telemetry import core
from chanrong.telemetry.models import Device, QuarantinedReading, ReadingConflict, SeriesState
from chanrong.telemetry.store import ParquetStore

GAP_FACTOR = 3
"""A step between two readings of a series longer than this many expected intervals is a gap."""
FUTURE = "future-timestamp"
_CHUNK = 500  # ids per IN (...) query
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def epoch_ms(at: datetime) -> int:
    """An aware instant as epoch milliseconds."""
    return (at - _EPOCH) // timedelta(milliseconds=1)


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for i in range(0, len(ids), _CHUNK):
        yield ids[i : i + _CHUNK]


def configured_interval_ms(device: Device) -> int | None:
    """The device's reporting interval from its config ``interval_seconds`` (a positive number)
    in ms, or None when it is not set (or not a positive number)."""
    value = (device.config or {}).get("interval_seconds")
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        return None
    return max(1, round(value * 1000))


def steps(
    session: Session, store: ParquetStore, devices: list[Device], start_ms: int, end_ms: int
) -> dict[tuple[int, int], tuple[int, int | None, int, int, int]]:
    """Per (device, metric) with readings in the window: (readings, median step, gaps, gap ms,
    longest gap ms), gaps measured against the configured interval or else the median step."""
    wanted = pa.table({
        "device_id": pa.array([d.id for d in devices], pa.int32()),
        "interval_ms": pa.array([configured_interval_ms(d) for d in devices], pa.int64()),
    })  # fmt: skip
    table = store.query(
        session,
        "WITH r AS (SELECT r.device_id, r.metric_id, r.ts_ms - lag(r.ts_ms) OVER "
        "(PARTITION BY r.device_id, r.metric_id ORDER BY r.ts_ms) AS step FROM readings r "
        "JOIN wanted w ON r.device_id = w.device_id WHERE r.ts_ms >= ? AND r.ts_ms < ?), "
        "m AS (SELECT device_id, metric_id, quantile_disc(step, 0.5) AS median FROM r "
        "GROUP BY device_id, metric_id), "
        "g AS (SELECT r.*, m.median, coalesce(w.interval_ms, m.median) * ? AS limit_ms FROM r "
        "JOIN m USING (device_id, metric_id) JOIN wanted w USING (device_id)) "
        "SELECT device_id, metric_id, count(*) AS n, any_value(median) AS median, "
        "count(*) FILTER (WHERE step > limit_ms) AS gaps, "
        "coalesce(sum(step) FILTER (WHERE step > limit_ms), 0)::BIGINT AS gap_ms, "
        "coalesce(max(step) FILTER (WHERE step > limit_ms), 0) AS longest "
        "FROM g GROUP BY device_id, metric_id",
        [start_ms, end_ms, GAP_FACTOR],
        start_ms=start_ms, end_ms=end_ms,
        device_types=sorted({d.device_type for d in devices}), wanted=wanted,
    )  # fmt: skip
    return {
        (row["device_id"], row["metric_id"]): (
            row["n"],
            row["median"],
            row["gaps"],
            row["gap_ms"],
            row["longest"],
        )
        for row in table.to_pylist()
    }


def series_tables(
    session: Session, ids: list[int], start_ms: int, end_ms: int
) -> tuple[dict[tuple[int, int], int], dict[tuple[int, int], int], dict[tuple[int, int], int]]:
    """Per (device, metric): the series' first stored reading ever (epoch ms), its duplicates
    seen ever, and its conflicting readings timed in the window."""
    firsts: dict[tuple[int, int], int] = {}
    duplicates: dict[tuple[int, int], int] = {}
    conflicts: dict[tuple[int, int], int] = {}
    for chunk in _chunks(ids):
        rows = session.execute(
            select(SeriesState.device_id, SeriesState.metric_id, SeriesState.first_ts_ms,
                   SeriesState.duplicates).where(SeriesState.device_id.in_(chunk))
        )  # fmt: skip
        for device_id, metric_id, first, dups in rows:
            firsts[(device_id, metric_id)] = first
            duplicates[(device_id, metric_id)] = dups
        rows = session.execute(
            select(ReadingConflict.device_id, ReadingConflict.metric_id, func.count())
            .where(ReadingConflict.device_id.in_(chunk), ReadingConflict.ts_ms >= start_ms,
                   ReadingConflict.ts_ms < end_ms)
            .group_by(ReadingConflict.device_id, ReadingConflict.metric_id)
        )  # fmt: skip
        for device_id, metric_id, n in rows:
            conflicts[(device_id, metric_id)] = n
    return firsts, duplicates, conflicts


def quarantine(
    session: Session, ids: list[int], start_ms: int, end_ms: int
) -> tuple[dict[int, dict[str, int]], dict[int, list[int]]]:
    """Per device: quarantined readings received in the window by reason (largest first), and
    the lead (ms) of each future-timestamp reading's time over its arrival."""
    counts: dict[int, dict[str, int]] = {}
    leads: dict[int, list[int]] = {}
    since = _EPOCH + timedelta(milliseconds=start_ms)
    until = _EPOCH + timedelta(milliseconds=end_ms)
    window_of = (QuarantinedReading.received_at >= since, QuarantinedReading.received_at < until)
    for chunk in _chunks(ids):
        rows = session.execute(
            select(QuarantinedReading.device_id, QuarantinedReading.reason, func.count())
            .where(QuarantinedReading.device_id.in_(chunk), *window_of)
            .group_by(QuarantinedReading.device_id, QuarantinedReading.reason)
        )
        for device_id, reason, n in rows:
            counts.setdefault(device_id, {})[reason] = n
        rows = session.execute(
            select(QuarantinedReading.device_id, QuarantinedReading.ts,
                   QuarantinedReading.received_at)
            .where(QuarantinedReading.device_id.in_(chunk), QuarantinedReading.reason == FUTURE,
                   *window_of)
        )  # fmt: skip
        for device_id, ts, received_at in rows:
            ts_ms = core.parse_ts(ts)
            if ts_ms is not None:
                leads.setdefault(device_id, []).append(ts_ms - epoch_ms(received_at))
    ordered = {
        d: dict(sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))) for d, c in counts.items()
    }
    return ordered, leads
