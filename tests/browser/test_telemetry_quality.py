"""The data-quality pages in a real browser: the owner opens 数据质量 from the device list, the
vendored ECharts draws the quarantine-reason and completeness charts on canvases, a device's
page draws its readings per hour, and switching to English keeps the charts.

A console of its own (a SQLite file with the hand-made data of tests/telemetry/test_quality.py,
its Parquet store beside it) with the clock frozen at the data's time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from chanrong import clock
from chanrong import db as db_module
from chanrong.app import create_app
from chanrong.settings import Settings
from chanrong.telemetry.store import ParquetStore
from tests.browser.conftest import serve
from tests.browser.test_trust_console import shot
from tests.factories import PASSWORD
from tests.telemetry.test_quality import NOW, load

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def quality_console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(base URL, the sewing machine's handle) of a console serving the hand-made fleet."""
    data_dir: Path = tmp_path_factory.mktemp("quality")
    database = db_module.Database(f"sqlite:///{data_dir / 'chanrong.db'}")
    db_module.upgrade(database)
    settings = Settings(data_dir=data_dir, database_url=str(database.engine.url))
    with database.transaction() as s, clock.frozen(NOW):
        handle = load(s, ParquetStore.from_settings(settings))["sewing"].handle
    try:
        with (
            clock.frozen(NOW + timedelta(minutes=30)),
            serve(create_app(settings, database=database)) as url,
        ):
            yield url, handle
    finally:
        database.dispose()


@pytest.fixture
def tab(chromium: Any, quality_console: tuple[str, str]) -> Iterator[Any]:
    """A fresh browser tab on the quality console; fails on any script error."""
    context = chromium.new_context(base_url=quality_console[0],
                                   viewport={"width": 1280, "height": 900})  # fmt: skip
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield page
    finally:
        context.close()
    assert not errors, f"script errors in the page: {errors}"


def drawn(page: Any, chart: str) -> None:
    """The chart finished drawing on a canvas that has painted pixels."""
    page.wait_for_selector(f"#{chart}[data-rendered='true']")
    painted = page.evaluate(
        """id => {
          const canvas = document.querySelector('#' + id + ' canvas');
          if (!canvas || canvas.width === 0 || canvas.height === 0) { return 0; }
          const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
          let painted = 0;
          for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] !== 0) { painted += 1; } }
          return painted;
        }""",
        chart,
    )
    assert painted > 100, chart


def test_quality_charts_render(tab: Any, quality_console: tuple[str, str]) -> None:
    url, handle = quality_console
    tab.goto("/login")
    tab.fill("#username", "owner")
    tab.fill("#password", PASSWORD)
    tab.click("#login-button")
    tab.wait_for_url(f"{url}/")
    tab.goto("/telemetry/devices")
    tab.click("#quality-link")
    tab.wait_for_url(f"{url}/telemetry/quality")
    drawn(tab, "chart-tm-reasons")
    drawn(tab, "chart-tm-completeness")
    assert tab.locator("#quality-table tr[data-device]").count() == 2
    reasons = tab.evaluate(
        "() => echarts.getInstanceByDom(document.getElementById('chart-tm-reasons'))"
        ".getOption().xAxis[0].data"
    )
    assert reasons == ["单位不符", "时间超前", "未知指标"]  # 3, 2 and 1 in the week
    shot(tab, "quality-01-fleet-zh")

    tab.click(f"#quality-table a[href^='/telemetry/quality/{handle}']")
    tab.wait_for_url(f"{url}/telemetry/quality/{handle}**")
    drawn(tab, "chart-tm-hourly")
    hours = tab.evaluate(
        "() => echarts.getInstanceByDom(document.getElementById('chart-tm-hourly'))"
        ".getOption().series[0].data"
    )
    assert len(hours) == 7 * 24 and hours[-3:] == [50, 60, 0]
    assert "73.33 %" in tab.inner_text("#tile-completeness")
    shot(tab, "quality-02-device-zh")

    tab.goto("/lang/en")
    tab.goto(f"/telemetry/quality/{handle}")
    drawn(tab, "chart-tm-hourly")
    assert "Readings per hour" in tab.inner_text("#quality-hourly")
    shot(tab, "quality-03-device-en")
