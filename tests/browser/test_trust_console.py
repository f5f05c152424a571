"""The trust layer in a real browser: an owner gives a grant, the bank resolves with the purpose
and sees the protected field, the owner finds the read in its access history and revokes, and
the bank is refused. Entry pages are verified by the server and again by the browser.

Set CHANRONG_SHOTS_DIR to keep screenshots of each step (both languages)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from chanrong.money import format_cny
from tests.browser.conftest import LiveServer
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("CHANRONG_SHOTS_DIR", "")


def shot(page: Any, name: str) -> None:
    """A full-page screenshot when CHANRONG_SHOTS_DIR names a directory."""
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def log_in_as(page: Any, live_server: LiveServer, username: str) -> None:
    """Log out whoever is logged in, then log ``username`` in; lands on the home page."""
    if page.locator("#logout-button").count():
        page.click("#logout-button")
        page.wait_for_url(f"{live_server.url}/login")
    else:
        page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#login-button")
    page.wait_for_url(f"{live_server.url}/")


def resolve_with(page: Any, handle: str, purpose: str) -> None:
    """Resolve ``handle`` for ``purpose`` in the resolver; waits for htmx to swap the answer."""
    page.eval_on_selector("#resolution", "el => el.replaceChildren()")  # no stale answer
    page.fill("#handle", handle)
    page.select_option("#purpose", purpose)
    page.click("#resolve-button")
    page.wait_for_selector("#resolution-result, #resolution-error")


def wait_for_both_checks(page: Any) -> None:
    """The server's verdict is on the page; wait for the browser's own check to finish."""
    assert page.get_attribute("#proof-status", "data-verified") == "true"
    page.wait_for_selector("#browser-verdict[data-checked]")
    assert page.get_attribute("#browser-verdict", "data-checked") == "ok"


def test_grant_read_history_revoke_and_refusal(page: Any, live_server: LiveServer) -> None:
    data = live_server.data
    price = format_cny(data.price_fen)

    # the owner gives the bank a grant through the form
    log_in_as(page, live_server, "owner")
    page.click("nav >> text=数据授权")
    page.wait_for_url(f"{live_server.url}/consent")
    assert page.get_attribute("nav a[href='/consent']", "aria-current") == "page"
    shot(page, "01-consent-empty-zh")
    page.select_option("#recipient", label="宁波通商银行")
    page.select_option("#scope", "identifier_records")
    page.select_option("#purpose", "credit_assessment")
    page.fill("#objects", data.handle)
    page.click("#give-button")
    page.wait_for_url(re.compile(r".*/consent\?given=\d+#grants-given$"))
    grant_id = int(re.search(r"given=(\d+)", page.url).group(1))
    assert f"授权 #{grant_id} 已生效" in page.inner_text("#grant-notice")
    row = page.locator(f"#given-table tr[data-grant='{grant_id}']")
    assert "宁波通商银行" in row.inner_text() and "有效" in row.inner_text()
    assert "标识受保护字段" in row.inner_text() and "授信评估" in row.inner_text()
    shot(page, "02-consent-given-zh")

    # the grant's ledger entry, verified by the server and by the browser
    page.click("#grant-notice a")
    page.wait_for_url(re.compile(r".*/ledger/entries/\d+$"))
    assert "授予数据授权" in page.inner_text("h1")
    wait_for_both_checks(page)
    assert page.inner_text("#proof-status") == "已验证 ✓"
    shot(page, "03-ledger-entry-grant-zh")

    # the bank resolves with the purpose and sees the protected field
    log_in_as(page, live_server, "banker")
    page.click("nav >> text=标识解析")
    resolve_with(page, data.handle, "credit_assessment")
    assert price in page.inner_text("tr[data-field='purchase_price']")
    assert page.locator("#withheld").count() == 0
    assert f"授权 #{grant_id}" in page.inner_text("#access-audit")
    shot(page, "04-resolver-grantee-zh")
    page.click("#access-ledger-link")
    page.wait_for_url(re.compile(r".*/ledger/entries/\d+$"))
    access_seq = int(page.url.rsplit("/", 1)[1])
    assert "数据被查阅" in page.inner_text("h1")
    wait_for_both_checks(page)

    # the owner sees the read in the access history, with its ledger entry
    log_in_as(page, live_server, "owner")
    page.goto("/consent")
    history = page.locator(f"#history-table tr[data-seq='{access_seq}']")
    assert "宁波通商银行" in history.inner_text()
    assert data.handle in history.inner_text() and "授信评估" in history.inner_text()
    page.wait_for_selector("#chart-reads[data-rendered='true'] canvas")
    shot(page, "05-consent-history-zh")

    # the ledger page in both languages (the owner's language is put back afterwards)
    page.click("nav >> text=账本")
    page.wait_for_url(f"{live_server.url}/ledger")
    assert page.locator(f"#entry-table tr[data-seq='{access_seq}']").count() == 1
    assert "数据被查阅" in page.inner_text(f"#entry-table tr[data-seq='{access_seq}']")
    assert "BEGIN PUBLIC KEY" in page.inner_text("#public-key")
    shot(page, "06-ledger-zh")
    page.click("#lang-switch")
    page.wait_for_url(f"{live_server.url}/ledger")
    assert "Data accessed" in page.inner_text(f"#entry-table tr[data-seq='{access_seq}']")
    shot(page, "07-ledger-en")
    page.click(f"#entry-table tr[data-seq='{access_seq}'] a")
    wait_for_both_checks(page)
    assert page.inner_text("#proof-status") == "Verified ✓"
    shot(page, "08-ledger-entry-access-en")
    page.goto("/consent")
    assert "Raw data" in page.inner_text(f"#history-table tr[data-seq='{access_seq}']")
    shot(page, "09-consent-en")
    page.click("#lang-switch")
    page.wait_for_url(f"{live_server.url}/consent")
    assert page.get_attribute("html", "lang") == "zh-CN"

    # revoking asks first: dismissing keeps the grant, accepting revokes it
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click(f"#revoke-{grant_id}")
    page.wait_for_timeout(300)
    assert page.locator(f"#revoke-{grant_id}").count() == 1
    page.once("dialog", lambda dialog: dialog.accept())
    page.click(f"#revoke-{grant_id}")
    page.wait_for_url(re.compile(rf".*/consent\?revoked={grant_id}#grants-given$"))
    assert "已撤销" in page.inner_text(f"#given-table tr[data-grant='{grant_id}']")
    assert page.locator(f"#revoke-{grant_id}").count() == 0
    shot(page, "10-consent-revoked-zh")

    # the bank is refused now, in place
    log_in_as(page, live_server, "banker")
    page.goto("/identifiers")
    resolve_with(page, data.handle, "credit_assessment")
    error = page.inner_text("#resolution-error")
    assert error.startswith("无权访问")
    assert "请联系数据所有方" in error
    assert page.locator("tr[data-field='purchase_price']").count() == 0
    shot(page, "11-resolver-refused-zh")
    page.goto("/consent")
    assert "已撤销" in page.inner_text(f"#received-table tr[data-grant='{grant_id}']")


def test_a_resolution_without_purpose_sends_none_and_withholds(
    page: Any, live_server: LiveServer
) -> None:
    log_in_as(page, live_server, "banker")
    page.goto("/identifiers")
    with page.expect_request(re.compile(r".*/identifiers/resolve\?.*")) as sent:
        resolve_with(page, live_server.data.handle, "")
    assert "purpose" not in sent.value.url  # a plain read, not an audited one
    assert page.locator("#withheld").count() == 1
    assert page.locator("tr[data-field='purchase_price']").count() == 0
    with page.expect_request(re.compile(r".*/identifiers/resolve\?.*")) as sent:
        resolve_with(page, live_server.data.handle, "risk_monitoring")
    assert "purpose=risk_monitoring" in sent.value.url
    assert "无权访问" in page.inner_text("#resolution-error")
