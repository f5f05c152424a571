"""``chanrong telemetry rollup`` (process the dirty device-hours, or rebuild a window) and
``chanrong telemetry rollups`` (show or export a device's rollups), as the local system."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import typer
from rich.table import Table
from sqlalchemy import func, select

from chanrong.kit.tabular import write_csv, write_xlsx
from chanrong.principal import Principal
from chanrong.settings import get_settings
from chanrong.shell import console, open_database, progress
from chanrong.telemetry import rollups, rollups_query
from chanrong.telemetry.models import DirtyHour
from chanrong.telemetry.rollups_api import parse_when
from chanrong.telemetry.store import ParquetStore

HEADER = ("device", "metric", "unit", "start", "readings", "min", "max", "mean", "last",
          "last_at", "counter_use", "resets", "gaps", "gap_seconds", "state_seconds")  # fmt: skip


def rollup(
    batch: int = typer.Option(20_000, help="Dirty device-hours per transaction."),
    rebuild_from: str | None = typer.Option(
        None,
        "--rebuild-from",
        help="Recompute every hour from this time (RFC 3339 or date) instead.",
    ),
    rebuild_to: str | None = typer.Option(None, "--rebuild-to", help="... up to this time."),
) -> None:
    """Recompute the rollups of the device-hours that gained readings (a transaction per batch),
    or with --rebuild-from/--rebuild-to every hour of a window."""
    database = open_database()
    store = ParquetStore.from_settings(get_settings())
    if rebuild_from or rebuild_to:
        if not (rebuild_from and rebuild_to):
            raise typer.BadParameter("give both --rebuild-from and --rebuild-to")
        start, end = parse_when(rebuild_from, "start"), parse_when(rebuild_to, "end", end=True)
        days = -(-(end - start) // rollups.DAY)
        with progress() as bar, database.transaction() as session:
            task = bar.add_task("rebuilding rollups", total=days)
            report = rollups.rebuild(session, store, start_ms=start, end_ms=end,
                                     on_day=lambda _d: bar.advance(task))  # fmt: skip
        console.print(f"rebuilt {report.device_hours:,} device-hours, {report.rows:,} rows")
        return
    with database.transaction(write=False) as session:
        total = session.scalar(select(func.count()).select_from(DirtyHour)) or 0
    done = rollups.RollupReport()
    with progress() as bar:
        task = bar.add_task("rolling up", total=total)
        while True:
            with database.transaction() as session:
                report = rollups.roll_up(session, store, limit=batch)
            if report.dirty == 0:
                break
            bar.advance(task, report.dirty)
            for name in ("dirty", "device_hours", "successors", "rows", "tails"):
                setattr(done, name, getattr(done, name) + getattr(report, name))
    console.print(f"{done.dirty:,} dirty device-hours: {done.device_hours:,} recomputed "
                  f"({done.successors:,} successors), {done.rows:,} rows")  # fmt: skip


def rfc3339(ms: int) -> str:
    """Epoch ms as RFC 3339 UTC text, e.g. ``2024-05-01T08:00:00Z``."""
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat().replace("+00:00", "Z")


def _units(value: int | None, scale: int) -> Decimal | None:
    return None if value is None else Decimal(value).scaleb(-scale)


def show(
    device: str = typer.Option(..., "--device", help="Device identifier (handle)."),
    metric: str | None = typer.Option(None, "--metric", help="Only this metric."),
    start: str = typer.Option(..., "--from", help="RFC 3339 time or date (UTC midnight)."),
    end: str = typer.Option(..., "--to", help="RFC 3339 time, or a date (included)."),
    grain: str = typer.Option("hour", "--grain", help="hour or day (UTC days)."),
    csv: Path | None = typer.Option(None, "--csv", help="Write a CSV file instead."),
    xlsx: Path | None = typer.Option(None, "--xlsx", help="Write an XLSX file instead."),
) -> None:
    """A device's hourly or daily rollups, values in the metric's units."""
    database = open_database()
    with database.transaction(write=False) as session:
        found = rollups_query.device_rollups(
            session, actor=Principal.system(), handles=[device], metric=metric,
            start_ms=parse_when(start, "start"), end_ms=parse_when(end, "end", end=True),
            grain=grain,  # type: ignore[arg-type]
        )  # fmt: skip
    rows = []
    for r in found:
        s = r.metric.scale
        mean = None if r.mean is None else round(Decimal(r.mean.numerator) / r.mean.denominator
                                                 / (10**s), s + 3)  # fmt: skip
        states = (
            ""
            if r.state_ms is None
            else " ".join(f"{code}={Decimal(ms) / 1000}" for code, ms in sorted(r.state_ms.items()))
        )
        rows.append([r.device, r.metric.name, r.metric.unit, rfc3339(r.start_ms), r.readings,
                     _units(r.min_value, s), _units(r.max_value, s), mean,
                     _units(r.last_value, s),
                     "" if r.last_ts_ms is None else rfc3339(r.last_ts_ms),
                     _units(r.counter_use, s), r.resets, r.gaps, Decimal(r.gap_ms) / 1000,
                     states])  # fmt: skip
    if csv is not None:
        write_csv(csv, HEADER, [["" if v is None else str(v) for v in row] for row in rows])
        console.print(f"wrote {len(rows)} rows to {csv}")
    if xlsx is not None:
        write_xlsx(xlsx, HEADER, rows, sheet="rollups")  # openpyxl stores Decimal as numbers
        console.print(f"wrote {len(rows)} rows to {xlsx}")
    if csv is None and xlsx is None:
        table = Table(title=f"rollups · 汇总 {device} ({grain})")
        for column in HEADER[1:]:
            table.add_column(column, no_wrap=column in ("metric", "start"))
        for row in rows:
            table.add_row(*("" if v is None else str(v) for v in row[1:]))
        console.print(table)
