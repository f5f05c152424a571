"""The demo park's devices and a week of SIMULATED telemetry.

``demo_fleet(seed)`` (pure) picks, from the park's device identifiers, the ones that report
telemetry, with a device type that fits each owner's industry: smart sewing machines in the
garment group and the sewing workshops, excavators at the excavator maker, a motor at each
machinery maker, logistics vans at the logistics firms and the automotive-logistics group, one
energy meter per factory (manufacturing, GB/T 4754 section C) and a platform tenant (a new
identifier ``<prefix>/PT-0001``) per industrial-internet platform.

``register_demo_fleet`` registers them (``simulator_output.register_fleet``, through
``telemetry.service.register_device``; what exists is skipped). ``fill_week`` steps the
fleet through the week ending at the current hour with the simulator's LIGHT faults
(``faults.Simulation``), ingests each chunk as it would have arrived (``ingest.ingest_batch``
with the arrival time of the chunk's end) and rolls the hours up (``rollups.roll_up``). Nothing
here commits; every reading is SYNTHETIC.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pyarrow as pa
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chanrong import clock
from chanrong.demo.codes import part_rng
from chanrong.demo.plan import ParkPlan
from chanrong.principal import Principal
from chanrong.telemetry import ingest, quarantine, rollups
from chanrong.telemetry.batch import RAW_SCHEMA, IngestReport, RawBatch
from chanrong.telemetry.faults import FAULT_LEVELS, Message, Simulation
from chanrong.telemetry.models import Device, RollupHour, SeriesState
from chanrong.telemetry.payloads import parse_message, topic_of
from chanrong.telemetry.simulator_output import register_fleet
from chanrong.telemetry.store import ParquetStore

DAYS = 7
"""Days of readings the demo generates, ending at the current hour."""
INTERVAL_SECONDS = 900
"""Seconds between two readings of a demo device (every metric read each time)."""
CHUNK_HOURS = 6
"""Hours of readings ingested as one batch, arriving at the end of those hours."""
FAULTS = "light"
"""The simulator's fault level (``faults.FAULT_LEVELS``) of the demo data."""

MANUFACTURING = "C"  # GB/T 4754 section C: factories get an energy meter
SEWING_DIVISIONS = ("17", "18")  # textiles, garments
MACHINERY_DIVISIONS = ("33", "34", "35", "38")  # metal products, machinery, electrical machinery
LOGISTICS_DIVISIONS = ("54",)  # road transport
PLATFORM_DIVISIONS = ("64", "65")  # internet and software services
SEWING_PER_OWNER = {"garment": 4}  # the group's showcase line; each workshop gets DEFAULT_SEWING
DEFAULT_SEWING = 3
EXCAVATORS = 8
VANS_PER_OWNER = 2
MOTORS_PER_OWNER = {"excavator": 2}  # every other machinery maker gets one

TYPE_OF_KIND = {
    "SM": "sewing_machine",
    "EX": "excavator",
    "MT": "motor",
    "LV": "vehicle",
    "EM": "energy_meter",
}
"""The park's device kind (identifier suffix letters) -> the telemetry device type."""

HOUR_MS = 3_600_000
Tick = Callable[[int], None]


@dataclass(frozen=True)
class DemoDevice:
    """A park device that reports telemetry: owner's park code, identifier, device type."""

    owner: str
    handle: str
    device_type: str


def demo_fleet(plan: ParkPlan) -> list[DemoDevice]:
    """The park's telemetry devices (pure; the same plan gives the same fleet, in order)."""
    rng = part_rng(plan.seed, "telemetry")
    handles: dict[tuple[str, str], list[str]] = {}
    for spec in plan.devices:
        kind = spec.handle.rsplit("/", 1)[1].split("-")[0]
        handles.setdefault((spec.owner, kind), []).append(spec.handle)
    fleet: list[DemoDevice] = []
    for party in plan.parties:
        if party.kind != "enterprise":
            continue
        wanted = _wanted(party.code, party.industry)
        for kind, count in wanted:
            if kind == "PT":
                handle = f"{plan.prefixes[party.code]}/PT-0001"
                fleet.append(DemoDevice(party.code, handle, "platform_tenant"))
                continue
            pool = handles.get((party.code, kind), [])
            chosen = sorted(rng.sample(pool, min(count, len(pool))))
            fleet += [DemoDevice(party.code, h, TYPE_OF_KIND[kind]) for h in chosen]
    return fleet


