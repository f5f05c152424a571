"""Console pages of telemetry without a browser: the device list (type filter, owner, lock state,
last reading) and a device's page (metrics with units, stored series, recent commands), in both
languages, and what another party sees. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from chanrong.db import Database
from chanrong.principal import Principal
from chanrong.telemetry import commands
from chanrong.telemetry.models import SeriesState
from tests import factories
from tests.web.conftest import HTML, log_in, text_of

T0_MS = int(datetime(2025, 3, 1, 0, 0, tzinfo=UTC).timestamp() * 1000)  # 08:00 in Shanghai
HOUR_MS = 3_600_000


@pytest.fixture
def fleet(db: Database) -> dict[str, str]:
    """宁波精工 (user ``owner``): a sewing machine with two stored series and a queued lock, and a
    locked motor with none; another enterprise (``other``); the operator (``ops``)."""
    with db.transaction() as s:
        owner, prefix = factories.create_device_owner(s)
        sewing = factories.create_device(s, owner, prefix, suffix="SM-7", name="1号缝纫机")
        motor = factories.create_device(
            s, owner, prefix, device_type="motor", suffix="MO-1", locked=True
        )
        s.add_all([
            SeriesState(device_id=sewing.id, metric_id=2, first_ts_ms=T0_MS,
                        last_ts_ms=T0_MS + 2 * HOUR_MS, last_value=123_456, readings=720,
                        duplicates=3),
            SeriesState(device_id=sewing.id, metric_id=4, first_ts_ms=T0_MS,
                        last_ts_ms=T0_MS + HOUR_MS, last_value=1, readings=12, duplicates=0),
        ])  # fmt: skip
        commands.request_command(s, actor=Principal.system(), handle=sewing.handle, kind="lock",
                                 reason="租金逾期")  # fmt: skip
        other = factories.create_party(s)
        factories.create_user(s, other, username="other", display_name="李会计")
        operator = factories.create_party(s, kind="operator", name="产融平台运营中心")
        factories.create_user(s, operator, username="ops", display_name="王运营")
    return {"sewing": sewing.handle, "motor": motor.handle}


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("zh", ["设备", "智能缝纫机", "电机", "已锁定", "未锁定", "最新读数", "2025-03-01 10:00"]),
        ("en", ["Devices", "Smart sewing machine", "Motor", "Locked", "Unlocked", "Last reading"]),
    ],
)
def test_device_list_in_both_languages(
    client: TestClient, fleet: dict[str, str], lang: str, expected: list[str]
) -> None:
    log_in(client, "owner", lang=lang)
    answer = client.get("/telemetry/devices", headers=HTML)
    assert answer.status_code == 200
    text = text_of(answer.text)
    for label in expected:
        assert label in text
    assert "宁波精工模具有限公司" in text and "(2)" in text
    assert f'href="/telemetry/devices/{fleet["sewing"]}"' in answer.text
    assert 'href="/telemetry/devices" class="active"' in answer.text


def test_device_list_filters_by_type_and_by_party(
    client: TestClient, fleet: dict[str, str]
) -> None:
    log_in(client, "owner", lang="en")
    motors = text_of(client.get("/telemetry/devices?device_type=motor", headers=HTML).text)
    assert fleet["motor"] in motors and fleet["sewing"] not in motors
    log_in(client, "other", lang="en")
    theirs = text_of(client.get("/telemetry/devices", headers=HTML).text)
    assert "No devices yet" in theirs and fleet["sewing"] not in theirs
    log_in(client, "ops", lang="en")
    everyone = text_of(client.get("/telemetry/devices", headers=HTML).text)
    assert fleet["sewing"] in everyone and fleet["motor"] in everyone


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "zh",
            [
                "1号缝纫机",
                "上报指标",
                "针数",
                "缝纫时长",
                "电源状态",
                "累计值",
                "0 关机",
                "已存数据序列",
                "开机",
                "最近指令",
                "待发送",
                "租金逾期",
            ],
        ),
        (
            "en",
            [
                "Metrics reported",
                "Stitches",
                "Sewing time",
                "Counter",
                "0 off",
                "Stored series",
                "Recent commands",
                "Pending",
            ],
        ),
    ],
)
def test_device_page_in_both_languages(
    client: TestClient, fleet: dict[str, str], lang: str, expected: list[str]
) -> None:
    log_in(client, "owner", lang=lang)
    answer = client.get(f"/telemetry/devices/{fleet['sewing']}", headers=HTML)
    assert answer.status_code == 200
    text = text_of(answer.text)
    for label in expected:
        assert label in text
    series = text_of(re.search(r'id="device-series".*?</section>', answer.text, re.S).group(0))
    # stitches: first 08:00, last 10:00 Shanghai time, 720 readings, 3 duplicates, last 123456
    assert "2025-03-01 08:00 2025-03-01 10:00 720 3 123456" in series


def test_device_page_without_series_or_commands(client: TestClient, fleet: dict[str, str]) -> None:
    log_in(client, "owner", lang="en")
    text = text_of(client.get(f"/telemetry/devices/{fleet['motor']}", headers=HTML).text)
    assert "No readings stored yet" in text and "Recent commands" not in text
    assert "Locked" in text and "Cel" in text and "mm/s" in text


def test_another_partys_device_is_refused(client: TestClient, fleet: dict[str, str]) -> None:
    log_in(client, "other", lang="en")
    answer = client.get(f"/telemetry/devices/{fleet['sewing']}", headers=HTML)
    assert answer.status_code == 403
    assert "Not allowed" in text_of(answer.text)
    log_in(client, "owner", lang="en")
    missing = client.get("/telemetry/devices/88.1001.12/NOPE", headers=HTML)
    assert missing.status_code == 404
