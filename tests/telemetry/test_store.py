"""The Parquet store: layout, the tm_files manifest rule, lookups, compaction, gc."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chanrong.telemetry.models import StoreFile
from chanrong.telemetry.store import FILE_SCHEMA, ParquetStore
from chanrong.telemetry.validation import _TYPE_NAMES, store_table
from tests.factories import create_device, create_device_owner

DAY = 86_400_000
T0 = 1_714_521_600_000  # 2024-05-01T00:00:00Z


def _table(device_id: int, type_name: str, ts: list[int], values: list[int], metric: int = 2):
    n = len(ts)
    return store_table(
        np.full(n, device_id, np.int32), np.full(n, metric, np.int16), np.array(ts, np.int64),
        np.array(values, np.int64), np.full(n, _TYPE_NAMES.index(type_name), np.int8),
    )  # fmt: skip


def test_write_partitions_by_day_and_type(session: Session, tmp_path: Path) -> None:
    owner, prefix = create_device_owner(session)
    sm = create_device(session, owner, prefix, suffix="S-1")
    motor = create_device(session, owner, prefix, device_type="motor", suffix="M-1")
    store = ParquetStore(tmp_path)
    files = store.write(
        session, _table(sm.id, "sewing_machine", [T0 + DAY + 5, T0 + 7, T0 + 3], [3, 2, 1])
    )
    files += store.write(session, _table(motor.id, "motor", [T0 + 1], [9], metric=22))
    paths = sorted(f.path for f in files)
    assert [p.rsplit("/", 1)[0] for p in paths] == [
        "readings/day=2024-05-01/type=motor",
        "readings/day=2024-05-01/type=sewing_machine",
        "readings/day=2024-05-02/type=sewing_machine",
    ]
    first = pq.read_table(tmp_path / paths[1])
    assert first.schema == FILE_SCHEMA
    assert first.column("ts_ms").to_pylist() == [T0 + 3, T0 + 7]  # sorted by time
    assert not list(tmp_path.rglob("*.tmp"))

    got = store.readings(session, [sm.id], T0, T0 + 2 * DAY)
    assert got.column("value").to_pylist() == [1, 2, 3]
    assert store.readings(session, [sm.id], T0 + 4, T0 + DAY).column("value").to_pylist() == [2]
    rows = store.query(
        session, "SELECT device_type, day, count(*) AS n FROM readings GROUP BY ALL ORDER BY ALL"
    ).to_pylist()
    assert [(r["device_type"], str(r["day"]), r["n"]) for r in rows] == [
        ("motor", "2024-05-01", 1), ("sewing_machine", "2024-05-01", 2),
        ("sewing_machine", "2024-05-02", 1),
    ]  # fmt: skip


def test_lookup_finds_stored_keys_only(session: Session, tmp_path: Path) -> None:
    owner, prefix = create_device_owner(session)
    sm = create_device(session, owner, prefix, suffix="S-1")
    store = ParquetStore(tmp_path)
    assert store.lookup(session, _table(sm.id, "sewing_machine", [T0], [0])).num_rows == 0
    store.write(session, _table(sm.id, "sewing_machine", [T0, T0 + 10, T0 + DAY], [1, 2, 3]))
    keys = _table(sm.id, "sewing_machine", [T0 + 10, T0 + 11, T0 + DAY], [0, 0, 0])
    found = store.lookup(session, keys)
    assert sorted(found.column("value").to_pylist()) == [2, 3]


def test_files_of_a_rolled_back_transaction_are_never_read(
    session: Session, tmp_path: Path
) -> None:
    owner, prefix = create_device_owner(session)
    sm = create_device(session, owner, prefix, suffix="S-1")
    store = ParquetStore(tmp_path)
    store.write(session, _table(sm.id, "sewing_machine", [T0], [1]))
    savepoint = session.begin_nested()
    orphan = store.write(session, _table(sm.id, "sewing_machine", [T0 + 1], [2]))[0].path
    savepoint.rollback()
    assert (tmp_path / orphan).exists()
    assert store.readings(session, [sm.id], T0, T0 + DAY).column("value").to_pylist() == [1]
    assert store.gc(session) == 0  # young: its transaction might still be running
    assert store.gc(session, grace_seconds=0) == 1
    assert not (tmp_path / orphan).exists()
    assert store.readings(session, [sm.id], T0, T0 + DAY).num_rows == 1


def test_compaction_keeps_every_row(session: Session, tmp_path: Path) -> None:
    owner, prefix = create_device_owner(session)
    a = create_device(session, owner, prefix, suffix="S-1")
    b = create_device(session, owner, prefix, suffix="S-2")
    store = ParquetStore(tmp_path)
    for i in range(10):
        store.write(session, _table(b.id if i % 2 else a.id, "sewing_machine", [T0 + i], [i]))
    store.write(session, _table(a.id, "sewing_machine", [T0 + DAY], [99]))  # a lone file
    before = store.readings(session, [a.id, b.id], T0, T0 + 2 * DAY)

    done = store.compact(session, min_files=4)
    assert (done.partitions, done.files_replaced, done.rows) == (1, 10, 10)
    assert session.scalar(select(func.count()).select_from(StoreFile)) == 2
    after = store.readings(session, [a.id, b.id], T0, T0 + 2 * DAY)
    assert after.equals(before)
    (merged,) = [f for f in session.scalars(select(StoreFile)) if f.rows == 10]
    body = pq.read_table(tmp_path / merged.path)
    assert body.column("device_id").to_pylist() == [a.id] * 5 + [b.id] * 5
    assert (merged.min_ts_ms, merged.max_ts_ms) == (T0, T0 + 9)
    assert store.compact(session, min_files=4).partitions == 0
    # The replaced files stay for readers that listed them, until gc finds them old.
    assert store.gc(session) == 0
    assert store.gc(session, grace_seconds=0) == 10
    assert store.readings(session, [a.id, b.id], T0, T0 + 2 * DAY).equals(before)


def test_compaction_closes_days_and_delta_encodes(session: Session, tmp_path: Path) -> None:
    owner, prefix = create_device_owner(session)
    sm = create_device(session, owner, prefix, suffix="S-1")
    store = ParquetStore(tmp_path)
    for day in (0, 1):
        for i in range(2):
            store.write(session, _table(sm.id, "sewing_machine", [T0 + day * DAY + i], [i]))
    closed = date(2024, 5, 2)  # 2024-05-01 is closed, 2024-05-02 still open
    done = store.compact(session, min_files=8, closed_before=closed)
    assert (done.partitions, done.files_replaced) == (1, 2)
    days = sorted((f.day, f.rows) for f in session.scalars(select(StoreFile)))
    assert days == [(date(2024, 5, 1), 2), (date(2024, 5, 2), 1), (date(2024, 5, 2), 1)]
    (merged,) = [f for f in session.scalars(select(StoreFile)) if f.rows == 2]
    column = pq.ParquetFile(tmp_path / merged.path).metadata.row_group(0).column(2)  # ts_ms
    assert "DELTA_BINARY_PACKED" in column.encodings
    assert column.has_offset_index  # the page index DuckDB skips pages with


def test_device_hours_returns_exactly_those_hours(session: Session, tmp_path: Path) -> None:
    owner, prefix = create_device_owner(session)
    a = create_device(session, owner, prefix, suffix="S-1")
    b = create_device(session, owner, prefix, suffix="S-2")
    motor = create_device(session, owner, prefix, device_type="motor", suffix="M-1")
    store = ParquetStore(tmp_path)
    hour = 3_600_000
    minutes = list(range(0, 3 * 24 * 60, 7))  # three days, a reading every 7 minutes
    for device, kind, metric in ((a, "sewing_machine", 2), (b, "sewing_machine", 2),
                                 (motor, "motor", 22)):  # fmt: skip
        ts = [T0 + m * 60_000 for m in minutes]
        half = len(ts) // 2  # two writes, so one day has a compacted file and a small one
        store.write(session, _table(device.id, kind, ts[:half], minutes[:half], metric=metric))
        store.write(session, _table(device.id, kind, ts[half:], minutes[half:], metric=metric))
    store.compact(session, min_files=8, closed_before=date(2024, 5, 2))
    store.write(session, _table(a.id, "sewing_machine", [T0 + 5 * hour + 1], [-1]))  # late
    pairs = {(a.id, T0 + 5 * hour), (b.id, T0 + DAY + 3 * hour), (motor.id, T0 + 2 * DAY)}
    got = store.device_hours(session, pairs)
    everything = store.readings(session, [a.id, b.id, motor.id], T0, T0 + 3 * DAY)
    ts = everything.column("ts_ms").to_numpy()
    device = everything.column("device_id").to_numpy()
    keep = np.isin(device.astype(np.int64) << 32 | ts // hour,
                   [d << 32 | h // hour for d, h in pairs])  # fmt: skip
    assert got.equals(everything.filter(keep))
    assert got.num_rows == (9 + 1) + 8 + 8  # readings every 7 minutes, and the late one
    assert store.device_hours(session, set()).num_rows == 0
