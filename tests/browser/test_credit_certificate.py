"""Financing a certificate piece (云证) through instant credit in a real browser: a supplier
holding a piece opens 云证, clicks 申请融资 on the piece, lands on the credit form with the piece
shown (certificate, amount in 元, maturity) and the bank of the certificate's credit line
chosen, submits (htmx), sees the decision at once (approved, the offer), accepts, and finds the
piece financed in its tree.

Runs on its own live console (a SQLite file seeded with a small supply chain, a certificate of
80万元 held by the tier-1 supplier, and lenient credit rules at the bank of its credit line)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from chanrong import clock
from chanrong import db as db_module
from chanrong.credit import rulesets
from chanrong.supplychain import service
from tests.browser.conftest import LiveServer, Seeded, console
from tests.browser.test_trust_console import log_in_as
from tests.factories import create_user
from tests.supplychain.conftest import build_chain
from tests.supplychain.payables import payables

pytestmark = pytest.mark.browser

FACE = 800_000_00  # 80万元
LENIENT = {"approve_points": 300, "refer_points": 200, "bands": [[300, 600]],
           "max_top_buyer_share_bp": 10_000}  # fmt: skip


def _seed(database: db_module.Database) -> Seeded:
    with database.transaction() as s:
        chain = build_chain(s, payables(s))
        row = rulesets.propose(s, actor=chain.maker, bank_party_id=chain.bank.id, params=LENIENT)
        rulesets.decide(s, actor=chain.checker, rule_set_id=row.id, approve=True)
        rid = chain.payable(chain.tier1.id, chain.core.id, FACE)
        service.issue_certificate(
            s, actor=chain.of(chain.core), credit_line_id=chain.line_id, receivable_ids=[rid],
            maturity_on=clock.today() + timedelta(days=90),
        )  # fmt: skip
        create_user(s, chain.tier1, username="supplier", display_name="周供应")
        return Seeded(chain.tier1.id, chain.tier1.name, chain.bank.id, "", FACE)


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The console on a temporary SQLite file holding a certificate of 80万元 held by the
    tier-1 supplier (console user ``supplier``) and lenient rules at its credit line's bank."""
    with console(tmp_path_factory.mktemp("live-credit-certificate"), _seed) as (url, seeded):
        yield LiveServer(url, seeded)


def test_supplier_finances_its_piece_through_instant_credit(page, live_server: LiveServer) -> None:
    log_in_as(page, live_server, "supplier")
    page.click("nav >> text=云证")
    page.wait_for_url(f"{live_server.url}/certificates")
    (piece_id,) = page.locator("#my-certificates ul.tree > li.piece").evaluate_all(
        "items => items.map(li => li.dataset.piece)"
    )
    button = page.locator(f"#finance-button-{piece_id}")
    assert button.inner_text() == "申请融资"
    button.click()
    page.wait_for_url(f"{live_server.url}/credit?piece={piece_id}#apply")
    assert page.get_attribute("#apply-piece", "data-piece") == piece_id
    assert page.inner_text("#apply-piece-amount") == "80.00万元"
    maturity = (clock.today() + timedelta(days=90)).isoformat()
    assert page.inner_text("#apply-piece-maturity") == maturity
    assert page.input_value("#apply-bank") == str(live_server.data.other_party_id)
    assert page.input_value("#apply-product") == "certificate"
    assert page.input_value("#apply-piece-id") == piece_id
    page.click("#apply-button")
    page.wait_for_selector("#decision-outcome")
    assert page.get_attribute("#decision-outcome", "data-outcome") == "approve"
    assert "通过" in page.inner_text("#decision-outcome")
    assert page.inner_text("#decision-piece") == f"#{piece_id}"
    assert page.inner_text("#offer-amount") == "80.00万元"
    assert page.inner_text("#offer-maturity") == maturity
    assert page.locator("#offer-schedule tbody tr").count() == 1  # one sum at maturity
    page.click("button[id^='accept-']")
    page.wait_for_selector("#loan-notice")
    assert "已接受" in page.inner_text("#loan-notice")
    page.goto("/certificates")
    piece = page.locator(f"#my-certificates li.piece[data-piece='{piece_id}']")
    assert piece.get_attribute("data-status") == "financed"
    assert page.locator(f"#finance-button-{piece_id}").count() == 0
