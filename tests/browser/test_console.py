"""The console in a real browser: log in, charts, the htmx resolver, languages, errors."""

from __future__ import annotations

import re
from typing import Any

import pytest

from chanrong.money import format_cny
from tests.browser.conftest import LiveServer
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def log_in(page: Any, username: str, password: str = PASSWORD) -> None:
    """Open the login page (unless already there), fill the form and send it."""
    if "/login" not in page.url:
        page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#login-button")


def resolve(page: Any, handle: str) -> None:
    """Type ``handle`` into the resolver and click resolve; waits for htmx to swap the answer."""
    page.eval_on_selector("#resolution", "el => el.replaceChildren()")  # no stale answer
    page.fill("#handle", handle)
    page.click("#resolve-button")
    page.wait_for_selector("#resolution-result, #resolution-error")


def lang_cookie(page: Any) -> str | None:
    return next((c["value"] for c in page.context.cookies() if c["name"] == "chanrong_lang"), None)


def test_login_lands_on_home_with_the_party_and_a_rendered_pie(
    page: Any, live_server: LiveServer
) -> None:
    page.goto("/login")
    log_in(page, "owner")
    page.wait_for_url(f"{live_server.url}/")
    assert page.inner_text("#my-party-name") == live_server.data.owner_party_name
    assert page.inner_text("#who") == "张经理"
    assert page.inner_text("#stat-my-identifiers") == "3"
    assert "88.1001.12" in page.inner_text("#prefixes")
    page.wait_for_selector("#chart-types[data-rendered='true'] canvas")
    assert page.locator("#chart-types canvas").count() >= 1


@pytest.mark.parametrize("username", ["ops", "banker"])
def test_operator_and_institution_homes_render_the_province_bar_chart(
    page: Any, live_server: LiveServer, username: str
) -> None:
    page.goto("/login")
    log_in(page, username)
    page.wait_for_url(f"{live_server.url}/")
    chart = page.wait_for_selector("#chart-provinces[data-rendered='true']")
    box = chart.bounding_box()
    assert box is not None and box["width"] > 200 and box["height"] > 200
    assert page.locator("#chart-provinces canvas").count() >= 1
    assert int(page.inner_text("#stat-enterprises")) == 5


def test_clicking_a_province_bar_lists_that_provinces_enterprises(
    page: Any, live_server: LiveServer
) -> None:
    page.goto("/login")
    log_in(page, "banker")
    page.wait_for_url(f"{live_server.url}/")
    chart = page.wait_for_selector("#chart-provinces[data-rendered='true']")
    # the middle of the first (largest) bar: Zhejiang, with 2 enterprises
    x, y = page.evaluate(
        """el => echarts.getInstanceByDom(el).convertToPixel({seriesIndex: 0}, [0, 1])""", chart
    )
    chart.click(position={"x": x, "y": y})
    page.wait_for_url(f"{live_server.url}/parties?kind=enterprise&province=33")
    names = page.locator("#party-table tbody td:first-child").all_inner_texts()
    assert names == [live_server.data.owner_party_name, "杭州恒力通用机械有限公司"]


def test_institution_home_counts_enterprises_by_industry(
    page: Any, live_server: LiveServer
) -> None:
    page.goto("/login")
    log_in(page, "banker")
    page.wait_for_url(f"{live_server.url}/")
    table = page.inner_text("#industries")
    assert "C35 专用设备制造业" in table
    assert "C17 纺织业" in table
    assert "金融业" not in table  # the bank itself is not an enterprise


def test_owner_resolves_an_identifier_and_sees_the_protected_field(
    page: Any, live_server: LiveServer
) -> None:
    page.goto("/login")
    log_in(page, "owner")
    page.wait_for_url(f"{live_server.url}/")
    page.click("nav >> text=标识解析")
    page.wait_for_url(f"{live_server.url}/identifiers")
    resolve(page, live_server.data.handle)
    assert page.url == f"{live_server.url}/identifiers"  # swapped in place by htmx
    result = page.locator("#resolution-result")
    assert live_server.data.handle in result.inner_text()
    assert "JK-9000 精密注塑机" in page.inner_text("tr[data-field='model']")
    price = page.inner_text("tr[data-field='purchase_price']")
    assert format_cny(live_server.data.price_fen) in price
    assert "受保护" in price
    assert page.locator("#withheld").count() == 0


def test_another_party_sees_the_withheld_note_instead_of_the_protected_field(
    page: Any, live_server: LiveServer
) -> None:
    page.goto("/login")
    log_in(page, "other")
    page.wait_for_url(f"{live_server.url}/")
    page.goto("/identifiers")
    resolve(page, live_server.data.handle)
    assert "JK-9000" in page.inner_text("tr[data-field='model']")
    assert page.locator("tr[data-field='purchase_price']").count() == 0
    assert format_cny(live_server.data.price_fen) not in page.inner_text("#resolution")
    assert page.inner_text("#withheld") == "1 项受保护字段未显示（需所有者授权）"
    assert page.inner_text("#resolution-owner") == live_server.data.owner_party_name


