"""Pure telemetry rules: scaling, the counter rule, timestamps."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from chanrong.telemetry import core


def test_to_scaled_rounds_half_to_even_into_integers() -> None:
    values = np.array([1234.567, 0.5, 1.5, 2.5, -0.5, 12.05])
    assert core.to_scaled(values, 3).tolist() == [1234567, 500, 1500, 2500, -500, 12050]
    assert core.to_scaled(np.array([0.5, 1.5, 2.5, -2.5]), 0).tolist() == [0, 2, 2, -2]
    assert core.to_scaled(np.array([1.25, 1.35]), np.array([1, 1])).tolist() == [12, 14]


def test_scale_values_flags_what_cannot_be_exact() -> None:
    scaled, exact = core.scale_values(np.array([1.0, np.nan, np.inf, 1e16, -1e13]), 3)
    assert exact.tolist() == [True, False, False, False, False]
    assert scaled.tolist() == [1000, 0, 0, 0, 0]


@pytest.mark.parametrize(
    ("previous", "new", "reset", "backwards"),
    [
        (1000, 1000, False, False),
        (1000, 1200, False, False),
        (1000, 99, True, False),  # below a tenth: the device restarted its count
        (1000, 100, False, True),  # exactly a tenth is no reset
        (1000, 999, False, True),
        (0, 0, False, False),
    ],
)
def test_reset_or_backwards(previous: int, new: int, reset: bool, backwards: bool) -> None:
    assert bool(core.is_reset(previous, new)) is reset
    assert bool(core.is_backwards(previous, new)) is backwards


def test_counter_use_counts_a_reset_as_use_since_the_restart() -> None:
    series = np.array([100, 150, 150, 180, 5, 25, 40])
    assert core.counter_deltas(series).tolist() == [50, 0, 30, 5, 20, 15]
    assert core.counter_use(series) == 120
    assert core.counter_use(np.array([7])) == 0
    assert core.counter_use(np.array([], dtype=np.int64)) == 0


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1_714_550_400_000, 1_714_550_400_000),
        ("1714550400000", 1_714_550_400_000),
        (1.7145504e12, 1_714_550_400_000),
        ("2024-05-01T08:00:00Z", 1_714_550_400_000),
        ("2024-05-01T16:00:00.250+08:00", 1_714_550_400_250),
        ("2024-05-01 08:00:00.123456z", 1_714_550_400_123),
        ("2024-05-01T08:00:00", None),  # no zone: ambiguous
        ("2024-05-01", None),
        ("2024-02-30T08:00:00Z", None),
        ("2024-05-01T08:00:00+25:00", None),
        ("yesterday", None),
        (True, None),
        (1.5, None),
        (None, None),
    ],
)
def test_parse_ts(value: object, expected: int | None) -> None:
    assert core.parse_ts(value) == expected


def test_parse_ts_array_for_columns() -> None:
    assert core.parse_ts_array(pa.array(["1000", "2000", None])).to_pylist() == [1000, 2000, None]
    mixed = pa.array(["1000", "1970-01-01T00:00:01.5Z", "nonsense"])
    assert core.parse_ts_array(mixed).to_pylist() == [1000, 1500, None]
    assert core.parse_ts_array(pa.array([5, 6], pa.int32())).to_pylist() == [5, 6]
    assert core.parse_ts_array(pa.array([5.0, 5.5])).to_pylist() == [5, None]


def test_hours_and_days() -> None:
    ts = np.array([0, 3_599_999, 3_600_000, 86_400_000 + 1])
    assert core.hour_of(ts).tolist() == [0, 0, 3_600_000, 86_400_000]
    assert core.day_of(ts).tolist() == [0, 0, 0, 1]
