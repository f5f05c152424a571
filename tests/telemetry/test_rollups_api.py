"""Rollup queries: access (owner, platform, a live telemetry grant), days from hours, fleet
sums, the HTTP API with its problem+json refusals, and the CLI."""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from chanrong import clock
from chanrong.cli import app as cli
from chanrong.consent import service as consent
from chanrong.consent.errors import NoGrant
from chanrong.db import Database, upgrade
from chanrong.principal import Principal
from chanrong.settings import get_settings
from chanrong.telemetry.ingest import ingest_batch
from chanrong.telemetry.rollups import roll_up
from chanrong.telemetry.rollups_query import device_rollups, fleet_rollups
from chanrong.telemetry.store import ParquetStore
from tests.factories import (
    create_api_key,
    create_device,
    create_device_owner,
    create_party,
    principal_of,
    raw_batch,
)

T0 = 1_714_521_600_000  # 2024-05-01T00:00:00Z
MIN = 60_000
H = 3_600_000


def _fleet(session, store: ParquetStore):
    """Two sewing machines of one owner, with stitches over two UTC days, rolled up."""
    owner, prefix = create_device_owner(session)
    devices = [create_device(session, owner, prefix, suffix=f"SM-{i}") for i in (1, 2)]
    readings = []
    for n, device in enumerate(devices, start=1):
        for m in range(0, 30 * 60, 30):  # every 30 minutes for 30 hours, +n*10 each
            readings.append({"device": device.handle, "metric": "stitches",
                             "ts_ms": T0 + m * MIN, "value": 1000 + n * 10 * (m // 30)})  # fmt: skip
    ingest_batch(session, store, raw_batch(readings), now_ms=T0 + 31 * H)
    roll_up(session, store)
    return owner, devices


def test_days_are_derived_from_hours_and_fleets_sum(session, tmp_path: Path) -> None:
    owner, (sm1, sm2) = _fleet(session, ParquetStore(tmp_path))
    actor = principal_of(owner)
    hours = device_rollups(session, actor=actor, handles=[sm1.handle], start_ms=T0,
                           end_ms=T0 + 2 * H)  # fmt: skip
    assert [(r.start_ms, r.readings, r.counter_use) for r in hours] == [
        (T0, 2, 10),
        (T0 + H, 2, 20),
    ]
    days = device_rollups(session, actor=actor, handles=[sm1.handle, sm2.handle],
                          metric="stitches", start_ms=T0, end_ms=T0 + 48 * H, grain="day")  # fmt: skip
    assert [(r.device, r.start_ms, r.readings, r.counter_use) for r in days] == [
        (sm1.handle, T0, 48, 470), (sm1.handle, T0 + 24 * H, 12, 120),
        (sm2.handle, T0, 48, 940), (sm2.handle, T0 + 24 * H, 12, 240),
    ]  # fmt: skip
    assert days[0].last_value == 1000 + 10 * 47 and days[0].mean is not None
    fleet = fleet_rollups(session, actor=actor, device_type="sewing_machine", start_ms=T0,
                          end_ms=T0 + 48 * H, grain="day")  # fmt: skip
    assert [(r.start_ms, r.devices, r.readings, r.counter_use) for r in fleet] == [
        (T0, 2, 96, 1410),
        (T0 + 24 * H, 2, 24, 360),
    ]


def test_access_is_the_registrys(session, tmp_path: Path) -> None:
    owner, (sm1, _sm2) = _fleet(session, ParquetStore(tmp_path))
    lender = create_party(session, kind="institution", roles=["bank"])
    window = {"start_ms": T0, "end_ms": T0 + H}
    with pytest.raises(NoGrant):
        device_rollups(session, actor=principal_of(lender), handles=[sm1.handle], **window)
    assert device_rollups(session, actor=Principal.system(), handles=[sm1.handle], **window)
    consent.give_grant(
        session, actor=principal_of(owner), recipient_party_id=lender.id, scope="telemetry",
        purpose="credit_assessment", expires_at=clock.now() + timedelta(days=30),
    )  # fmt: skip
    got = device_rollups(session, actor=principal_of(lender), handles=[sm1.handle],
                         purpose="credit_assessment", **window)  # fmt: skip
    assert got[0].counter_use == 10
    fleet = fleet_rollups(session, actor=principal_of(lender), owner_party_id=owner.id,
                          purpose="credit_assessment", **window)  # fmt: skip
    assert fleet[0].devices == 2


def test_api(client, db, tmp_path: Path) -> None:
    with db.transaction() as session:
        owner, (sm1, _sm2) = _fleet(session, ParquetStore(tmp_path))
        stranger = create_party(session)
        token = {"Authorization": f"Bearer {create_api_key(session, party=owner)[1]}"}
        other = {"Authorization": f"Bearer {create_api_key(session, party=stranger)[1]}"}
    url = "/api/v1/telemetry/rollups"
    answer = client.get(url, headers=token, params={
        "device": sm1.handle, "metric": "stitches", "start": "2024-05-01T00:00:00Z",
        "end": "2024-05-01T02:00:00+00:00"})  # fmt: skip
    assert answer.status_code == 200, answer.text
    first = answer.json()[0]
    assert (first["readings"], first["counter_use"], first["scale"], first["min"]) == (
        2,
        10,
        0,
        1000,
    )
    days = client.get(url, headers=token, params={"device_type": "sewing_machine",
                      "start": "2024-05-01", "end": "2024-05-02", "grain": "day"}).json()  # fmt: skip
    assert [(d["devices"], d["counter_use"]) for d in days] == [(2, 1410), (2, 360)]
    bad = client.get(url, headers=token, params={"device": sm1.handle, "start": "yesterday",
                                                 "end": "2024-05-02"})  # fmt: skip
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert bad.json()["errors"][0]["field"] == "start"
    grain = client.get(url, headers=token, params={"device": sm1.handle, "start": "2024-05-01",
                                                   "end": "2024-05-02", "grain": "week"})  # fmt: skip
    assert grain.status_code == 422 and grain.json()["errors"][0]["field"] == "grain"
    nothing = client.get(url, headers=token, params={"start": "2024-05-01", "end": "2024-05-02"})
    assert nothing.status_code == 422 and nothing.json()["errors"][0]["field"] == "device"
    assert client.get(url, headers=other, params={"device": sm1.handle, "start": "2024-05-01",
                                                  "end": "2024-05-02"}).status_code == 403  # fmt: skip


@pytest.fixture
def cli_site(tmp_path, monkeypatch):
    """The CLI on a throwaway SQLite file and store (settings are cached: cleared)."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("CHANRONG_DATABASE_URL", url)
    monkeypatch.setenv("CHANRONG_TELEMETRY_DIR", str(tmp_path / "store"))
    get_settings.cache_clear()
    database = Database(url)
    upgrade(database)
    yield database
    database.dispose()
    get_settings.cache_clear()


def test_cli(cli_site, tmp_path: Path) -> None:
    store = ParquetStore(tmp_path / "store")
    with cli_site.transaction() as session:
        owner, prefix = create_device_owner(session)
        device = create_device(session, owner, prefix, suffix="SM-1")
        ingest_batch(session, store, raw_batch([
            {"device": device.handle, "metric": "stitches", "ts_ms": T0 + m * MIN, "value": 7 * m}
            for m in range(0, 120, 10)]), now_ms=T0 + 3 * H)  # fmt: skip
    runner = CliRunner()
    done = runner.invoke(cli, ["telemetry", "rollup"])
    assert done.exit_code == 0, done.output
    assert "2 dirty device-hours: 2 recomputed" in done.output
    out = tmp_path / "r.csv"
    shown = runner.invoke(cli, ["telemetry", "rollups", "--device", device.handle, "--metric",
                                "stitches", "--from", "2024-05-01", "--to", "2024-05-01",
                                "--csv", str(out)])  # fmt: skip
    assert shown.exit_code == 0, shown.output
    with out.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["start"], r["readings"], r["counter_use"]) for r in rows] == [
        ("2024-05-01T00:00:00Z", "6", "350"),
        ("2024-05-01T01:00:00Z", "6", "420"),
    ]
    book = tmp_path / "r.xlsx"
    assert runner.invoke(cli, ["telemetry", "rollups", "--device", device.handle, "--from",
                               "2024-05-01", "--to", "2024-05-01", "--grain", "day", "--xlsx",
                               str(book)]).exit_code == 0  # fmt: skip
    sheet = load_workbook(book).active
    assert [c.value for c in sheet[2]][4] == 12 and [c.value for c in sheet[2]][10] == 770
    table = runner.invoke(cli, ["telemetry", "rollups", "--device", device.handle, "--from",
                                "2024-05-01", "--to", "2024-05-01"])  # fmt: skip
    assert table.exit_code == 0 and "stitches" in table.output
    rebuilt = runner.invoke(cli, ["telemetry", "rollup", "--rebuild-from", "2024-05-01",
                                  "--rebuild-to", "2024-05-01"])  # fmt: skip
    assert rebuilt.exit_code == 0 and "rebuilt 2 device-hours, 2 rows" in rebuilt.output
