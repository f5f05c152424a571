"""The simulator: realistic series per device type, locking, faults counted, files, fleets."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from datetime import datetime
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from chanrong.telemetry.batch import RAW_SCHEMA, IngestReport, RawBatch
from chanrong.telemetry.catalogue import DEVICE_TYPES
from chanrong.telemetry.devicemodels import TOU_PERIODS, Excavator, local_minute
from chanrong.telemetry.faults import FAULT_LEVELS, Faults, Message, Simulation
from chanrong.telemetry.ingest import ingest_batch
from chanrong.telemetry.models import Device
from chanrong.telemetry.simulator import fleet, make_model, raw_batches, raw_table
from chanrong.telemetry.simulator_output import FILE_COLUMNS, register_fleet, write_file
from chanrong.telemetry.store import ParquetStore
from tests.factories import create_device_owner, principal_of

MONDAY = int(datetime(2025, 3, 3, tzinfo=ZoneInfo("Asia/Shanghai")).timestamp() * 1000)
MINUTE = 60_000
HOUR = 60 * MINUTE


def run(model, start: int, steps: int, interval: int) -> list[dict[str, dict]]:
    """Each step's readings by metric name."""
    return [{r["metric"]: r for r in model.step(start + i * interval)} for i in range(steps)]


@pytest.mark.parametrize("device_type", list(DEVICE_TYPES))
def test_series_respect_the_catalogue(device_type: str) -> None:
    steps = run(make_model("88.1001.12/X-1", device_type, seed=7), MONDAY, 3 * 24 * 12, 5 * MINUTE)
    metrics = DEVICE_TYPES[device_type].metrics
    for before, after in pairwise(steps):
        assert set(after) == set(metrics)
        for name, reading in after.items():
            metric, value = metrics[name], reading["value"]
            assert reading["unit"] == metric.unit
            assert math.isfinite(value) and value >= 0
            assert round(value, metric.scale) == value
            if metric.kind == "counter":
                assert value >= before[name]["value"], name
            if metric.states:
                assert value in metric.states
    last = steps[-1]
    if device_type == "excavator":
        assert 0 <= last["fuel_level"]["value"] <= 100
        assert {s["fault_code"]["value"] for s in steps} <= {0, *Excavator.FAULTS}
    if device_type == "vehicle":
        assert all(0 <= s["battery_soc"]["value"] <= 100 for s in steps)
        assert all(abs(s["latitude"]["value"] - 29.87) < 0.3 for s in steps)
        assert all(abs(s["longitude"]["value"] - 121.54) < 0.3 for s in steps)


@pytest.mark.parametrize("device_type", list(DEVICE_TYPES))
def test_same_seed_same_series(device_type: str) -> None:
    def series(seed: int) -> list[dict[str, dict]]:
        return run(make_model("88.1001.12/X-1", device_type, seed=seed), MONDAY, 50, 10 * MINUTE)

    assert series(1) == series(1)
    assert series(1) != series(2)


def test_sewing_machine_sews_in_shifts_at_a_realistic_rate() -> None:
    steps = run(make_model("88.1001.12/SM-1", "sewing_machine", seed=3), MONDAY, 24 * 60, MINUTE)
    for i, (before, after) in enumerate(pairwise(steps)):
        minute = local_minute(MONDAY + i * MINUTE)  # the interval [i, i + 1) in local time
        stitches = after["stitches"]["value"] - before["stitches"]["value"]
        seconds = after["sewing_seconds"]["value"] - before["sewing_seconds"]["value"]
        working = (
            480 <= minute < 600
            or 615 <= minute < 720
            or 780 <= minute < 930
            or 945 <= minute < 1080
        )
        assert (stitches > 0) == working, minute
        if seconds >= 10:
            assert 2000 * 0.8 <= stitches / seconds * 60 <= 4000 * 1.2
        powered = 480 <= minute + 1 < 720 or 780 <= minute + 1 < 1080
        assert after["power_state"]["value"] == (1 if powered else 0), minute


def test_a_locked_machine_stops_and_resumes_when_unlocked() -> None:
    for device_type, counter in [("sewing_machine", "stitches"), ("excavator", "engine_hours"),
                                 ("motor", None), ("vehicle", "odometer")]:  # fmt: skip
        model = make_model("88.1001.12/X-1", device_type, seed=5)
        start = MONDAY + 9 * HOUR  # 09:00, everyone is at work
        run(model, start, 5, MINUTE)
        model.locked = True
        locked = run(model, start + 5 * MINUTE, 60, MINUTE)
        if counter:
            assert len({s[counter]["value"] for s in locked}) == 1, device_type
        if device_type == "sewing_machine":
            assert {s["power_state"]["value"] for s in locked} == {0}
        if device_type == "motor":
            assert {s["run_state"]["value"] for s in locked} == {0}
            assert {s["current"]["value"] for s in locked} == {0}
        model.locked = False
        resumed = run(model, start + 65 * MINUTE, 30, MINUTE)
        if counter:
            assert resumed[-1][counter]["value"] > locked[-1][counter]["value"], device_type
        else:
            assert {s["run_state"]["value"] for s in resumed} != {0}


