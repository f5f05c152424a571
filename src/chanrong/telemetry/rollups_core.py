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

Everything is whole-array arithmetic over the sorted readings (no sort of them): a rebuild
feeds tens of millions of readings through here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chanrong.settings import Settings
from chanrong.telemetry import catalogue, core

HOUR_MS = core.MS_PER_HOUR
METRIC_BITS = 16
METRIC_MASK = (1 << METRIC_BITS) - 1
GAP_FACTOR = 3  # automatic gap threshold: this many times the median interval

_KINDS = {m.id: m.kind for m in catalogue.METRICS_BY_ID.values()}
_IS_COUNTER = np.zeros(1 << METRIC_BITS, dtype=bool)
_IS_COUNTER[[i for i, k in _KINDS.items() if k == "counter"]] = True
_IS_STATE = np.zeros(1 << METRIC_BITS, dtype=bool)
_IS_STATE[[i for i, k in _KINDS.items() if k == "state"]] = True
_STATE_IDS = frozenset(i for i, k in _KINDS.items() if k == "state")
# Intervals inside one hour are shorter than this, so clipping longer ones to it keeps their
# order (only a group's first interval, from the reading before the hour, can be longer).
_CLIP = 1 << 23
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
    return metric_id in _STATE_IDS


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
    """The hourly rows of the readings ``key``/``ts``/``value`` (int64, sorted by key and time,
    every reading of each of their series-hours present). ``run_start`` (sorted positions,
    including every series' first) are the readings whose predecessor is not the reading just
    before them; ``prev_ts``/``prev_value`` give that predecessor, ``prev_ts`` -1 for none.
    ``cap_ms`` and ``gap_ms`` as in ``compute_hours``."""
    n = len(ts)
    if n == 0:
        return _empty()
    hour = ts - ts % HOUR_MS
    new = np.empty(n, dtype=bool)
    new[0] = True
    np.not_equal(key[1:], key[:-1], out=new[1:])
    new[1:] |= hour[1:] != hour[:-1]
    start = np.flatnonzero(new)
    end = np.r_[start[1:], n]
    first, last = start, end - 1

    # The reading before each reading, and whether there is one.
    pv = np.empty(n, dtype=np.int64)
    pv[1:] = value[:-1]
    pt = np.empty(n, dtype=np.int64)
    pt[1:] = ts[:-1]
    has = np.ones(n, dtype=bool)
    pv[run_start] = prev_value
    pt[run_start] = prev_ts
    has[run_start] = np.asarray(prev_ts) >= 0
    step = value - pv
    step[~has] = 0
    back = np.flatnonzero(step < 0)
    reset = back[core.is_reset(pv[back], value[back])]
    step[back] = 0
    step[reset] = value[reset]
    groups = len(start)
    metric = key[first] & METRIC_MASK
    interval = ts - pt  # meaningful where ``has``

    return HourRows(
        device_id=key[first] >> METRIC_BITS,
        metric_id=metric,
        hour_ms=hour[first],
        readings=end - start,
        min_value=np.minimum.reduceat(value, start),
        max_value=np.maximum.reduceat(value, start),
        sum_value=np.add.reduceat(value, start),
        last_ts=ts[last],
        last_value=value[last],
        prev_ts=np.where(has[first], pt[first], -1),
        counter_use=np.add.reduceat(step, start),
        resets=_count(_group_of(start, reset), groups),
        **_gaps(interval, has, start, end, gap_ms),
        is_counter=_IS_COUNTER[metric],
        state_ms=_state_ms(key, ts, value, pt, pv, has, hour, start, end, metric, cap_ms),
    )  # fmt: skip


def _group_of(start: np.ndarray, at: np.ndarray) -> np.ndarray:
    """The group (index into ``start``) of each reading position in ``at``."""
    return np.searchsorted(start, at, side="right") - 1


def _count(groups_of: np.ndarray, groups: int) -> np.ndarray:
    return np.bincount(groups_of, minlength=groups).astype(np.int64)


