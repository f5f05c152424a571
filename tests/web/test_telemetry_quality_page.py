"""The data-quality console pages without a browser: the fleet page (table worst first, sums by
type and owner, the two charts' data) and a device's page (tiles, series, reasons, the hourly
chart's data), in Chinese and English, links from the device pages, and what another party
sees. SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from chanrong import clock
from chanrong.db import Database
from chanrong.settings import Settings
from chanrong.telemetry.store import ParquetStore
from tests import factories
from tests.telemetry.test_quality import NOW, load
from tests.web.conftest import HTML, log_in, text_of

# Asked half an hour after the data arrived: the window ends at 03:00 UTC, now is 02:30, so
# the sewing machine is expected 150 readings (110 stored) and the motor 900 (360 stored).
ASKED = NOW + timedelta(minutes=30)


@pytest.fixture
def fleet(db: Database, settings: Settings) -> dict[str, str]:
    with db.transaction() as s, clock.frozen(NOW):
        data = load(s, ParquetStore.from_settings(settings))
        _owner, other, _bank = data["parties"]
        factories.create_user(s, other, username="other", display_name="李会计")
        operator = factories.create_party(s, kind="operator", name="产融平台运营中心")
        factories.create_user(s, operator, username="ops", display_name="王运营")
    return {k: data[k].handle for k in ("sewing", "motor", "digger")}


def chart(html: str, element: str) -> list[dict[str, object]]:
    """The points embedded in a chart element's data-series."""
    found = re.search(rf"id=\"{element}\"[^>]*data-series='([^']*)'", html)
    assert found, element
    return json.loads(found.group(1).replace("&#34;", '"').replace("&quot;", '"'))


@pytest.mark.parametrize(
    ("lang", "expected", "reasons"),
    [
        ("zh", ["数据质量", "完整率", "按设备类型", "按所有方", "电机", "40.00 %", "73.33 %"],
         ["单位不符", "时间超前", "未知指标"]),
        ("en", ["Data quality", "Completeness", "By device type", "By owner", "Motor", "40.00 %"],
         ["wrong-unit", "future-timestamp", "unknown-metric"]),
    ],
)  # fmt: skip
def test_fleet_page_in_both_languages(
    client: TestClient, fleet: dict[str, str], lang: str, expected: list[str], reasons: list[str]
) -> None:
    with clock.frozen(ASKED):
        log_in(client, "owner", lang=lang)
        answer = client.get("/telemetry/quality?days=1", headers=HTML)
    assert answer.status_code == 200, answer.text
    text = text_of(answer.text)
    for label in expected:
        assert label in text, label
    rows = re.findall(r'<tr data-device="([^"]+)"', answer.text)
    assert rows == [fleet["motor"], fleet["sewing"]]  # worst first; not the other party's
    assert chart(answer.text, "chart-tm-reasons") == [
        {"name": name, "value": n} for name, n in zip(reasons, (3, 2, 1), strict=True)
    ]
    completeness = {p["name"]: p["value"] for p in chart(answer.text, "chart-tm-completeness")}
    assert list(completeness.values()) == [40.0, 73.33]
    assert f'href="/telemetry/quality/{fleet["sewing"]}?days=1"' in answer.text
    assert "/static/vendor/echarts-5.6.0.min.js" in answer.text


def test_platform_sees_every_party(client: TestClient, fleet: dict[str, str]) -> None:
    with clock.frozen(ASKED):
        log_in(client, "ops", lang="en")
        answer = client.get("/telemetry/quality?device_type=excavator", headers=HTML)
    assert re.findall(r'<tr data-device="([^"]+)"', answer.text) == [fleet["digger"]]
    assert "No quarantined readings in the window" in text_of(answer.text)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("zh", ["设备数据质量", "73.33 %", "110 / 150", "断档", "660 s", "900 s", "超前读数 2",
                "配置", "时间超前", "每小时读数"]),
        ("en", ["Device data quality", "73.33 %", "110 / 150", "Gaps", "660 s", "900 s",
                "Future readings 2", "configured", "Readings per hour"]),
    ],
)  # fmt: skip
def test_device_quality_page_in_both_languages(
    client: TestClient, fleet: dict[str, str], lang: str, expected: list[str]
) -> None:
    with clock.frozen(ASKED):
        log_in(client, "owner", lang=lang)
        answer = client.get(f"/telemetry/quality/{fleet['sewing']}?days=1", headers=HTML)
    assert answer.status_code == 200, answer.text
    text = text_of(answer.text)
    for label in expected:
        assert label in text, label
    hourly = chart(answer.text, "chart-tm-hourly")
    assert len(hourly) == 24  # every hour of the day, empty ones included
    # 08:00 and 09:00 in Shanghai hold the readings (minutes 30-39 missing); 10:00 is empty
    assert [p["value"] for p in hourly[-3:]] == [50, 60, 0]
    assert hourly[-3]["name"] == "03-01 08:00"
    # the day's window also holds the wrong-unit reading received at 07:00 (23:00 UTC)
    assert re.findall(r'<tr data-reason="([^"]+)"', answer.text) == [
        "wrong-unit", "future-timestamp", "unknown-metric",
    ]  # fmt: skip


def test_links_from_the_device_pages(client: TestClient, fleet: dict[str, str]) -> None:
    with clock.frozen(ASKED):
        log_in(client, "owner")
        devices = client.get("/telemetry/devices", headers=HTML).text
        device = client.get(f"/telemetry/devices/{fleet['sewing']}", headers=HTML).text
    assert 'href="/telemetry/quality"' in devices
    assert f'href="/telemetry/quality/{fleet["sewing"]}"' in device


def test_another_partys_device_is_refused(client: TestClient, fleet: dict[str, str]) -> None:
    with clock.frozen(ASKED):
        log_in(client, "other", lang="en")
        answer = client.get(f"/telemetry/quality/{fleet['sewing']}", headers=HTML)
    assert answer.status_code == 403
    assert fleet["sewing"] in text_of(answer.text)
