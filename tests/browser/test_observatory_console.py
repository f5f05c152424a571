"""The observatory in a real browser: the operator opens 投融资观察 from the navigation, the four
charts are drawn by the vendored ECharts, a filter narrows the deal table, a click on a province
bar filters by that province, and the reconciliation page flags gaps.

Set CHANRONG_SHOTS_DIR to keep screenshots of each step (both languages)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import LiveServer
from tests.browser.test_trust_console import log_in_as, shot

pytestmark = pytest.mark.browser

CHARTS = ("chart-obs-trend", "chart-obs-sectors", "chart-obs-state", "chart-obs-provinces")


def wait_for_charts(page: Any) -> None:
    """Every chart drawn (animation finished) on a canvas."""
    for chart in CHARTS:
        page.wait_for_selector(f"#{chart}[data-rendered='true']")
        assert page.locator(f"#{chart} canvas").count() >= 1, chart


def deal_companies(page: Any) -> list[str]:
    return page.locator("#deal-table tr[data-deal] td:nth-child(2)").all_inner_texts()


def test_charts_render_and_filters_change_the_deals(page: Any, live_server: LiveServer) -> None:
    log_in_as(page, live_server, "ops")
    page.click("nav >> text=投融资观察")
    page.wait_for_url(f"{live_server.url}/observatory")
    assert page.get_attribute("nav a[href='/observatory']", "aria-current") == "page"
    wait_for_charts(page)
    assert page.input_value("#filter-year") == "2024"
    assert "4" in page.inner_text("#tile-events")
    assert len(deal_companies(page)) == 4
    shot(page, "obs-01-overview-zh")

    page.select_option("#filter-sector", "platform")
    page.click("#obs-filter-button")
    page.wait_for_url(f"{live_server.url}/observatory?year=2024&sector=platform**")
    wait_for_charts(page)
    assert deal_companies(page) == ["深圳云联工业软件有限公司"] * 2
    assert "2" in page.inner_text("#tile-events")
    shot(page, "obs-02-platform-zh")

    # a click on a province bar filters by that province (the sector filter stays)
    page.goto("/observatory?year=2024&investor_type=financial_vc")
    wait_for_charts(page)
    assert len(deal_companies(page)) == 3
    x, y = page.evaluate(
        "() => echarts.getInstanceByDom(document.getElementById('chart-obs-provinces'))"
        ".convertToPixel({seriesIndex: 0}, [0, 0.5])"
    )
    page.locator("#chart-obs-provinces canvas").first.click(position={"x": x, "y": y})
    page.wait_for_url("**province=**")
    assert page.input_value("#filter-province") in {"31", "32", "44"}
    assert page.input_value("#filter-investor-type") == "financial_vc"
    assert len(deal_companies(page)) == 1

    page.click("#lang-switch")
    page.wait_for_selector("text=Events and amount over five years")
    wait_for_charts(page)
    shot(page, "obs-03-province-en")

    page.click("#obs-tabs >> text=Reconciliation")
    page.wait_for_url(f"{live_server.url}/observatory/reconciliation")
    row = page.locator("#reconciliation-table tr[data-indicator='financing_events']")
    assert row.get_attribute("data-status") == "gap"
    assert "Gap over 10%" in row.inner_text()
    shot(page, "obs-04-reconciliation-en")
    page.click("#lang-switch")
    page.wait_for_selector("text=与报告对账")
