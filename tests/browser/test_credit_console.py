"""Instant credit (秒审批) in a real browser: an SME logs in, opens 秒审批 from the menu, applies
for a working-capital line with the form (htmx) and sees the decision at once: approved, the
offer (amount, rate, fees, total cost) and its repayment schedule.

Runs on its own live console (a SQLite file seeded with an SME's year of trade and a bank with
lenient rules approved under maker-checker)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chanrong import db as db_module
from chanrong.credit import rulesets
from tests.browser.conftest import LiveServer, Seeded, console
from tests.browser.test_trust_console import log_in_as
from tests.credit.conftest import build_scene
from tests.factories import create_user

pytestmark = pytest.mark.browser

LENIENT = {"approve_points": 300, "refer_points": 200, "bands": [[400, 500], [300, 900]]}


def _seed(database: db_module.Database) -> Seeded:
    with database.transaction() as s:
        scene = build_scene(s)
        row = rulesets.propose(s, actor=scene.maker, bank_party_id=scene.bank.id, params=LENIENT)
        rulesets.decide(s, actor=scene.checker, rule_set_id=row.id, approve=True)
        create_user(s, scene.sme, username="sme", display_name="钱财务")
        return Seeded(scene.sme.id, scene.sme.name, scene.bank.id, "", 600_000_00)


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The console on a temporary SQLite file holding an SME that sold 3,000,000 yuan in the
    last year (console user ``sme``) and a bank whose lenient rules are active."""
    with console(tmp_path_factory.mktemp("live-credit"), _seed) as (url, seeded):
        yield LiveServer(url, seeded)


def test_sme_applies_and_sees_the_decision_with_its_offer(page, live_server: LiveServer) -> None:
    log_in_as(page, live_server, "sme")
    page.click("nav >> text=秒审批")
    page.wait_for_url(f"{live_server.url}/credit")
    assert page.get_attribute("nav a[href='/credit']", "aria-current") == "page"
    page.select_option("#apply-bank", str(live_server.data.other_party_id))
    page.fill("#apply-amount", "600000")
    page.select_option("#apply-term", "6")
    page.click("#apply-button")
    page.wait_for_selector("#decision-outcome")
    assert page.get_attribute("#decision-outcome", "data-outcome") == "approve"
    assert "通过" in page.inner_text("#decision-outcome")
    assert page.inner_text("#offer-amount") == "60.00万元"
    assert page.inner_text("#offer-fees") == "3,000.00元"  # 50 bp, withheld once
    assert "%" in page.inner_text("#offer-rate")
    assert page.inner_text("#offer-total-cost").endswith("元")
    assert page.locator("#offer-schedule tbody tr").count() == 6
    assert page.locator("#decision-reasons li").count() == 0  # approved: no adverse reason
    page.click("button[id^='accept-']")
    page.wait_for_selector("#loan-notice")
    assert "已接受" in page.inner_text("#loan-notice")
    page.reload()
    assert page.locator("#my-loans article.loan").count() == 1
    assert "钱财务" in page.inner_text("#who")
