"""Recomputing every hour of a window (``rollups.rebuild``), one UTC day at a time, in bulk.

A day's readings are read whole (``rollups_read``; the next day's is read on a second thread
while this one is computed and written), computed in one compiled pass over the sorted arrays
(``rollups_core.hours_of``) and inserted in one statement. The reading before each series'
first hour of the day is carried in memory from the day before; only a series that first
appears in the window is looked up in the rollup rows before the window. State tails are
decided here: a tail runs into the hour after a series' row when the series has no reading in
that hour. At the end of the window the rows after it are checked: their reading before may
have changed (successors, returned), and a state may run on into the first hour after it.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date, timedelta
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from chanrong.telemetry import rollups_core as rc
from chanrong.telemetry import rollups_db as rdb
from chanrong.telemetry.rollups_read import Day, read_day
from chanrong.telemetry.store import ParquetStore

HOUR = rc.HOUR_MS
DAY = 24 * HOUR
_EPOCH = date(1970, 1, 1)


def rebuild_window(
    session: Session,
    store: ParquetStore,
    start: int,
    end: int,
    params: rc.Params,
    report: rc.RollupReport,
    *,
    on_day: Callable[[date], None] | None = None,
) -> set[rdb.Pair]:
    """Replace the rows of every series-hour in [``start``, ``end``) (whole hours) and write the
    state tails they cause; returns the device-hours after the window whose reading before
    changed (to recompute incrementally)."""
    chunks = []
    day = start - start % DAY
    while day < end:
        lo, hi = max(day, start), min(day + DAY, end)
        chunks.append((day, lo, hi, store.files_by_type(session, start_ms=lo, end_ms=hi)))
        day += DAY
    with ThreadPoolExecutor(max_workers=1) as pool, ThreadPoolExecutor(max_workers=1) as writer:
        window = _Window(session, start, end, params, report, writer)
        ahead: Future[Day] | None = None
        if chunks:
            ahead = pool.submit(read_day, *chunks[0][1:])
        # The old rows go while the first day is read.
        rdb.execute(session, "DELETE FROM tm_rollup_hours WHERE hour_ms >= {m} AND hour_ms < {m}",
                    (start, end))  # fmt: skip
        for i, (day, lo, hi, _files) in enumerate(chunks):
            assert ahead is not None
            readings = ahead.result()
            ahead = pool.submit(read_day, *chunks[i + 1][1:]) if i + 1 < len(chunks) else None
            window.add(lo, hi, readings)
            if on_day is not None:
                on_day(_EPOCH + timedelta(days=day // DAY))
        return window.finish()


class _Window:
    """The day-by-day state of one rebuild: the last reading of every series seen so far (the
    reading before its next hour), and the state tails waiting for the next day's readings."""

    def __init__(
        self,
        session: Session,
        start: int,
        end: int,
        params: rc.Params,
        report: rc.RollupReport,
        writer: ThreadPoolExecutor,
    ) -> None:
        self.start, self.end = start, end
        # The session is used by one thread at a time: the writer inserts a day's rows while
        # the next day is computed, and ``_session`` waits for it before any other use.
        self._db, self._writer = session, writer
        self._writing: Future[None] | None = None
        self.params, self.report = params, report
        # series key -> (ts, value, hour of its row in the window or -1 if before the window)
        self.last: dict[int, tuple[int, int, int]] = {}
        self.looked: set[int] = set()  # devices whose readings before the window were found
        self.pending: list[tuple[int, int, int, int]] = []  # (key, hour, last ts, tail ms)

    def add(self, lo: int, hi: int, day: Day) -> None:
        """Compute and write the rows of the day [``lo``, ``hi``) from its sorted readings."""
        if len(day) == 0:
            self._write([], self._resolve_pending(lo, {}))
            return
        rows = self._compute(day)
        row_key = (rows.device_id << rc.METRIC_BITS) | rows.metric_id
        follows = np.r_[row_key[1:] == row_key[:-1], False]  # the series' next row is i + 1
        firsts = ~np.r_[False, follows[:-1]]
        first_hour = dict(zip(row_key[firsts].tolist(), rows.hour_ms[firsts].tolist(), strict=True))
        tails = self._resolve_pending(lo, first_hour)
        tail = np.where(rc.state_mask(rows.metric_id),
                        rc.tails_ms(rows.last_ts, rows.hour_ms, self.params.cap_ms), 0)  # fmt: skip
        next_hour = np.r_[rows.hour_ms[1:], 0]
        # Inside the day: a tail where the series' next row is not the next hour, or where it
        # has no later row and the next hour is still in the day.
        now = (tail > 0) & np.where(follows, next_hour != rows.hour_ms + HOUR,
                                    rows.hour_ms + HOUR < hi)  # fmt: skip
        for i in np.flatnonzero(now).tolist():
            tails.append(self._tail(int(row_key[i]), int(rows.hour_ms[i]), int(rows.last_ts[i]),
                                    int(rows.last_value[i]), int(tail[i])))  # fmt: skip
        ends = np.flatnonzero(~follows)  # each series' last row of the day
        for k, h, t, v, ms in zip(row_key[ends].tolist(), rows.hour_ms[ends].tolist(),
                                  rows.last_ts[ends].tolist(), rows.last_value[ends].tolist(),
                                  tail[ends].tolist(), strict=True):  # fmt: skip
            self.last[k] = (t, v, h)
            if ms and h + HOUR == hi < self.end:
                self.pending.append((k, h, t, v))
        self._write(rdb.records(rows), tails)
        device_hours = np.unique((rows.device_id << 32) | (rows.hour_ms // HOUR))
        self.report.device_hours += len(device_hours)
        self.report.rows += len(rows)

    def _compute(self, day: Day) -> rc.HourRows:
        """The rows of whole series' readings, each series continuing from its last reading."""
        starts, keys = day.series_starts()
        series = keys.tolist()
        self._find_before(series)
        before = [self.last.get(k, (-1, 0, -1)) for k in series]
        return rc.hours_of_chunks(
            day.devices, day.metrics, day.times, day.values, starts,
            np.array([b[0] for b in before], dtype=np.int64),
            np.array([b[1] for b in before], dtype=np.int64),
            cap_ms=self.params.cap_ms, gap_ms=self.params.gap_ms,
        )  # fmt: skip

    def finish(self) -> set[rdb.Pair]:
        """Check the rows after the window against the last row of every series computed in
        it; returns the device-hours to recompute (their reading before changed)."""
        mine = [(k, t, v, h) for k, (t, v, h) in self.last.items() if h >= 0]
        following = rdb.next_rows(self._session(), [(k, self.end - HOUR) for k, *_r in mine])
        again: set[rdb.Pair] = set()
        drop: list[tuple[int, int, int]] = []
        tails: list[tuple[Any, ...]] = []
        for k, last, code, h in mine:
            d, m = k >> rc.METRIC_BITS, k & rc.METRIC_MASK
            nearest = following.get((k, self.end - HOUR))
            if nearest is not None and nearest[1] > 0 and nearest[2] != last:
                again.add((d, nearest[0]))
            if h + HOUR < self.end:
                continue  # its tail, if any, was decided inside the window
            tail = rc.tail_ms(last, h, self.params.cap_ms) if rc.is_state(m) else 0
            if nearest is not None and nearest[1] > 0:
                if nearest[0] == h + HOUR or not tail:
                    continue
            elif nearest is not None and nearest[0] == h + HOUR:  # a tail row already there
                drop.append((d, m, h + HOUR))
            if tail:
                tails.append(rdb.tail_record(d, m, h + HOUR, last, code, tail))
        rdb.delete_keys(self._session(), drop)
        self._write([], tails)
        self._session()  # the last insert done (or its error raised)
        return again

    def _find_before(self, series: list[int]) -> None:
        """Look up, for devices new to the window, the last reading before the window of each
        of their series (from the rollup rows before it)."""
        devices = {k >> rc.METRIC_BITS for k in series if k not in self.last} - self.looked
        if not devices:
            return
        found = rdb.seeds(self._session(), [(d, self.start) for d in devices])
        self.looked |= devices
        for (k, _hour), (_row_hour, ts, value) in found.items():
            self.last.setdefault(k, (ts, value, -1))

    def _resolve_pending(self, lo: int, first_hour: dict[int, int]) -> list[tuple[Any, ...]]:
        """Tails into the day's first hour ``lo`` from the day before, for the series without a
        reading in it."""
        tails = [
            self._tail(k, h, t, v, rc.tail_ms(t, h, self.params.cap_ms))
            for k, h, t, v in self.pending
            if first_hour.get(k) != lo
        ]
        self.pending = []
        return tails

    def _tail(self, k: int, h: int, last_ts: int, code: int, ms: int) -> tuple[Any, ...]:
        return rdb.tail_record(k >> rc.METRIC_BITS, k & rc.METRIC_MASK, h + HOUR, last_ts, code,
                               ms)  # fmt: skip

    def _session(self) -> Session:
        """The session, once the writer is done with it."""
        if self._writing is not None:
            self._writing.result()
            self._writing = None
        return self._db

    def _write(self, records: list[tuple[Any, ...]], tails: list[tuple[Any, ...]]) -> None:
        """Insert the rows on the writer thread (after the rows before them)."""
        self._writing = self._writer.submit(rdb.insert, self._session(), records + tails)
        self.report.tails += len(tails)
