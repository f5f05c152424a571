"""``chanrong telemetry ingest FILE`` (CSV or Parquet, with a progress bar), ``chanrong
telemetry worker`` (the MQTT ingest worker) and ``chanrong telemetry compact`` (store upkeep),
mounted in ``telemetry.cli``."""

from __future__ import annotations

import logging
import signal
import threading
from datetime import timedelta
from pathlib import Path

import typer
from rich.logging import RichHandler
from rich.table import Table

from chanrong import clock
from chanrong.settings import get_settings
from chanrong.shell import console, open_database, progress
from chanrong.telemetry.batch import REASONS, IngestReport
from chanrong.telemetry.files import UnreadableFile, count_rows, read_file
from chanrong.telemetry.ingest import ingest_batch
from chanrong.telemetry.store import ParquetStore
from chanrong.telemetry.worker import WorkerStats, run_worker


def print_report(report: IngestReport, title: str) -> None:
    """An ingest report as a table: received, stored, duplicates, conflicts, late, and the
    quarantined readings by reason."""
    table = Table(title=title)
    table.add_column("")
    table.add_column("readings", justify="right")
    for name in ("received", "stored", "duplicates", "conflicts", "late"):
        table.add_row(name, f"{getattr(report, name):,}")
    for reason, count in sorted(report.quarantined.items()):
        table.add_row(f"quarantined: {reason} ({REASONS[reason][0]})", f"{count:,}")
    console.print(table)


def ingest(
    file: Path = typer.Argument(..., help="a CSV (UTF-8) or Parquet file of readings"),
) -> None:
    """Ingest a file of readings (columns device, metric, ts, value, unit optional) through the
    one validation. Quarantined readings are counted, not fatal (exit 0); an unreadable file
    exits with 2."""
    try:
        total = count_rows(file)
        batches = read_file(file)
        database = open_database()
        store = ParquetStore(get_settings().resolved_telemetry_dir())
        report = IngestReport()
        with progress() as bar:
            task = bar.add_task(f"ingesting {file.name}", total=total)
            for batch in batches:
                with database.transaction() as session:
                    report.add(ingest_batch(session, store, batch))
                bar.advance(task, batch.table.num_rows + len(batch.refusals))
    except (UnreadableFile, OSError) as error:
        console.print(f"[red]cannot read {file}[/red]: {error}", markup=True)
        raise typer.Exit(2) from None
    print_report(report, f"{file.name} · 导入结果")


def worker(
    number: int = typer.Option(1, "--number", "-n", help="this worker's number (client id suffix)"),
) -> None:
    """Run MQTT ingest worker NUMBER until SIGTERM or ctrl-c; start several (different numbers)
    to share the stream. Prints a throughput line every few seconds."""
    logging.basicConfig(handlers=[RichHandler(console=console)], format="%(message)s")
    logging.getLogger("chanrong").setLevel(logging.INFO)
    settings = get_settings()
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):  # finish the batch in hand, then stop
        signal.signal(signum, lambda *_: stop.set())
    database = open_database()
    client_id = f"{settings.mqtt_client_id}-{number}"
    console.print(f"worker {client_id} ingesting from {settings.mqtt_host}:{settings.mqtt_port}")

    def show(stats: WorkerStats) -> None:
        r = stats.report
        console.print(
            f"worker {number}: {stats.messages:,} messages, {r.received:,} readings "
            f"({stats.rate():,.0f}/s): stored {r.stored:,}, duplicates {r.duplicates:,}, "
            f"quarantined {sum(r.quarantined.values()):,}"
        )

    stats = run_worker(number, stop_event=stop, settings=settings, database=database,
                       on_progress=show)  # fmt: skip
    show(stats)


def compact(
    min_files: int = typer.Option(8, help="Compact a partition of an open day from this many."),
    grace_seconds: int = typer.Option(
        3600, help="Delete replaced and orphaned files older than this (0: now)."
    ),
) -> None:
    """Compact the store (docs/telemetry-store.md): every partition of a closed day (older than
    the late window) with two files or more, and of an open day with --min-files or more,
    becomes one sorted, delta-encoded file; then delete the files no longer listed."""
    settings = get_settings()
    database = open_database()
    store = ParquetStore.from_settings(settings)
    closed = (clock.now() - timedelta(hours=settings.telemetry_late_hours)).date()
    with database.transaction() as session:
        done = store.compact(session, min_files=min_files, closed_before=closed)
    with database.transaction() as session:
        deleted = store.gc(session, grace_seconds=grace_seconds)
    console.print(f"compacted {done.partitions:,} partitions ({done.files_replaced:,} files, "
                  f"{done.rows:,} readings) into one file each; deleted {deleted:,} old files")  # fmt: skip
