"""Ingest a batch of readings with exactly-once effect: validate, sort, tell new readings from
repeats, conflicts and late ones, store the new ones in Parquet and update the series state,
quarantine the rest. One batch, one call, in the caller's transaction.

A reading is keyed by (device, metric, ts). Within a batch an exact repeat is a duplicate and a
different value for the same key a conflict (the first one is kept). Against the store, a
reading newer than its series' newest stored one (``tm_series.last_ts_ms``) is new without any
lookup; an older one is looked up in the store: same value, a duplicate; another value, a
``ReadingConflict``; absent, a late reading that is stored and counted in ``late``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson
import pyarrow as pa
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from chanrong import clock
from chanrong.telemetry import core
from chanrong.telemetry.batch import IngestReport, RawBatch, Refusal
from chanrong.telemetry.models import QuarantinedReading, ReadingConflict, SeriesState
from chanrong.telemetry.store import ParquetStore
from chanrong.telemetry.validation import (
    Validated,
    counter_backwards,
    describe,
    lookup_devices,
    store_table,
    validate,
)

PAYLOAD_LIMIT = 2_000
_CHUNK = 500  # ids per IN (...) query
_ROWS = 5_000  # rows per multi-row insert
_METRIC_BITS = 16  # series key = device_id << 16 | metric_id


def clock_ms() -> int:
    """The platform clock (``clock.now()``) in epoch milliseconds."""
    return int(clock.now().timestamp() * 1000)


def ingest_batch(
    session: Session, store: ParquetStore, batch: RawBatch, *, now_ms: int | None = None
) -> IngestReport:
    """Validate ``batch``, store its new readings, quarantine what is refused and record
    conflicts, all in the caller's transaction (flushed, not committed). ``now_ms`` is the
    arrival time in epoch ms (default: the platform clock). The report always balances."""
    arrival = clock_ms() if now_ms is None else now_ms
    report = IngestReport(received=batch.received)
    quarantine = _refusal_rows(session, batch)
    checked = validate(session, batch, now_ms=arrival)
    quarantine += _refused_rows(batch, checked.refused)
    outcome = _settle(session, store, batch, checked)
    quarantine += outcome.pop("quarantine")
    report.stored = outcome["stored"]
    report.duplicates = outcome["duplicates"]
    report.conflicts = outcome["conflicts"]
    report.late = outcome["late"]
    report.quarantined = Counter(row["reason"] for row in quarantine)
    received_at = clock.now()
    for i in range(0, len(quarantine), _ROWS):
        chunk = quarantine[i : i + _ROWS]
        for row in chunk:
            row["received_at"] = received_at
        session.execute(insert(QuarantinedReading.__table__), chunk)
    session.flush()
    return report


def _settle(
    session: Session, store: ParquetStore, batch: RawBatch, checked: Validated
) -> dict[str, Any]:
    """Sort the good readings by key, split them into stored, duplicates, conflicts and
    counter refusals, and write what that means to the store and the tables."""
    empty: dict[str, Any] = {"stored": 0, "duplicates": 0, "conflicts": 0, "late": 0}
    if len(checked.row) == 0:
        return empty | {"quarantine": []}
    series_all = (checked.device_id.astype(np.int64) << _METRIC_BITS) | checked.metric_id
    # lexsort is stable and the arrays are in batch order: the first of repeated keys stays first.
    order = np.lexsort((checked.ts_ms, series_all))
    series, ts = series_all[order], checked.ts_ms[order]
    value, row = checked.value[order], checked.row[order]
    device_id, metric_id = checked.device_id[order], checked.metric_id[order]
    type_code = checked.type_code[order]
    counter = checked.is_counter()[order]

    repeat = np.r_[False, (series[1:] == series[:-1]) & (ts[1:] == ts[:-1])]
    first = ~repeat
    if repeat.any():
        key = np.cumsum(first) - 1  # the key each reading belongs to
        first_at = np.flatnonzero(first)
    else:
        key = first_at = np.arange(len(series))

    states = _lock_series(session, series[np.r_[True, series[1:] != series[:-1]]])
    last_ts, last_value, has_last = _series_columns(states, series)
    late = has_last & (ts <= last_ts)

    # Keys at or before the newest stored reading may be stored already: look them up.
    in_store = np.zeros(len(first_at), dtype=bool)
    reference = value[first_at].copy()  # the value a key's readings are compared with
    probe = first_at[late[first_at]]
    if len(probe):
        found = store.lookup(
            session,
            pa.table(
                {
                    "device_id": pa.array(device_id[probe], pa.int32()),
                    "metric_id": pa.array(metric_id[probe], pa.int16()),
                    "ts_ms": pa.array(ts[probe], pa.int64()),
                }
            ),
        )
        if found.num_rows:
            found_series = (
                found.column("device_id").to_numpy().astype(np.int64) << _METRIC_BITS
            ) | found.column("metric_id").to_numpy()
            keys, hits = _match(
                series[first_at], ts[first_at], found_series, found.column("ts_ms").to_numpy()
            )
            in_store[keys] = True
            reference[keys] = found.column("value").to_numpy()[hits]

    key_in_store = in_store[key]
    ref = reference[key]
    compared = key_in_store | repeat
    duplicate = compared & (value == ref)
    conflict = compared & (value != ref)
    candidate = first & ~key_in_store

    backwards = np.zeros(len(series), dtype=bool)
    check = np.flatnonzero(candidate & counter)
    if len(check):
        backwards[check] = counter_backwards(
            series[check], ts[check], value[check], last_ts[check], last_value[check],
            has_last[check],
        )  # fmt: skip
    # A repeat of a refused reading shares its fate.
    refused_key = np.zeros(len(first_at), dtype=bool)
    refused_key[key[backwards]] = True
    backwards |= repeat & refused_key[key] & ~key_in_store
    duplicate &= ~backwards
    conflict &= ~backwards
    stored = candidate & ~backwards

    keep: np.ndarray | slice = slice(None) if stored.all() else np.flatnonzero(stored)
    count = len(series[keep])
    if count:
        store.write(
            session,
            store_table(device_id[keep], metric_id[keep], ts[keep], value[keep], type_code[keep]),
            presorted=True,
        )
        _mark_dirty(session, device_id[keep], ts[keep])
    _update_series(session, states, series, ts, value, stored, duplicate)
    _record_conflicts(session, batch, device_id, metric_id, ts, ref, value, conflict)
    counter_rows = _rows_for(batch, row[backwards], device_id[backwards], "counter-backwards")
    return {
        "stored": count,
        "duplicates": int(duplicate.sum()),
        "conflicts": int(conflict.sum()),
        "late": int((stored & late).sum()),
        "quarantine": counter_rows,
    }


def _match(
    k_series: np.ndarray, k_ts: np.ndarray, f_series: np.ndarray, f_ts: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Pair each found reading (``f_*``) with the unique key (``k_*``) it has: (key indexes,
    found indexes). Sorted together by (series, ts, keys first), a found reading follows its key."""
    nk, nf = len(k_series), len(f_series)
    tag = np.r_[np.zeros(nk, dtype=np.int8), np.ones(nf, dtype=np.int8)]
    index = np.r_[np.arange(nk), np.arange(nf)]
    order = np.lexsort((tag, np.r_[k_ts, f_ts], np.r_[k_series, f_series]))
    at = np.flatnonzero(tag[order] == 1)
    return index[order[at - 1]], index[order[at]]


