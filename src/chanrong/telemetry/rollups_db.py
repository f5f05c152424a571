"""The SQL side of the rollups (``tm_rollup_hours``): writing computed rows in bulk, the reading
before an hour from earlier rows, and the rows that follow an hour. Statements go straight to
the driver, many rows each: per-row ORM work would cost more than the rollup arithmetic.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import chain
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from chanrong.telemetry import rollups_core as rc
from chanrong.telemetry.models import RollupHour, SeriesState

HOUR = rc.HOUR_MS
LOOKBACK_MS = 48 * HOUR  # where the reading before an hour is looked for first
CHUNK = 400  # tuples per VALUES list
COLUMNS = ("device_id", "metric_id", "hour_ms", "readings", "min_value", "max_value",
           "sum_value", "last_ts_ms", "last_value", "prev_ts_ms", "counter_use", "resets",
           "gaps", "gap_ms", "state_ms")  # fmt: skip
Pair = tuple[int, int]  # (device_id, hour_ms)
Seed = tuple[int, int]  # (ts_ms, value) of a reading

_T = RollupHour.__table__
_ROWS_PER_INSERT = 64  # 960 parameters: under SQLite's oldest limit of 999


def mark(session: Session) -> str:
    """The driver's parameter mark (``?`` for SQLite, ``%s`` for psycopg)."""
    return "?" if session.connection().dialect.paramstyle == "qmark" else "%s"


def execute(session: Session, sql: str, params: tuple[Any, ...]) -> None:
    """Run ``sql`` (``{m}`` standing for a parameter mark) once."""
    session.connection().exec_driver_sql(sql.replace("{m}", mark(session)), params)


def execute_many(session: Session, sql: str, rows: list[tuple[Any, ...]]) -> None:
    """Run ``sql`` (``{m}`` for parameter marks) once per row, in one driver call."""
    if rows:
        session.connection().exec_driver_sql(sql.replace("{m}", mark(session)), rows)


def delete_keys(session: Session, keys: list[tuple[int, int, int]]) -> None:
    """Delete the rows of (device_id, metric_id, hour_ms) ``keys``."""
    execute_many(session, "DELETE FROM tm_rollup_hours WHERE device_id = {m} AND metric_id = {m} "
                 "AND hour_ms = {m}", keys)  # fmt: skip


def records(rows: rc.HourRows) -> list[tuple[Any, ...]]:
    """``rows`` as tuples in ``COLUMNS`` order (SQL nulls where a figure does not apply)."""
    use = [u if c else None for u, c in zip(rows.counter_use.tolist(), rows.is_counter.tolist(),
                                             strict=True)]  # fmt: skip
    prev = [None if p < 0 else p for p in rows.prev_ts.tolist()]
    states = [None if s is None else state_json(s) for s in rows.state_ms]
    return list(zip(
        rows.device_id.tolist(), rows.metric_id.tolist(), rows.hour_ms.tolist(),
        rows.readings.tolist(), rows.min_value.tolist(), rows.max_value.tolist(),
        rows.sum_value.tolist(), rows.last_ts.tolist(), rows.last_value.tolist(), prev, use,
        rows.resets.tolist(), rows.gaps.tolist(), rows.gap_ms.tolist(), states, strict=True,
    ))  # fmt: skip


def state_json(states: dict[int, int]) -> str:
    """State milliseconds as the JSON text stored in ``state_ms`` (codes as keys, sorted), as
    ``json.dumps`` writes it; formatted by hand, which is several times faster for the tens of
    thousands of state rows of a day."""
    return "{" + ", ".join(f'"{code}": {ms}' for code, ms in sorted(states.items())) + "}"


def tail_record(d: int, m: int, hour: int, last_ts: int, code: int, ms: int) -> tuple[Any, ...]:
    """A row holding only the state that runs on into ``hour`` from the reading before it."""
    return (d, m, hour, 0, None, None, None, None, None, last_ts, None, 0, 0, 0,
            state_json({code: ms}))  # fmt: skip