def _wanted(code: str, industry: str) -> list[tuple[str, int]]:
    """(kind, how many) an enterprise of ``industry`` reports telemetry from."""
    section, division = industry[:1], industry[1:3]
    wanted = []
    if section == MANUFACTURING:
        wanted.append(("EM", 1))
    if section == MANUFACTURING and division in SEWING_DIVISIONS:
        wanted.append(("SM", SEWING_PER_OWNER.get(code, DEFAULT_SEWING)))
    if code == "excavator":
        wanted.append(("EX", EXCAVATORS))
    if section == MANUFACTURING and division in MACHINERY_DIVISIONS:
        wanted.append(("MT", MOTORS_PER_OWNER.get(code, 1)))
    if division in LOGISTICS_DIVISIONS or code == "autolog":
        wanted.append(("LV", VANS_PER_OWNER))
    if section == "I" and division in PLATFORM_DIVISIONS:
        wanted.append(("PT", 1))
    return wanted


def register_demo_fleet(session: Session, fleet: Iterable[DemoDevice]) -> int:
    """Register the fleet's devices (and the platform tenants' identifiers) as the system,
    skipping what is registered. Returns how many were created. Never commits."""
    pairs = [(d.handle, d.device_type) for d in fleet]
    return register_fleet(session, actor=Principal.system(), devices=pairs)


def devices_by_type(session: Session, handles: Iterable[str]) -> dict[str, int]:
    """How many of ``handles`` are registered devices, by device type."""
    rows = session.execute(
        select(Device.device_type, func.count())
        .where(Device.handle.in_(list(handles)))
        .group_by(Device.device_type)
        .order_by(Device.device_type)
    )
    return {device_type: int(n) for device_type, n in rows}


def has_data(session: Session, handles: Iterable[str]) -> bool:
    """Whether any of ``handles`` already has stored readings."""
    query = (
        select(SeriesState.device_id)
        .join(Device, Device.id == SeriesState.device_id)
        .where(Device.handle.in_(list(handles)))
        .limit(1)
    )
    return session.scalar(query) is not None


def week_window(now: datetime) -> tuple[int, int]:
    """[start, end) in epoch ms of the ``DAYS`` days ending at the hour of ``now``."""
    end = int(now.astimezone(UTC).timestamp() * 1000) // HOUR_MS * HOUR_MS
    return end - DAYS * 24 * HOUR_MS, end


def rollup_days(now: datetime) -> int:
    """UTC days the rollup of the week ending at the hour of ``now`` goes through (the
    progress bar's total)."""
    start, end = week_window(now)
    day = 24 * HOUR_MS
    return (end + HOUR_MS - 1) // day - (start - HOUR_MS) // day + 1


def steps_in_week() -> int:
    """Intervals the simulation steps through (the progress bar's total)."""
    return DAYS * 24 * 3600 // INTERVAL_SECONDS


@dataclass
class WeekFill:
    """What ``fill_week`` did: the window, the simulation's counts and the platform's."""

    start_ms: int
    end_ms: int
    sent: int = 0  # readings and unreadable payloads the simulated devices sent
    ingest: IngestReport = field(default_factory=IngestReport)
    resets: int = 0  # device restarts simulated (recognised by the ingest, not quarantined)
    rollup_hours: int = 0  # device-hours rolled up (recomputed from the store)