@dataclass(frozen=True)
class _States:
    """The stored state of the series a batch touches, as arrays sorted by series key."""

    key: np.ndarray  # int64, device_id << 16 | metric_id
    first_ts: np.ndarray
    last_ts: np.ndarray
    last_value: np.ndarray


def _lock_series(session: Session, series: np.ndarray) -> _States:
    """The stored state of each series key in ``series``, locked for this transaction (on
    PostgreSQL; SQLite has one writer at a time). Read as plain rows: thousands of ORM objects
    per batch cost more than the rest of the ingest."""
    devices = sorted(set((series >> _METRIC_BITS).tolist()))
    columns = (SeriesState.device_id, SeriesState.metric_id, SeriesState.first_ts_ms,
               SeriesState.last_ts_ms, SeriesState.last_value)  # fmt: skip
    rows: list[Any] = []
    for i in range(0, len(devices), _CHUNK):
        query = (
            select(*columns)
            .where(SeriesState.device_id.in_(devices[i : i + _CHUNK]))
            .with_for_update()
        )
        rows += [tuple(r) for r in session.execute(query)]  # numpy probes Row objects slowly
    table = np.array(rows, dtype=np.int64).reshape(-1, 5)
    key = (table[:, 0] << _METRIC_BITS) | table[:, 1]
    order = np.argsort(key)
    wanted = np.isin(key[order], series)
    at = order[wanted]
    return _States(key[at], table[at, 2], table[at, 3], table[at, 4])


