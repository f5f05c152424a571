"""``chanrong demo``: builds the park and the observatory once, finds them again, writes the
observatory's 2024 report, and guards ``--reset``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from chanrong.cli import app
from chanrong.db import Database
from chanrong.demo import cli as demo_cli
from chanrong.demo import observatory as demo_obs
from chanrong.demo import telemetry as demo_tm
from chanrong.demo.build import DEMO_PASSWORD
from chanrong.demo.plan import plan_park
from chanrong.observatory import report
from chanrong.observatory.figures import investor_deals
from chanrong.observatory.indicators import compute_indicators
from chanrong.observatory.models import Round
from chanrong.settings import Settings, get_settings
from chanrong.telemetry.catalogue import DEVICE_TYPES
from chanrong.telemetry.models import QuarantinedReading, SeriesState
from chanrong.telemetry.store import ParquetStore
from tests.observatory.test_report import KEYS, _check_outputs


@dataclass
class Built:
    data_dir: Path
    output: str


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    """One demo build (park, observatory, report) in a fresh data directory, shared by the
    module's tests; the environment points the CLI at it while they run."""
    data_dir = tmp_path_factory.mktemp("demo")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CHANRONG_DATA_DIR", str(data_dir))
        patch.setenv("CHANRONG_DATABASE_URL", "")
        get_settings.cache_clear()
        result = CliRunner().invoke(app, ["demo"])
        assert result.exit_code == 0, result.output
        yield Built(data_dir, result.output)
    get_settings.cache_clear()


@pytest.fixture
def demo_db(built: Built) -> Iterator[Database]:
    database = Database(f"sqlite:///{built.data_dir / 'chanrong.db'}")
    yield database
    database.dispose()


def _written(out: Path, output: str) -> report.ReportFiles:
    """The report files in ``out``, with the PDF page count the command printed."""
    pages = int(re.search(r"(\d+) PDF pages", output).group(1))
    figures = {
        k: (report.figure_path(out, k, "png"), report.figure_path(out, k, "svg")) for k in KEYS
    }
    return report.ReportFiles(
        out / "report.html", out / "report.pdf", out / "report.xlsx", figures, "weasyprint", pages
    )


def test_cli_builds_then_finds_the_park(built):
    first = built.output
    assert (built.data_dir / "chanrong.db").exists()
    assert DEMO_PASSWORD in first
    assert "op-admin" in first
    assert "crk_" in first
    assert "SYNTHETIC" in first and "/observatory" in first

    get_settings.cache_clear()
    runner = CliRunner()
    second = runner.invoke(app, ["demo"])
    assert second.exit_code == 0, second.output
    assert "already" in second.output
    assert "crk_" not in second.output
    assert "SYNTHETIC 合成数据: already loaded, skipped" in second.output
    assert "report 2024: already in" in second.output

    other_seed = runner.invoke(app, ["demo", "--seed", "7"])
    assert other_seed.exit_code == 1, other_seed.output


def test_demo_fills_the_observatory_and_writes_the_report(built, demo_db):
    with demo_db.transaction(write=False) as session:
        rounds = session.scalar(select(func.count(Round.id)))
        indicators = compute_indicators(session, year=2024)
        investor, _deals = investor_deals(session, 2024)
    assert rounds > demo_obs.SYNTHETIC_EVENTS  # the synthetic rounds and the real sample's
    values = indicators["values"]
    assert values["events"] > 0 and values["companies_financed"] > 0
    assert indicators["by_sector"] and indicators["by_province"]
    out = demo_obs.report_directory(built.data_dir)
    assert str(out / "report.pdf") in built.output.replace("\n", "")
    assert "SYNTHETIC" in (out / "report.html").read_text(encoding="utf-8")  # said, not hidden
    _check_outputs(_written(out, built.output), values["events"], investor=investor)


def test_observatory_report_on_demo_data(built, demo_db, tmp_path):
    """The acceptance: `chanrong observatory report --year 2024` on the demo's database."""
    out = tmp_path / "report"
    get_settings.cache_clear()
    result = CliRunner().invoke(app, ["observatory", "report", "--year", "2024", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "7 figures" in result.output and "WeasyPrint unavailable" not in result.output
    with demo_db.transaction(write=False) as session:
        events = compute_indicators(session, year=2024)["values"]["events"]
        investor, _deals = investor_deals(session, 2024)
    _check_outputs(_written(out, result.output), events, investor=investor)


def _telemetry(demo_db: Database) -> tuple[demo_tm.TelemetryCounts, int, int]:
    """The demo fleet's counts, the stored readings per the series table, quarantined rows."""
    get_settings.cache_clear()
    store = ParquetStore.from_settings(get_settings())
    with demo_db.transaction(write=False) as session:
        counts = demo_tm.count_telemetry(session, store, demo_tm.demo_fleet(plan_park(2024)))
        series = session.scalar(select(func.sum(SeriesState.readings)))
        quarantined = session.scalar(select(func.count(QuarantinedReading.id)))
    return counts, int(series), int(quarantined)


def test_demo_registers_devices_and_a_simulated_week(built, demo_db):
    assert "SIMULATED" in built.output and "/telemetry/quality" in built.output
    counts, series, quarantined = _telemetry(demo_db)
    assert set(counts.devices) == set(DEVICE_TYPES)
    assert 60 <= sum(counts.devices.values()) <= 120
    assert counts.readings == series > 0  # DuckDB over the Parquet files agrees with the table
    assert counts.rollup_rows > 0
    assert counts.quarantined and quarantined == sum(counts.quarantined.values())

    get_settings.cache_clear()
    again = CliRunner().invoke(app, ["demo", "--no-report"])
    assert again.exit_code == 0, again.output
    assert "already registered" in again.output and "already stored, skipped" in again.output
    assert _telemetry(demo_db) == (counts, series, quarantined)


def test_reset_deletes_only_the_default_sqlite_file(tmp_path):
    for name in ("chanrong.db", "chanrong.db-wal", "chanrong.db-shm"):
        (tmp_path / name).write_bytes(b"x")
    part = tmp_path / "telemetry" / "readings" / "day=2026-01-01" / "type=motor"
    part.mkdir(parents=True)
    (part / "a.parquet").write_bytes(b"x")
    demo_cli._reset(Settings(data_dir=tmp_path, database_url=""), confirmed=False)
    assert [p.name for p in tmp_path.iterdir()] == ["telemetry"]
    assert not list((tmp_path / "telemetry").iterdir())


def test_reset_elsewhere_needs_yes(tmp_path, monkeypatch):
    target = tmp_path / "custom.db"
    target.write_bytes(b"")
    monkeypatch.setenv("CHANRONG_DATABASE_URL", f"sqlite:///{target}")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["demo", "--reset"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2
    assert "--yes" in result.output
    assert target.exists()
