"""Hourly rollups of every series, kept incrementally (docs/telemetry-rollups.md).

``roll_up`` takes the device-hours ingest marked in ``tm_dirty_hours``, recomputes exactly those
from the Parquet store (their readings plus the reading before each hour, found through the
rollup rows of earlier hours, never by scanning back through the store), replaces their rows of
``tm_rollup_hours`` and deletes the dirty rows, in the caller's transaction. A recomputed hour
whose last reading changed may change the hour after it (its counter use starts from that
reading, and a state runs on into it): that successor is recomputed too. ``rebuild`` recomputes
a whole window. Daily figures are derived from the hourly rows when queried (``rollups_query``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from chanrong.settings import Settings, get_settings
from chanrong.telemetry import rollups_core as rc
from chanrong.telemetry.models import Device, DirtyHour, RollupHour, SeriesState
from chanrong.telemetry.store import ParquetStore

HOUR = rc.HOUR_MS
DAY = 24 * HOUR
LOOKBACK_MS = 48 * HOUR  # where the reading before an hour is looked for first
_CHUNK = 400  # pairs per VALUES list
_EPOCH = date(1970, 1, 1)
_COLUMNS = ("device_id", "metric_id", "hour_ms", "readings", "min_value", "max_value",
            "sum_value", "last_ts_ms", "last_value", "prev_ts_ms", "counter_use", "resets",
            "gaps", "gap_ms", "state_ms")  # fmt: skip
Pair = tuple[int, int]  # (device_id, hour_ms)


@dataclass
class RollupReport:
    """What a rollup run did: dirty device-hours processed, device-hours recomputed (dirty ones
    plus successors whose reading before changed), hourly rows written, state tail rows."""

    dirty: int = 0
    device_hours: int = 0
    successors: int = 0
    rows: int = 0
    tails: int = 0


@dataclass(frozen=True)
class _Params:
    cap_ms: int
    gap_ms: int

    @classmethod
    def of(cls, settings: Settings) -> _Params:
        return cls(
            settings.telemetry_state_cap_seconds * 1000, settings.telemetry_gap_seconds * 1000
        )


def roll_up(
    session: Session,
    store: ParquetStore,
    *,
    limit: int | None = None,
    settings: Settings | None = None,
    on_batch: Callable[[int], None] | None = None,
    batch_size: int = 20_000,
) -> RollupReport:
    """Recompute the dirty device-hours (oldest first, at most ``limit``) and delete them from
    ``tm_dirty_hours``, in the caller's transaction (flushed, not committed). ``on_batch`` is
    told how many dirty device-hours each batch of ``batch_size`` processed (progress bars)."""
    params = _Params.of(settings or get_settings())
    query = select(DirtyHour.device_id, DirtyHour.hour_ms).order_by(
        DirtyHour.hour_ms, DirtyHour.device_id
    )
    if limit is not None:
        query = query.limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)  # two runs split the work
    pairs: list[Pair] = [(int(d), int(h)) for d, h in session.execute(query)]
    report = RollupReport(dirty=len(pairs))
    for i in range(0, len(pairs), batch_size):
        batch = pairs[i : i + batch_size]
        _recompute(session, store, set(batch), params, report, seed_pairs=None)
        _execute_many(session, "DELETE FROM tm_dirty_hours WHERE device_id = {m} AND hour_ms = {m}",
                      batch)  # fmt: skip
        if on_batch is not None:
            on_batch(len(batch))
    session.flush()
    return report


def rebuild(
    session: Session,
    store: ParquetStore,
    *,
    start_ms: int,
    end_ms: int,
    settings: Settings | None = None,
    on_day: Callable[[date], None] | None = None,
) -> RollupReport:
    """Recompute every hourly row in [``start_ms``, ``end_ms``) (widened to whole hours) from
    the store, one UTC day at a time, in the caller's transaction; dirty rows in the window are
    done with. ``on_day`` is called after each day (progress)."""
    params = _Params.of(settings or get_settings())
    start, end = start_ms - start_ms % HOUR, -(-end_ms // HOUR) * HOUR
    report = RollupReport()
    _execute(session, "DELETE FROM tm_rollup_hours WHERE hour_ms >= {m} AND hour_ms < {m}",
             (start, end))  # fmt: skip
    day = start - start % DAY
    while day < end:
        lo, hi = max(day, start), min(day + DAY, end)
        found = store.query(
            session,
            "SELECT DISTINCT device_id, ts_ms - ts_ms % 3600000 AS hour_ms FROM readings "
            "WHERE ts_ms >= ? AND ts_ms < ?",
            [lo, hi],
            start_ms=lo,
            end_ms=hi,
        )
        pairs = set(zip(found.column("device_id").to_pylist(), found.column("hour_ms").to_pylist(),
                        strict=True))  # fmt: skip
        if pairs:
            seeds = {(d, lo) for d, _h in pairs}
            _recompute(session, store, pairs, params, report, seed_pairs=seeds, dense=True)
        if on_day is not None:
            on_day(_EPOCH + timedelta(days=day // DAY))
        day += DAY
    _execute(session, "DELETE FROM tm_dirty_hours WHERE hour_ms >= {m} AND hour_ms < {m}",
             (start, end))  # fmt: skip
    session.flush()
    return report


# -- one recomputation ---------------------------------------------------------------------


def _recompute(
    session: Session,
    store: ParquetStore,
    pairs: set[Pair],
    params: _Params,
    report: RollupReport,
    *,
    seed_pairs: set[Pair] | None,
    dense: bool = False,
) -> None:
    """Recompute ``pairs`` and then, round by round, the successors they invalidate."""
    first_round = True
    while pairs:
        key, ts, value = _load(session, store, pairs)
        s_key, s_ts, s_value = _seeds(session, seed_pairs or pairs, pairs, key, ts)
        all_key = np.r_[key, s_key]
        all_ts = np.r_[ts, s_ts]
        order = np.lexsort((all_ts, all_key))
        rows = rc.compute_hours(
            all_key[order], all_ts[order], np.r_[value, s_value][order],
            np.r_[np.zeros(len(key), bool), np.ones(len(s_key), bool)][order],
            cap_ms=params.cap_ms, gap_ms=params.gap_ms,
        )  # fmt: skip
        old = {} if dense else _old_last(session, rows)
        _write(session, rows)
        report.device_hours += len(pairs)
        if not first_round:
            report.successors += len(pairs)
        report.rows += len(rows)
        done = pairs
        pairs = _successors(session, rows, old, done, params, report, dense=dense)
        seed_pairs, dense, first_round = None, False, False


def _load(
    session: Session, store: ParquetStore, pairs: set[Pair]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every stored reading of the device-hours ``pairs``: (series key, ts, value) arrays."""
    devices = sorted({d for d, _h in pairs})
    hours = np.array(sorted({h for _d, h in pairs}), dtype=np.int64)
    types = list(session.scalars(
        select(Device.device_type).where(Device.id.in_(devices)).distinct()
    ))  # fmt: skip
    days = [_EPOCH + timedelta(days=int(d)) for d in np.unique(hours // DAY).tolist()]
    files = store.files(session, days=days, device_types=types)
    wanted = pa.table({
        "device_id": pa.array([d for d, _h in pairs], pa.int32()),
        "hour_ms": pa.array([h for _d, h in pairs], pa.int64()),
    })  # fmt: skip
    table = store.run(
        files,
        "SELECT r.device_id, r.metric_id, r.ts_ms, r.value FROM readings r "
        "JOIN wanted w ON r.device_id = w.device_id AND r.ts_ms - r.ts_ms % 3600000 = w.hour_ms "
        "WHERE r.ts_ms >= ? AND r.ts_ms < ?",
        [int(hours.min()), int(hours.max()) + HOUR],
        wanted=wanted,
    )
    device = table.column("device_id").to_numpy().astype(np.int64)
    metric = table.column("metric_id").to_numpy().astype(np.int64)
    return (
        (device << rc.METRIC_BITS) | metric,
        table.column("ts_ms").to_numpy().astype(np.int64),
        table.column("value").to_numpy().astype(np.int64),
    )


def _seeds(
    session: Session,
    seed_pairs: set[Pair],
    pairs: set[Pair],
    loaded_key: np.ndarray,
    loaded_ts: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The reading before each hour of ``seed_pairs``, per series, from the rollup rows of hours
    not being recomputed (their last reading): first within ``LOOKBACK_MS``, then, for series
    with older readings and nothing nearer, without a bound."""
    found: dict[tuple[int, int], tuple[int, int, int]] = {}  # (key, for_hour) -> (hour, ts, v)
    sql = (
        "SELECT r.device_id, r.metric_id, b.for_hour, r.hour_ms, r.last_ts_ms, r.last_value "
        "FROM tm_rollup_hours r JOIN (SELECT q.device_id, r2.metric_id, q.hour_ms AS for_hour, "
        "max(r2.hour_ms) AS best FROM q JOIN tm_rollup_hours r2 ON r2.device_id = q.device_id "
        "AND r2.hour_ms < q.hour_ms AND r2.hour_ms >= q.hour_ms - {lookback} AND "
        "r2.readings > 0 GROUP BY q.device_id, r2.metric_id, q.hour_ms) b "
        "ON r.device_id = b.device_id AND r.metric_id = b.metric_id AND r.hour_ms = b.best"
    )
    for d, m, for_hour, hour, last_ts, last_value in _with_pairs(
        session, sorted(seed_pairs), sql.replace("{lookback}", str(LOOKBACK_MS))
    ):
        found[((d << rc.METRIC_BITS) | m, for_hour)] = (hour, last_ts, last_value)
    # Series with readings before the hour but none found near it: look further back.
    loaded = set(zip(loaded_key.tolist(), (loaded_ts - loaded_ts % HOUR).tolist(), strict=True))
    devices = sorted({d for d, _h in seed_pairs})
    firsts: dict[int, list[tuple[int, int]]] = {}
    for i in range(0, len(devices), _CHUNK):
        rows = session.execute(
            select(SeriesState.device_id, SeriesState.metric_id, SeriesState.first_ts_ms).where(
                SeriesState.device_id.in_(devices[i : i + _CHUNK])
            )
        )
        for d, m, first_ts in rows:
            firsts.setdefault(d, []).append((m, first_ts))
    for d, h in seed_pairs:
        for m, first_ts in firsts.get(d, []):
            k = (d << rc.METRIC_BITS) | m
            if first_ts >= h - LOOKBACK_MS or (k, h) in found:
                continue
            if any((k, h - j * HOUR) in loaded for j in range(1, LOOKBACK_MS // HOUR + 1)):
                continue
            row = session.execute(
                select(_T.c.hour_ms, _T.c.last_ts_ms, _T.c.last_value)
                .where(_T.c.device_id == d, _T.c.metric_id == m, _T.c.hour_ms < h,
                       _T.c.readings > 0)
                .order_by(_T.c.hour_ms.desc()).limit(1)
            ).first()  # fmt: skip
            if row is not None:
                found[(k, h)] = (int(row[0]), int(row[1]), int(row[2]))
    # A row of an hour being recomputed may be stale: that hour's readings are loaded instead.
    seeds = {(k, t, v) for (k, _h), (hour, t, v) in found.items()
             if (k >> rc.METRIC_BITS, hour) not in pairs}  # fmt: skip
    if not seeds:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    k, t, v = (np.array(c, dtype=np.int64) for c in zip(*sorted(seeds), strict=True))
    return k, t, v


def _old_last(session: Session, rows: rc.HourRows) -> dict[tuple[int, int, int], int | None]:
    """The last reading time each row being replaced had (to know whether it changed)."""
    keys = sorted({(int(d), int(h)) for d, h in zip(rows.device_id, rows.hour_ms, strict=True)})
    sql = ("SELECT r.device_id, r.metric_id, r.hour_ms, r.last_ts_ms FROM tm_rollup_hours r "
           "JOIN q ON r.device_id = q.device_id AND r.hour_ms = q.hour_ms")  # fmt: skip
    return {(d, m, h): last for d, m, h, last in _with_pairs(session, keys, sql)}


def _write(session: Session, rows: rc.HourRows) -> None:
    """Replace the rows of the computed series-hours."""
    if not len(rows):
        return
    device, metric, hour = (a.tolist() for a in (rows.device_id, rows.metric_id, rows.hour_ms))
    _execute_many(
        session,
        "DELETE FROM tm_rollup_hours WHERE device_id = {m} AND metric_id = {m} AND hour_ms = {m}",
        list(zip(device, metric, hour, strict=True)),
    )
    use = [u if c else None for u, c in zip(rows.counter_use.tolist(), rows.is_counter.tolist(),
                                             strict=True)]  # fmt: skip
    prev = [None if p < 0 else p for p in rows.prev_ts.tolist()]
    states = [None if s is None else _state_json(s) for s in rows.state_ms]
    records = zip(device, metric, hour, rows.readings.tolist(), rows.min_value.tolist(),
                  rows.max_value.tolist(), rows.sum_value.tolist(), rows.last_ts.tolist(),
                  rows.last_value.tolist(), prev, use, rows.resets.tolist(), rows.gaps.tolist(),
                  rows.gap_ms.tolist(), states, strict=True)  # fmt: skip
    _insert(session, list(records))


def _state_json(states: dict[int, int]) -> str:
    return json.dumps({str(code): ms for code, ms in sorted(states.items())})


def _insert(session: Session, records: list[tuple[Any, ...]]) -> None:
    marks = ", ".join(["{m}"] * len(_COLUMNS))
    _execute_many(
        session, f"INSERT INTO tm_rollup_hours ({', '.join(_COLUMNS)}) VALUES ({marks})", records
    )


def _successors(
    session: Session,
    rows: rc.HourRows,
    old: dict[tuple[int, int, int], int | None],
    done: set[Pair],
    params: _Params,
    report: RollupReport,
    *,
    dense: bool,
) -> set[Pair]:
    """Device-hours after a recomputed one that must be recomputed because the reading before
    them changed; state tails into hours without readings are written here directly."""
    n = len(rows)
    if n == 0:
        return set()
    device, metric, hour = rows.device_id, rows.metric_id, rows.hour_ms
    series = (device << rc.METRIC_BITS) | metric
    # In the computed set (sorted by series and hour) the next row of a series is the next index.
    nxt = np.r_[series[1:] == series[:-1], False]
    next_hour = np.r_[hour[1:], 0]
    check: list[int] = []
    tails: list[tuple[Any, ...]] = []
    for i in range(n):
        d, m, h, last = int(device[i]), int(metric[i]), int(hour[i]), int(rows.last_ts[i])
        if old.get((d, m, h), -1) == last:
            continue  # its last reading did not change: nothing after it changes
        if dense and nxt[i]:
            if rc.is_state(m) and next_hour[i] != h + HOUR:
                tail = rc.tail_ms(last, h, params.cap_ms)
                if tail:
                    tails.append(_tail_row(d, m, h + HOUR, last, int(rows.last_value[i]), tail))
            continue
        check.append(i)
    following = _next_rows(session, [(int(series[i]), int(hour[i])) for i in check])
    again: set[Pair] = set()
    drop: list[tuple[int, int, int]] = []
    for i in check:
        d, m, h, last = int(device[i]), int(metric[i]), int(hour[i]), int(rows.last_ts[i])
        nearest = following.get((int(series[i]), h))
        tail = rc.tail_ms(last, h, params.cap_ms) if rc.is_state(m) else 0
        if nearest is not None and (d, nearest[0]) in done:
            # Recomputed together with this one; a tail runs into the hour between, if any.
            if tail and nearest[0] != h + HOUR:
                tails.append(_tail_row(d, m, h + HOUR, last, int(rows.last_value[i]), tail))
            continue
        if nearest is not None and nearest[1] > 0:  # a later hour with readings
            if nearest[2] != last:
                again.add((d, nearest[0]))
            if nearest[0] == h + HOUR or not tail:
                continue
        elif nearest is not None and nearest[0] == h + HOUR:  # a tail row already there
            drop.append((d, m, h + HOUR))
        if tail:
            tails.append(_tail_row(d, m, h + HOUR, last, int(rows.last_value[i]), tail))
    if drop:
        _execute_many(session, "DELETE FROM tm_rollup_hours WHERE device_id = {m} AND "
                      "metric_id = {m} AND hour_ms = {m}", drop)  # fmt: skip
    if tails:
        _insert(session, tails)
        report.tails += len(tails)
    return again - done


def _tail_row(d: int, m: int, hour: int, last_ts: int, code: int, ms: int) -> tuple[Any, ...]:
    """A row holding only the state that runs on into ``hour`` from the reading before it."""
    return (d, m, hour, 0, None, None, None, None, None, last_ts, None, 0, 0, 0,
            _state_json({code: ms}))  # fmt: skip


def _next_rows(
    session: Session, keys: list[tuple[int, int]]
) -> dict[tuple[int, int], tuple[int, int, int | None]]:
    """For (series key, hour): the series' next row after that hour, as (hour, readings,
    prev_ts), when there is one."""
    if not keys:
        return {}
    triples = [(k >> rc.METRIC_BITS, k & 0xFFFF, h) for k, h in keys]
    out: dict[tuple[int, int], tuple[int, int, int | None]] = {}
    connection = session.connection()
    mark = _mark(session)
    for i in range(0, len(triples), _CHUNK):
        chunk = triples[i : i + _CHUNK]
        values = ", ".join([f"(CAST({mark} AS BIGINT), CAST({mark} AS BIGINT), "
                            f"CAST({mark} AS BIGINT))"] * len(chunk))  # fmt: skip
        sql = (
            f"WITH q(device_id, metric_id, hour_ms) AS (VALUES {values}) "
            "SELECT r.device_id, r.metric_id, b.after, r.hour_ms, r.readings, r.prev_ts_ms "
            "FROM tm_rollup_hours r JOIN (SELECT q.device_id, q.metric_id, q.hour_ms AS after, "
            "min(r2.hour_ms) AS best FROM q JOIN tm_rollup_hours r2 ON r2.device_id = "
            "q.device_id AND r2.metric_id = q.metric_id AND r2.hour_ms > q.hour_ms "
            "GROUP BY q.device_id, q.metric_id, q.hour_ms) b ON r.device_id = b.device_id "
            "AND r.metric_id = b.metric_id AND r.hour_ms = b.best"
        )
        params = tuple(x for t in chunk for x in t)
        for d, m, after, h, readings, prev in connection.exec_driver_sql(sql, params):
            out[((d << rc.METRIC_BITS) | m, after)] = (int(h), int(readings), prev)
    return out


# -- SQL helpers ---------------------------------------------------------------------------

_T = RollupHour.__table__


def _mark(session: Session) -> str:
    return "?" if session.connection().dialect.paramstyle == "qmark" else "%s"


def _execute(session: Session, sql: str, params: tuple[Any, ...]) -> None:
    session.connection().exec_driver_sql(sql.replace("{m}", _mark(session)), params)


def _execute_many(session: Session, sql: str, rows: list[tuple[Any, ...]]) -> None:
    """One executemany straight to the driver: per-row ORM work would cost more than the
    rollup arithmetic."""
    if rows:
        session.connection().exec_driver_sql(sql.replace("{m}", _mark(session)), rows)


def _with_pairs(session: Session, pairs: Iterable[Pair], sql: str) -> list[tuple[Any, ...]]:
    """Run ``sql``, which reads a relation ``q(device_id, hour_ms)``, over ``pairs`` in chunks."""
    items = list(pairs)
    mark = _mark(session)
    connection = session.connection()
    out: list[tuple[Any, ...]] = []
    for i in range(0, len(items), _CHUNK):
        chunk = items[i : i + _CHUNK]
        values = ", ".join([f"(CAST({mark} AS BIGINT), CAST({mark} AS BIGINT))"] * len(chunk))
        params = tuple(x for pair in chunk for x in pair)
        out += connection.exec_driver_sql(
            f"WITH q(device_id, hour_ms) AS (VALUES {values}) {sql}", params
        ).all()
    return out
