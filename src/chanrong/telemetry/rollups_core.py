"""Pure rollup arithmetic: hourly figures of series from their readings (no session, no I/O).

``hours_of`` takes the readings of the hours being computed, sorted by series key
(``device_id << 16 | metric_id``) and time, all readings of each such hour present, plus the
reading before every *run* (a stretch of consecutive readings of one series whose own
predecessor is not in the arrays: every series' first reading, and an hour whose previous hour
is not computed). ``compute_hours`` is the same over one stream in which some readings are
*seeds*: readings of other hours, there only to be the reading before an hour.

Rules (docs/telemetry-rollups.md):

- counter use: the sum of ``core.counter_deltas`` over the hour's readings and the reading
  before the hour, so an hour's use is its last value minus the previous reading (resets
  recognised), and hourly uses add up to the use of the whole series;
- a state lasts from its reading until the next reading of the series, at most ``cap_ms``, and
  is split at hour boundaries; the part of the previous reading's state that runs into an hour
  counts in that hour;
- a gap is an interval between consecutive readings (the first of an hour and the reading
  before it included) longer than ``gap_ms``, or when ``gap_ms`` is 0 longer than three times
  the median interval of the series in that hour; it counts in the hour of its later reading.

The figures come from one compiled pass over the sorted readings (``rollups_kernel``): a
rebuild feeds tens of millions of readings through here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chanrong.settings import Settings
from chanrong.telemetry import catalogue, core
from chanrong.telemetry import rollups_kernel as kernel

HOUR_MS = core.MS_PER_HOUR
METRIC_BITS = 16
METRIC_MASK = (1 << METRIC_BITS) - 1

_KINDS = {m.id: m.kind for m in catalogue.METRICS_BY_ID.values()}
_IS_COUNTER = np.zeros(1 << METRIC_BITS, dtype=bool)
_IS_COUNTER[[i for i, k in _KINDS.items() if k == "counter"]] = True
_IS_STATE = np.zeros(1 << METRIC_BITS, dtype=bool)
_IS_STATE[[i for i, k in _KINDS.items() if k == "state"]] = True
STATE_IDS = frozenset(i for i, k in _KINDS.items() if k == "state")
_SMALL_CODES = 64  # state codes below this are found by counting, others by sorting


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
class Params:
    """The rules' settings in milliseconds: a state's longest run (at most an hour) and the gap
    threshold (0: automatic)."""

    cap_ms: int
    gap_ms: int

    @classmethod
    def of(cls, settings: Settings) -> Params:
        """From ``telemetry_state_cap_seconds`` and ``telemetry_gap_seconds``."""
        return cls(
            settings.telemetry_state_cap_seconds * 1000, settings.telemetry_gap_seconds * 1000
        )


@dataclass(frozen=True)
class HourRows:
    """Computed hourly rows as columns (one entry per series-hour with readings), sorted by
    series and hour. ``prev_ts`` is -1 where the series had no earlier reading;
    ``counter_use`` is meaningful where ``is_counter``; ``state_ms`` maps state code to
    milliseconds for state metrics, else None."""

    device_id: np.ndarray
    metric_id: np.ndarray
    hour_ms: np.ndarray
    readings: np.ndarray
    min_value: np.ndarray
    max_value: np.ndarray
    sum_value: np.ndarray
    last_ts: np.ndarray
    last_value: np.ndarray
    prev_ts: np.ndarray
    counter_use: np.ndarray
    resets: np.ndarray
    gaps: np.ndarray
    gap_ms: np.ndarray
    is_counter: np.ndarray
    state_ms: list[dict[int, int] | None]

    def __len__(self) -> int:
        return len(self.hour_ms)


def is_state(metric_id: int) -> bool:
    """Whether the catalogue metric ``metric_id`` is a state metric."""
    return metric_id in STATE_IDS


def state_mask(metric_id: np.ndarray) -> np.ndarray:
    """Which of the catalogue metric ids ``metric_id`` are state metrics (bool array)."""
    return _IS_STATE[np.asarray(metric_id, dtype=np.int64)]


def compute_hours(
    key: np.ndarray,
    ts: np.ndarray,
    value: np.ndarray,
    seed: np.ndarray,
    *,
    cap_ms: int,
    gap_ms: int = 0,
) -> HourRows:
    """The hourly rows of every (series, hour) that has non-seed readings. ``key``, ``ts`` (epoch
    ms), ``value`` (scaled integers) and ``seed`` are aligned arrays sorted by key and time;
    ``cap_ms`` (at most one hour) bounds a state's duration, ``gap_ms`` (0: automatic) the
    interval that is not yet a gap."""
    key = np.asarray(key, dtype=np.int64)
    ts = np.asarray(ts, dtype=np.int64)
    value = np.asarray(value, dtype=np.int64)
    seed = np.asarray(seed, dtype=bool)
    idx = np.flatnonzero(~seed)
    if len(idx) == 0:
        return _empty()
    before = np.maximum(idx - 1, 0)
    same = (idx > 0) & (key[before] == key[idx])
    # A run starts where the reading before is a seed or of another series.
    starts = np.flatnonzero(~(same & ~seed[before]))
    has = same[starts]
    at = before[starts]
    return hours_of(
        key[idx], ts[idx], value[idx], starts,
        np.where(has, ts[at], -1), np.where(has, value[at], 0),
        cap_ms=cap_ms, gap_ms=gap_ms,
    )  # fmt: skip


def hours_of(
    key: np.ndarray,
    ts: np.ndarray,
    value: np.ndarray,
    run_start: np.ndarray,
    prev_ts: np.ndarray,
    prev_value: np.ndarray,
    *,
    cap_ms: int,
    gap_ms: int = 0,
) -> HourRows:
    """The hourly rows of the readings ``key``/``ts``/``value`` (int64, each series' readings
    together and in time order, every reading of each of their series-hours present).
    ``run_start`` (sorted positions, including every series' first) are the readings whose
    predecessor is not the reading just before them; ``prev_ts``/``prev_value`` give that
    predecessor, ``prev_ts`` -1 for none. ``cap_ms`` and ``gap_ms`` as in ``compute_hours``."""
    key = np.asarray(key, dtype=np.int64)
    return hours_of_chunks(
        [_frozen((key >> METRIC_BITS).astype(np.int32))],
        [_frozen((key & METRIC_MASK).astype(np.int16))],
        [_frozen(np.ascontiguousarray(ts, dtype=np.int64))],
        [_frozen(np.ascontiguousarray(value, dtype=np.int64))],
        run_start, prev_ts, prev_value, cap_ms=cap_ms, gap_ms=gap_ms,
    )  # fmt: skip


def _frozen(array: np.ndarray) -> np.ndarray:
    """A read-only view of ``array``: the kernel then sees the same types as pyarrow's
    (read-only) chunks, so one compiled version serves both."""
    view = array.view()
    view.flags.writeable = False
    return view


def hours_of_chunks(
    devices: list[np.ndarray],
    metrics: list[np.ndarray],
    times: list[np.ndarray],
    values: list[np.ndarray],
    run_start: np.ndarray,
    prev_ts: np.ndarray,
    prev_value: np.ndarray,
    *,
    cap_ms: int,
    gap_ms: int = 0,
) -> HourRows:
    """``hours_of`` over readings in aligned chunks: int32 device ids, int16 metric ids, int64
    times and values (positions in ``run_start`` count through the chunks in order)."""
    if sum(len(t) for t in times) == 0:
        return _empty()
    figures, spans, _m = kernel.group_figures(
        kernel.chunks(devices), kernel.chunks(metrics), kernel.chunks(times),
        kernel.chunks(values), np.asarray(run_start, dtype=np.int64),
        np.asarray(prev_ts, dtype=np.int64), np.asarray(prev_value, dtype=np.int64), _IS_STATE,
        METRIC_BITS, cap_ms, gap_ms, core.RESET_DENOMINATOR,
    )  # fmt: skip
    f = dict(zip(kernel.FIGURES, figures, strict=True))
    return HourRows(
        **f,
        is_counter=_IS_COUNTER[f["metric_id"]],
        state_ms=_state_ms(f["metric_id"], spans),
    )


def _state_ms(metric: np.ndarray, spans: np.ndarray) -> list[dict[int, int] | None]:
    """Milliseconds in each state per group (None for groups of other metrics) from the
    kernel's (group, code, ms) spans; codes in ascending order, zero totals left out."""
    out: list[dict[int, int] | None] = [None] * len(metric)
    for g in np.flatnonzero(_IS_STATE[metric]).tolist():
        out[g] = {}
    g_all, c_all, s_all = spans
    if len(c_all) == 0:
        return out
    if c_all.min() >= 0 and c_all.max() < _SMALL_CODES:
        width = int(c_all.max()) + 1
        # One pass over (group, code) cells. The float sums are exact: every partial sum is a
        # whole number of ms below an hour per cell, far under 2**53.
        cells = np.bincount(g_all * width + c_all, weights=s_all, minlength=len(metric) * width)
        sums = cells.astype(np.int64).reshape(len(metric), width)
        at_g, at_c = np.nonzero(sums)
        ms = sums[at_g, at_c]
    else:
        order = np.lexsort((c_all, g_all))
        g_all, c_all, s_all = g_all[order], c_all[order], s_all[order]
        new = np.r_[True, (g_all[1:] != g_all[:-1]) | (c_all[1:] != c_all[:-1])]
        first = np.flatnonzero(new)
        at_g, at_c, ms = g_all[first], c_all[first], np.add.reduceat(s_all, first)
        keep = ms > 0
        at_g, at_c, ms = at_g[keep], at_c[keep], ms[keep]
    for g, c, m in zip(at_g.tolist(), at_c.tolist(), ms.tolist(), strict=True):
        bucket = out[g]
        assert bucket is not None
        bucket[c] = m
    return out


def tail_ms(last_ts: int, hour_ms: int, cap_ms: int) -> int:
    """How long a state read at ``last_ts`` in the hour ``hour_ms`` runs into the next hour when
    no reading follows within ``cap_ms`` (0 when it ends within its own hour)."""
    return max(0, min(last_ts + cap_ms, hour_ms + 2 * HOUR_MS) - (hour_ms + HOUR_MS))


def tails_ms(last_ts: np.ndarray, hour_ms: np.ndarray, cap_ms: int) -> np.ndarray:
    """``tail_ms`` over aligned arrays."""
    return np.maximum(0, np.minimum(last_ts + cap_ms, hour_ms + 2 * HOUR_MS) - (hour_ms + HOUR_MS))


def _empty() -> HourRows:
    z = np.zeros(0, dtype=np.int64)
    return HourRows(z, z, z, z, z, z, z, z, z, z, z, z, z, z, np.zeros(0, dtype=bool), [])
