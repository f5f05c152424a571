"""The rollup part of ``bench/telemetry.py``: the hourly rollup of a week of readings against
one DuckDB ``GROUP BY`` over the same Parquet files (the floor), and the correction of the
rollups that 1,000 late readings touch.

A fleet of D sewing machines reports its stitch counter about every 10 s for 7 days (1,000
devices: 60,480,000 readings; times jitter by up to 1 s and the stitches per tick vary),
ingested through ``ingest.ingest_batch`` (untimed: part 1 measures it), which marks every
device-hour dirty. The store is then compacted as ``chanrong telemetry compact`` does once the
days are closed (timed, reported), and the compiled rollup kernel loaded (reported). Timed
against the floor (best of two each): ``rollups.roll_up`` over all dirty hours (the incremental
job after such a load) and ``rollups.rebuild`` of the whole week (the full rebuild, which the
target is about). Then 1,000 late readings at random device-hours of the week (5 s after a
stored reading, with the counter value between its neighbours) are ingested and ``roll_up``
recomputes exactly the hours they touched (and the next hour of each whose counter use starts
from a changed last reading).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

HOUR_MS = 3_600_000
STEP_MS = 10_000
LATE_READINGS = 1_000
TARGET_FLOOR_RATIO = 2.0
TARGET_LATE_S = 0.5

FLOOR_SQL = """
SELECT device_id, metric_id, ts_ms // 3600000 AS hour, count(*) AS n, min(value) AS lo,
       max(value) AS hi, avg(value) AS mean, arg_max(value, ts_ms) AS last,
       max(value) - min(value) AS use
