"""The one validation every ingest channel goes through, on whole Arrow columns.

``validate`` checks each reading of a ``RawBatch`` on its own (device, metric, unit, value,
state code, time window) and scales good values to integers; ``counter_backwards`` checks
counters against the reading before them, once ``ingest`` has sorted and de-duplicated them.
Every refusal carries a reason code of ``batch.REASONS`` (docs/telemetry-ingest.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import select
from sqlalchemy.orm import Session

from chanrong.settings import get_settings
from chanrong.telemetry import core
from chanrong.telemetry.batch import RAW_SCHEMA, REASONS, RawBatch
from chanrong.telemetry.catalogue import DEVICE_TYPES, METRICS_BY_ID
from chanrong.telemetry.models import Device
from chanrong.telemetry.store import STORE_SCHEMA

CODES: tuple[str, ...] = ("", *REASONS)
"""Reason codes by number (0: no reason, the reading is good)."""
_CODE = {reason: i for i, reason in enumerate(CODES)}
_LOOKUP_CHUNK = 500

# Catalogue tables indexed by small integers; index -1 (the last slot) means "unknown".
_TYPE_NAMES = tuple(DEVICE_TYPES)
_METRIC_NAMES = tuple(sorted({m.name for t in DEVICE_TYPES.values() for m in t.metrics.values()}))
_UNITS = tuple(sorted({m.unit for m in METRICS_BY_ID.values()}))
_MAX_ID = max(METRICS_BY_ID)
_KIND = {"counter": 0, "gauge": 1, "state": 2}


def _catalogue_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    # metric_of[type, name]: the metric id a device type reports under a name (-1: none).
    metric_of = np.full((len(_TYPE_NAMES) + 1, len(_METRIC_NAMES) + 1), -1, dtype=np.int16)
    for t, type_name in enumerate(_TYPE_NAMES):
        for m in DEVICE_TYPES[type_name].metrics.values():
            metric_of[t, _METRIC_NAMES.index(m.name)] = m.id
    scale = np.zeros(_MAX_ID + 2, dtype=np.int64)
    unit = np.full(_MAX_ID + 2, -1, dtype=np.int64)
    kind = np.full(_MAX_ID + 2, -1, dtype=np.int8)
    for m in METRICS_BY_ID.values():
        scale[m.id], unit[m.id], kind[m.id] = m.scale, _UNITS.index(m.unit), _KIND[m.kind]
    return metric_of, scale, unit, kind


_METRIC_OF, _SCALE, _UNIT, _KIND_OF = _catalogue_tables()
_METRIC_OF_FLAT = _METRIC_OF.astype(np.int64).ravel()  # one take() beats 2-d fancy indexing
_NAMES_PER_TYPE = _METRIC_OF.shape[1]


def _state_tables() -> tuple[np.ndarray, np.ndarray, int]:
    # allowed[metric, code]: the code is one of the metric's states; any[metric]: every
    # whole number >= 0 is (a state metric without a list of states, e.g. fault codes).
    top = max((c for m in METRICS_BY_ID.values() for c in m.states), default=0)
    allowed = np.zeros((_MAX_ID + 2, top + 1), dtype=bool)
    anything = np.zeros(_MAX_ID + 2, dtype=bool)
    for m in METRICS_BY_ID.values():
        if m.kind == "state" and m.states:
            allowed[m.id, list(m.states)] = True
        elif m.kind == "state":
            anything[m.id] = True
    return allowed.ravel(), anything, top


_STATE_ALLOWED_FLAT, _STATE_ANY, _TOP_STATE = _state_tables()


@dataclass
class Validated:
    """The outcome of ``validate``: good readings as arrays aligned with each other (``row`` is
    the position in the batch's table) and the refused rows of the batch with their reasons."""

    device_id: np.ndarray  # int32
    metric_id: np.ndarray  # int16
    ts_ms: np.ndarray  # int64
    value: np.ndarray  # int64, scaled
    type_code: np.ndarray  # int8, index into DEVICE_TYPES order
    row: np.ndarray  # int64
    refused: pa.Table  # RAW_SCHEMA + reason, device_id, metric_id (null when unknown)

    @property
    def good(self) -> pa.Table:
        """The good readings as a ``STORE_SCHEMA`` table."""
        return store_table(self.device_id, self.metric_id, self.ts_ms, self.value, self.type_code)

    def is_counter(self) -> np.ndarray:
        """Boolean mask of the good readings that belong to counter metrics."""
        return _KIND_OF[self.metric_id] == _KIND["counter"]


def store_table(
    device_id: np.ndarray,
    metric_id: np.ndarray,
    ts_ms: np.ndarray,
    value: np.ndarray,
    type_code: np.ndarray,
) -> pa.Table:
    """Aligned arrays as a ``STORE_SCHEMA`` table (``type_code`` indexes ``DEVICE_TYPES``)."""
    types = pa.DictionaryArray.from_arrays(
        pa.array(type_code, pa.int8()), pa.array(_TYPE_NAMES, pa.string())
    )
    return pa.Table.from_arrays(
        [
            pa.array(device_id, pa.int32()),
            pa.array(metric_id, pa.int16()),
            pa.array(ts_ms, pa.int64()),
            pa.array(value, pa.int64()),
            types,
        ],
        schema=STORE_SCHEMA,
    )


def lookup_devices(session: Session, handles: list[str]) -> dict[str, tuple[int, str]]:
    """Registered devices among ``handles``: handle -> (device id, device type)."""
    found: dict[str, tuple[int, str]] = {}
    for i in range(0, len(handles), _LOOKUP_CHUNK):
        chunk = handles[i : i + _LOOKUP_CHUNK]
        query = select(Device.handle, Device.id, Device.device_type).where(Device.handle.in_(chunk))
        found.update({h: (d, t) for h, d, t in session.execute(query)})
    return found


def _mark(reason: np.ndarray, mask: np.ndarray, code: str) -> None:
    """Give ``code`` to the readings in ``mask`` that have no reason yet (the first check a
    reading fails is its reason)."""
    reason[mask & (reason == 0)] = _CODE[code]


def _scatter(n: int, at: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """A boolean mask of length ``n`` that is ``mask`` at the positions ``at``."""
    full = np.zeros(n, dtype=bool)
    full[at] = mask
    return full


def _int_array(column: pa.ChunkedArray, fill: int) -> np.ndarray:
    return pc.fill_null(column, fill).to_numpy()


def validate(
    session: Session,
    batch: RawBatch,
    *,
    now_ms: int,
    late_ms: int | None = None,
    future_ms: int | None = None,
) -> Validated:
    """Check every reading of ``batch`` on its own and scale the good ones, with whole-column
    operations (no Python step per reading). ``now_ms`` is the arrival time (epoch ms); a
    reading older than ``now_ms - late_ms`` is too old, one newer than ``now_ms + future_ms``
    is in the future (both default to the settings ``telemetry_late_hours`` and
    ``telemetry_future_seconds``)."""
    settings = get_settings() if late_ms is None or future_ms is None else None
    if late_ms is None:
        late_ms = settings.telemetry_late_hours * core.MS_PER_HOUR  # type: ignore[union-attr]
    if future_ms is None:
        future_ms = settings.telemetry_future_seconds * 1000  # type: ignore[union-attr]
    table = batch.table.select(RAW_SCHEMA.names).cast(RAW_SCHEMA)
    n = table.num_rows
    reason = np.zeros(n, dtype=np.int8)

    missing = np.zeros(n, dtype=bool)
    for name in ("device", "metric", "ts_ms", "value"):
        if table.column(name).null_count:
            missing |= table.column(name).is_null().to_numpy(zero_copy_only=False)
    _mark(reason, missing, "missing-field")

    # One hashing pass gives the distinct handles (in order of appearance) and each row's.
    devices = table.column("device").combine_chunks().dictionary_encode()
    handles = devices.dictionary.to_pylist()
    known = lookup_devices(session, handles)
    # Per distinct handle (plus a last "unknown" slot reached through index -1).
    ids = np.array([known[h][0] if h in known else -1 for h in handles] + [-1], dtype=np.int64)
    type_codes = np.array(
        [
            _TYPE_NAMES.index(known[h][1]) if h in known and known[h][1] in DEVICE_TYPES else -1
            for h in handles
        ]
        + [-1],
        dtype=np.int64,
    )
    handle_idx = pc.fill_null(devices.indices, -1).to_numpy()
    device_id = ids[handle_idx]
    type_code = type_codes[handle_idx]
    _mark(reason, device_id < 0, "unknown-device")

    # _METRIC_OF[type_code, name] as a flat take; the unknown type and name are the last row
    # and column.
    name_idx = _int_array(
        pc.index_in(table.column("metric"), value_set=pa.array(_METRIC_NAMES)),
        _NAMES_PER_TYPE - 1,
    )
    row_start = (type_codes % _METRIC_OF.shape[0]) * _NAMES_PER_TYPE
    metric_id = _METRIC_OF_FLAT.take(row_start[handle_idx] + name_idx)
    _mark(reason, metric_id < 0, "unknown-metric")

    units = table.column("unit")
    if units.null_count < n:
        given = units.is_valid().to_numpy(zero_copy_only=False)
        unit_idx = _int_array(pc.index_in(units, value_set=pa.array(_UNITS)), -1)
        _mark(reason, given & (unit_idx != _UNIT[metric_id]), "wrong-unit")

    values = table.column("value").to_numpy()
    scaled, exact = core.scale_values(values, _SCALE[metric_id])
    if not exact.all():
        _mark(reason, ~np.isfinite(values), "non-finite")
        _mark(reason, ~exact, "bad-value")

    at = np.flatnonzero(_KIND_OF[metric_id] == _KIND["state"])
    if len(at):
        codes, of = scaled[at], metric_id[at]
        bad_state = (values[at] != codes) | (codes < 0)  # a state code is a whole number >= 0
        listed = _STATE_ALLOWED_FLAT.take(of * (_TOP_STATE + 1) + np.clip(codes, 0, _TOP_STATE))
        bad_state |= ~_STATE_ANY[of] & ~(listed & (codes <= _TOP_STATE))
        _mark(reason, _scatter(n, at, bad_state), "bad-state")

    ts = _int_array(table.column("ts_ms"), 0)
    _mark(reason, ts > now_ms + future_ms, "future-timestamp")
    _mark(reason, ts < now_ms - late_ms, "too-old")

    good = reason == 0
    bad_rows = np.flatnonzero(~good)
    if len(bad_rows) == 0:
        rows: np.ndarray | slice = slice(None)
        row = np.arange(n, dtype=np.int64)
    else:
        rows = row = np.flatnonzero(good)
    refused = table.take(pa.array(bad_rows))
    refused = refused.append_column(
        "reason", pa.array(np.array(CODES, dtype=object)[reason[bad_rows]], pa.string())
    )
    refused = refused.append_column(
        "device_id", pa.array(device_id[bad_rows], pa.int32(), mask=device_id[bad_rows] < 0)
    )
    refused = refused.append_column(
        "metric_id", pa.array(metric_id[bad_rows], pa.int16(), mask=metric_id[bad_rows] < 0)
    )
    return Validated(
        device_id=device_id[rows].astype(np.int32),
        metric_id=metric_id[rows].astype(np.int16),
        ts_ms=ts[rows],
        value=scaled[rows],
        type_code=type_code[rows].astype(np.int8),
        row=row,
        refused=refused,
    )


def counter_backwards(
    series: np.ndarray,
    ts_ms: np.ndarray,
    value: np.ndarray,
    last_ts_ms: np.ndarray,
    last_value: np.ndarray,
    has_last: np.ndarray,
) -> np.ndarray:
    """Boolean mask of the counter readings refused as ``counter-backwards``.

    The arrays describe counter readings sorted by (``series``, ``ts_ms``) with unique keys;
    ``last_*`` and ``has_last`` give each reading's series' newest stored reading. A reading is
    compared with the reading before it in the batch, and the series' first reading newer than
    the stored one with that stored one; refused readings are skipped as predecessors (the
    next reading is compared with the last accepted one). A decrease to below
    ``core.RESET_FRACTION`` of the predecessor is a reset and accepted."""
    n = len(series)
    if n == 0:
        return np.zeros(0, dtype=bool)
    same = np.r_[False, series[1:] == series[:-1]]
    new = has_last & (ts_ms > last_ts_ms)
    anchored = new & ~(same & np.r_[False, new[:-1]])  # first new reading of its series
    previous = np.where(anchored, last_value, np.r_[0, value[:-1]])
    checked = anchored | same
    bad = checked & core.is_backwards(previous, value)
    if not bad.any():
        return bad
    # Dropping a refused reading changes its successor's predecessor: settle the few series
    # that hold a backwards step one reading at a time, in order.
    refused = np.zeros(n, dtype=bool)
    for s in np.unique(series[bad]):
        positions = range(np.searchsorted(series, s), np.searchsorted(series, s, side="right"))
        before: int | None = None
        for i in positions:
            if anchored[i]:
                before = int(last_value[i])
            v = int(value[i])
            if before is not None and core.is_backwards(before, v):
                refused[i] = True
            else:
                before = v
    return refused


def describe(reason: str, metric_id: int | None = None) -> str:
    """A short detail for a quarantined reading: the rule, and the expected unit for a
    wrong unit."""
    if reason == "wrong-unit" and metric_id is not None and metric_id in METRICS_BY_ID:
        return f"expected {METRICS_BY_ID[metric_id].unit}"
    return REASONS[reason][1] if reason in REASONS else reason
