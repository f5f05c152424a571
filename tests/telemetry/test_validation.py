"""The one validation: every reason a single reading can be refused for, on whole columns."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sqlalchemy.orm import Session

from chanrong.telemetry.validation import counter_backwards, validate
from tests.factories import create_device, create_device_owner, raw_batch

NOW = 1_714_550_400_000  # 2024-05-01T08:00:00Z
HOUR = 3_600_000


@pytest.fixture
def devices(session: Session) -> dict[str, str]:
    owner, prefix = create_device_owner(session)
    return {
        kind: create_device(session, owner, prefix, device_type=kind, suffix=f"V-{kind}").handle
        for kind in ("sewing_machine", "excavator", "motor", "energy_meter")
    }


def test_good_readings_are_scaled_to_the_metric_resolution(
    session: Session, devices: dict[str, str]
) -> None:
    batch = raw_batch([
        {"device": devices["energy_meter"], "metric": "kwh_peak", "ts_ms": NOW, "value": 1234.5675},
        {"device": devices["excavator"], "metric": "engine_hours", "ts_ms": NOW, "value": 12.5,
         "unit": "h"},
        {"device": devices["motor"], "metric": "run_state", "ts_ms": NOW - HOUR, "value": 2.0},
        {"device": devices["excavator"], "metric": "fault_code", "ts_ms": NOW, "value": 4711.0},
    ])  # fmt: skip
    checked = validate(session, batch, now_ms=NOW)
    assert checked.refused.num_rows == 0
    assert checked.value.tolist() == [1234568, 1250, 2, 4711]
    assert checked.metric_id.tolist() == [41, 10, 23, 13]
    good = checked.good
    assert good.column("device_type").to_pylist() == [
        "energy_meter", "excavator", "motor", "excavator",
    ]  # fmt: skip
    assert checked.row.tolist() == [0, 1, 2, 3]


def test_every_single_reading_reason(session: Session, devices: dict[str, str]) -> None:
    sm, motor = devices["sewing_machine"], devices["motor"]
    cases = [
        ({"device": None, "metric": "stitches", "ts_ms": NOW, "value": 1.0}, "missing-field"),
        ({"device": sm, "metric": "stitches", "ts_ms": NOW, "value": None}, "missing-field"),
        ({"device": "88.1001.12/NOPE", "metric": "stitches", "ts_ms": NOW, "value": 1.0},
         "unknown-device"),
        ({"device": sm, "metric": "fuel_level", "ts_ms": NOW, "value": 1.0}, "unknown-metric"),
        ({"device": sm, "metric": "nonsense", "ts_ms": NOW, "value": 1.0}, "unknown-metric"),
        ({"device": motor, "metric": "temperature", "ts_ms": NOW, "value": 1.0, "unit": "K"},
         "wrong-unit"),
        ({"device": sm, "metric": "stitches", "ts_ms": NOW, "value": math.nan}, "non-finite"),
        ({"device": sm, "metric": "stitches", "ts_ms": NOW, "value": -math.inf}, "non-finite"),
        ({"device": sm, "metric": "stitches", "ts_ms": NOW, "value": 1e300}, "bad-value"),
        ({"device": motor, "metric": "run_state", "ts_ms": NOW, "value": 7.0}, "bad-state"),
        ({"device": motor, "metric": "run_state", "ts_ms": NOW, "value": 1.5}, "bad-state"),
        ({"device": devices["excavator"], "metric": "fault_code", "ts_ms": NOW, "value": -1.0},
         "bad-state"),
        ({"device": sm, "metric": "stitches", "ts_ms": NOW + 301_000, "value": 1.0},
         "future-timestamp"),
        ({"device": sm, "metric": "stitches", "ts_ms": NOW - 169 * HOUR, "value": 1.0},
         "too-old"),
    ]  # fmt: skip
    good = {"device": motor, "metric": "temperature", "ts_ms": NOW, "value": 20.5, "unit": "Cel"}
    checked = validate(session, raw_batch([c for c, _ in cases] + [good]), now_ms=NOW)
    assert checked.refused.column("reason").to_pylist() == [r for _, r in cases]
    assert checked.refused.column("line").to_pylist() == list(range(1, len(cases) + 1))
    known = checked.refused.column("device_id").to_pylist()
    assert known[2] is None and known[1] is not None
    assert checked.row.tolist() == [len(cases)]
    assert checked.value.tolist() == [205]


def test_window_edges_are_inclusive(session: Session, devices: dict[str, str]) -> None:
    sm = devices["sewing_machine"]
    batch = raw_batch([
        {"device": sm, "metric": "stitches", "ts_ms": NOW + 300_000, "value": 1.0},
        {"device": sm, "metric": "stitches", "ts_ms": NOW - 168 * HOUR, "value": 1.0},
    ])  # fmt: skip
    assert validate(session, batch, now_ms=NOW).refused.num_rows == 0
    tight = validate(session, batch, now_ms=NOW, late_ms=HOUR, future_ms=0)
    assert tight.refused.column("reason").to_pylist() == ["future-timestamp", "too-old"]


def test_counter_backwards_against_batch_and_stored_reading() -> None:
    series = np.array([1, 1, 1, 1, 2, 2])
    ts = np.array([10, 20, 30, 40, 10, 20])
    value = np.array([100, 50, 60, 9, 500, 450])
    last_ts = np.array([5, 5, 5, 5, 15, 15])
    last_value = np.array([90, 90, 90, 90, 480, 480])
    has = np.ones(6, dtype=bool)
    # 50 and 60 fall back behind 100 (60 is compared with 100, the last accepted); 9 is a
    # reset from 100. Series 2: 500 is late (no stored predecessor known); 450 is the first
    # new reading, compared with the stored 480.
    assert counter_backwards(series, ts, value, last_ts, last_value, has).tolist() == [
        False, True, True, False, False, True,
    ]  # fmt: skip
    assert not counter_backwards(series, ts, np.sort(value), last_ts, last_value, ~has).any()
