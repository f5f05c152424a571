"""Data quality at the service layer on hand-made data with known faults: a gap, duplicates, a
conflict, quarantined readings of two reasons and readings from a clock running ahead; exact
figures per series, per device, per fleet group; the window rules; who may read it. SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from chanrong import clock
from chanrong.consent import service as consent
from chanrong.consent.errors import NoGrant
from chanrong.errors import OtherPartysData
from chanrong.principal import Principal
from chanrong.settings import Settings
from chanrong.telemetry import quality, quality_data
from chanrong.telemetry.errors import InvalidWindow
from chanrong.telemetry.ingest import ingest_batch
from chanrong.telemetry.store import ParquetStore
from tests.factories import (
    create_api_key,
    create_device,
    create_device_owner,
    create_party,
    create_prefix,
    principal_of,
    raw_batch,
)

T0 = datetime(2025, 3, 1, 0, 0, tzinfo=UTC)
T0_MS = int(T0.timestamp() * 1000)
MIN, HOUR = 60_000, 3_600_000
NOW = T0 + timedelta(hours=2)  # readings arrive and quality is asked at 02:00 UTC
NOW_MS = T0_MS + 2 * HOUR
START, END = T0_MS, T0_MS + 3 * HOUR
SYSTEM = Principal.system()


def load(session: Session, store: ParquetStore) -> dict[str, object]:
    """宁波精工 with a sewing machine reporting stitches every 60 s (configured) that missed
    minutes 30-39, repeated 5 readings, contradicted one and sent 5 bad readings; and a motor
    (no configured interval) reporting temperature every 10 s for the first hour only. Another
    enterprise has an excavator with nothing stored; a bank has no device."""
    owner, prefix = create_device_owner(session)
    sewing = create_device(session, owner, prefix, suffix="SM-1", config={"interval_seconds": 60})
    motor = create_device(session, owner, prefix, device_type="motor", suffix="MO-1")
    other = create_party(session, name="宁波重工机械有限公司")
    other_prefix = create_prefix(session, other, prefix="88.1001.77")
    digger = create_device(session, other, other_prefix, device_type="excavator", suffix="EX-1")
    bank = create_party(session, kind="institution", roles=["bank"])

    stitches = [{"device": sewing.handle, "metric": "stitches", "ts_ms": T0_MS + k * MIN,
                 "value": 100 * k} for k in range(120) if not 30 <= k < 40]  # fmt: skip
    temperature = [{"device": motor.handle, "metric": "temperature", "ts_ms": T0_MS + k * 10_000,
                    "value": 40.5} for k in range(360)]  # fmt: skip
    bad = [
        {"device": sewing.handle, "metric": "humidity", "ts_ms": T0_MS, "value": 1},
        {"device": sewing.handle, "metric": "stitches", "ts_ms": T0_MS + MIN, "value": 100,
         "unit": "kg"},
        {"device": sewing.handle, "metric": "stitches", "ts_ms": T0_MS + 2 * MIN, "value": 200,
         "unit": "kg"},
        {"device": sewing.handle, "metric": "stitches", "ts_ms": NOW_MS + 10 * MIN, "value": 1},
        {"device": sewing.handle, "metric": "stitches", "ts_ms": NOW_MS + 15 * MIN, "value": 1},
    ]  # fmt: skip
    with clock.frozen(T0 - timedelta(hours=1)):  # received before the window: not counted
        ingest_batch(session, store, raw_batch([{**bad[1], "ts_ms": T0_MS - 2 * HOUR}]),
                     now_ms=T0_MS - HOUR)  # fmt: skip
    with clock.frozen(NOW):
        ingest_batch(session, store, raw_batch(stitches + temperature), now_ms=NOW_MS)
        at_50 = next(r for r in stitches if r["ts_ms"] == T0_MS + 50 * MIN)
        again = [*stitches[:5], {**at_50, "value": 1}, *bad]
        report = ingest_batch(session, store, raw_batch(again), now_ms=NOW_MS)
    assert (report.duplicates, report.conflicts, sum(report.quarantined.values())) == (5, 1, 5)
    return {"owner": principal_of(owner), "other": principal_of(other),
            "bank": principal_of(bank), "parties": (owner, other, bank), "sewing": sewing, "motor": motor, "digger": digger}  # fmt: skip


@pytest.fixture
def store(settings: Settings) -> ParquetStore:
    """The store the app of the ``client`` fixture reads."""
    return ParquetStore.from_settings(settings)


@pytest.fixture
def data(session: Session, store: ParquetStore) -> dict[str, object]:
    return load(session, store)


def test_a_device_with_a_gap_duplicates_a_conflict_and_bad_readings(session, store, data) -> None:
    q = quality.device_quality(session, store, actor=data["owner"], handle=data["sewing"].handle,
                               start_ms=START, end_ms=END, now=NOW)  # fmt: skip
    [series] = q.series
    assert series.metric.name == "stitches"
    assert (series.readings, series.interval_ms, series.interval_source, series.expected) == (
        110, 60_000, "config", 120,
    )  # fmt: skip
    assert series.completeness_bp == 110 * 10_000 // 120 == 9166
    # minute 29 to minute 40: one step of 11 minutes, more than 3 intervals
    assert (series.gaps, series.gap_ms, series.longest_gap_ms) == (1, 11 * MIN, 11 * MIN)
    assert (series.duplicates, series.conflicts) == (5, 1)
    assert (q.readings, q.expected, q.completeness_bp, q.gaps) == (110, 120, 9166, 1)
    assert q.quarantined == {"future-timestamp": 2, "wrong-unit": 2, "unknown-metric": 1}
    assert list(q.quarantined) == ["future-timestamp", "wrong-unit", "unknown-metric"]
    assert q.skew == quality.Skew(2, 15 * MIN, 10 * MIN)
    assert q.hourly == [(T0_MS, 50), (T0_MS + HOUR, 60), (T0_MS + 2 * HOUR, 0)]


def test_observed_interval_and_a_silent_hour(session, store, data) -> None:
    q = quality.device_quality(session, store, actor=SYSTEM, handle=data["motor"].handle,
                               start_ms=START, end_ms=END, now=NOW)  # fmt: skip
    [series] = q.series
    # no configured interval: the median step (10 s); the second hour is silent up to now
    assert (series.readings, series.interval_ms, series.interval_source) == (
        360,
        10_000,
        "observed",
    )
    assert (series.expected, series.completeness_bp, series.gaps) == (720, 5_000, 0)
    assert q.quarantined == {} and q.skew == quality.Skew()
    assert sum(n for _h, n in q.hourly) == 360


def test_a_later_start_counts_only_its_part(session, store, data) -> None:
    q = quality.device_quality(session, store, actor=data["owner"], handle=data["sewing"].handle,
                               start_ms=T0_MS + HOUR, end_ms=END, now=NOW)  # fmt: skip
    assert (q.readings, q.expected, q.completeness_bp, q.gaps) == (60, 60, 10_000, 0)
    assert q.series[0].conflicts == 0  # the conflict's reading is at 00:50


def test_fleet_worst_first_by_type_and_owner(session, store, data) -> None:
    fleet = quality.fleet_quality(session, store, actor=SYSTEM, start_ms=START, end_ms=END, now=NOW)
    # the excavator has no series at all (nothing to measure), then the motor (50 %)
    assert [d.device.handle for d in fleet.devices] == [
        data["digger"].handle, data["motor"].handle, data["sewing"].handle,
    ]  # fmt: skip
    assert fleet.devices[0].completeness_bp is None
    assert fleet.quarantined == {"future-timestamp": 2, "wrong-unit": 2, "unknown-metric": 1}
    assert (fleet.total, fleet.truncated) == (3, False)
    by_type = {g.key: g for g in fleet.by_type}
    assert [g.key for g in fleet.by_type] == ["excavator", "motor", "sewing_machine"]
    assert (by_type["sewing_machine"].completeness_bp, by_type["sewing_machine"].quarantined,
            by_type["sewing_machine"].conflicts, by_type["sewing_machine"].max_ahead_ms) == (
        9166, 5, 1, 15 * MIN)  # fmt: skip
    owner = {g.key: g for g in fleet.by_owner}[str(data["sewing"].owner_party_id)]
    # both series count: (110 + 360) of (120 + 720)
    assert (owner.devices, owner.readings, owner.completeness_bp, owner.gaps) == (
        2, 470, 470 * 10_000 // 840, 1,
    )  # fmt: skip
    motors = quality.fleet_quality(session, store, actor=SYSTEM, device_type="motor",
                                   start_ms=START, end_ms=END, now=NOW)  # fmt: skip
    assert [d.device.handle for d in motors.devices] == [data["motor"].handle]


def test_access_owner_platform_and_a_grant(session, store, data) -> None:
    sewing = data["sewing"].handle
    mine = quality.fleet_quality(session, store, actor=data["owner"], start_ms=START, end_ms=END,
                                 now=NOW)  # fmt: skip
    assert {d.device.handle for d in mine.devices} == {sewing, data["motor"].handle}
    theirs = quality.fleet_quality(session, store, actor=data["other"], start_ms=START,
                                   end_ms=END, now=NOW)  # fmt: skip
    assert [d.device.handle for d in theirs.devices] == [data["digger"].handle]
    with pytest.raises(NoGrant):
        quality.device_quality(session, store, actor=data["other"], handle=sewing,
                               start_ms=START, end_ms=END, now=NOW)  # fmt: skip
    with pytest.raises(OtherPartysData):
        quality.fleet_quality(session, store, actor=data["other"], start_ms=START, end_ms=END,
                              now=NOW, owner_party_id=data["sewing"].owner_party_id)  # fmt: skip
    with pytest.raises(NoGrant):
        quality.device_quality(session, store, actor=data["bank"], handle=sewing,
                               start_ms=START, end_ms=END, now=NOW, purpose="credit_assessment")  # fmt: skip
    with clock.frozen(NOW):
        consent.give_grant(
            session, actor=data["owner"], recipient_party_id=data["bank"].party_id,
            scope="telemetry", purpose="credit_assessment", expires_at=NOW + timedelta(days=30),
        )  # fmt: skip
        read = quality.device_quality(session, store, actor=data["bank"], handle=sewing,
                                      start_ms=START, end_ms=END, now=NOW,
                                      purpose="credit_assessment")  # fmt: skip
        fleet = quality.fleet_quality(session, store, actor=data["bank"], start_ms=START,
                                      end_ms=END, now=NOW, purpose="credit_assessment",
                                      owner_party_id=data["sewing"].owner_party_id)  # fmt: skip
    assert read.completeness_bp == 9166
    assert len(fleet.devices) == 2


def test_another_partys_device_without_purpose_is_refused(session, store, data) -> None:
    with pytest.raises(NoGrant):
        quality.device_quality(session, store, actor=data["bank"], handle=data["sewing"].handle,
                               start_ms=START, end_ms=END, now=NOW)  # fmt: skip


@pytest.mark.parametrize(
    ("start", "end", "field", "rule"),
    [
        ("yesterday", None, "start", "format"),
        (None, "2025-03-01T00:00:00", "end", "format"),
        ("2025-03-02T00:00:00Z", "2025-03-01T00:00:00Z", "end", "order"),
        ("2025-01-01T00:00:00Z", "2025-03-01T00:00:00Z", "end", "max_window"),
    ],
)
def test_window_rules(start, end, field, rule) -> None:
    with pytest.raises(InvalidWindow) as caught:
        quality.window(start, end, now=NOW)
    assert (caught.value.errors[0].field, caught.value.errors[0].rule) == (field, rule)


def test_default_window_is_a_week_to_the_end_of_the_hour() -> None:
    assert quality.window(None, None, now=NOW + timedelta(minutes=5)) == (
        NOW_MS + HOUR - 7 * 24 * HOUR, NOW_MS + HOUR,
    )  # fmt: skip
    assert quality.window(str(START), "2025-03-01T03:00:00+00:00", now=NOW) == (START, END)


@pytest.mark.parametrize(
    ("config", "expected"),
    [({"interval_seconds": 0.5}, 500), ({"interval_seconds": 0}, None),
     ({"interval_seconds": "60"}, None), ({"interval_seconds": True}, None), ({}, None)],
)  # fmt: skip
def test_configured_interval(config, expected) -> None:
    from chanrong.telemetry.models import Device

    assert quality_data.configured_interval_ms(Device(config=config)) == expected


def _headers(session: Session, party: object) -> dict[str, str]:
    _key, token = create_api_key(session, party)
    return {"Authorization": f"Bearer {token}"}


def test_api_device_and_fleet(client, session, data) -> None:
    owner, other, _bank = data["parties"]
    headers = _headers(session, owner)
    sewing = data["sewing"].handle
    with clock.frozen(NOW):
        answer = client.get(f"/api/v1/telemetry/quality?device={sewing}&start={START}"
                            "&end=2025-03-01T11:00:00%2B08:00", headers=headers)  # fmt: skip
        fleet = client.get(f"/api/v1/telemetry/quality/fleet?start={START}&end={END}",
                           headers=headers)  # fmt: skip
        refused = client.get(f"/api/v1/telemetry/quality?device={sewing}",
                             headers=_headers(session, other))  # fmt: skip
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["start_ms"], body["end_ms"]) == (START, END)
    assert {k: body[k] for k in ("readings", "expected", "completeness_bp", "gaps", "gap_ms",
                                 "longest_gap_ms", "duplicates", "conflicts")} == {
        "readings": 110, "expected": 120, "completeness_bp": 9166, "gaps": 1,
        "gap_ms": 11 * MIN, "longest_gap_ms": 11 * MIN, "duplicates": 5, "conflicts": 1,
    }  # fmt: skip
    assert body["quarantined"] == {"future-timestamp": 2, "wrong-unit": 2, "unknown-metric": 1}
    assert body["skew"] == {"future_readings": 2, "max_ahead_ms": 15 * MIN,
                            "median_ahead_ms": 10 * MIN}  # fmt: skip
    assert body["series"][0]["interval_source"] == "config"
    assert body["hourly"] == [[T0_MS, 50], [T0_MS + HOUR, 60], [T0_MS + 2 * HOUR, 0]]
    assert fleet.status_code == 200, fleet.text
    assert [d["handle"] for d in fleet.json()["devices"]] == [data["motor"].handle, sewing]
    assert [g["key"] for g in fleet.json()["by_type"]] == ["motor", "sewing_machine"]
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    ("query", "field", "rule"),
    [("start=soon", "start", "format"), (f"start={END}&end={START}", "end", "order"),
     ("start=0&end=2025-03-01T00:00:00Z", "end", "max_window")],
)  # fmt: skip
def test_api_window_problems_name_the_field(client, session, data, query, field, rule) -> None:
    headers = _headers(session, data["parties"][0])
    for path in (f"quality?device={data['sewing'].handle}&", "quality/fleet?"):
        answer = client.get(f"/api/v1/telemetry/{path}{query}", headers=headers)
        assert answer.status_code == 422
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.json()["type"] == "urn:chanrong:problem:invalid-window"
        assert (answer.json()["errors"][0]["field"], answer.json()["errors"][0]["rule"]) == (
            field, rule,
        )  # fmt: skip


def test_api_unknown_device_and_missing_field(client, session, data) -> None:
    headers = _headers(session, data["parties"][0])
    missing = client.get("/api/v1/telemetry/quality", headers=headers)
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"].endswith("device")
    unknown = client.get("/api/v1/telemetry/quality?device=88.1001.12/NOPE", headers=headers)
    assert unknown.status_code == 404
    assert unknown.json()["type"] == "urn:chanrong:problem:device-not-found"
