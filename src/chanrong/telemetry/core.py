"""Pure rules on readings: scaling to exact integers, the counter rule (use, resets, going
backwards) and timestamps (epoch milliseconds or RFC 3339 text to milliseconds).

No session and no I/O here; ``validation`` and ``ingest`` apply these rules to whole Arrow
columns, the rollups apply ``counter_use`` to stored series.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

RESET_FRACTION = 0.1
"""A counter that drops below this fraction of its previous value was reset (the device
restarted its count); a smaller drop is a counter going backwards and is refused."""

RESET_DENOMINATOR = 10  # 1 / RESET_FRACTION, so the rule is an exact integer comparison

MAX_SCALED = 2**53
"""Largest magnitude of a stored integer value: beyond it a float64 reading is no longer exact."""

MS_PER_HOUR = 3_600_000
MS_PER_DAY = 86_400_000

_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})"
)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_POW10 = 10.0 ** np.arange(19)  # a table lookup is ~10x faster than np.power per reading


def to_scaled(values: np.ndarray, scale: int | np.ndarray) -> np.ndarray:
    """``values`` (float64, in the metric's unit) as int64 in units of 10**-``scale``, rounded
    half to even. ``scale`` is one number or one per value. Values that are not finite or lie
    beyond ``MAX_SCALED`` once scaled come out as 0 (``scale_values`` says which)."""
    return scale_values(values, scale)[0]


def scale_values(values: np.ndarray, scale: int | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``to_scaled`` plus a mask of the values that scale exactly (finite, and within
    ``MAX_SCALED`` in magnitude once scaled); the others are 0 in the result."""
    scaled = np.asarray(values, dtype=np.float64) * _POW10[np.asarray(scale, dtype=np.int64)]
    exact = np.abs(scaled) <= MAX_SCALED  # False for NaN and the infinities
    return np.rint(np.where(exact, scaled, 0.0)).astype(np.int64), exact


def is_reset(previous: np.ndarray | int, new: np.ndarray | int) -> np.ndarray | bool:
    """True where a counter going from ``previous`` to ``new`` was reset: ``new`` is below
    ``RESET_FRACTION`` of ``previous`` (compared exactly on the integers)."""
    return np.asarray(new) * RESET_DENOMINATOR < np.asarray(previous)


def is_backwards(previous: np.ndarray | int, new: np.ndarray | int) -> np.ndarray | bool:
    """True where a counter decreased without a recognisable reset (the reading is refused)."""
    new_a, prev_a = np.asarray(new), np.asarray(previous)
    return (new_a < prev_a) & (new_a * RESET_DENOMINATOR >= prev_a)


def counter_deltas(values: np.ndarray) -> np.ndarray:
    """The use between consecutive readings of one counter series sorted by time (int64, one
    fewer than ``values``): the increase, or after a reset the new value (the count since the
    restart). A decrease that is no reset (never stored, see ``validation``) counts as none."""
    v = np.asarray(values, dtype=np.int64)
    if v.size < 2:
        return np.zeros(0, dtype=np.int64)
    prev, new = v[:-1], v[1:]
    delta = new - prev
    return np.where(delta >= 0, delta, np.where(is_reset(prev, new), new, 0))


def counter_use(values: np.ndarray) -> int:
    """Total use over one counter series sorted by time, in the metric's integer units: the sum
    of ``counter_deltas``. Repeating a reading adds nothing; a reset is not negative use."""
    return int(counter_deltas(values).sum())


def parse_ts(value: Any) -> int | None:
    """A reading's timestamp as milliseconds since the Unix epoch (UTC), or None when it is
    neither epoch milliseconds (an integer, an integral number or a string of digits) nor RFC
    3339 text with a zone (``2024-05-01T08:00:00.250+08:00``). Sub-millisecond digits are cut."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text.isdigit() or (text[:1] == "-" and text[1:].isdigit()):
        return int(text)
    match = _RFC3339.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    if zone in ("Z", "z"):
        tz = UTC
    else:
        sign = 1 if zone[0] == "+" else -1
        hours, minutes = int(zone[1:3]), int(zone[4:6])
        if hours > 23 or minutes > 59:
            return None
        tz = timezone(sign * timedelta(hours=hours, minutes=minutes))
    try:
        at = datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), tzinfo=tz
        )
    except ValueError:
        return None
    millis = int((fraction or "0").ljust(3, "0")[:3])
    return (at - _EPOCH) // timedelta(milliseconds=1) + millis


def parse_ts_array(values: pa.Array | pa.ChunkedArray) -> pa.Int64Array:
    """``parse_ts`` over a column: integers pass through, strings of digits are cast at once,
    other text is parsed one by one; unreadable entries become null."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if pa.types.is_integer(values.type):
        return values.cast(pa.int64())
    if pa.types.is_floating(values.type):
        integral = pc.equal(values, pc.floor(values))
        return pc.if_else(integral, values, None).cast(pa.int64(), safe=False)
    if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        return pa.nulls(len(values), pa.int64())
    digits = pc.match_substring_regex(values, r"^-?\d{1,18}$")
    if pc.all(pc.fill_null(digits, True)).as_py():
        return pc.if_else(digits, values, None).cast(pa.int64())
    return pa.array([parse_ts(v) for v in values.to_pylist()], type=pa.int64())


def hour_of(ts_ms: np.ndarray) -> np.ndarray:
    """The start (epoch ms) of the UTC hour each timestamp falls in."""
    return (np.asarray(ts_ms, dtype=np.int64) // MS_PER_HOUR) * MS_PER_HOUR


def day_of(ts_ms: np.ndarray) -> np.ndarray:
    """The UTC day of each timestamp as days since 1970-01-01."""
    return np.asarray(ts_ms, dtype=np.int64) // MS_PER_DAY
