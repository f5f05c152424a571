"""``chanrong demo``'s telemetry step: register the park's devices, fill a SIMULATED week of
readings when it is missing, and print what the store holds."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from chanrong import clock
from chanrong import db as db_module
from chanrong.demo import telemetry as tm
from chanrong.demo.plan import plan_park
from chanrong.settings import Settings
from chanrong.shell import console, progress
from chanrong.telemetry.store import ParquetStore


def build_telemetry(database: db_module.Database, *, seed: int, settings: Settings) -> None:
    """Register the park's telemetry devices and fill a SIMULATED week of readings when missing."""
    fleet = tm.demo_fleet(plan_park(seed))
    handles = [d.handle for d in fleet]
    store = ParquetStore.from_settings(settings)
    started = time.perf_counter()
    with database.transaction() as session:
        created = tm.register_demo_fleet(session, fleet)
    with database.transaction() as session:
        present = tm.has_data(session, handles)
    fill = None
    if not present:
        with progress() as bar:
            task = bar.add_task(
                f"设备数据 telemetry: SIMULATED week, {len(fleet)} devices 模拟数据",
                total=tm.steps_in_week(),
            )
            now = clock.now()
            rolled = bar.add_task("小时汇总 hourly rollups (days)", total=tm.rollup_days(now))
            with database.transaction() as session:
                fill = tm.fill_week(
                    session, store, fleet, seed=seed, now=now,
                    tick=lambda n: bar.advance(task, n),
                    roll_tick=lambda n: bar.advance(rolled, n),
                )  # fmt: skip
    with database.transaction(write=False) as session:
        counts = tm.count_telemetry(session, store, fleet)
    elapsed = time.perf_counter() - started
    render_telemetry(counts, created=created, fill=fill, settings=settings)
    if created or fill is not None:
        console.print(f"[green]设备数据 Telemetry ready in {elapsed:.1f} s.[/green]")


def render_telemetry(
    counts: tm.TelemetryCounts, *, created: int, fill: tm.WeekFill | None, settings: Settings
) -> None:
    """Print the demo devices by type, the readings stored and quarantined, and the pages."""
    types = ", ".join(f"{n} {kind}" for kind, n in counts.devices.items())
    registered = f"{created} registered now" if created else "already registered"
    console.print(
        f"\n设备数据 telemetry: {sum(counts.devices.values())} devices ({types}; {registered}).",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    if fill is None:
        console.print("  SIMULATED 模拟数据: a week of readings already stored, skipped")
    else:
        start = datetime.fromtimestamp(fill.start_ms / 1000, UTC)
        end = datetime.fromtimestamp(fill.end_ms / 1000, UTC)
        report = fill.ingest
        console.print(
            f"  SIMULATED 模拟数据 (not real): {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC, "
            f"a reading every {tm.INTERVAL_SECONDS // 60} min, {tm.FAULTS} faults: "
            f"{fill.sent:,} sent, {report.stored:,} stored, {report.duplicates:,} duplicates, "
            f"{report.late:,} late, {fill.resets} counter resets recognised, "
            f"{fill.rollup_hours:,} device-hours rolled up",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    reasons = ", ".join(f"{n} {reason}" for reason, n in counts.quarantined.items()) or "none"
    console.print(
        f"  {counts.readings:,} readings in {settings.resolved_telemetry_dir()}, "
        f"{counts.rollup_rows:,} hourly rollup rows; quarantined: {reasons}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    url = f"http://{settings.host}:{settings.port}"
    console.print(
        f"  控制台 console: {url}/telemetry/devices, {url}/telemetry/quality (after `make serve`)",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