def fill_week(
    session: Session,
    store: ParquetStore,
    fleet: list[DemoDevice],
    *,
    seed: int,
    now: datetime,
    tick: Tick | None = None,
    roll_tick: Tick | None = None,
) -> WeekFill:
    """Simulate ``fleet`` over the week ending at the hour of ``now`` (LIGHT faults), ingest it
    chunk by chunk with each chunk's arrival time, then roll up the hours. ``tick(n)`` is told
    of every ``n`` intervals simulated, ``roll_tick(1)`` of each UTC day rolled up (there are
    ``rollup_days(now)``). Never commits."""
    start, end = week_window(now)
    sim = Simulation(
        [(d.handle, d.device_type) for d in fleet], start_ms=start,
        interval_seconds=INTERVAL_SECONDS, steps=steps_in_week(), seed=seed,
        faults=FAULT_LEVELS[FAULTS],
    )  # fmt: skip
    fill = WeekFill(start, end)
    per_chunk = CHUNK_HOURS * 3600 // INTERVAL_SECONDS
    for first in range(0, sim.steps, per_chunk):
        last = min(first + per_chunk, sim.steps)
        messages = [m for i in range(first, last) for m in sim.step(i)]
        if last == sim.steps:
            messages += sim.flush()
        # The chunk arrives when its hours end, as live data would: the late window counts
        # from there, and a clock running ahead beyond the tolerance is refused as it is live.
        arrival = start + last * INTERVAL_SECONDS * 1000
        fill.ingest.add(ingest.ingest_batch(session, store, _batch(messages), now_ms=arrival))
        if tick is not None:
            tick(last - first)
    fill.sent, fill.resets = sim.report.sent, sim.report.resets
    # The closed days are compacted as `chanrong telemetry compact` would (one sorted,
    # delta-encoded file per day and type); today's partition stays as ingested.
    store.compact(session, closed_before=clock.today())
    # A fresh week is rolled up whole, a day at a time (about 3x faster than hour by hour);
    # skewed clocks may stamp readings just outside it, hence the hour either side, and
    # roll_up takes whatever else is left dirty.
    rebuilt = rollups.rebuild(
        session, store, start_ms=start - HOUR_MS, end_ms=end + HOUR_MS,
        on_day=None if roll_tick is None else lambda _day: roll_tick(1),
    )  # fmt: skip
    fill.rollup_hours = rebuilt.device_hours + rollups.roll_up(session, store).device_hours
    return fill


def _batch(messages: list[Message]) -> RawBatch:
    """One ingest batch of simulated payloads: readings straight into columns, unreadable
    payloads parsed as the MQTT ingest parses them (they become refusals)."""
    refusals = [
        refusal
        for m in messages
        if m.raw is not None
        for refusal in parse_message(topic_of(m.handle), m.payload()).refusals
    ]
    devices = [m.handle for m in messages if m.raw is None for _ in m.readings]
    readings = [r for m in messages if m.raw is None for r in m.readings]
    columns = {
        "device": devices,
        "metric": [r["metric"] for r in readings],
        "ts_ms": [r["ts"] for r in readings],
        "value": [float(r["value"]) for r in readings],
        "unit": [r["unit"] for r in readings],
        "line": range(1, len(readings) + 1),
    }
    table = pa.Table.from_pydict(columns, schema=RAW_SCHEMA)
    return RawBatch(table, "mqtt", "demo:simulator", refusals)


@dataclass(frozen=True)
class TelemetryCounts:
    """What the store and the tables hold for the demo: devices by type, readings stored (a
    DuckDB count over the Parquet store), hourly rollup rows, quarantined readings by reason."""

    devices: dict[str, int]
    readings: int
    rollup_rows: int
    quarantined: dict[str, int]


def count_telemetry(
    session: Session, store: ParquetStore, fleet: Iterable[DemoDevice]
) -> TelemetryCounts:
    """Count what the demo fleet has in the store and the tables (quarantine: every reason)."""
    handles = [d.handle for d in fleet]
    ids = list(session.scalars(select(Device.id).where(Device.handle.in_(handles))))
    wanted = pa.table({"device_id": pa.array(ids, pa.int32())})
    readings = (
        store.query(
            session,
            "SELECT count(*) AS n FROM readings r JOIN wanted w ON r.device_id = w.device_id",
            wanted=wanted,
        )
        .column("n")[0]
        .as_py()
    )
    rollup_rows = session.scalar(
        select(func.count()).select_from(RollupHour).where(RollupHour.device_id.in_(ids))
    )
    return TelemetryCounts(
        devices=devices_by_type(session, handles),
        readings=int(readings or 0),
        rollup_rows=int(rollup_rows or 0),
        quarantined=quarantine.quarantine_counts(session, visible=ids),
    )