def _gaps(
    interval: np.ndarray, has: np.ndarray, start: np.ndarray, end: np.ndarray, gap_ms: int
) -> dict[str, np.ndarray]:
    """``gaps`` and ``gap_ms`` per group: intervals longer than ``gap_ms``, or (0) than three
    times the median interval of their group, compared on integers as 2 x interval >
    3 x (a + b), a and b the middle intervals (equal for an odd count)."""
    groups = len(start)
    if gap_ms > 0:
        at = np.flatnonzero(has & (interval > gap_ms))
        return _gap_sums(_group_of(start, at), interval[at], groups)
    # A group whose longest interval is at most three times its shortest has no gap (its
    # median is at least the shortest); only the others need their median.
    low = np.minimum.reduceat(np.where(has, interval, np.iinfo(np.int64).max), start)
    high = np.maximum.reduceat(np.where(has, interval, -1), start)
    valid = (end - start) - (~has[start])  # only a group's first reading may lack one
    # With two intervals neither exceeds 1.5 times their sum: no gap either.
    suspect = np.flatnonzero((high > GAP_FACTOR * low) & (valid > 2))
    if len(suspect) == 0:
        z = np.zeros(groups, dtype=np.int64)
        return {"gaps": z, "gap_ms": z.copy()}
    lengths = (end - start)[suspect]
    local = np.repeat(np.arange(len(suspect)), lengths)
    pos = np.repeat(start[suspect] - np.r_[0, np.cumsum(lengths)[:-1]], lengths) + np.arange(
        int(lengths.sum())
    )
    ok = has[pos]
    local, pos = local[ok], pos[ok]
    iv = interval[pos]
    # One sort of (group, clipped interval): groups have at least three intervals, so the
    # clipped (largest) one is never a middle one.
    ordered = np.sort((local << 24) | np.minimum(iv, _CLIP - 1))
    sorted_iv = ordered & ((1 << 24) - 1)
    counts = np.bincount(local, minlength=len(suspect))
    offsets = np.r_[0, np.cumsum(counts)[:-1]]
    middle = sorted_iv[offsets + (counts - 1) // 2] + sorted_iv[offsets + counts // 2]
    gap = 2 * iv > GAP_FACTOR * middle[local]
    return _gap_sums(suspect[local[gap]], iv[gap], groups)


def _gap_sums(group: np.ndarray, interval: np.ndarray, groups: int) -> dict[str, np.ndarray]:
    gap_ms = np.zeros(groups, dtype=np.int64)
    np.add.at(gap_ms, group, interval)
    return {"gaps": _count(group, groups), "gap_ms": gap_ms}


def _state_ms(
    key: np.ndarray,
    ts: np.ndarray,
    value: np.ndarray,
    pt: np.ndarray,
    pv: np.ndarray,
    has: np.ndarray,
    hour: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    metric: np.ndarray,
    cap_ms: int,
) -> list[dict[int, int] | None]:
    """Milliseconds in each state per group (None for groups of other metrics)."""
    out: list[dict[int, int] | None] = [None] * len(start)
    sg = np.flatnonzero(_IS_STATE[metric])
    if len(sg) == 0:
        return out
    n = len(ts)
    lengths = (end - start)[sg]
    j = np.repeat(start[sg] - np.r_[0, np.cumsum(lengths)[:-1]], lengths) + np.arange(
        int(lengths.sum())
    )
    local = np.repeat(np.arange(len(sg)), lengths)
    # Each reading's state runs to the next reading, the cap or the end of its hour.
    nxt = np.minimum(j + 1, n - 1)
    has_next = (j + 1 < n) & (key[nxt] == key[j])
    stop = np.minimum(np.where(has_next, ts[nxt], np.iinfo(np.int64).max), ts[j] + cap_ms)
    stop = np.minimum(stop, hour[j] + HOUR_MS)
    locals_, codes, spans = [local], [value[j]], [stop - ts[j]]
    # The reading before the hour carries its state into the hour until the first reading.
    f = start[sg]
    carry = np.flatnonzero(has[f])
    f = f[carry]
    span = np.minimum(ts[f], pt[f] + cap_ms) - hour[f]
    keep = span > 0
    locals_.append(carry[keep])
    codes.append(pv[f][keep])
    spans.append(span[keep])
    g_all, c_all, s_all = (np.concatenate(a) for a in (locals_, codes, spans))
    for g in sg.tolist():
        out[g] = {}
    if len(c_all) == 0:
        return out
    if c_all.min() >= 0 and c_all.max() < _SMALL_CODES:
        width = int(c_all.max()) + 1
        # One pass over (group, code) cells. The float sums are exact: every partial sum is a
        # whole number of ms below an hour per cell, far under 2**53.
        cells = np.bincount(g_all * width + c_all, weights=s_all, minlength=len(sg) * width)
        sums = cells.astype(np.int64).reshape(len(sg), width)
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
    for g, c, m in zip(sg[at_g].tolist(), at_c.tolist(), ms.tolist(), strict=True):
        bucket = out[g]
        assert bucket is not None
        bucket[c] = m
    return out


def concat(parts: list[HourRows]) -> HourRows:
    """The rows of ``parts`` (each sorted, of distinct series, in order) as one ``HourRows``."""
    if len(parts) == 1:
        return parts[0]
    if not parts:
        return _empty()
    columns = {
        name: np.concatenate([getattr(p, name) for p in parts])
        for name in HourRows.__dataclass_fields__
        if name != "state_ms"
    }
    return HourRows(**columns, state_ms=[s for p in parts for s in p.state_ms])


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