def test_resolving_an_unknown_identifier_shows_the_error_in_place(
    page: Any, live_server: LiveServer
) -> None:
    page.goto("/login")
    log_in(page, "other")
    page.wait_for_url(f"{live_server.url}/")
    page.goto("/identifiers")
    resolve(page, "88.1001.12/NOPE-1")
    assert "88.1001.12/NOPE-1" in page.inner_text("#resolution-error")
    resolve(page, "not-a-handle")
    assert "prefix" in page.inner_text("#resolution-error")


def test_switching_to_english_changes_the_labels_and_back(
    page: Any, live_server: LiveServer
) -> None:
    page.goto("/login")
    log_in(page, "owner")
    page.wait_for_url(f"{live_server.url}/")
    assert page.inner_text("nav").split() == [
        "首页", "主体", "标识解析", "数据授权", "账本", "投融资观察", "设备遥测", "应收应付", "云证",
        "秒审批",
    ]  # fmt: skip
    page.click("#lang-switch")
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_attribute("html", "lang") == "en"
    assert page.inner_text("nav").split() == [
        "Home", "Parties", "Identifiers", "Consent", "Ledger", "Observatory", "Telemetry", "Trade",
        "Certificates", "Credit",
    ]  # fmt: skip
    assert page.inner_text("h1") == "Welcome, 张经理"
    assert lang_cookie(page) == "en"
    page.wait_for_selector("#chart-types[data-rendered='true'] canvas")

    page.goto("/identifiers")
    resolve(page, live_server.data.handle)
    assert "Protected" in page.inner_text("tr[data-field='purchase_price']")
    page.click("#lang-switch")
    page.wait_for_url(f"{live_server.url}/identifiers")
    assert page.inner_text("h1") == "标识解析"
    assert lang_cookie(page) == "zh"


def test_wrong_password_shows_the_error_message(page: Any, live_server: LiveServer) -> None:
    page.goto("/login")
    log_in(page, "owner", "not-the-password")
    page.wait_for_selector("#login-error")
    assert page.inner_text("#login-error") == "用户名或密码错误"
    assert page.input_value("#username") == "owner"
    assert "chanrong_session" not in {c["name"] for c in page.context.cookies()}
    page.click("#lang-switch")
    log_in(page, "owner", "still-wrong")
    page.wait_for_selector("#login-error")
    assert page.inner_text("#login-error") == "Wrong username or password"


def test_unauthenticated_visit_redirects_to_login_and_back(
    page: Any, live_server: LiveServer
) -> None:
    page.goto("/parties")
    assert re.fullmatch(rf"{re.escape(live_server.url)}/login\?next=/parties", page.url)
    log_in(page, "owner")
    page.wait_for_url(f"{live_server.url}/parties")
    assert page.locator("#party-table tbody tr").count() == 7


def test_an_expired_session_during_htmx_resolve_goes_to_the_login_page(
    page: Any, live_server: LiveServer
) -> None:
    page.goto("/login")
    log_in(page, "owner")
    page.wait_for_url(f"{live_server.url}/")
    page.goto("/identifiers")
    page.context.clear_cookies()
    page.fill("#handle", live_server.data.handle)
    page.click("#resolve-button")
    page.wait_for_url(f"{live_server.url}/login?next=/identifiers")
    assert page.locator("#login-button").count() == 1


def test_party_filters_and_detail_in_the_browser(page: Any, live_server: LiveServer) -> None:
    page.goto("/login")
    log_in(page, "owner")
    page.wait_for_url(f"{live_server.url}/")
    page.click("nav >> text=主体")
    page.select_option("#filter-kind", "enterprise")
    page.select_option("#filter-province", "33")
    page.click("#party-filters button[type=submit]")
    page.wait_for_url(re.compile(r".*/parties\?kind=enterprise.*province=33.*"))
    names = page.locator("#party-table tbody td:first-child").all_inner_texts()
    assert names == [live_server.data.owner_party_name, "杭州恒力通用机械有限公司"]
    page.click(f"text={live_server.data.owner_party_name}")
    page.wait_for_url(f"{live_server.url}/parties/{live_server.data.owner_party_id}")
    assert "owner" in page.inner_text("#party-users")
    page.goto(f"/parties/{live_server.data.other_party_id}")
    assert page.locator("#party-users").count() == 0


def test_logout_ends_the_session(page: Any, live_server: LiveServer) -> None:
    page.goto("/login")
    log_in(page, "owner")
    page.wait_for_url(f"{live_server.url}/")
    page.click("#logout-button")
    page.wait_for_url(f"{live_server.url}/login")
    page.goto("/")
    assert page.url == f"{live_server.url}/login?next=/"
