"""Pure rollup arithmetic: hourly figures of series from their readings (no session, no I/O).

The input is one stream of readings sorted by series key (``device_id << 16 | metric_id``) and
time, in which some readings are *seeds*: readings of hours that are not being computed, there
only to be the reading before an hour (the counter rule and state durations need it). Every
other reading belongs to a computed hour, and all readings of a computed hour are present.

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
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chanrong.telemetry import catalogue, core

HOUR_MS = core.MS_PER_HOUR
METRIC_BITS = 16
GAP_FACTOR = 3  # automatic gap threshold: this many times the median interval

_COUNTERS = np.array(sorted(m.id for m in catalogue.METRICS_BY_ID.values() if m.kind == "counter"))
_STATES = np.array(sorted(m.id for m in catalogue.METRICS_BY_ID.values() if m.kind == "state"))


@dataclass(frozen=True)
class HourRows:
    """Computed hourly rows as columns (one entry per series-hour with readings). ``prev_ts`` is
    -1 where the series had no earlier reading; ``counter_use`` is meaningful where
    ``is_counter``; ``state_ms`` maps state code to milliseconds for state metrics, else None."""

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
    return bool(np.isin(metric_id, _STATES))


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
    n = len(ts)
    idx = np.flatnonzero(~seed)
    if len(idx) == 0:
        return _empty()
    has_pred = np.r_[False, key[1:] == key[:-1]]
    hour = ts - ts % HOUR_MS
    gkey, ghour = key[idx], hour[idx]
    new = np.r_[True, (gkey[1:] != gkey[:-1]) | (ghour[1:] != ghour[:-1])]
    start = np.flatnonzero(new)
    end = np.r_[start[1:], len(idx)]
    gid = np.cumsum(new) - 1
    vals = value[idx]
    first, last = idx[start], idx[end - 1]
    metric = key[first] & ((1 << METRIC_BITS) - 1)
    counter = np.isin(metric, _COUNTERS)

    # Per non-seed reading: the step from the reading before it (none for a series' first).
    pred_ok = has_pred[idx]
    pred = np.where(pred_ok, idx - 1, idx)
    prev_v, prev_t = value[pred], ts[pred]
    delta = vals - prev_v
    reset = pred_ok & (delta < 0) & core.is_reset(prev_v, vals)
    step = np.where(~pred_ok, 0, np.where(delta >= 0, delta, np.where(reset, vals, 0)))
    interval = np.where(pred_ok, ts[idx] - prev_t, -1)
    gap = _gaps(interval, gid, len(start), gap_ms)

    return HourRows(
        device_id=key[first] >> METRIC_BITS,
        metric_id=metric,
        hour_ms=hour[first],
        readings=end - start,
        min_value=np.minimum.reduceat(vals, start),
        max_value=np.maximum.reduceat(vals, start),
        sum_value=np.add.reduceat(vals, start),
        last_ts=ts[last],
        last_value=value[last],
        prev_ts=np.where(has_pred[first], ts[np.maximum(first - 1, 0)], -1),
        counter_use=np.add.reduceat(step, start),
        resets=np.add.reduceat(reset.astype(np.int64), start),
        gaps=np.add.reduceat(gap.astype(np.int64), start),
        gap_ms=np.add.reduceat(np.where(gap, interval, 0), start),
        is_counter=counter,
        state_ms=_state_ms(key, ts, value, idx, gid, start, first, metric, hour, n, cap_ms),
    )


def _gaps(interval: np.ndarray, gid: np.ndarray, groups: int, gap_ms: int) -> np.ndarray:
    """Which intervals are gaps: longer than ``gap_ms``, or (0) than three times the median
    interval of their group. The comparison is done on integers: 2 x interval > 3 x (a + b),
    where a and b are the middle intervals (equal for an odd count)."""
    valid = interval >= 0
    if gap_ms > 0:
        return valid & (interval > gap_ms)
    at = np.flatnonzero(valid)
    if len(at) == 0:
        return np.zeros(len(interval), dtype=bool)
    order = at[np.lexsort((interval[at], gid[at]))]
    sorted_gid, sorted_iv = gid[order], interval[order]
    counts = np.bincount(sorted_gid, minlength=groups)
    offsets = np.r_[0, np.cumsum(counts)[:-1]]
    has = counts > 0
    lo = offsets + np.maximum(counts - 1, 0) // 2
    hi = offsets + counts // 2
    middle = np.zeros(groups, dtype=np.int64)
    middle[has] = sorted_iv[lo[has]] + sorted_iv[np.minimum(hi[has], len(sorted_iv) - 1)]
    return valid & has[gid] & (2 * interval > GAP_FACTOR * middle[gid])


def _state_ms(
    key: np.ndarray,
    ts: np.ndarray,
    value: np.ndarray,
    idx: np.ndarray,
    gid: np.ndarray,
    start: np.ndarray,
    first: np.ndarray,
    metric: np.ndarray,
    hour: np.ndarray,
    n: int,
    cap_ms: int,
) -> list[dict[int, int] | None]:
    """Milliseconds in each state per group (None for groups of other metrics)."""
    out: list[dict[int, int] | None] = [None] * len(start)
    state_groups = np.flatnonzero(np.isin(metric, _STATES))
    if len(state_groups) == 0:
        return out
    for g in state_groups.tolist():
        out[g] = {}
    member = np.isin(gid, state_groups)
    j = idx[member]
    # Each reading's state runs to the next reading, the cap or the end of its hour.
    nxt = np.minimum(j + 1, n - 1)
    has_next = (j + 1 < n) & (key[nxt] == key[j])
    stop = np.minimum(np.where(has_next, ts[nxt], np.iinfo(np.int64).max), ts[j] + cap_ms)
    stop = np.minimum(stop, hour[j] + HOUR_MS)
    groups, codes, spans = [gid[member]], [value[j]], [stop - ts[j]]
    # The reading before the hour carries its state into the hour until the first reading.
    f = first[state_groups]
    carry = (f > 0) & (key[np.maximum(f - 1, 0)] == key[f])
    gs, f = state_groups[carry], f[carry]
    p = f - 1
    span = np.minimum(ts[f], ts[p] + cap_ms) - hour[f]
    keep = span > 0
    groups.append(gs[keep])
    codes.append(value[p][keep])
    spans.append(span[keep])
    g_all, c_all, s_all = (np.concatenate(a) for a in (groups, codes, spans))
    # Sum per (group, code) on whole arrays; only the distinct pairs reach Python.
    order = np.lexsort((c_all, g_all))
    g_all, c_all, s_all = g_all[order], c_all[order], s_all[order]
    if len(g_all) == 0:
        return out
    new = np.r_[True, (g_all[1:] != g_all[:-1]) | (c_all[1:] != c_all[:-1])]
    at = np.flatnonzero(new)
    sums = np.add.reduceat(s_all, at)
    for g, c, s in zip(g_all[at].tolist(), c_all[at].tolist(), sums.tolist(), strict=True):
        if s > 0:
            bucket = out[g]
            assert bucket is not None
            bucket[c] = s
    return out


def tail_ms(last_ts: int, hour_ms: int, cap_ms: int) -> int:
    """How long a state read at ``last_ts`` in the hour ``hour_ms`` runs into the next hour when
    no reading follows within ``cap_ms`` (0 when it ends within its own hour)."""
    return max(0, min(last_ts + cap_ms, hour_ms + 2 * HOUR_MS) - (hour_ms + HOUR_MS))


def _empty() -> HourRows:
    z = np.zeros(0, dtype=np.int64)
    return HourRows(z, z, z, z, z, z, z, z, z, z, z, z, z, z, np.zeros(0, dtype=bool), [])
