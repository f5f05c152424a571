"""The compiled rollup pass against the whole-array NumPy oracle it replaced, on random mixes
of counter, gauge and state series with gaps, resets, runs and readings before the hours."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from chanrong.telemetry import rollups_core as rc
from tests.telemetry.rollups_reference import reference_hours_of

H = 3_600_000
METRICS = [2, 3, 4, 22, 23, 40]  # stitches, thread trims, power state, temperature, run state, kWh


@st.composite
def readings(draw: st.DrawFn) -> tuple[np.ndarray, ...]:
    """Sorted readings of a few series over a few hours, with random runs: each run start gets
    a random reading before it (or none)."""
    keys, times, values = [], [], []
    for device in range(draw(st.integers(1, 3))):
        for metric in draw(st.lists(st.sampled_from(METRICS), min_size=1, max_size=3,
                                    unique=True)):  # fmt: skip
            n = draw(st.integers(1, 40))
            spread = draw(st.sampled_from([10 * 60_000, H, 4 * H]))
            ts = sorted(draw(st.sets(st.integers(0, spread), min_size=n, max_size=n)))
            if rc.is_state(metric):
                vs = draw(st.lists(st.integers(0, 3), min_size=n, max_size=n))
            else:
                vs = draw(st.lists(st.integers(0, 2_000), min_size=n, max_size=n))
            keys += [((device + 1) << rc.METRIC_BITS) | metric] * n
            times += [H + t for t in ts]
            values += vs
    key, ts, value = (np.array(a, dtype=np.int64) for a in (keys, times, values))
    firsts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    extra = draw(st.lists(st.integers(0, len(ts) - 1), max_size=5))
    run_start = np.unique(np.r_[firsts, np.array(extra, dtype=np.int64)])
    prev_ts = np.array([draw(st.sampled_from([-1, ts[i] - draw(st.integers(1, 2 * H))]))
                        for i in run_start.tolist()], dtype=np.int64)  # fmt: skip
    prev_value = np.array([draw(st.integers(0, 3_000)) for _ in run_start.tolist()], dtype=np.int64)
    return key, ts, value, run_start, prev_ts, prev_value


@settings(max_examples=300, deadline=None)
@given(readings(), st.sampled_from([0, 0, 5 * 60_000]), st.sampled_from([900_000, H]), st.data())
def test_kernel_equals_the_numpy_oracle(
    arrays: tuple[np.ndarray, ...], gap_ms: int, cap_ms: int, data: st.DataObject
) -> None:
    key, ts, value, *runs = arrays
    # The kernel reads chunks as pyarrow decodes them: cut the stream anywhere.
    cuts = sorted(data.draw(st.sets(st.integers(1, max(1, len(ts) - 1)), max_size=4)))
    device = np.split((key >> rc.METRIC_BITS).astype(np.int32), cuts)
    metric = np.split((key & rc.METRIC_MASK).astype(np.int16), cuts)
    got = rc.hours_of_chunks(device, metric, np.split(ts, cuts), np.split(value, cuts), *runs,
                             cap_ms=cap_ms, gap_ms=gap_ms)  # fmt: skip
    want = reference_hours_of(*arrays, cap_ms=cap_ms, gap_ms=gap_ms)
    assert len(got) == len(want)
    for name in rc.HourRows.__dataclass_fields__:
        g, w = getattr(got, name), getattr(want, name)
        if name == "state_ms":
            assert g == w
        else:
            assert np.array_equal(g, w), name


def test_an_hour_with_a_long_gap_by_hand() -> None:
    # Readings every minute, one 20-minute hole: one gap of 20 minutes (median 1 minute).
    minutes = [0, 1, 2, 3, 4, 24, 25, 26]
    ts = np.array([H + m * 60_000 for m in minutes], dtype=np.int64)
    key = np.full(len(ts), (1 << rc.METRIC_BITS) | 2, dtype=np.int64)
    value = np.arange(len(ts), dtype=np.int64) * 10
    rows = rc.hours_of(key, ts, value, np.array([0]), np.array([-1]), np.array([0]),
                       cap_ms=900_000)  # fmt: skip
    assert rows.gaps.tolist() == [1]
    assert rows.gap_ms.tolist() == [20 * 60_000]
    assert rows.counter_use.tolist() == [70]