def test_energy_is_split_by_time_of_use_and_adds_up() -> None:
    model = make_model("88.1001.12/EM-1", "energy_meter", seed=2)
    start_total = model.total_wh
    steps = run(model, MONDAY, 2 * 96 + 1, 15 * MINUTE)
    names = ("kwh_sharp", "kwh_peak", "kwh_flat", "kwh_valley")
    by_period: Counter[str] = Counter()
    for i, (before, after) in enumerate(pairwise(steps)):
        minute = local_minute(MONDAY + i * 15 * MINUTE)
        period = next(p for lo, hi, p in TOU_PERIODS if lo <= minute < hi)
        deltas = {n: after[n]["value"] - before[n]["value"] for n in names}
        assert {n for n, d in deltas.items() if d} <= {f"kwh_{period}"}, minute
        by_period[period] += round(deltas[f"kwh_{period}"] * 1000)
    first, last = steps[0], steps[-1]
    total = sum(round((last[n]["value"] - first[n]["value"]) * 1000) for n in names)
    assert total == sum(by_period.values()) == model.total_wh - start_total
    assert all(by_period[p] > 0 for p in ("sharp", "peak", "flat", "valley"))
    assert by_period["flat"] > by_period["valley"]  # the factory works days, not nights


def test_motor_vibration_drifts_up_with_wear() -> None:
    steps = run(make_model("88.1001.12/MO-1", "motor", seed=4), MONDAY, 60 * 24 * 4, 15 * MINUTE)

    def mean_running(part: list[dict[str, dict]]) -> float:
        values = [s["vibration"]["value"] for s in part if s["run_state"]["value"] == 2]
        return sum(values) / len(values)

    week = 7 * 24 * 4
    assert mean_running(steps[-week:]) > mean_running(steps[:week])


def _devices() -> list[tuple[str, str]]:
    return fleet("88.1001.12", 12, list(DEVICE_TYPES))


def test_fleet_names_devices_by_type() -> None:
    assert fleet("88.1001.12", 3, ["motor", "vehicle"]) == [
        ("88.1001.12/MO-0001", "motor"),
        ("88.1001.12/VH-0001", "vehicle"),
        ("88.1001.12/MO-0002", "motor"),
    ]


def test_injected_faults_are_all_counted() -> None:
    devices = _devices()
    simulation = Simulation(devices, start_ms=MONDAY, interval_seconds=300, steps=300, seed=9,
                            faults=FAULT_LEVELS["heavy"])  # fmt: skip
    messages = list(simulation.messages())
    report = simulation.report
    per_step = sum(len(DEVICE_TYPES[t].metrics) for _, t in devices)
    assert report.readings + report.missing_readings == per_step * 300
    assert report.payloads == len(messages)
    assert Counter(m.garbage for m in messages if m.garbage) == report.garbage
    assert sum(len(m.readings) or 1 for m in messages) == report.sent
    good = [m for m in messages if not m.garbage]
    keys = Counter((m.handle, r["metric"], r["ts"]) for m in good for r in m.readings)
    assert len(keys) == report.readings
    assert keys.total() - len(keys) == report.duplicate_readings > 0
    newest: dict[str, int] = defaultdict(int)
    late, previous = 0, None
    for m in good:
        if m is not previous:  # a duplicate follows its original at once
            late += m.readings[0]["ts"] < newest[m.handle]
            newest[m.handle] = max(newest[m.handle], m.readings[-1]["ts"])
        previous = m
    assert late == report.delayed_payloads > 0
    assert report.gaps > 0 and report.resets > 0 and report.skewed_devices > 0
    assert sum(report.expected_quarantine().values()) == sum(report.garbage.values()) > 0


def test_counter_resets_restart_from_zero() -> None:
    devices = fleet("88.1001.12", 4, ["platform_tenant"])
    simulation = Simulation(devices, start_ms=MONDAY, interval_seconds=600, steps=500, seed=1,
                            faults=Faults(counter_reset=0.01))  # fmt: skip
    last: dict[str, float] = {}
    drops = 0
    for message in simulation.messages():
        cpu = next(r for r in message.readings if r["metric"] == "cpu_core_hours")
        if cpu["value"] < last.get(message.handle, 0):
            drops += 1
            assert cpu["value"] < 100  # back to about zero, counting on
        last[message.handle] = cpu["value"]
    assert drops == simulation.report.resets > 0