def insert(session: Session, rows: list[tuple[Any, ...]]) -> None:
    """Insert ``rows`` (tuples in ``COLUMNS`` order) into ``tm_rollup_hours``: by COPY on
    PostgreSQL (several times faster than a batched INSERT), else multi-row INSERTs."""
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        raw = connection.connection.driver_connection
        with (
            raw.cursor() as cursor,
            cursor.copy(f"COPY tm_rollup_hours ({', '.join(COLUMNS)}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return
    # Many rows per statement: a third faster than one row per statement on SQLite.
    one = "(" + ", ".join(["?"] * len(COLUMNS)) + ")"
    sql = f"INSERT INTO tm_rollup_hours ({', '.join(COLUMNS)}) VALUES "
    full = len(rows) - len(rows) % _ROWS_PER_INSERT
    if full:
        connection.exec_driver_sql(
            sql + ", ".join([one] * _ROWS_PER_INSERT),
            [tuple(chain.from_iterable(rows[i : i + _ROWS_PER_INSERT]))
             for i in range(0, full, _ROWS_PER_INSERT)],
        )  # fmt: skip
    if full < len(rows):
        connection.exec_driver_sql(sql + ", ".join([one] * (len(rows) - full)),
                                   tuple(chain.from_iterable(rows[full:])))  # fmt: skip


def with_pairs(session: Session, pairs: Iterable[tuple[int, ...]], sql: str) -> list[Any]:
    """Run ``sql``, which reads a relation ``q`` of the tuples ``pairs`` (columns named in a
    ``q(...)`` prefix of ``sql``: ``"q(device_id, hour_ms) AS ..."``), in chunks of ``CHUNK``."""
    items = list(pairs)
    if not items:
        return []
    m = mark(session)
    connection = session.connection()
    width = len(items[0])
    one = "(" + ", ".join([f"CAST({m} AS BIGINT)"] * width) + ")"
    head, _sep, body = sql.partition(" AS ")
    out: list[Any] = []
    for i in range(0, len(items), CHUNK):
        chunk = items[i : i + CHUNK]
        params = tuple(x for t in chunk for x in t)
        out += connection.exec_driver_sql(
            f"WITH {head} AS (VALUES {', '.join([one] * len(chunk))}) {body}", params
        ).all()
    return out


def seeds(
    session: Session,
    seed_pairs: Iterable[Pair],
    skip: set[Pair] | None = None,
    loaded: set[tuple[int, int]] | None = None,
) -> dict[tuple[int, int], tuple[int, int, int]]:
    """The reading before each hour of ``seed_pairs``, per series, from the last reading of the
    series' nearest earlier row with readings: first within ``LOOKBACK_MS``, then, for series
    whose first reading is older and nothing was found near, without a bound (one query per
    such series, the rare case). Maps (series key, hour) to (row hour, ts, value). Rows of the
    device-hours in ``skip`` (being recomputed, so maybe stale) do not count; no unbounded
    search is made for a series with readings in ``loaded`` (series key, hour) in the
    ``LOOKBACK_MS`` before the hour (those readings come before it anyway)."""
    skip = skip or set()
    loaded = loaded or set()
    pairs = sorted(set(seed_pairs))
    found: dict[tuple[int, int], tuple[int, int, int]] = {}
    sql = (
        "q(device_id, hour_ms) AS SELECT r.device_id, r.metric_id, b.for_hour, r.hour_ms, "
        "r.last_ts_ms, r.last_value FROM tm_rollup_hours r JOIN (SELECT q.device_id, "
        "r2.metric_id, q.hour_ms AS for_hour, max(r2.hour_ms) AS best FROM q JOIN "
        "tm_rollup_hours r2 ON r2.device_id = q.device_id AND r2.hour_ms < q.hour_ms AND "
        f"r2.hour_ms >= q.hour_ms - {LOOKBACK_MS} AND r2.readings > 0 GROUP BY q.device_id, "
        "r2.metric_id, q.hour_ms) b ON r.device_id = b.device_id AND r.metric_id = b.metric_id "
        "AND r.hour_ms = b.best"
    )
    for d, m, for_hour, hour, last_ts, last_value in with_pairs(session, pairs, sql):
        found[((d << rc.METRIC_BITS) | m, for_hour)] = (hour, last_ts, last_value)
    # Series with readings before the hour but none found near it: look further back.
    devices = sorted({d for d, _h in pairs})
    firsts: dict[int, list[tuple[int, int]]] = {}
    for i in range(0, len(devices), CHUNK):
        rows = session.execute(
            select(SeriesState.device_id, SeriesState.metric_id, SeriesState.first_ts_ms).where(
                SeriesState.device_id.in_(devices[i : i + CHUNK])
            )
        )
        for d, m, first_ts in rows:
            firsts.setdefault(d, []).append((m, first_ts))
    for d, h in pairs:
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
    return {kh: v for kh, v in found.items() if (kh[0] >> rc.METRIC_BITS, v[0]) not in skip}


def old_last(session: Session, pairs: Iterable[Pair]) -> dict[tuple[int, int, int], int | None]:
    """The last reading time of each row of the device-hours ``pairs``, by (device, metric,
    hour) (to know, after replacing them, whether it changed)."""
    sql = ("q(device_id, hour_ms) AS SELECT r.device_id, r.metric_id, r.hour_ms, r.last_ts_ms "
           "FROM tm_rollup_hours r JOIN q ON r.device_id = q.device_id AND "
           "r.hour_ms = q.hour_ms")  # fmt: skip
    return {(d, m, h): last for d, m, h, last in with_pairs(session, sorted(set(pairs)), sql)}


def next_rows(
    session: Session, keys: Iterable[tuple[int, int]]
) -> dict[tuple[int, int], tuple[int, int, int | None]]:
    """For (series key, hour): the series' next row after that hour, as (hour, readings,
    prev_ts), when there is one."""
    triples = sorted({(k >> rc.METRIC_BITS, k & rc.METRIC_MASK, h) for k, h in keys})
    sql = (
        "q(device_id, metric_id, hour_ms) AS SELECT r.device_id, r.metric_id, b.after, "
        "r.hour_ms, r.readings, r.prev_ts_ms FROM tm_rollup_hours r JOIN (SELECT q.device_id, "
        "q.metric_id, q.hour_ms AS after, min(r2.hour_ms) AS best FROM q JOIN tm_rollup_hours "
        "r2 ON r2.device_id = q.device_id AND r2.metric_id = q.metric_id AND r2.hour_ms > "
        "q.hour_ms GROUP BY q.device_id, q.metric_id, q.hour_ms) b ON r.device_id = "
        "b.device_id AND r.metric_id = b.metric_id AND r.hour_ms = b.best"
    )
    return {
        ((d << rc.METRIC_BITS) | m, after): (int(h), int(readings), prev)
        for d, m, after, h, readings, prev in with_pairs(session, triples, sql)
    }


def seed_arrays(found: dict[tuple[int, int], tuple[int, int, int]]) -> tuple[np.ndarray, ...]:
    """The distinct seed readings of ``found`` (from ``seeds``) as (key, ts, value) arrays."""
    unique = sorted({(k, t, v) for (k, _h), (_hour, t, v) in found.items()})
    if not unique:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    return tuple(np.array(c, dtype=np.int64) for c in zip(*unique, strict=True))
