"""Hourly rollups of every series, kept incrementally (docs/telemetry-rollups.md).

``roll_up`` takes the device-hours ingest marked in ``tm_dirty_hours``, recomputes exactly those
from the Parquet store (their readings plus the reading before each hour, found through the
rollup rows of earlier hours, never by scanning back through the store), replaces their rows of
``tm_rollup_hours`` and deletes the dirty rows, in the caller's transaction. A recomputed hour
whose last reading changed may change the hour after it (its counter use starts from that
reading, and a state runs on into it): that successor is recomputed too. ``rebuild`` recomputes
a whole window (``rollups_rebuild``). Daily figures are derived from the hourly rows when
queried (``rollups_query``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from chanrong.settings import Settings, get_settings
from chanrong.telemetry import rollups_core as rc
from chanrong.telemetry import rollups_db as rdb
from chanrong.telemetry.models import DirtyHour, RollupHour
from chanrong.telemetry.rollups_rebuild import rebuild_window
from chanrong.telemetry.store import ParquetStore

HOUR = rc.HOUR_MS
DAY = 24 * HOUR
EPOCH = date(1970, 1, 1)
Pair = rdb.Pair


RollupReport = rc.RollupReport
Params = rc.Params


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
    params = Params.of(settings or get_settings())
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
        recompute(session, store, set(batch), params, report)
        rdb.execute_many(session, "DELETE FROM tm_dirty_hours WHERE device_id = {m} AND "
                         "hour_ms = {m}", batch)  # fmt: skip
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
    params = Params.of(settings or get_settings())
    start, end = start_ms - start_ms % HOUR, -(-end_ms // HOUR) * HOUR
    report = RollupReport()
    again = rebuild_window(session, store, start, end, params, report, on_day=on_day)
    _tails_into(session, start, params, report)
    if again:
        recompute(session, store, again, params, report, first_round=False)
    rdb.execute(session, "DELETE FROM tm_dirty_hours WHERE hour_ms >= {m} AND hour_ms < {m}",
                (start, end))  # fmt: skip
    session.flush()
    return report


def _tails_into(session: Session, hour: int, params: Params, report: RollupReport) -> None:
    """Write the state tails into ``hour`` (a rebuilt window's first) from the rows of the hour
    before it, outside the window, for the series without a row in ``hour`` now."""
    before = session.execute(
        select(RollupHour.device_id, RollupHour.metric_id, RollupHour.last_ts_ms,
               RollupHour.last_value)
        .where(RollupHour.hour_ms == hour - HOUR, RollupHour.readings > 0,
               RollupHour.metric_id.in_(sorted(rc.STATE_IDS)))
    ).all()  # fmt: skip
    if not before:
        return
    present = set(session.execute(
        select(RollupHour.device_id, RollupHour.metric_id).where(RollupHour.hour_ms == hour)
    ).all())  # fmt: skip
    tails = []
    for d, m, last_ts, code in before:
        ms = rc.tail_ms(last_ts, hour - HOUR, params.cap_ms)
        if ms and (d, m) not in present:
            tails.append(rdb.tail_record(d, m, hour, last_ts, code, ms))
    rdb.insert(session, tails)
    report.tails += len(tails)


def day_of(ms: int) -> date:
    """The UTC calendar day of epoch ms ``ms``."""
    return EPOCH + timedelta(days=ms // DAY)


# -- incremental recomputation -------------------------------------------------------------


def recompute(
    session: Session,
    store: ParquetStore,
    pairs: set[Pair],
    params: Params,
    report: RollupReport,
    *,
    first_round: bool = True,
) -> None:
    """Recompute the device-hours ``pairs`` and then, round by round, the successors they
    invalidate (``first_round`` False: ``pairs`` are successors already)."""
    while pairs:
        key, ts, value = _load(session, store, pairs)
        hour = ts - ts % HOUR
        firsts = np.flatnonzero(np.r_[True, (key[1:] != key[:-1]) | (hour[1:] != hour[:-1])])
        loaded = set(zip(key[firsts].tolist(), hour[firsts].tolist(), strict=True))
        found = rdb.seeds(session, pairs, skip=pairs, loaded=loaded)
        s_key, s_ts, s_value = rdb.seed_arrays(found)
        all_key = np.r_[key, s_key]
        all_ts = np.r_[ts, s_ts]
        order = np.lexsort((all_ts, all_key))
        rows = rc.compute_hours(
            all_key[order], all_ts[order], np.r_[value, s_value][order],
            np.r_[np.zeros(len(key), bool), np.ones(len(s_key), bool)][order],
            cap_ms=params.cap_ms, gap_ms=params.gap_ms,
        )  # fmt: skip
        row_pairs = set(zip(rows.device_id.tolist(), rows.hour_ms.tolist(), strict=True))
        old = rdb.old_last(session, row_pairs)
        if len(rows):
            rdb.delete_keys(session, list(zip(rows.device_id.tolist(), rows.metric_id.tolist(),
                                              rows.hour_ms.tolist(), strict=True)))  # fmt: skip
            rdb.insert(session, rdb.records(rows))
        report.device_hours += len(pairs)
        if not first_round:
            report.successors += len(pairs)
        report.rows += len(rows)
        pairs = _successors(session, rows, old, pairs, params, report)
        first_round = False


def _load(
    session: Session, store: ParquetStore, pairs: set[Pair]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every stored reading of the device-hours ``pairs``: (series key, ts, value) arrays,
    sorted by series and time."""
    table = store.device_hours(session, pairs)
    device = table.column("device_id").to_numpy().astype(np.int64)
    metric = table.column("metric_id").to_numpy().astype(np.int64)
    return (
        (device << rc.METRIC_BITS) | metric,
        table.column("ts_ms").to_numpy().astype(np.int64),
        table.column("value").to_numpy().astype(np.int64),
    )


def _successors(
    session: Session,
    rows: rc.HourRows,
    old: dict[tuple[int, int, int], int | None],
    done: set[Pair],
    params: Params,
    report: RollupReport,
) -> set[Pair]:
    """Device-hours after a recomputed one that must be recomputed because the reading before
    them changed; state tails into hours without readings are written here directly."""
    device, metric, hour = (a.tolist() for a in (rows.device_id, rows.metric_id, rows.hour_ms))
    last_ts, last_value = rows.last_ts.tolist(), rows.last_value.tolist()
    # A row whose last reading did not change changes nothing after it.
    check = [i for i in range(len(rows))
             if old.get((device[i], metric[i], hour[i]), -1) != last_ts[i]]  # fmt: skip
    following = rdb.next_rows(
        session, [((device[i] << rc.METRIC_BITS) | metric[i], hour[i]) for i in check]
    )
    again: set[Pair] = set()
    drop: list[tuple[int, int, int]] = []
    tails: list[tuple[Any, ...]] = []
    for i in check:
        d, m, h, last = device[i], metric[i], hour[i], last_ts[i]
        nearest = following.get(((d << rc.METRIC_BITS) | m, h))
        tail = rc.tail_ms(last, h, params.cap_ms) if rc.is_state(m) else 0
        if nearest is not None and (d, nearest[0]) in done:
            # Recomputed together with this one; a tail runs into the hour between, if any.
            if tail and nearest[0] != h + HOUR:
                tails.append(rdb.tail_record(d, m, h + HOUR, last, last_value[i], tail))
            continue
        if nearest is not None and nearest[1] > 0:  # a later hour with readings
            if nearest[2] != last:
                again.add((d, nearest[0]))
            if nearest[0] == h + HOUR or not tail:
                continue
        elif nearest is not None and nearest[0] == h + HOUR:  # a tail row already there
            drop.append((d, m, h + HOUR))
        if tail:
            tails.append(rdb.tail_record(d, m, h + HOUR, last, last_value[i], tail))
    rdb.delete_keys(session, drop)
    rdb.insert(session, tails)
    report.tails += len(tails)
    return again - done