def _series_columns(
    states: _States, series: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per reading: its series' newest stored ts and value, and whether there is one."""
    if len(states.key) == 0:
        zeros = np.zeros(len(series), dtype=np.int64)
        return zeros, zeros, np.zeros(len(series), dtype=bool)
    at = np.minimum(np.searchsorted(states.key, series), len(states.key) - 1)
    has = states.key[at] == series
    return np.where(has, states.last_ts[at], 0), np.where(has, states.last_value[at], 0), has


def _update_series(
    session: Session,
    states: _States,
    series: np.ndarray,
    ts: np.ndarray,
    value: np.ndarray,
    stored: np.ndarray,
    duplicate: np.ndarray,
) -> None:
    """Move each series' watermark to its newest stored reading and add its counts."""
    # Rows are sorted by (series, ts): per series, the first stored row is its oldest, the last
    # its newest.
    keep = np.flatnonzero(stored)
    s = series[keep]
    starts = np.flatnonzero(np.r_[True, s[1:] != s[:-1]]) if len(s) else np.zeros(0, np.int64)
    ends = np.r_[starts[1:], len(s)] if len(s) else starts
    newest = keep[ends - 1]
    d = series[duplicate]
    d_starts = np.flatnonzero(np.r_[True, d[1:] != d[:-1]]) if len(d) else np.zeros(0, np.int64)
    touched = np.union1d(s[starts], d[d_starts])
    if len(touched) == 0:
        return
    # Per touched series: oldest and newest stored ts, the newest value, readings, duplicates.
    n = len(touched)
    oldest_ts, newest_ts, newest_value, count, dups = (np.zeros(n, np.int64) for _ in range(5))
    g = np.searchsorted(touched, s[starts])
    oldest_ts[g], newest_ts[g], newest_value[g] = ts[keep[starts]], ts[newest], value[newest]
    count[g] = ends - starts
    dups[np.searchsorted(touched, d[d_starts])] = np.diff(np.r_[d_starts, len(d)])
    at = np.minimum(np.searchsorted(states.key, touched), max(len(states.key) - 1, 0))
    known = states.key[at] == touched if len(states.key) else np.zeros(n, dtype=bool)
    device, metric = touched >> _METRIC_BITS, touched & ((1 << _METRIC_BITS) - 1)

    new = np.flatnonzero(~known)
    if len(new):
        names = ("device_id", "metric_id", "first_ts_ms", "last_ts_ms", "last_value",
                 "readings", "duplicates")  # fmt: skip
        columns = (device, metric, oldest_ts, newest_ts, newest_value, count, dups)
        inserts = [
            dict(zip(names, row, strict=True))
            for row in zip(*(c[new].tolist() for c in columns), strict=True)
        ]
        session.execute(insert(SeriesState.__table__), inserts)

    old = np.flatnonzero(known)
    if len(old):
        i = at[old]
        grew = count[old] > 0
        first = np.where(grew, np.minimum(states.first_ts[i], oldest_ts[old]), states.first_ts[i])
        advance = grew & (newest_ts[old] > states.last_ts[i])
        last = np.where(advance, newest_ts[old], states.last_ts[i])
        last_value = np.where(advance, newest_value[old], states.last_value[i])
        params = list(zip(first.tolist(), last.tolist(), last_value.tolist(),
                          count[old].tolist(), dups[old].tolist(), device[old].tolist(),
                          metric[old].tolist(), strict=True))  # fmt: skip
        # Straight to the driver, one executemany: per-object ORM updates of thousands of series
        # per batch were the largest cost of the ingest.
        connection = session.connection()
        mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
        connection.exec_driver_sql(
            f"UPDATE tm_series SET first_ts_ms = {mark}, last_ts_ms = {mark}, "
            f"last_value = {mark}, readings = readings + {mark}, "
            f"duplicates = duplicates + {mark} WHERE device_id = {mark} AND metric_id = {mark}",
            params,
        )
    # SeriesState objects this session loaded before now hold old values: reload them on use.
    for obj in list(session.identity_map.values()):
        if isinstance(obj, SeriesState):
            session.expire(obj)


def _mark_dirty(session: Session, device_id: np.ndarray, ts: np.ndarray) -> None:
    """Record every (device, hour) that gained readings for the rollup job (``device_id`` and
    ``ts`` sorted by series and time, so repeats of a pair are mostly next to each other)."""
    pairs = (device_id.astype(np.int64) << 32) | (ts // core.MS_PER_HOUR)
    pairs = np.unique(pairs[np.r_[True, pairs[1:] != pairs[:-1]]])
    rows = [(p >> 32, (p & 0xFFFFFFFF) * core.MS_PER_HOUR) for p in pairs.tolist()]
    # Straight to the driver: SQLAlchemy's per-row parameter handling costs more than SQLite.
    connection = session.connection()
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    connection.exec_driver_sql(
        f"INSERT INTO tm_dirty_hours (device_id, hour_ms) VALUES ({mark}, {mark}) "
        "ON CONFLICT DO NOTHING",
        rows,
    )


def _record_conflicts(
    session: Session,
    batch: RawBatch,
    device_id: np.ndarray,
    metric_id: np.ndarray,
    ts: np.ndarray,
    stored_value: np.ndarray,
    offered: np.ndarray,
    conflict: np.ndarray,
) -> None:
    at = np.flatnonzero(conflict)
    if len(at) == 0:
        return
    seen_at = clock.now()
    rows = [
        {
            "device_id": int(device_id[i]),
            "metric_id": int(metric_id[i]),
            "ts_ms": int(ts[i]),
            "stored_value": int(stored_value[i]),
            "offered_value": int(offered[i]),
            "channel": batch.channel,
            "seen_at": seen_at,
        }
        for i in at.tolist()
    ]
    for i in range(0, len(rows), _ROWS):
        session.execute(insert(ReadingConflict.__table__), rows[i : i + _ROWS])


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit]


def _refusal_rows(session: Session, batch: RawBatch) -> list[dict[str, Any]]:
    """Quarantine rows of the readings the parser could not read, with the device's id when
    the handle they came under is registered (so its owner sees them)."""
    handles = sorted({r.device for r in batch.refusals if r.device})
    known = lookup_devices(session, handles) if handles else {}
    rows = [_refusal_row(batch, r) for r in batch.refusals]
    for row, refusal in zip(rows, batch.refusals, strict=True):
        if refusal.device in known:
            row["device_id"] = known[refusal.device][0]
    return rows


def _refusal_row(batch: RawBatch, refusal: Refusal) -> dict[str, Any]:
    # Every quarantine row has the same keys: a multi-row insert takes its columns from the first.
    source = refusal.source or batch.source
    if refusal.line is not None:
        source = f"{source}:{refusal.line}"
    return {
        "channel": batch.channel,
        "source": _cut(source, 300),
        "device": _cut(refusal.device, 200),
        "device_id": None,
        "metric": "",
        "ts": "",
        "value": "",
        "reason": refusal.reason,
        "detail": _cut(refusal.detail or describe(refusal.reason), 300),
        "payload": _cut(refusal.payload, PAYLOAD_LIMIT),
    }


def _reading_row(
    batch: RawBatch, reading: dict[str, Any], reason: str, device_id: int | None, detail: str
) -> dict[str, Any]:
    """A quarantine row for one parsed reading (a row of ``RAW_SCHEMA`` as a dict)."""
    value = reading["value"]
    text = "" if value is None else repr(value)
    payload = orjson.dumps(
        {k: reading[k] for k in ("device", "metric", "ts_ms", "value", "unit")},
        option=orjson.OPT_SERIALIZE_NUMPY,
    ).decode()
    if value is not None and not np.isfinite(value):
        payload = payload.replace('"value":null', f'"value":"{text}"')
    line = reading["line"]
    source = batch.source if line is None else f"{batch.source}:{line}"
    return {
        "channel": batch.channel,
        "source": _cut(source, 300),
        "device": _cut(reading["device"] or "", 200),
        "device_id": device_id,
        "metric": _cut(reading["metric"] or "", 100),
        "ts": "" if reading["ts_ms"] is None else str(reading["ts_ms"]),
        "value": _cut(text, 100),
        "reason": reason,
        "detail": _cut(detail, 300),
        "payload": _cut(payload, PAYLOAD_LIMIT),
    }


def _refused_rows(batch: RawBatch, refused: pa.Table) -> list[dict[str, Any]]:
    return [
        _reading_row(batch, r, r["reason"], r["device_id"], describe(r["reason"], r["metric_id"]))
        for r in refused.to_pylist()
    ]


def _rows_for(
    batch: RawBatch, rows: np.ndarray, device_ids: np.ndarray, reason: str
) -> list[dict[str, Any]]:
    if len(rows) == 0:
        return []
    readings = batch.table.take(pa.array(rows)).to_pylist()
    detail = describe(reason)
    return [
        _reading_row(batch, r, reason, int(d), detail)
        for r, d in zip(readings, device_ids.tolist(), strict=True)
    ]
