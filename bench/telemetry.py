"""Benchmark of the telemetry ingest, side by side with its floors, in one run.

1. **Batch ingest**: N readings of a fleet of sewing machines (4 metrics each, one reading per
   metric every 10 s, time-major like a file), as a pre-parsed Arrow table of ``RAW_SCHEMA``
   fed to ``ingest.ingest_batch`` in batches of 1,000,000 (one transaction each) into a
   temporary SQLite database and Parquet store. Against (a) the floor: the same Arrow table
   written straight to Parquet with ``pyarrow.parquet.write_table`` (median of 3), and (b) the
   naive baseline: row-by-row ``INSERT OR IGNORE`` into a SQLite table keyed by (device,
   metric, ts), measured on a sample and its rate extrapolated. "Per core" is readings per
   CPU second of this process (threads included), which other work on the machine skews less
   than wall time; wall figures are shown too. The ratio to the floor is of CPU seconds.
2. **File ingest**: the same readings (a part of them in a full run) written as a CSV and a
   Parquet file, then ``files.read_file`` + ``ingest_batch`` per chunk, as
   ``chanrong telemetry ingest FILE`` does (each into a copy of the seeded database).
3. **MQTT end to end** through the shared Mosquitto on 127.0.0.1:1883 at QoS 1: ingest
   workers (the project's ``worker.run_worker`` as subprocesses, a share group and client ids
   unique to the run, their persistent sessions deleted at the end) fed by Debian's
   ``mosquitto_pub -l``, one per device, in parallel: (a) payloads of 100 readings, (b)
   single-reading payloads. The time runs from the first publish until the database holds
   every reading sent (the stored count must equal the sent count).

4. **Rollups** (``_telemetry_rollups.py``): a week of readings (1,000 devices x one reading per
   10 s; ``--quick``: 100 devices x 2 days) ingested and compacted, then ``rollups.rebuild`` of
   the week and ``rollups.roll_up`` of every dirty hour against one DuckDB ``GROUP BY`` over the
   same files; then 1,000 late readings scattered over the week and the ``roll_up`` that
   corrects them.

Prints a table, then as its LAST LINE one JSON object with every figure. Exit status 1 when a
check fails (and, with ``--strict``, when a target is missed).

    .venv/bin/python bench/telemetry.py --quick     # under a minute
    .venv/bin/python bench/telemetry.py             # 20,000,000 readings, a few minutes
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from rich.console import Console
from rich.table import Table

import _telemetry_mqtt as mq
import _telemetry_rollups as ru
from _common import clean_up, conclude, emit, load_average, raise_on_sigterm
from _telemetry_ingest import (
    INTERVAL_MS,
    METRICS,
    cpu_and_wall,
    ingest_file,
    ingest_table,
    naive_sqlite,
    readings_table,
    seed_fleet,
    stored_rows,
)
from chanrong.kit import runtime

console = Console(width=132)

TARGET_PER_CORE = 1_000_000  # readings per CPU second
TARGET_FLOOR_RATIO = 3.0
TARGET_MQTT_READINGS = 250_000  # readings/s, payloads of 100
TARGET_MQTT_MESSAGES = 10_000  # messages/s, one reading each
OFFERED = 1.25  # MQTT load offered, as a multiple of the target rate


@dataclass(frozen=True)
class Profile:
    readings: int
    devices: int
    batch: int
    naive_sample: int
    file_readings: int
    mqtt_messages_100: int  # messages of 100 readings
    mqtt_messages_1: int  # single-reading messages
    publishers: int
    workers: int
    rollup_devices: int
    rollup_days: int


QUICK = Profile(1_000_000, 250, 1_000_000, 50_000, 500_000, 10_000, 30_000, 4, 1, 100, 2)
FULL = Profile(20_000_000, 1_000, 1_000_000, 200_000, 4_000_000, 30_000, 300_000, 4, 1, 1_000, 7)


def run_batch_parts(
    f: dict[str, Any], p: Profile, workdir: Path, problems: list[str], *, rollups: bool
) -> None:
    from chanrong import db as db_module

    seeded = workdir / "seeded.db"
    database = db_module.Database(f"sqlite:///{seeded}")
    db_module.upgrade(database)
    handles, _, seconds = cpu_and_wall(lambda: seed_fleet(database, "88.1001.77", p.devices))
    f["seed_s"] = round(seconds, 1)
    database.dispose()
    start_ms = 1_780_000_000_000
    table = readings_table(handles, p.readings, start_ms)
    n = table.num_rows
    now_ms = start_ms + (n // (len(handles) * len(METRICS))) * INTERVAL_MS
    f["readings"] = n

    floors = []
    for i in range(3):
        _, cpu, wall = cpu_and_wall(
            lambda i=i: pq.write_table(table, workdir / f"floor{i}.parquet")
        )
        floors.append((cpu, wall))
    f["floor_cpu_s"] = round(statistics.median(c for c, _ in floors), 3)
    f["floor_wall_s"] = round(statistics.median(w for _, w in floors), 3)
    f["floor_per_cpu_s"] = round(n / f["floor_cpu_s"])

    ingest_db = workdir / "ingest.db"
    shutil.copy(seeded, ingest_db)
    url = f"sqlite:///{ingest_db}"
    report, cpu, wall = cpu_and_wall(
        lambda: ingest_table(url, workdir / "store", table, p.batch, now_ms)
    )
    f["ingest_cpu_s"], f["ingest_wall_s"] = round(cpu, 3), round(wall, 3)
    f["ingest_per_cpu_s"] = round(n / cpu)
    f["ingest_per_wall_s"] = round(n / wall)
    f["ingest_floor_ratio"] = round(cpu / f["floor_cpu_s"], 2)
    f["ingest_floor_ratio_wall"] = round(wall / f["floor_wall_s"], 2)
    f["ingest_report"] = report.as_dict()
    rows = stored_rows(url, workdir / "store")
    if report.stored != n or not report.balanced or rows != n:
        problems.append(f"batch ingest stored {report.stored:,} (store: {rows:,}) of {n:,}")

    sample = table.slice(0, p.naive_sample)
    count, cpu, wall = naive_sqlite(sample, workdir / "naive.db")
    f["naive_sample"] = sample.num_rows
    f["naive_per_cpu_s"] = round(sample.num_rows / cpu)
    f["naive_per_wall_s"] = round(sample.num_rows / wall)
    f["naive_extrapolated_s"] = round(n / f["naive_per_wall_s"], 1)
    f["speedup_vs_naive"] = round(f["ingest_per_cpu_s"] / f["naive_per_cpu_s"], 1)
    if count != sample.num_rows:
        problems.append(f"naive baseline stored {count:,} of {sample.num_rows:,}")

    part = table.slice(0, min(p.file_readings, n)).drop_columns(["line"])
    part = part.rename_columns(["device", "metric", "ts", "value", "unit"])
    f["file_readings"] = part.num_rows
    pq.write_table(part, workdir / "readings.parquet")
    pacsv.write_csv(part.drop_columns(["unit"]), workdir / "readings.csv")
    for kind in ("parquet", "csv"):
        db_path = workdir / f"file-{kind}.db"
        shutil.copy(seeded, db_path)
        store_dir = workdir / f"store-{kind}"
        report, cpu, wall = cpu_and_wall(
            lambda k=kind, d=db_path, s=store_dir: ingest_file(
                f"sqlite:///{d}", s, workdir / f"readings.{k}", now_ms
            )
        )
        f[f"file_{kind}_per_cpu_s"] = round(part.num_rows / cpu)
        f[f"file_{kind}_per_wall_s"] = round(part.num_rows / wall)
        if report.stored != part.num_rows or not report.balanced:
            problems.append(f"{kind} file ingest: {report.as_dict()}")

    if rollups:
        db_path = workdir / "rollups.db"
        shutil.copy(seeded, db_path)
        ru.run_rollup_part(f, f"sqlite:///{db_path}", workdir, handles[: p.rollup_devices],
                           p.rollup_days, problems)  # fmt: skip


# --- part 3: MQTT -----------------------------------------------------------------------------


def run_mqtt_part(f: dict[str, Any], p: Profile, workdir: Path, problems: list[str]) -> None:
    from chanrong import db as db_module
    from chanrong.telemetry.models import Device

    run = f"bench-{uuid.uuid4().hex[:10]}"
    prefix = f"88.1001.{random.randrange(10**9, 10**10)}"  # unique to the run
    path = workdir / "mqtt.db"
    url = f"sqlite:///{path}"
    database = db_module.Database(url)
    db_module.upgrade(database)
    handles = seed_fleet(database, prefix, 2 * p.publishers)
    with database.transaction(write=False) as session:
        ids = dict(session.query(Device.handle, Device.id).all())
    env = mq.worker_env(url, workdir / "mqtt-store", workdir, run)
    workers = mq.start_workers(p.workers, env=env, group=run, workdir=workdir)
    now_ms = int(time.time() * 1000)
    try:
        # Offered load: OFFERED x the target, paced (see _telemetry_mqtt._feed).
        phases = [("mqtt100_", 100, p.mqtt_messages_100, handles[: p.publishers],
                   OFFERED * TARGET_MQTT_READINGS / 100),
                  ("mqtt1_", 1, p.mqtt_messages_1, handles[p.publishers :],
                   OFFERED * TARGET_MQTT_MESSAGES)]  # fmt: skip
        for key, size, messages, devices, rate in phases:
            f[f"{key}offered_messages_per_s"] = round(rate)
            each = messages // len(devices)
            # One timestamp a second per round of metrics, ending ten minutes ago: inside the
            # late window, never in the future.
            span_ms = size * each // len(METRICS) * 1000
            lines = mq.payload_lines(size, each, now_ms - span_ms - 600_000, METRICS)
            payloads = [lines] * len(devices)
            sent = size * each * len(devices)
            cpu0 = sum(w.cpu_seconds() for w in workers)
            started = time.perf_counter()
            procs = mq.publish(devices, payloads, run, rate=rate)
            for proc in procs:
                proc.wait(timeout=mq.STORED_TIMEOUT_S)
            published = time.perf_counter() - started
            seconds, (stored, dups, quarantined) = mq.wait_stored(
                database, [ids[h] for h in devices], devices, sent, started
            )
            cpu = sum(w.cpu_seconds() for w in workers) - cpu0
            f[f"{key}sent"], f[f"{key}stored"] = sent, stored
            f[f"{key}messages"] = each * len(devices)
            f[f"{key}publish_s"] = round(published, 2)
            f[f"{key}worker_cpu_s"] = round(cpu, 2)
            bad = [pr.stderr.read().decode()[-300:] for pr in procs if pr.returncode]
            if seconds is None or stored != sent or dups or quarantined or bad:
                problems.append(f"{key[:-1]}: sent {sent:,}, stored {stored:,}, duplicates "
                                f"{dups:,}, quarantined {quarantined:,} {bad}")  # fmt: skip
                continue
            f[f"{key}s"] = round(seconds, 2)
            f[f"{key}readings_per_s"] = round(sent / seconds)
            f[f"{key}messages_per_s"] = round(each * len(devices) / seconds)
    finally:
        for worker in workers:
            worker.stop()
        mq.forget_sessions([w.name for w in workers])
        database.dispose()


# --- report -----------------------------------------------------------------------------------


def report(f: dict[str, Any]) -> None:
    table = Table(
        title=f"telemetry ingest — {f['mode']} run: {f.get('readings', 0):,} readings, "
        f"{f['devices']:,} devices, {f['cpus']} CPUs, "
        f"load {f['loadavg_before']:.1f}→{f['loadavg_after']:.1f}"
    )
    for name, justify in (("measure", "left"), ("figure", "right"), ("target / note", "left")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]

    def row(label: str, key: str, fmt: str, note: str = "", ok: str = "") -> None:
        v = f.get(key)
        text = "—" if v is None else fmt.format(v)
        if ok:
            good = f["targets_met"].get(ok)
            text = f"[green]{text} ✓[/green]" if good else f"[bold red]{text} ✗[/bold red]"
        table.add_row(label, text, note)

    row("chanrong ingest_batch: readings/CPU-s", "ingest_per_cpu_s", "{:,}",
        f"≥ {TARGET_PER_CORE:,} per core", "per_core")  # fmt: skip
    row("  readings/s (wall)", "ingest_per_wall_s", "{:,}", f"batches of {f['batch']:,}")
    row("floor: pyarrow write_table, readings/CPU-s", "floor_per_cpu_s", "{:,}", "median of 3")
    row("ingest / floor (CPU s)", "ingest_floor_ratio", "{:.2f}x",
        f"≤ {TARGET_FLOOR_RATIO:g}x", "floor_ratio")  # fmt: skip
    row("  ingest / floor (wall s)", "ingest_floor_ratio_wall", "{:.2f}x")
    row("naive: SQLite row by row, readings/CPU-s", "naive_per_cpu_s", "{:,}",
        f"sample of {f.get('naive_sample', 0):,}, extrapolated")  # fmt: skip
    row("  naive time for all readings (s)", "naive_extrapolated_s", "{:,}", "extrapolated")
    row("  ingest speedup over naive", "speedup_vs_naive", "{:.1f}x")
    table.add_section()
    note = f"{f.get('file_readings', 0):,} readings, read_file + ingest_batch"
    row("Parquet file: readings/CPU-s", "file_parquet_per_cpu_s", "{:,}", note)
    row("CSV file: readings/CPU-s", "file_csv_per_cpu_s", "{:,}", note)
    table.add_section()
    if "mqtt100_sent" in f:
        w = f"{f['workers']} worker(s), {f['publishers']} mosquitto_pub"
        row("MQTT QoS 1, 100 readings/payload: readings/s", "mqtt100_readings_per_s", "{:,}",
            f"≥ {TARGET_MQTT_READINGS:,}; {w}", "mqtt_readings")  # fmt: skip
        row("  sent = stored", "mqtt100_stored", "{:,}", f"sent {f['mqtt100_sent']:,}")
        row("MQTT QoS 1, 1 reading/payload: messages/s", "mqtt1_messages_per_s", "{:,}",
            f"≥ {TARGET_MQTT_MESSAGES:,}; {w}", "mqtt_messages")  # fmt: skip
        row("  sent = stored", "mqtt1_stored", "{:,}", f"sent {f['mqtt1_sent']:,}")
    if "rollup_s" in f:
        table.add_section()
        note = f"{f['rollup_readings']:,} readings, {f['rollup_device_hours']:,} device-hours"
        row("compaction after the load (s)", "compact_s", "{:.1f}",
            f"{f.get('compacted_files', 0):,} files into one per day")  # fmt: skip
        row("rollup kernel load (s)", "kernel_load_s", "{:.2f}", "once per process")
        row("hourly rollup: full rebuild of the week (s)", "rebuild_s", "{:.2f}", note)
        row("  roll_up of every dirty hour (s)", "rollup_s", "{:.2f}", "incremental path")
        row("  roll_up / floor", "rollup_incremental_ratio", "{:.2f}x")
        row("floor: one DuckDB GROUP BY (s)", "rollup_floor_s", "{:.2f}", "same Parquet files")
        row("rebuild / floor", "rollup_floor_ratio", "{:.2f}x",
            f"≤ {ru.TARGET_FLOOR_RATIO:g}x", "rollup_ratio")  # fmt: skip
        row("1,000 late readings: roll_up (s)", "late_rollup_s", "{:.3f}",
            f"< {ru.TARGET_LATE_S:g} s; {f.get('late_device_hours', 0):,} device-hours",
            "late_rollup")  # fmt: skip
        row("  their ingest (s)", "late_ingest_s", "{:.3f}", "store lookups of late keys")
    console.print(table)
    if f["loadavg_before"] > 1 or f["loadavg_after"] > 1:
        console.print("[yellow]load average above 1: other work skewed the wall figures[/yellow]")
    for problem in f["problems"]:
        console.print(f"[bold red]problem:[/bold red] {problem}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="1,000,000 readings (< 1 min)")
    parser.add_argument("--readings", type=int, help="readings of the batch ingest")
    parser.add_argument("--workers", type=int, help="MQTT ingest workers")
    parser.add_argument("--no-mqtt", action="store_true", help="skip the MQTT part")
    parser.add_argument(
        "--no-batch", action="store_true", help="skip the batch, file, rollup parts"
    )
    parser.add_argument("--no-rollups", action="store_true", help="skip the rollup parts")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    p = QUICK if args.quick else FULL
    p = Profile(**(p.__dict__ | {k: v for k, v in (("readings", args.readings),
                                                  ("workers", args.workers)) if v}))  # fmt: skip
    raise_on_sigterm()
    runtime.tune()  # as the chanrong command does once everything is imported
    started = time.perf_counter()
    workdir = Path(tempfile.mkdtemp(prefix="chanrong-bench-telemetry-"))
    os.environ["CHANRONG_DATA_DIR"] = str(workdir)  # the ledger's signing key goes there
    f: dict[str, Any] = {
        "bench": "telemetry", "mode": "quick" if args.quick else "full", "devices": p.devices,
        "batch": p.batch, "workers": p.workers, "publishers": p.publishers,
        "cpus": os.cpu_count(), "python": platform.python_version(),
        "pyarrow": pa.__version__, "loadavg_before": round(load_average(), 2),
    }  # fmt: skip
    problems: list[str] = []
    try:
        if not args.no_batch:
            run_batch_parts(f, p, workdir, problems, rollups=not args.no_rollups)
        if not args.no_mqtt:
            run_mqtt_part(f, p, workdir, problems)
        targets = {}
        if not args.no_batch:
            targets["per_core"] = f.get("ingest_per_cpu_s", 0) >= TARGET_PER_CORE
            targets["floor_ratio"] = f.get("ingest_floor_ratio", 1e9) <= TARGET_FLOOR_RATIO
        if not args.no_batch and not args.no_rollups:
            targets["rollup_ratio"] = f.get("rollup_floor_ratio", 1e9) <= ru.TARGET_FLOOR_RATIO
            targets["late_rollup"] = f.get("late_rollup_s", 1e9) < ru.TARGET_LATE_S
        if not args.no_mqtt:
            targets["mqtt_readings"] = f.get("mqtt100_readings_per_s", 0) >= TARGET_MQTT_READINGS
            targets["mqtt_messages"] = f.get("mqtt1_messages_per_s", 0) >= TARGET_MQTT_MESSAGES
        conclude(f, targets=targets, problems=problems, started=started)
        f["rollups_measured"] = "rollup_s" in f
        report(f)
    finally:
        clean_up([], admin_url=None, pg_name=None, workdir=workdir, keep=args.keep)
    return emit(f, correct=not problems, strict=args.strict)


if __name__ == "__main__":
    sys.exit(main())
