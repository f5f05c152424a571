"""Hourly rollups: hand-checked figures, incremental correction by late readings, successors,
idempotence, rebuild, and the counter rule under hypothesis."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chanrong.settings import Settings
from chanrong.telemetry import core
from chanrong.telemetry import rollups_core as rc
from chanrong.telemetry.ingest import ingest_batch
from chanrong.telemetry.models import DirtyHour, RollupHour
from chanrong.telemetry.rollups import rebuild, roll_up
from chanrong.telemetry.store import ParquetStore
from tests.factories import create_device, create_device_owner, raw_batch

T0 = 1_714_521_600_000  # 2024-05-01T00:00:00Z
MIN = 60_000
H = 3_600_000
NOW = T0 + 5 * H
CONFIG = Settings(telemetry_state_cap_seconds=900, telemetry_gap_seconds=0)

STITCHES = [(0, 100), (10, 150), (20, 300), (70, 5), (75, 10), (80, 25), (85, 30), (130, 40)]
POWER = [(50, 1), (55, 0), (58, 1), (130, 0)]
TEMPERATURE = [(5, 25.0), (35, 26.0), (65, 25.5)]


def _ingest(session: Session, store: ParquetStore, readings: list[dict[str, Any]]) -> None:
    report = ingest_batch(session, store, raw_batch(readings), now_ms=NOW)
    assert report.stored == len(readings), report


def _series(handle: str, metric: str, points: list[tuple[int, float]]) -> list[dict[str, Any]]:
    return [{"device": handle, "metric": metric, "ts_ms": T0 + m * MIN, "value": v}
            for m, v in points]  # fmt: skip


def _rows(session: Session, device_id: int) -> dict[tuple[int, int], dict[str, Any]]:
    rows = session.scalars(select(RollupHour).where(RollupHour.device_id == device_id))
    return {
        (r.metric_id, (r.hour_ms - T0) // H): {c: getattr(r, c) for c in (
            "readings", "min_value", "max_value", "sum_value", "last_ts_ms", "last_value",
            "prev_ts_ms", "counter_use", "resets", "gaps", "gap_ms", "state_ms")}
        for r in rows
    }  # fmt: skip


def _site(session: Session, tmp_path: Path) -> tuple[Any, Any, ParquetStore]:
    owner, prefix = create_device_owner(session)
    sm = create_device(session, owner, prefix, suffix="SM-1")
    motor = create_device(session, owner, prefix, device_type="motor", suffix="M-1")
    store = ParquetStore(tmp_path / "store")
    _ingest(session, store, _series(sm.handle, "stitches", STITCHES)
            + _series(sm.handle, "power_state", POWER)
            + _series(motor.handle, "temperature", TEMPERATURE))  # fmt: skip
    return sm, motor, store


def test_hourly_figures_by_hand(session: Session, tmp_path: Path) -> None:
    sm, motor, store = _site(session, tmp_path)
    report = roll_up(session, store, settings=CONFIG)
    assert (report.dirty, report.tails) == (5, 1)  # sewing machine hours 0-2, motor 0-1
    assert session.scalar(select(func.count()).select_from(DirtyHour)) == 0
    rows = _rows(session, sm.id)
    assert rows[(2, 0)] == {
        "readings": 3, "min_value": 100, "max_value": 300, "sum_value": 550,
        "last_ts_ms": T0 + 20 * MIN, "last_value": 300, "prev_ts_ms": None, "counter_use": 200,
        "resets": 0, "gaps": 0, "gap_ms": 0, "state_ms": None,
    }  # fmt: skip
    # Hour 1: the reading before it (300) counts; 300 -> 5 is a reset (use 5), then +5 +15 +5.
    # Intervals 50, 5, 5, 5 minutes: median 5, so the 50-minute one is a gap.
    assert rows[(2, 1)] == {
        "readings": 4, "min_value": 5, "max_value": 30, "sum_value": 70,
        "last_ts_ms": T0 + 85 * MIN, "last_value": 30, "prev_ts_ms": T0 + 20 * MIN,
        "counter_use": 30, "resets": 1, "gaps": 1, "gap_ms": 50 * MIN, "state_ms": None,
    }  # fmt: skip
    assert rows[(2, 2)]["counter_use"] == 10
    assert sum(rows[(2, h)]["counter_use"] for h in range(3)) == core.counter_use(
        np.array([v for _m, v in STITCHES])
    )
    # Power: on 50-55, off 55-58, on 58-60 (the hour ends); the last state runs on for the cap
    # (15 min) into hour 1, which has no power reading: a tail row.
    assert rows[(4, 0)]["state_ms"] == {"0": 3 * MIN, "1": 7 * MIN}
    assert rows[(4, 1)]["readings"] == 0
    assert rows[(4, 1)]["state_ms"] == {"1": 13 * MIN}
    assert rows[(4, 1)]["prev_ts_ms"] == T0 + 58 * MIN
    # Hour 2: off from 130 for the cap; the reading at 58 ran out at 73, before the hour.
    assert rows[(4, 2)]["state_ms"] == {"0": 15 * MIN}
    motor_rows = _rows(session, motor.id)
    assert motor_rows[(22, 0)] | {"last_ts_ms": 0} == {
        "readings": 2, "min_value": 250, "max_value": 260, "sum_value": 510, "last_ts_ms": 0,
        "last_value": 260, "prev_ts_ms": None, "counter_use": None, "resets": 0, "gaps": 0,
        "gap_ms": 0, "state_ms": None,
    }  # fmt: skip
    assert motor_rows[(22, 1)]["readings"] == 1


def test_late_reading_corrects_only_its_hour(session: Session, tmp_path: Path) -> None:
    sm, _motor, store = _site(session, tmp_path)
    roll_up(session, store, settings=CONFIG)
    before = _rows(session, sm.id)
    _ingest(session, store, _series(sm.handle, "stitches", [(72, 7)]))
    report = roll_up(session, store, settings=CONFIG)
    assert (report.dirty, report.device_hours, report.successors) == (1, 1, 0)
    after = _rows(session, sm.id)
    changed = {k for k in after if after[k] != before[k]}
    assert changed == {(2, 1)}
    assert after[(2, 1)]["readings"] == 5
    assert after[(2, 1)]["sum_value"] == 77
    assert after[(2, 1)]["counter_use"] == 30  # 5, then +2 +3 +15 +5: the same use


def test_late_last_reading_corrects_the_next_hour(session: Session, tmp_path: Path) -> None:
    sm, _motor, store = _site(session, tmp_path)
    roll_up(session, store, settings=CONFIG)
    before = _rows(session, sm.id)
    _ingest(session, store, _series(sm.handle, "stitches", [(88, 35)]))
    report = roll_up(session, store, settings=CONFIG)
    assert report.successors == 1
    after = _rows(session, sm.id)
    assert {k for k in after if after[k] != before[k]} == {(2, 1), (2, 2)}
    assert (after[(2, 1)]["counter_use"], after[(2, 2)]["counter_use"]) == (35, 5)
    assert after[(2, 2)]["prev_ts_ms"] == T0 + 88 * MIN


def test_rollup_twice_and_rebuild_give_the_same_rows(session: Session, tmp_path: Path) -> None:
    sm, motor, store = _site(session, tmp_path)
    roll_up(session, store, settings=CONFIG)
    first = _rows(session, sm.id) | {(-1, 0): _rows(session, motor.id)}
    session.add_all([DirtyHour(device_id=sm.id, hour_ms=T0 + h * H) for h in range(3)])
    session.flush()
    roll_up(session, store, settings=CONFIG)
    assert _rows(session, sm.id) | {(-1, 0): _rows(session, motor.id)} == first
    report = rebuild(session, store, start_ms=T0, end_ms=T0 + 3 * H, settings=CONFIG)
    assert report.rows == 7
    assert _rows(session, sm.id) | {(-1, 0): _rows(session, motor.id)} == first


def test_a_rebuild_keeps_the_state_tail_into_its_first_hour(
    session: Session, tmp_path: Path
) -> None:
    sm, motor, store = _site(session, tmp_path)
    roll_up(session, store, settings=CONFIG)
    first = _rows(session, sm.id) | {(-1, 0): _rows(session, motor.id)}
    # Power read at 58 runs into hour 1, which has no power reading: the tail row at hour 1
    # comes from a reading before the window and must survive its rebuild.
    report = rebuild(session, store, start_ms=T0 + H, end_ms=T0 + 3 * H, settings=CONFIG)
    assert report.tails == 1
    assert _rows(session, sm.id) | {(-1, 0): _rows(session, motor.id)} == first


def test_a_state_tail_row_is_replaced_when_its_hour_gets_readings(
    session: Session, tmp_path: Path
) -> None:
    sm, _motor, store = _site(session, tmp_path)
    roll_up(session, store, settings=CONFIG)
    _ingest(session, store, _series(sm.handle, "power_state", [(65, 0)]))
    roll_up(session, store, settings=CONFIG)
    rows = _rows(session, sm.id)
    assert rows[(4, 1)]["readings"] == 1
    # on from the hour's start to 65 (carried from 58), off from 65 for the cap
    assert rows[(4, 1)]["state_ms"] == {"1": 5 * MIN, "0": 15 * MIN}


def test_limit_takes_the_oldest_dirty_hours(session: Session, tmp_path: Path) -> None:
    sm, _motor, store = _site(session, tmp_path)
    report = roll_up(session, store, settings=CONFIG, limit=2)
    assert report.dirty == 2
    left = session.scalars(select(DirtyHour.hour_ms).order_by(DirtyHour.hour_ms)).all()
    assert left == [T0 + H, T0 + H, T0 + 2 * H]  # both devices' hour 1, then hour 2
    roll_up(session, store, settings=CONFIG)
    rows = _rows(session, sm.id)
    assert [rows[(2, h)]["counter_use"] for h in range(3)] == [200, 30, 10]
    assert rows[(4, 1)]["state_ms"] == {"1": 13 * MIN}


@st.composite
def counter_series(draw: st.DrawFn) -> tuple[list[int], list[int]]:
    """Sorted distinct timestamps over a few hours and counter values that only grow or reset
    (drop below a tenth), as ingest lets them through."""
    n = draw(st.integers(2, 60))
    ts = sorted(draw(st.sets(st.integers(0, 5 * H), min_size=n, max_size=n)))
    values = [draw(st.integers(0, 10_000))]
    for _ in range(n - 1):
        if draw(st.integers(0, 5)) == 0:
            values.append(draw(st.integers(0, values[-1] // 10)) if values[-1] >= 10 else 0)
        else:
            values.append(values[-1] + draw(st.integers(0, 5_000)))
    return ts, values


@settings(max_examples=200, deadline=None)
@given(counter_series(), st.data())
def test_hourly_use_adds_up_to_the_series_use(
    series: tuple[list[int], list[int]], data: st.DataObject
) -> None:
    ts, values = (np.array(a, dtype=np.int64) for a in series)
    key = np.full(len(ts), (7 << rc.METRIC_BITS) | 2, dtype=np.int64)  # stitches
    whole = rc.compute_hours(key, ts, values, np.zeros(len(ts), bool), cap_ms=900_000)
    assert int(whole.counter_use.sum()) == core.counter_use(values)
    # Recomputing one hour alone, with the reading before it as a seed, gives the same row.
    hours = np.unique(ts - ts % H)
    h = int(data.draw(st.sampled_from(hours.tolist())))
    inside = (ts >= h) & (ts < h + H)
    before = np.flatnonzero(ts < h)
    take = np.r_[before[-1:], np.flatnonzero(inside)]
    seed = np.r_[np.ones(len(before[-1:]), bool), np.zeros(int(inside.sum()), bool)]
    alone = rc.compute_hours(key[take], ts[take], values[take], seed, cap_ms=900_000)
    at = int(np.flatnonzero(whole.hour_ms == h)[0])
    for column in ("readings", "sum_value", "counter_use", "resets", "gaps", "gap_ms",
                   "prev_ts", "last_value"):  # fmt: skip
        assert getattr(alone, column)[0] == getattr(whole, column)[at], column
