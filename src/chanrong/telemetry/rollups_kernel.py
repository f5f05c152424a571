"""The hot loop of the rollups: one compiled pass over sorted readings (numba).

A rebuild feeds tens of millions of readings through ``rollups_core.hours_of``; whole-array
NumPy needed about twenty passes over them (one per figure), this needs one. The rules are
those of ``rollups_core`` (docs/telemetry-rollups.md); ``tests/telemetry/rollups_reference.py``
keeps the whole-array version as the oracle the kernel is tested against.

The readings come as chunks (the row groups of a Parquet file as pyarrow decoded them, or one
chunk of arrays already in memory): device ids, metric ids, times and values, read where they
lie rather than copied into one array first.

``cache=True`` keeps the compiled code beside this file (``__pycache__``), so only the first
process on a machine pays the compilation (a few seconds); ``nogil`` lets a reader thread run
meanwhile.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numba.typed import List

HOUR_MS = 3_600_000
GAP_FACTOR = 3
FIGURES = ("device_id", "metric_id", "hour_ms", "readings", "min_value", "max_value",
           "sum_value", "last_ts", "last_value", "prev_ts", "counter_use", "resets", "gaps",
           "gap_ms")  # fmt: skip
"""The rows of ``group_figures``'s first result, in order."""


def chunks(arrays: list[np.ndarray]) -> List:
    """``arrays`` as the typed list the kernel takes."""
    typed = List()
    for array in arrays:
        typed.append(array)
    return typed


@njit(cache=True, nogil=True)
def group_figures(
    devices: List,
    metrics: List,
    times: List,
    values: List,
    run_start: np.ndarray,
    prev_ts: np.ndarray,
    prev_value: np.ndarray,
    is_state: np.ndarray,
    metric_bits: int,
    cap_ms: int,
    gap_ms: int,
    reset_denominator: int,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Per (series, hour) group of the readings (chunks of device id, metric id, ts, value; each
    series' readings together and in time order): the ``FIGURES`` as a 14 x groups int64
    array, and the state spans as a 3 x m array of (group, state code, ms) with its length m.

    ``run_start`` (sorted positions in the whole stream, every series' first among them) are
    the readings whose predecessor is ``prev_ts``/``prev_value`` (``prev_ts`` -1: none) instead
    of the reading just before. ``is_state`` is indexed by metric id."""
    groups, state_readings, n = _sizes(devices, metrics, times, is_state, metric_bits)
    # Exact sizes: a buffer per reading would be a fresh mapping, paid in page faults.
    out = np.zeros((14, groups), dtype=np.int64)
    spans = np.empty((3, state_readings + groups), dtype=np.int64)
    intervals = np.empty(n, dtype=np.int64)  # only a group's worth is touched
    m = 0  # state spans written
    g = -1  # current group
    r = 0  # next run start
    i = 0  # position in the whole stream
    # The current group's figures, kept in registers and stored when it ends.
    count = lo = hi = total = use = resets = gaps = gap_total = k_int = 0
    hour_end = 0
    state = False
    last_k = last_t = last_v = -1
    pending = False  # the previous reading's state span waits for the next reading
    for c in range(len(times)):
        dev, met, tss, vals = devices[c], metrics[c], times[c], values[c]
        for j in range(len(tss)):
            t, v = tss[j], vals[j]
            k = (np.int64(dev[j]) << metric_bits) | np.int64(met[j])
            if r < len(run_start) and run_start[r] == i:
                p_t, p_v = prev_ts[r], prev_value[r]
                has = p_t >= 0
                r += 1
            else:
                p_t, p_v = last_t, last_v
                has = True
            if pending:
                # A state runs to the next reading of its series, the cap or its hour's end.
                stop = min(last_t + cap_ms, hour_end)
                if k == last_k:
                    stop = min(stop, t)
                spans[0, m], spans[1, m], spans[2, m] = g, last_v, stop - last_t
                m += 1
                pending = False
            if g < 0 or k != last_k or t >= hour_end:
                if g >= 0:
                    _store(out, g, count, lo, hi, total, last_t, last_v, use, resets, gaps,
                           gap_total)  # fmt: skip
                    if gap_ms <= 0:
                        _automatic_gaps(out, g, intervals, k_int)
                g += 1
                count = total = use = resets = gaps = gap_total = k_int = 0
                lo = hi = v
                hour = t - t % HOUR_MS
                hour_end = hour + HOUR_MS
                metric = k & ((1 << metric_bits) - 1)
                out[0, g], out[1, g], out[2, g] = k >> metric_bits, metric, hour
                out[9, g] = p_t if has else -1
                state = is_state[metric]
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
            pending = state
            last_k, last_t, last_v = k, t, v
            i += 1
    if g >= 0:
        if pending:
            spans[0, m], spans[1, m], spans[2, m] = (
                g,
                last_v,
                min(last_t + cap_ms, hour_end) - last_t,
            )
            m += 1
        _store(out, g, count, lo, hi, total, last_t, last_v, use, resets, gaps, gap_total)
        if gap_ms <= 0:
            _automatic_gaps(out, g, intervals, k_int)
    return out, spans[:, :m], m


@njit(cache=True, nogil=True)
def _store(
    out: np.ndarray, g: int, count: int, lo: int, hi: int, total: int, last_t: int, last_v: int,
    use: int, resets: int, gaps: int, gap_total: int,
) -> None:  # fmt: skip
    """Store the figures of the finished group ``g``."""
    out[3, g], out[4, g], out[5, g], out[6, g] = count, lo, hi, total
    out[7, g], out[8, g] = last_t, last_v
    out[10, g], out[11, g], out[12, g], out[13, g] = use, resets, gaps, gap_total


@njit(cache=True, nogil=True)
def _sizes(
    devices: List, metrics: List, times: List, is_state: np.ndarray, metric_bits: int
) -> tuple[int, int, int]:
    """How many (series, hour) groups the readings form, how many are readings of state
    metrics, and how many readings there are."""
    groups = states = n = 0
    hour_end = 0
    last_k = -1
    for c in range(len(times)):
        dev, met, tss = devices[c], metrics[c], times[c]
        for j in range(len(tss)):
            k = (np.int64(dev[j]) << metric_bits) | np.int64(met[j])
            if k != last_k or tss[j] >= hour_end:
                groups += 1
                hour_end = tss[j] - tss[j] % HOUR_MS + HOUR_MS
            if is_state[met[j]]:
                states += 1
            last_k = k
        n += len(tss)
    return groups, states, n


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
            out[12, g] += 1
            out[13, g] += intervals[j]
