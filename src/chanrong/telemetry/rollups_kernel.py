"""The hot loop of the rollups: one compiled pass over sorted readings (numba).

A rebuild feeds tens of millions of readings through ``rollups_core.hours_of``; whole-array
NumPy needed about twenty passes over them (one per figure), this needs one. The rules are
those of ``rollups_core`` (docs/telemetry-rollups.md); ``tests/telemetry/rollups_reference.py``
keeps the whole-array version as the oracle the kernel is tested against.

``cache=True`` keeps the compiled code beside this file (``__pycache__``), so only the first
process on a machine pays the compilation (a few seconds); ``nogil`` lets a reader thread run
meanwhile.
"""

from __future__ import annotations

import numpy as np
from numba import njit

HOUR_MS = 3_600_000
GAP_FACTOR = 3
FIGURES = ("first", "readings", "min_value", "max_value", "sum_value", "last_ts", "last_value",
           "prev_ts", "counter_use", "resets", "gaps", "gap_ms")  # fmt: skip
"""The rows of ``group_figures``'s first result, in order."""


@njit(cache=True, nogil=True)
def group_figures(
    key: np.ndarray,
    ts: np.ndarray,
    value: np.ndarray,
    run_start: np.ndarray,
    prev_ts: np.ndarray,
    prev_value: np.ndarray,
    is_state: np.ndarray,
    metric_mask: int,
    cap_ms: int,
    gap_ms: int,
    reset_denominator: int,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Per (series, hour) group of the sorted readings: the ``FIGURES`` as a 12 x groups int64
    array, and the state spans as a 3 x m array of (group, state code, ms) with its length m.

    ``run_start`` (sorted positions, every series' first among them) are the readings whose
    predecessor is ``prev_ts``/``prev_value`` (``prev_ts`` -1: none) instead of the reading
    just before. ``is_state`` is indexed by metric id (``key & metric_mask``)."""
    n = len(ts)
    groups, state_readings = _sizes(key, ts, is_state, metric_mask)
    # Exact sizes: a buffer per reading would be a fresh mapping, paid in page faults.
    out = np.zeros((12, groups), dtype=np.int64)
    spans = np.empty((3, state_readings + groups), dtype=np.int64)
    intervals = np.empty(n, dtype=np.int64)  # only a group's worth is touched
    m = 0  # state spans written
    g = -1  # current group
    r = 0  # next run start
    # The current group's figures, kept in registers and stored when it ends.
    count = lo = hi = total = use = resets = gaps = gap_total = k_int = 0
    hour = hour_end = 0
    state = False
    for i in range(n):
        t, v, k = ts[i], value[i], key[i]
        if r < len(run_start) and run_start[r] == i:
            p_t, p_v = prev_ts[r], prev_value[r]
            has = p_t >= 0
            r += 1
        else:
            p_t, p_v = ts[i - 1], value[i - 1]
            has = True
        if g < 0 or k != key[i - 1] or t >= hour_end:
            if g >= 0:
                _store(out, g, ts, value, count, lo, hi, total, use, resets, gaps, gap_total)
                if gap_ms <= 0:
                    _automatic_gaps(out, g, intervals, k_int)
            g += 1
            count = total = use = resets = gaps = gap_total = k_int = 0
            lo = hi = v
            hour = t - t % HOUR_MS
            hour_end = hour + HOUR_MS
            out[0, g] = i
            out[7, g] = p_t if has else -1
            state = is_state[k & metric_mask]
            if state and has:
                # The reading before the hour carries its state in until the first reading.
                span = min(t, p_t + cap_ms) - hour
                if span > 0:
                    spans[0, m], spans[1, m], spans[2, m] = g, p_v, span
                    m += 1
        count += 1
        lo = min(lo, v)
        hi = max(hi, v)
        total += v
        if has:
            step = v - p_v
            if step < 0:
                if v * reset_denominator < p_v:
                    step = v
                    resets += 1
                else:
                    step = 0
            use += step
            interval = t - p_t
            if gap_ms > 0:
                if interval > gap_ms:
                    gaps += 1
                    gap_total += interval
            else:
                intervals[k_int] = interval
                k_int += 1
        if state:
            # A state runs to the next reading of its series, the cap or the end of its hour.
            stop = min(t + cap_ms, hour_end)
            if i + 1 < n and key[i + 1] == k:
                stop = min(stop, ts[i + 1])
            spans[0, m], spans[1, m], spans[2, m] = g, v, stop - t
            m += 1
    if g >= 0:
        _store(out, g, ts, value, count, lo, hi, total, use, resets, gaps, gap_total)
        if gap_ms <= 0:
            _automatic_gaps(out, g, intervals, k_int)
    return out, spans[:, :m], m


@njit(cache=True, nogil=True)
def _store(
    out: np.ndarray,
    g: int,
    ts: np.ndarray,
    value: np.ndarray,
    count: int,
    lo: int,
    hi: int,
    total: int,
    use: int,
    resets: int,
    gaps: int,
    gap_total: int,
) -> None:
    """Store the figures of the finished group ``g`` (whose first reading is ``out[0, g]``)."""
    last = out[0, g] + count - 1
    out[1, g], out[2, g], out[3, g], out[4, g] = count, lo, hi, total
    out[5, g], out[6, g] = ts[last], value[last]
    out[8, g], out[9, g], out[10, g], out[11, g] = use, resets, gaps, gap_total


@njit(cache=True, nogil=True)
def _sizes(
    key: np.ndarray, ts: np.ndarray, is_state: np.ndarray, metric_mask: int
) -> tuple[int, int]:
    """How many (series, hour) groups the readings form, and how many are state readings."""
    groups = states = 0
    hour_end = 0
    for i in range(len(ts)):
        if i == 0 or key[i] != key[i - 1] or ts[i] >= hour_end:
            groups += 1
            hour_end = ts[i] - ts[i] % HOUR_MS + HOUR_MS
        if is_state[key[i] & metric_mask]:
            states += 1
    return groups, states


@njit(cache=True, nogil=True)
def _automatic_gaps(out: np.ndarray, g: int, intervals: np.ndarray, count: int) -> None:
    """Count the group's intervals longer than three times its median, compared on integers
    as 2 x interval > 3 x (a + b), a and b the middle intervals (equal for an odd count)."""
    if count < 3:
        return  # with two intervals neither exceeds 1.5 times their sum
    low, high = intervals[0], intervals[0]
    for j in range(1, count):
        low = min(low, intervals[j])
        high = max(high, intervals[j])
    if high <= GAP_FACTOR * low:
        return  # the median is at least the shortest
    ordered = np.sort(intervals[:count])
    middle = ordered[(count - 1) // 2] + ordered[count // 2]
    for j in range(count):
        if 2 * intervals[j] > GAP_FACTOR * middle:
            out[10, g] += 1
            out[11, g] += intervals[j]
