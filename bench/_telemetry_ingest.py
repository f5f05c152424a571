"""What ``bench/telemetry.py`` runs in-process: the fleet it registers, the readings it
generates, the ingest it times (batches and files) and the naive SQLite baseline."""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

METRICS = ("sewing_seconds", "stitches", "thread_trims", "power_state")
INTERVAL_MS = 10_000
SEED = 20261127


def cpu_and_wall(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    """(result, CPU seconds of this process, wall seconds) of ``fn()``."""
    c0, w0 = time.process_time(), time.perf_counter()
    result = fn()
    return result, time.process_time() - c0, time.perf_counter() - w0


def seed_fleet(database: Any, prefix: str, count: int) -> list[str]:
    """A party owning ``prefix`` and ``count`` registered sewing machines (through the
    registry's use cases, as ``chanrong simulate --register`` does); their handles."""
    from chanrong.demo.codes import make_uscc
    from chanrong.identifiers import service as identifiers
    from chanrong.parties import service as parties
    from chanrong.principal import Principal
    from chanrong.telemetry.simulator_output import register_fleet

    system = Principal.system()
    handles = [f"{prefix}/SM-{i:05d}" for i in range(1, count + 1)]
    with database.transaction() as session:
        draft = parties.draft_or_raise(
            kind="enterprise", name="基准测试缝纫设备有限公司", province="33", city="宁波市",
            uscc_code=make_uscc(random.Random(SEED), "330200"), industry="C35", size="small",
            roles=["supplier", "sme"],
        )  # fmt: skip
        party = parties.create_party(session, actor=system, draft=draft)
        identifiers.register_prefix(session, actor=system, party_id=party.id, prefix=prefix)
        register_fleet(session, actor=system, devices=[(h, "sewing_machine") for h in handles])
    return handles


def readings_table(handles: list[str], count: int, start_ms: int) -> pa.Table:
    """``count`` readings (rounded down to whole rounds) as a ``RAW_SCHEMA`` table: every
    metric of every device every 10 s, in time order; counters rise, power is on."""
    from chanrong.telemetry.batch import RAW_SCHEMA

    d, m = len(handles), len(METRICS)
    steps = count // (d * m)
    t = np.repeat(np.arange(steps, dtype=np.int64), d * m)
    dev = np.tile(np.repeat(np.arange(d, dtype=np.int32), m), steps)
    met = np.tile(np.arange(m, dtype=np.int32), steps * d)
    value = np.select([met == 0, met == 1, met == 2], [t * 7.0, t * 300.0 + dev, t // 3 * 1.0], 1.0)
    n = len(t)
    return pa.Table.from_arrays(
        [
            pa.DictionaryArray.from_arrays(pa.array(dev), pa.array(handles)).cast(pa.string()),
            pa.DictionaryArray.from_arrays(pa.array(met), pa.array(METRICS)).cast(pa.string()),
            pa.array(start_ms + t * INTERVAL_MS),
            pa.array(value),
            pa.nulls(n, pa.string()),
            pa.array(np.arange(1, n + 1, dtype=np.int64)),
        ],
        schema=RAW_SCHEMA,
    )


def ingest_table(url: str, store_dir: Path, table: pa.Table, batch: int, now_ms: int) -> Any:
    """``ingest_batch`` over ``table`` in slices of ``batch``, one transaction each; the
    summed report."""
    from chanrong import db as db_module
    from chanrong.telemetry.batch import IngestReport, RawBatch
    from chanrong.telemetry.ingest import ingest_batch
    from chanrong.telemetry.store import ParquetStore

    database, store, report = db_module.Database(url), ParquetStore(store_dir), IngestReport()
    try:
        for start in range(0, table.num_rows, batch):
            raw = RawBatch(table.slice(start, batch), "file", "bench")
            with database.transaction() as session:
                report.add(ingest_batch(session, store, raw, now_ms=now_ms))
    finally:
        database.dispose()
    return report


def ingest_file(url: str, store_dir: Path, path: Path, now_ms: int) -> Any:
    """A file through ``files.read_file`` and ``ingest_batch`` (``chanrong telemetry ingest``)."""
    from chanrong import db as db_module
    from chanrong.telemetry.batch import IngestReport
    from chanrong.telemetry.files import read_file
    from chanrong.telemetry.ingest import ingest_batch
    from chanrong.telemetry.store import ParquetStore

    database, store, report = db_module.Database(url), ParquetStore(store_dir), IngestReport()
    try:
        for raw in read_file(path):
            with database.transaction() as session:
                report.add(ingest_batch(session, store, raw, now_ms=now_ms))
    finally:
        database.dispose()
    return report


def stored_rows(url: str, store_dir: Path) -> int:
    """Rows in the store's listed files (DuckDB)."""
    from chanrong import db as db_module
    from chanrong.telemetry.store import ParquetStore

    database = db_module.Database(url)
    try:
        with database.transaction(write=False) as session:
            return int(
                ParquetStore(store_dir)
                .query(session, "SELECT count(*) FROM readings")[0][0]
                .as_py()
            )
    finally:
        database.dispose()


def naive_sqlite(table: pa.Table, path: Path) -> tuple[int, float, float]:
    """Row-by-row ``INSERT OR IGNORE`` of ``table`` into a SQLite table keyed by (device,
    metric, ts), in one transaction: (rows stored, CPU s, wall s)."""
    rows = list(zip(*(table.column(c).to_pylist() for c in ("device", "metric", "ts_ms", "value")),
                    strict=True))  # fmt: skip
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE readings (device TEXT, metric TEXT, ts_ms INTEGER, value REAL, "
                 "PRIMARY KEY (device, metric, ts_ms))")  # fmt: skip

    def insert() -> None:
        cur = conn.cursor()
        for row in rows:
            cur.execute("INSERT OR IGNORE INTO readings VALUES (?, ?, ?, ?)", row)
        conn.commit()

    _, cpu, wall = cpu_and_wall(insert)
    count = conn.execute("SELECT count(*) FROM readings").fetchone()[0]
    conn.close()
    return count, cpu, wall
