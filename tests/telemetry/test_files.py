"""Files of readings (CSV and Parquet) read in chunks with their lines, and ingested by the
command: good rows stored, a bad row quarantined with its line, an unreadable file exit 2."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from chanrong import clock
from chanrong import db as db_module
from chanrong.cli import app as cli
from chanrong.telemetry.files import UnreadableFile, count_rows, read_file
from chanrong.telemetry.models import QuarantinedReading
from tests.factories import create_device, create_device_owner

DEVICE = "88.1001.12/SM-2001"
TS = 1_714_550_400_000

CSV = f"""device,metric,ts,value,unit
{DEVICE},stitches,{TS},10,1
{DEVICE},stitches,2024-05-01T16:00:01+08:00,11,
{DEVICE},stitches,yesterday,12,1
{DEVICE},stitches
{DEVICE},stitches,{TS + 3000},many,1
{DEVICE},stitches,{TS + 4000},NaN,1
{DEVICE},stitches,,15,1
"""


def test_csv_rows_keep_their_lines_and_bad_cells_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(CSV, encoding="utf-8")
    batches = list(read_file(path, chunk_rows=2))
    rows = [r for b in batches for r in b.table.to_pylist()]
    refusals = {r.line: r.reason for b in batches for r in b.refusals}
    assert [(r["line"], r["ts_ms"]) for r in rows] == [
        (2, TS), (3, TS + 1000), (7, TS + 4000), (8, None),
    ]  # fmt: skip
    assert refusals == {4: "bad-timestamp", 5: "malformed-payload", 6: "bad-value"}
    assert str(rows[2]["value"]) == "nan"  # left to the validation: non-finite
    assert sum(b.received for b in batches) == 7 == count_rows(path)
    assert all(b.channel == "file" and b.source == "r.csv" for b in batches)


def test_parquet_with_a_timestamp_column(tmp_path: Path) -> None:
    path = tmp_path / "r.parquet"
    pq.write_table(pa.table({
        "device": [DEVICE] * 3,
        "metric": ["stitches"] * 3,
        "ts": pa.array([TS * 1000, (TS + 1000) * 1000, None], pa.timestamp("us", tz="UTC")),
        "value": pa.array([1, 2, 3], pa.int64()),
    }), path)  # fmt: skip
    (batch,) = read_file(path)
    assert batch.table.column("ts_ms").to_pylist() == [TS, TS + 1000, None]
    assert batch.table.column("line").to_pylist() == [1, 2, 3]
    assert batch.table.column("unit").null_count == 3
    assert count_rows(path) == 3


def test_a_file_without_the_columns_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("device,metric,value\nx,y,1\n", encoding="utf-8")
    with pytest.raises(UnreadableFile, match="ts"):
        list(read_file(path))


@pytest.fixture
def committed(
    fresh_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """A migrated database holding ``DEVICE``, made the CLI's database."""
    database = db_module.Database(fresh_database_url)
    db_module.upgrade(database)
    with database.transaction() as session:
        owner, prefix = create_device_owner(session)
        create_device(session, owner, prefix, suffix=DEVICE.rsplit("/", 1)[1])
    database.dispose()
    from chanrong.settings import get_settings

    monkeypatch.setenv("CHANRONG_DATABASE_URL", fresh_database_url)
    monkeypatch.setenv("CHANRONG_TELEMETRY_DIR", str(tmp_path / "telemetry"))
    get_settings.cache_clear()
    yield fresh_database_url
    get_settings.cache_clear()


def test_ingest_command_stores_and_quarantines(committed: str, tmp_path: Path) -> None:
    now = int(clock.now().timestamp() * 1000)
    path = tmp_path / "recent.csv"
    path.write_text(
        "device,metric,ts,value\n"
        + "".join(f"{DEVICE},stitches,{now - 60_000 + i},{i}\n" for i in range(5))
        + f"{DEVICE},stitches,{now},x\n{DEVICE},humidity,{now},1\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["telemetry", "ingest", str(path)])
    assert result.exit_code == 0, result.output
    assert re.search(r"stored\D+5\b", result.output), result.output
    database = db_module.Database(committed)
    with database.transaction(write=False) as session:
        found = session.execute(select(QuarantinedReading.reason, QuarantinedReading.source)).all()
    database.dispose()
    assert sorted(found) == [("bad-value", "recent.csv:7"), ("unknown-metric", "recent.csv:8")]
    again = CliRunner().invoke(cli, ["telemetry", "ingest", str(path)])
    assert again.exit_code == 0
    assert re.search(r"stored\D+0\b", again.output) and re.search(r"duplicates\D+5\b", again.output)


def test_ingest_command_refuses_an_unreadable_file(committed: str, tmp_path: Path) -> None:
    path = tmp_path / "broken.csv"
    path.write_text("no,columns,here\n1,2,3\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["telemetry", "ingest", str(path)])
    assert result.exit_code == 2
    assert "cannot read" in result.output
    missing = CliRunner().invoke(cli, ["telemetry", "ingest", str(tmp_path / "absent.csv")])
    assert missing.exit_code == 2
