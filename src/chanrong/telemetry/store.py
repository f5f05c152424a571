"""The columnar store of readings: partitioned Parquet files, listed in ``tm_files``, queried
with DuckDB. docs/telemetry-store.md describes the layout for other Parquet engines.

A file is written under a temporary name and renamed into place, then recorded as a
``StoreFile`` in the caller's transaction. Readers read only the files ``tm_files`` lists, so a
file whose transaction rolled back never counts; ``gc`` deletes such orphans once they are old.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from chanrong import clock
from chanrong.settings import Settings
from chanrong.telemetry.core import MS_PER_DAY, MS_PER_HOUR
from chanrong.telemetry.errors import StoreInconsistent
from chanrong.telemetry.models import Device, StoreFile

FILE_SCHEMA = pa.schema(
    [
        ("device_id", pa.int32()),  # tm_devices.id
        ("metric_id", pa.int16()),  # catalogue metric id
        ("ts_ms", pa.int64()),  # milliseconds since the Unix epoch, UTC
        ("value", pa.int64()),  # in units of 10**-scale of the metric's unit
    ]
)
"""The columns of every Parquet file (the partition's day and device type are in its path)."""

STORE_SCHEMA = FILE_SCHEMA.append(pa.field("device_type", pa.dictionary(pa.int8(), pa.string())))
"""Validated readings ready to store: the file columns plus the device type (partition key)."""

READINGS_DIR = "readings"
# Ingest writes snappy (about 1.7x faster to write than zstd here). Compaction adds delta
# encoding (below), after which zstd saves nothing more and is slower to read.
COMPRESSION = "snappy"
COMPACT_COMPRESSION = "snappy"
_DICTIONARY_COLUMNS = ["device_id", "metric_id"]  # only the low-cardinality ids gain from it
# Compacted files hold each series' readings in time order, so times and values (counters
# above all) change by small steps: delta encoding stores them in a few bits each and decodes
# faster than a general-purpose codec inflates them.
_DELTA_COLUMNS = {"ts_ms": "DELTA_BINARY_PACKED", "value": "DELTA_BINARY_PACKED"}
# Small pages with a page index let DuckDB skip the pages of other devices and hours when a
# few device-hours are read (late readings: 1,000 scattered over a week read in a third of the
# time); whole scans do not notice.
_PAGE_ROWS = 8192
_EPOCH_DAY = date(1970, 1, 1)
_GRACE_SECONDS = 3600
_GROUPING_PASSES = 16


def _quoted(paths: list[str]) -> str:
    """``paths`` as a DuckDB list body of string literals."""
    return ", ".join("'" + p.replace("'", "''") + "'" for p in paths)


def _day(days_since_epoch: int) -> date:
    return _EPOCH_DAY + timedelta(days=int(days_since_epoch))


@dataclass(frozen=True)
class Compaction:
    """What ``compact`` did: partitions rewritten, files replaced, rows carried over."""

    partitions: int
    files_replaced: int
    rows: int


class ParquetStore:
    """Readings under ``root``: ``readings/day=YYYY-MM-DD/type=<device type>/<uuid>.parquet``."""

    def __init__(
        self,
        root: Path,
        *,
        compression: str = COMPRESSION,
        compact_compression: str = COMPACT_COMPRESSION,
    ) -> None:
        self.root = Path(root)
        self.compression = compression
        self.compact_compression = compact_compression
        self._duck: duckdb.DuckDBPyConnection | None = None
        self._duck_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> ParquetStore:
        """The store at the configured ``telemetry_dir``."""
        return cls(settings.resolved_telemetry_dir())

    # -- writing ---------------------------------------------------------------------------

    def write(
        self, session: Session, table: pa.Table, *, presorted: bool = False
    ) -> list[StoreFile]:
        """Write ``table`` (``STORE_SCHEMA``) as one file per (UTC day, device type) partition,
        rows sorted by device, metric and time, and record each file in ``tm_files`` (flushed,
        not committed). ``presorted`` says the rows already are in (device, metric, ts) order."""
        if table.num_rows == 0:
            return []
        ts = table.column("ts_ms").to_numpy()
        types = table.column("device_type").combine_chunks()
        type_codes = types.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        type_names = types.dictionary.to_pylist()
        days = ts // MS_PER_DAY
        first_day = int(days.min())
        # Partition key: (type, day) as one small integer, in the order of the pair.
        part = type_codes * (int(days.max()) - first_day + 1) + (days - first_day)
        body = table.select(FILE_SCHEMA.names).cast(FILE_SCHEMA)
        order: np.ndarray | None
        if not presorted:
            device = table.column("device_id").to_numpy()
            metric = table.column("metric_id").to_numpy()
            order = np.lexsort((ts, metric, device, days, type_codes))
        elif np.all(part[1:] >= part[:-1]):
            order = None  # one partition, or already grouped by partition
        else:
            # Group by partition keeping the (device, metric, ts) order inside each: one pass
            # per partition (a batch spans a few) costs less than a stable sort.
            keys = np.flatnonzero(np.bincount(part))
            if len(keys) <= _GROUPING_PASSES:
                order = np.concatenate([np.flatnonzero(part == k) for k in keys.tolist()])
            else:
                order = np.argsort(part, kind="stable")
        if order is not None:
            body = body.take(pa.array(order))
            part, ts = part[order], ts[order]
        bounds = np.flatnonzero(np.diff(part)) + 1
        starts = np.r_[0, bounds]
        ends = np.r_[bounds, len(part)]
        first = starts if order is None else order[starts]
        now = clock.now()
        files = []
        for start, end, at in zip(starts.tolist(), ends.tolist(), first.tolist(), strict=True):
            day = _day(days[at])
            device_type = type_names[type_codes[at]]
            path = self._write_file(body.slice(start, end - start), day, device_type)
            files.append(
                StoreFile(
                    path=path,
                    day=day,
                    device_type=device_type,
                    rows=end - start,
                    min_ts_ms=int(ts[start:end].min()),
                    max_ts_ms=int(ts[start:end].max()),
                    created_at=now,
                )
            )
        session.add_all(files)
        session.flush()
        return files

    def _write_file(
        self,
        body: pa.Table,
        day: date,
        device_type: str,
        *,
        compression: str | None = None,
        compacted: bool = False,
    ) -> str:
        relative = f"{READINGS_DIR}/day={day.isoformat()}/type={device_type}/{uuid.uuid4()}.parquet"
        final = self.root / relative
        final.parent.mkdir(parents=True, exist_ok=True)
        temp = final.with_name(f".{final.name}.tmp")
        pq.write_table(
            body,
            temp,
            compression=compression or self.compression,
            use_dictionary=_DICTIONARY_COLUMNS,
            column_encoding=_DELTA_COLUMNS if compacted else None,
            write_page_index=compacted,
            max_rows_per_page=_PAGE_ROWS if compacted else None,
        )
        os.replace(temp, final)
        return relative

    # -- reading ---------------------------------------------------------------------------

    def files(
        self,
        session: Session,
        *,
        start_ms: int | None = None,
        end_ms: int | None = None,
        device_types: list[str] | None = None,
        days: list[date] | None = None,
    ) -> list[str]:
        """Absolute paths of the listed files that may hold readings in [``start_ms``,
        ``end_ms``) of ``device_types`` on ``days`` (each filter optional)."""
        query = select(StoreFile.path)
        if start_ms is not None:
            query = query.where(StoreFile.max_ts_ms >= start_ms)
            query = query.where(StoreFile.day >= _day(start_ms // MS_PER_DAY))
        if end_ms is not None:
            query = query.where(StoreFile.min_ts_ms < end_ms)
            query = query.where(StoreFile.day <= _day((end_ms - 1) // MS_PER_DAY))
        if device_types is not None:
            query = query.where(StoreFile.device_type.in_(sorted(set(device_types))))
        if days is not None:
            query = query.where(StoreFile.day.in_(sorted(set(days))))
        return [str(self.root / p) for p in session.scalars(query.order_by(StoreFile.path))]

    def files_by_type(
        self, session: Session, *, start_ms: int, end_ms: int
    ) -> dict[str, list[str]]:
        """``files`` that may hold readings in [``start_ms``, ``end_ms``), by device type, each
        list in time order (of the files' first readings)."""
        query = (
            select(StoreFile.device_type, StoreFile.path)
            .where(StoreFile.max_ts_ms >= start_ms, StoreFile.min_ts_ms < end_ms)
            .where(StoreFile.day >= _day(start_ms // MS_PER_DAY))
            .where(StoreFile.day <= _day((end_ms - 1) // MS_PER_DAY))
            .order_by(StoreFile.device_type, StoreFile.min_ts_ms, StoreFile.path)
        )
        grouped: dict[str, list[str]] = {}
        for device_type, path in session.execute(query):
            grouped.setdefault(device_type, []).append(str(self.root / path))
        return grouped

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        # Opening DuckDB costs ~0.1 s; one connection per store, one cursor per query (a cursor
        # is safe to use from its own thread).
        with self._duck_lock:
            if self._duck is None:
                self._duck = duckdb.connect()
            return self._duck.cursor()

    def run(
        self, files: list[str], sql: str, params: list[Any] | None = None, **tables: pa.Table
    ) -> pa.Table:
        """Run ``sql`` over the view ``readings`` (device_id, metric_id, ts_ms, value, day,
        device_type) of exactly ``files``; ``tables`` are Arrow tables visible by their names."""
        cursor = self._cursor()
        try:
            cursor.register("_empty_readings", FILE_SCHEMA.empty_table())
            for name, arrow in tables.items():
                cursor.register(name, arrow)
            if files:
                listed = _quoted(files)
                cursor.execute(
                    "CREATE TEMP VIEW readings AS SELECT device_id, metric_id, ts_ms, value, day, "
                    f'"type" AS device_type FROM read_parquet([{listed}], hive_partitioning=true, '
                    "hive_types={'day': DATE, 'type': VARCHAR})"
                )
            else:
                cursor.execute(
                    "CREATE TEMP VIEW readings AS SELECT device_id, metric_id, ts_ms, value, "
                    "NULL::DATE AS day, NULL::VARCHAR AS device_type FROM _empty_readings"
                )
            return cursor.sql(sql, params=params or None).to_arrow_table()
        finally:
            cursor.close()

    def query(
        self,
        session: Session,
        sql: str,
        params: list[Any] | None = None,
        *,
        start_ms: int | None = None,
        end_ms: int | None = None,
        device_types: list[str] | None = None,
        **tables: pa.Table,
    ) -> pa.Table:
        """Run DuckDB ``sql`` over the view ``readings`` of the listed files that may hold
        readings in the window and types given (the filters only prune files: ``sql`` must
        still say which rows it wants)."""
        files = self.files(session, start_ms=start_ms, end_ms=end_ms, device_types=device_types)
        return self.run(files, sql, params, **tables)

    def readings(
        self, session: Session, device_ids: list[int], start_ms: int, end_ms: int
    ) -> pa.Table:
        """The stored readings (``FILE_SCHEMA``) of ``device_ids`` with ``start_ms`` <= ts_ms <
        ``end_ms``, sorted by device, metric and time."""
        if not device_ids:
            return FILE_SCHEMA.empty_table()
        types = list(
            session.scalars(select(Device.device_type).where(Device.id.in_(device_ids)).distinct())
        )
        wanted = pa.table({"device_id": pa.array(sorted(set(device_ids)), pa.int32())})
        table = self.query(
            session,
            "SELECT r.device_id, r.metric_id, r.ts_ms, r.value FROM readings r "
            "JOIN wanted w ON r.device_id = w.device_id WHERE r.ts_ms >= ? AND r.ts_ms < ? "
            "ORDER BY r.device_id, r.metric_id, r.ts_ms",
            [start_ms, end_ms],
            start_ms=start_ms,
            end_ms=end_ms,
            device_types=types,
            wanted=wanted,
        )
        return table.cast(FILE_SCHEMA)

    def device_hours(self, session: Session, pairs: Iterable[tuple[int, int]]) -> pa.Table:
        """The stored readings (``FILE_SCHEMA``) of the device-hours ``pairs`` ((device_id,
        hour_ms), hour_ms a whole UTC hour), sorted by device, metric and time.

        One scan per day of the devices with a pair that day, in one DuckDB query: partition
        pruning skips other days and types, and the device list and time span skip the row
        groups and (in compacted files) the pages of other devices and hours."""
        pairs = set(pairs)
        if not pairs:
            return FILE_SCHEMA.empty_table()
        devices = sorted({d for d, _h in pairs})
        types = list(session.scalars(
            select(Device.device_type).where(Device.id.in_(devices)).distinct()
        ))  # fmt: skip
        by_day: dict[int, list[tuple[int, int]]] = {}
        for d, h in pairs:
            by_day.setdefault(h // MS_PER_DAY, []).append((d, h))
        query = select(StoreFile.day, StoreFile.path).where(
            StoreFile.day.in_([_day(k) for k in by_day]), StoreFile.device_type.in_(types)
        )
        day_files: dict[date, list[str]] = {}
        for day, path in session.execute(query.order_by(StoreFile.path)):
            day_files.setdefault(day, []).append(str(self.root / path))
        scans = []
        for k, day_pairs in sorted(by_day.items()):
            paths = day_files.get(_day(k))
            if not paths:
                continue
            listed = ",".join(str(d) for d in sorted({d for d, _h in day_pairs}))
            lo = min(h for _d, h in day_pairs)
            hi = max(h for _d, h in day_pairs) + MS_PER_HOUR
            # Each file on its own: a partition filter on a view of them all would open every
            # file once per day, and a multi-file scan of a compacted file and the small files
            # written since skips no pages (a third slower for 1,000 scattered device-hours).
            scans += [
                "SELECT r.device_id, r.metric_id, r.ts_ms, r.value "
                f"FROM read_parquet([{_quoted([path])}]) r "
                "SEMI JOIN wanted w ON r.device_id = w.device_id AND r.ts_ms // 3600000 = w.hour "
                f"WHERE r.device_id IN ({listed}) AND r.ts_ms >= {lo} AND r.ts_ms < {hi}"
                for path in paths
            ]
        if not scans:
            return FILE_SCHEMA.empty_table()
        wanted = pa.table({
            "device_id": pa.array([d for d, _h in pairs], pa.int32()),
            "hour": pa.array([h // MS_PER_HOUR for _d, h in pairs], pa.int64()),
        })  # fmt: skip
        table = self.run([], " UNION ALL ".join(scans), wanted=wanted)
        return table.cast(FILE_SCHEMA).sort_by(
            [("device_id", "ascending"), ("metric_id", "ascending"), ("ts_ms", "ascending")]
        )

    def lookup(self, session: Session, keys: pa.Table) -> pa.Table:
        """The stored readings (``FILE_SCHEMA``) with the keys (device_id, metric_id, ts_ms)
        of ``keys`` (read through ``device_hours`` of the keys' device-hours)."""
        if keys.num_rows == 0:
            return FILE_SCHEMA.empty_table()
        device = keys.column("device_id").to_numpy()
        hour = keys.column("ts_ms").to_numpy() // MS_PER_HOUR * MS_PER_HOUR
        pairs = set(zip(device.tolist(), hour.tolist(), strict=True))
        stored = self.device_hours(session, pairs)
        wanted = keys.select(["device_id", "metric_id", "ts_ms"]).cast(
            pa.schema([f for f in FILE_SCHEMA if f.name != "value"])
        )
        return stored.join(wanted, ["device_id", "metric_id", "ts_ms"], join_type="left semi")

    # -- upkeep ----------------------------------------------------------------------------

    def compact(
        self, session: Session, *, min_files: int = 8, closed_before: date | None = None
    ) -> Compaction:
        """Rewrite every partition holding at least ``min_files`` files, and every partition of
        a day before ``closed_before`` holding two or more, as one file with the same rows
        (delta-encoded, with a page index), replacing their ``tm_files`` rows in this
        transaction. The old files stay on disk (touched now) so that readers who listed them
        still find them; ``gc`` deletes them once they are older than its grace period."""
        counted = func.count(StoreFile.id)
        wanted = counted >= min_files
        if closed_before is not None:
            wanted = wanted | ((StoreFile.day < closed_before) & (counted >= 2))
        partitions = session.execute(
            select(StoreFile.day, StoreFile.device_type)
            .group_by(StoreFile.day, StoreFile.device_type)
            .having(wanted)
        ).all()
        rewritten = replaced = rows = 0
        for day, device_type in partitions:
            old = list(
                session.scalars(
                    select(StoreFile)
                    .where(StoreFile.day == day, StoreFile.device_type == device_type)
                    .order_by(StoreFile.id)
                    .with_for_update(skip_locked=True)
                )
            )
            if len(old) < 2:
                continue  # another compaction holds them
            paths = [self.root / f.path for f in old]
            body = pq.ParquetDataset(paths, schema=FILE_SCHEMA).read().combine_chunks()
            if body.num_rows != sum(f.rows for f in old):
                raise StoreInconsistent(
                    f"partition {day}/{device_type}: its files disagree with tm_files"
                )
            order = np.lexsort(
                (
                    body.column("ts_ms").to_numpy(),
                    body.column("metric_id").to_numpy(),
                    body.column("device_id").to_numpy(),
                )
            )
            body = body.take(pa.array(order))
            now = clock.now()
            new = StoreFile(
                path=self._write_file(
                    body,
                    day,
                    device_type,
                    compression=self.compact_compression,
                    compacted=True,
                ),
                day=day,
                device_type=device_type,
                rows=body.num_rows,
                min_ts_ms=min(f.min_ts_ms for f in old),
                max_ts_ms=max(f.max_ts_ms for f in old),
                created_at=now,
            )
            session.execute(delete(StoreFile).where(StoreFile.id.in_([f.id for f in old])))
            session.add(new)
            session.flush()
            stamp = time.time()
            for path in paths:
                os.utime(path, (stamp, stamp))
            rewritten += 1
            replaced += len(old)
            rows += body.num_rows
        return Compaction(rewritten, replaced, rows)

    def gc(self, session: Session, *, grace_seconds: float = _GRACE_SECONDS) -> int:
        """Delete files under ``readings/`` that ``tm_files`` does not list (their transaction
        rolled back, or a compaction replaced them) and that are older than ``grace_seconds``
        (younger ones may belong to a transaction still running). Returns how many."""
        base = self.root / READINGS_DIR
        if not base.exists():
            return 0
        listed = set(session.scalars(select(StoreFile.path)))
        cutoff = time.time() - grace_seconds
        deleted = 0
        for path in base.rglob("*.parquet*"):
            relative = path.relative_to(self.root).as_posix()
            if relative in listed or path.stat().st_mtime > cutoff:
                continue
            path.unlink(missing_ok=True)
            deleted += 1
        return deleted
