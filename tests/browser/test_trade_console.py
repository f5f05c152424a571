"""确权 in a real browser: the core enterprise's user logs in, opens 我的应付账款, clicks 确权 on a
pending receivable, accepts the browser's confirmation question, and sees htmx swap the row to
已确权 (and the server agrees after a reload).

The console runs on its own seeded SQLite file here (a supplier's receivable on the buyer);
set CHANRONG_SHOTS_DIR to keep screenshots."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from chanrong import db as db_module
from chanrong.money import format_cny
from tests import factories
from tests.browser.conftest import browser_tab, console
from tests.browser.test_trust_console import shot
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

AMOUNT_FEN = 86_000_00


@dataclass(frozen=True)
class TradeServer:
    """A running console holding one registered receivable."""

    url: str
    receivable_id: int
    handle: str


def _seed(database: db_module.Database) -> tuple[int, str]:
    with database.transaction() as s:
        supplier = factories.create_party(s, name="宁波精工模具有限公司")
        buyer = factories.create_party(
            s, name="浙江海天机械集团有限公司", roles=["core_enterprise"], size="large"
        )
        receivable = factories.create_trade(
            s, supplier=supplier, buyer=buyer, amount_fen=AMOUNT_FEN
        ).register()
        factories.create_user(s, buyer, username="buyer", display_name="吴核心")
        return receivable.id, receivable.handle


@pytest.fixture(scope="module")
def trade_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TradeServer]:
    """The console on a temporary SQLite file with a supplier, a core enterprise (user ``buyer``)
    and a receivable the supplier registered on it, waiting for confirmation."""
    with console(tmp_path_factory.mktemp("trade-live"), _seed) as (url, (receivable_id, handle)):
        yield TradeServer(url, receivable_id, handle)


@pytest.fixture
def tab(chromium: Any, trade_server: TradeServer) -> Iterator[Any]:
    """A fresh browser context on the trade console; fails on any script error."""
    with browser_tab(chromium, trade_server.url) as page:
        yield page


def test_buyer_confirms_a_pending_receivable(tab: Any, trade_server: TradeServer) -> None:
    rid = trade_server.receivable_id
    tab.goto("/login")
    tab.fill("#username", "buyer")
    tab.fill("#password", PASSWORD)
    tab.click("#login-button")
    tab.wait_for_url(f"{trade_server.url}/")
    tab.click("nav >> text=应收应付")
    tab.wait_for_url(f"{trade_server.url}/trade/receivables")
    tab.click("#trade-tabs >> text=我的应付账款")
    tab.wait_for_url(f"{trade_server.url}/trade/payables")

    row = tab.locator(f"#payable-{rid}")
    assert trade_server.handle in row.inner_text() and "宁波精工模具有限公司" in row.inner_text()
    assert format_cny(AMOUNT_FEN) in row.inner_text()
    assert row.locator("[data-status]").get_attribute("data-status") == "registered"
    assert "待确权" in row.inner_text()
    shot(tab, "trade-01-payables-zh")

    questions: list[str] = []

    def accept(dialog: Any) -> None:
        questions.append(dialog.message)
        dialog.accept()

    tab.once("dialog", accept)
    tab.click(f"#confirm-{rid}")
    tab.wait_for_selector(f"#payable-{rid} [data-status='confirmed']")
    assert questions and trade_server.handle in questions[0]
    row = tab.locator(f"#payable-{rid}")
    assert "已确权" in row.inner_text()
    assert tab.locator(f"#confirm-{rid}").count() == 0
    assert tab.locator(f"#payable-{rid} a[href^='/ledger/entries/']").count() == 1
    shot(tab, "trade-02-confirmed-zh")

    tab.reload()  # the server kept it
    assert tab.locator(f"#payable-{rid} [data-status]").get_attribute("data-status") == "confirmed"
