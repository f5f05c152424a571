"""The whole-array NumPy rollup arithmetic that ``rollups_kernel`` replaced, kept as the oracle
the compiled kernel is tested against (``test_rollups_kernel.py``)."""

from __future__ import annotations

import numpy as np

from chanrong.telemetry import core
from chanrong.telemetry.rollups_core import (
    _IS_COUNTER,
    _IS_STATE,
    _SMALL_CODES,
    HOUR_MS,
    METRIC_BITS,
    METRIC_MASK,
    HourRows,
    _empty,
)

GAP_FACTOR = 3
# Intervals inside one hour are shorter than this, so clipping longer ones to it keeps their
# order (only a group's first interval, from the reading before the hour, can be longer).
_CLIP = 1 << 23


def reference_hours_of(
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
