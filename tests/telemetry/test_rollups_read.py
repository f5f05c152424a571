"""Reading whole days for a rebuild: files in time order, overlapping files, several types,
a window inside the day, series starts across chunks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sqlalchemy.orm import Session

from chanrong.telemetry import rollups_core as rc
from chanrong.telemetry.rollups_read import Day, read_day
from chanrong.telemetry.store import ParquetStore
from chanrong.telemetry.validation import _TYPE_NAMES, store_table
from tests.factories import create_device, create_device_owner

DAY = 86_400_000
T0 = 1_714_521_600_000  # 2024-05-01T00:00:00Z


def _write(store: ParquetStore, session: Session, device_id: int, kind: str, ts: list[int]) -> None:
    n = len(ts)
    store.write(session, store_table(
        np.full(n, device_id, np.int32), np.full(n, 2 if kind == "sewing_machine" else 22, np.int16),
        np.array(ts, np.int64), np.array(ts, np.int64) - T0,
        np.full(n, _TYPE_NAMES.index(kind), np.int8),
    ))  # fmt: skip


def test_a_day_comes_back_grouped_by_series_in_time_order(session: Session, tmp_path: Path) -> None:
    owner, prefix = create_device_owner(session)
    a = create_device(session, owner, prefix, suffix="S-1")
    b = create_device(session, owner, prefix, suffix="S-2")
    motor = create_device(session, owner, prefix, device_type="motor", suffix="M-1")
    store = ParquetStore(tmp_path)
    _write(store, session, a.id, "sewing_machine", [T0 + 10, T0 + 20])
    _write(store, session, b.id, "sewing_machine", [T0 + 15])
    _write(store, session, a.id, "sewing_machine", [T0 + 30, T0 + 40])  # follows in time
    _write(store, session, b.id, "sewing_machine", [T0 + 5])  # late: overlaps the others
    _write(store, session, motor.id, "motor", [T0 + 7, T0 + DAY - 1])
    files = store.files_by_type(session, start_ms=T0, end_ms=T0 + DAY)
    day = read_day(T0, T0 + DAY, files)
    got = list(zip(np.concatenate(day.devices).tolist(), np.concatenate(day.times).tolist(),
                   strict=True))  # fmt: skip
    # The types one after the other (by name), each sorted by series and time.
    assert got == [(motor.id, T0 + 7), (motor.id, T0 + DAY - 1),
                   (a.id, T0 + 10), (a.id, T0 + 20), (a.id, T0 + 30), (a.id, T0 + 40),
                   (b.id, T0 + 5), (b.id, T0 + 15)]  # fmt: skip
    starts, keys = day.series_starts()
    assert starts.tolist() == [0, 2, 6]
    assert (keys >> rc.METRIC_BITS).tolist() == [motor.id, a.id, b.id]
    inside = read_day(T0 + 12, T0 + 35, files)  # a window inside the day
    assert np.concatenate(inside.times).tolist() == [T0 + 20, T0 + 30, T0 + 15]
    assert len(read_day(T0, T0 + DAY, {})) == 0


def test_series_starts_across_chunks() -> None:
    chunk = [np.array(a, dtype=t) for a, t in (([1, 1, 2], np.int32), ([2, 2, 2], np.int16))]
    day = Day([chunk[0], np.array([2, 3], np.int32)], [chunk[1], np.array([2, 2], np.int16)],
              [np.arange(3), np.arange(2)], [np.arange(3), np.arange(2)])  # fmt: skip
    starts, keys = day.series_starts()
    assert starts.tolist() == [0, 2, 4]  # device 2 runs on into the second chunk
    assert (keys >> rc.METRIC_BITS).tolist() == [1, 2, 3]