def test_a_skewed_clock_shifts_every_reading_of_its_device() -> None:
    devices = _devices()[:4]
    simulation = Simulation(devices, start_ms=MONDAY, interval_seconds=60, steps=10, seed=3,
                            faults=Faults(clock_skew=1.0))  # fmt: skip
    stamps: dict[str, list[int]] = defaultdict(list)
    for message in simulation.messages():
        stamps[message.handle] += [r["ts"] for r in message.readings]
    for handle, seen in stamps.items():
        skew = min(seen) - MONDAY
        assert 120_000 <= abs(skew) <= 600_000, handle
        assert sorted(set(seen)) == [MONDAY + skew + i * MINUTE for i in range(10)]
    report = simulation.report
    assert report.skewed_devices == 4
    assert report.skewed_readings == sum(len(DEVICE_TYPES[t].metrics) for _, t in devices) * 10


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_files_hold_every_reading_sent(tmp_path: Path, suffix: str) -> None:
    simulation = Simulation(_devices(), start_ms=MONDAY, interval_seconds=600, steps=100, seed=4,
                            faults=FAULT_LEVELS["heavy"], wire="file")  # fmt: skip
    path = tmp_path / f"fleet{suffix}"
    rows = write_file(simulation.messages(), path, chunk_rows=1000)
    no_nulls = pacsv.ConvertOptions(null_values=[])  # "NaN" is a value, not a missing one
    table = (
        pacsv.read_csv(path, convert_options=no_nulls) if suffix == ".csv" else pq.read_table(path)
    )
    report = simulation.report
    assert table.column_names == list(FILE_COLUMNS)
    assert rows == table.num_rows == report.sent
    assert set(report.garbage) <= {"nan", "unknown_metric", "wrong_unit"}
    values = table.column("value").to_pylist()
    assert sum(1 for v in values if v != v) == report.garbage["nan"] > 0
    metrics = {m for t in DEVICE_TYPES.values() for m in t.metrics}
    unknown = sum(1 for m in table.column("metric").to_pylist() if m not in metrics)
    assert unknown == report.garbage["unknown_metric"]


def test_raw_batches_come_per_device_in_time_order() -> None:
    devices = _devices()[:6]
    batches = list(raw_batches(devices, start_ms=MONDAY, hours=48, interval_seconds=3600))
    assert len(batches) == 12  # two days of each device
    for batch in batches:
        assert batch.table.schema == RAW_SCHEMA and batch.channel == "file"
        assert len(set(batch.table.column("device").to_pylist())) == 1
        ts = batch.table.column("ts_ms").to_pylist()
        assert ts == sorted(ts)
    assert [b.table.column("device")[0].as_py() for b in batches[::2]] == [h for h, _ in devices]
    assert sum(b.table.num_rows for b in batches) == 48 * sum(
        len(DEVICE_TYPES[t].metrics) for _, t in devices
    )


def test_register_fleet_creates_identifiers_and_devices_once(session: Session) -> None:
    owner, prefix = create_device_owner(session)
    devices = fleet(prefix.prefix, 6, list(DEVICE_TYPES))
    actor = principal_of(owner)
    assert register_fleet(session, actor=actor, devices=devices) == 6
    assert register_fleet(session, actor=actor, devices=devices) == 0
    rows = session.scalars(select(Device).where(Device.handle.in_([h for h, _ in devices])))
    assert {(d.handle, d.device_type, d.owner_party_id) for d in rows} == {
        (h, t, owner.id) for h, t in devices
    }


def _ingest(
    session: Session, store: ParquetStore, messages: list[Message], now: int
) -> IngestReport:
    table = pa.concat_tables(raw_table(m.handle, m.readings) for m in messages)
    return ingest_batch(session, store, RawBatch(table, "file", "simulator"), now_ms=now)


def test_the_platform_stores_and_quarantines_what_the_simulator_says(
    session: Session, tmp_path: Path
) -> None:
    owner, prefix = create_device_owner(session)
    devices = fleet(prefix.prefix, 12, list(DEVICE_TYPES))
    register_fleet(session, actor=principal_of(owner), devices=devices)
    store, end = ParquetStore(tmp_path), MONDAY + 24 * HOUR
    clean = IngestReport()
    for batch in raw_batches(devices[:6], start_ms=MONDAY, hours=24, interval_seconds=600):
        clean.add(ingest_batch(session, store, batch, now_ms=end))
    assert clean.stored == clean.received > 0 and not clean.quarantined

    faults = Faults(duplicate=0.1, gap=0.02, out_of_order=0.1, garbage=0.05)
    simulation = Simulation(devices[6:], start_ms=MONDAY, interval_seconds=600, steps=144,
                            seed=2, faults=faults, wire="file")  # fmt: skip
    messages = list(simulation.messages())
    platform = IngestReport()
    for i in range(0, len(messages), 20):
        platform.add(_ingest(session, store, messages[i : i + 20], end))
    sent = simulation.report
    assert platform.received == sent.sent and platform.balanced
    assert platform.quarantined == sent.expected_quarantine()
    assert platform.duplicates == sent.duplicate_readings > 0
    assert platform.stored == sent.readings
    # a delayed payload is late when it lands in a later batch than a newer one
    assert 0 < platform.late <= sent.delayed_readings
