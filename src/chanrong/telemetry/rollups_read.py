"""Reading a day of readings for ``rollups.rebuild``: whole files with pyarrow, handed to the
compiled rollup pass as the chunks pyarrow decoded (no copy into one array).

A whole-file scan with pyarrow is faster here than DuckDB's order-preserving scan, and the
rebuild wants every row anyway. A compacted partition is one file sorted by device, metric and
time, so its chunks are used as they are; several files of a device type (a day not compacted
yet) are joined and sorted. Arrow's memory pool reuses the decoded columns' memory from day to
day, where fresh NumPy arrays of the same size cost a page fault per page every time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from chanrong.telemetry import rollups_core as rc

COLUMNS = ["device_id", "metric_id", "ts_ms", "value"]


@dataclass(frozen=True)
class Day:
    """A day's readings as aligned chunks (int32 device ids, int16 metric ids, int64 ts and
    values), each series' readings together and in time order."""

    devices: list[np.ndarray]
    metrics: list[np.ndarray]
    times: list[np.ndarray]
    values: list[np.ndarray]

    def __len__(self) -> int:
        return sum(len(t) for t in self.times)

    def series_starts(self) -> tuple[np.ndarray, np.ndarray]:
        """The position of each series' first reading in the day, and the series' keys
        (``device_id << METRIC_BITS | metric_id``)."""
        positions, keys = [], []
        at, last = 0, -1
        for device, metric in zip(self.devices, self.metrics, strict=True):
            key = (device.astype(np.int64) << rc.METRIC_BITS) | metric
            new = np.empty(len(key), dtype=bool)
            if len(key):
                new[0] = key[0] != last
                np.not_equal(key[1:], key[:-1], out=new[1:])
                first = np.flatnonzero(new)
                positions.append(first + at)
                keys.append(key[first])
                last = int(key[-1])
            at += len(key)
        if not positions:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty
        return np.concatenate(positions), np.concatenate(keys)


def read_day(lo: int, hi: int, files: dict[str, list[str]]) -> Day:
    """The readings with ``lo`` <= ts_ms < ``hi`` of ``files`` (absolute paths by device type,
    each list in time order), the types one after the other."""
    parts: list[tuple[np.ndarray, ...]] = []
    for paths in files.values():
        tables = [pq.read_table(p, columns=COLUMNS, use_threads=False) for p in paths]
        if len(tables) == 1:
            # Every file is written sorted (store.write, store.compact): its chunks as they are.
            table = tables[0]
            parts += zip(*(_arrays(table.column(name)) for name in COLUMNS), strict=True)
        else:
            parts.append(_sorted(pa.concat_tables(tables)))
    inside = [(t >= lo) & (t < hi) for _d, _m, t, _v in parts]
    parts = [p if keep.all() else tuple(a[keep] for a in p)
             for p, keep in zip(parts, inside, strict=True)]  # fmt: skip
    return (
        Day(*(list(column) for column in zip(*parts, strict=True)))
        if parts
        else Day([], [], [], [])
    )


def _arrays(column: pa.ChunkedArray) -> list[np.ndarray]:
    return [chunk.to_numpy() for chunk in column.chunks]


def _sorted(table: pa.Table) -> tuple[np.ndarray, ...]:
    """One device type's rows from several files (in time order), sorted by series and time.
    Files in time order are sorted runs whose times follow each other, which a stable sort by
    series merges (timsort finds the runs); files overlapping in time need a full sort."""
    device, metric, ts, value = (table.column(name).to_numpy() for name in COLUMNS)
    key = (device.astype(np.int64) << rc.METRIC_BITS) | metric
    order = np.argsort(key, kind="stable")
    k, t = key[order], ts[order]
    dk = np.diff(k)
    if not np.all((dk > 0) | ((dk == 0) & (np.diff(t) > 0))):
        order = np.lexsort((ts, key))
    return device[order], metric[order], ts[order], value[order]