FROM readings
GROUP BY ALL
"""
"""The floor: one pass computing per device, metric and hour what the rollup keeps first."""


def _noise(t: np.ndarray, dev: np.ndarray, salt: int, below: int) -> np.ndarray:
    """Deterministic pseudo-random integers in [0, ``below``) per (tick, device)."""
    h = (t * 2_654_435_761 + dev.astype(np.int64) * 40_503 + salt * 97_531) & 0xFFFFFFFF
    h = (h ^ (h >> 13)) * 1_274_126_177 & 0xFFFFFFFF
    return (h >> 8) % below


def week_table(handles: list[str], start_ms: int, first: int, end: int) -> pa.Table:
    """Ticks ``first`` to ``end`` (about 10 s apart from ``start_ms``) of every device's stitch
    counter, time-major, as a ``RAW_SCHEMA`` table (a slice at a time keeps memory bounded).
    Like real machines, times jitter (up to 1 s after the tick) and the stitches per tick vary
    (150 to 450): tick t reads 300 t + a jitter below 150."""
    from chanrong.telemetry.batch import RAW_SCHEMA

    ticks = np.arange(first, end, dtype=np.int64)
    d = len(handles)
    t = np.repeat(ticks, d)
    dev = np.tile(np.arange(d, dtype=np.int32), len(ticks))
    n = len(t)
    return pa.Table.from_arrays(
        [
            pa.DictionaryArray.from_arrays(pa.array(dev), pa.array(handles)).cast(pa.string()),
            pa.array(["stitches"] * n, pa.string()),
            pa.array(start_ms + t * STEP_MS + _noise(t, dev, 1, 1_000)),
            pa.array((t * 300 + _noise(t, dev, 2, 150)).astype(np.float64)),
            pa.nulls(n, pa.string()),
            pa.array(np.arange(1, n + 1, dtype=np.int64)),
        ],
        schema=RAW_SCHEMA,
    )


def late_table(handles: list[str], ticks: int, start_ms: int, seed: int) -> pa.Table:
    """``LATE_READINGS`` readings 5 s after random stored ones, between their neighbours (in
    time: stored ones are at most 1 s after their tick; in value: 300 t + 150 + a jitter below
    150 lies between tick t's and tick t + 1's)."""
    from chanrong.telemetry.batch import RAW_SCHEMA

    rng = np.random.default_rng(seed)
    dev = rng.integers(0, len(handles), LATE_READINGS)
    t = rng.choice(ticks - 1, LATE_READINGS, replace=False)
    n = LATE_READINGS
    return pa.Table.from_arrays(
        [
            pa.array([handles[i] for i in dev.tolist()], pa.string()),
            pa.array(["stitches"] * n, pa.string()),
            pa.array(start_ms + t * STEP_MS + 5_000),
            pa.array((t * 300 + 150 + _noise(t, dev, 3, 150)).astype(np.float64)),
            pa.nulls(n, pa.string()),
            pa.array(np.arange(1, n + 1, dtype=np.int64)),
        ],
        schema=RAW_SCHEMA,
    )


def warm_up() -> None:
    """Load the compiled rollup kernel (from numba's cache, or compile it)."""
    from chanrong.telemetry import rollups_core as rc

    one = np.array([0], dtype=np.int64)
    rc.hours_of((one + 1) << rc.METRIC_BITS | 2, one + 10**12, one, one, one - 1, one,
                cap_ms=900_000)  # fmt: skip


def run_rollup_part(
    f: dict[str, Any], url: str, workdir: Path, handles: list[str], days: int, problems: list[str]
) -> None:
    """Load the week, then time ``roll_up`` against the floor, then the late readings."""
    from chanrong import db as db_module
    from chanrong.telemetry import rollups
    from chanrong.telemetry.batch import RawBatch
    from chanrong.telemetry.ingest import ingest_batch
    from chanrong.telemetry.store import ParquetStore

    ticks = days * 24 * HOUR_MS // STEP_MS
    start_ms = 1_780_000_000_000 // HOUR_MS * HOUR_MS
    now_ms = start_ms + ticks * STEP_MS
    per_batch = max(1, 1_000_000 // len(handles))
    database, store = db_module.Database(url), ParquetStore(workdir / "rollup-store")
    try:
        stored = 0
        load_started = time.perf_counter()
        for first in range(0, ticks, per_batch):
            table = week_table(handles, start_ms, first, min(first + per_batch, ticks))
            with database.transaction() as session:
                stored += ingest_batch(session, store, RawBatch(table, "file", "week"),
                                       now_ms=now_ms).stored  # fmt: skip
        f["rollup_readings"] = stored
        f["rollup_load_s"] = round(time.perf_counter() - load_started, 1)
        if stored != ticks * len(handles):
            problems.append(f"rollup load stored {stored:,} of {ticks * len(handles):,}")

        # As `chanrong telemetry compact` does once the days are closed: one sorted,
        # delta-encoded file per partition. Everything below reads those files.
        with database.transaction() as session:
            started = time.perf_counter()
            done = store.compact(session, closed_before=datetime.fromtimestamp(now_ms / 1000, UTC).date()
                                 + timedelta(days=1))  # fmt: skip
            f["compact_s"] = round(time.perf_counter() - started, 1)
        f["compacted_files"] = done.files_replaced
        # The compiled rollup kernel loads once per process (a worker pays it at start).
        started = time.perf_counter()
        warm_up()
        f["kernel_load_s"] = round(time.perf_counter() - started, 2)

        with database.transaction() as session:
            files = store.files(session)
            started = time.perf_counter()
            report = rollups.roll_up(session, store)
            f["rollup_s"] = round(time.perf_counter() - started, 2)
        f["rollup_device_hours"] = report.device_hours
        floors = []
        for _ in range(2):
            started = time.perf_counter()
            floor = store.run(files, FLOOR_SQL)
            floors.append(time.perf_counter() - started)
        f["rollup_floor_s"] = round(min(floors), 2)
        f["rollup_floor_groups"] = floor.num_rows
        f["rollup_incremental_ratio"] = round(f["rollup_s"] / f["rollup_floor_s"], 2)
        rebuilds = []
        for _ in range(2):
            with database.transaction() as session:
                started = time.perf_counter()
                rollups.rebuild(session, store, start_ms=start_ms, end_ms=now_ms)
                rebuilds.append(time.perf_counter() - started)
        f["rebuild_s"] = round(min(rebuilds), 2)
        f["rollup_floor_ratio"] = round(f["rebuild_s"] / f["rollup_floor_s"], 2)
        if report.device_hours < floor.num_rows:
            problems.append(f"roll_up recomputed {report.device_hours:,} device-hours, "
                            f"the floor has {floor.num_rows:,}")  # fmt: skip

        late = late_table(handles, ticks, start_ms, seed=len(handles))
        with database.transaction() as session:
            started = time.perf_counter()
            result = ingest_batch(session, store, RawBatch(late, "file", "late"), now_ms=now_ms)
            f["late_ingest_s"] = round(time.perf_counter() - started, 3)
        with database.transaction() as session:
            started = time.perf_counter()
            report = rollups.roll_up(session, store)
            f["late_rollup_s"] = round(time.perf_counter() - started, 3)
        f["late_stored"], f["late_device_hours"] = result.late, report.device_hours
        if result.late != LATE_READINGS:
            problems.append(f"late readings: {result.as_dict()}")
    finally:
        database.dispose()
