"""Payable certificates in a real browser: a supplier logs in, opens 云证 from the menu, splits its
piece with the form (htmx) and sees the two pieces under the parent in the tree.

Runs on its own live console (a SQLite file seeded with a small supply chain and a certificate)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from chanrong import clock
from chanrong import db as db_module
from chanrong.supplychain import service
from tests.browser.conftest import LiveServer, Seeded, console
from tests.browser.test_trust_console import log_in_as
from tests.factories import create_user
from tests.supplychain.conftest import build_chain
from tests.supplychain.payables import payables

pytestmark = pytest.mark.browser

FACE = 1_000_000_00  # 100万元


def _seed(database: db_module.Database) -> Seeded:
    with database.transaction() as s:
        chain = build_chain(s, payables(s))
        rid = chain.payable(chain.tier1.id, chain.core.id, FACE)
        service.issue_certificate(
            s, actor=chain.of(chain.core), credit_line_id=chain.line_id, receivable_ids=[rid],
            maturity_on=clock.today() + timedelta(days=90),
        )  # fmt: skip
        create_user(s, chain.tier1, username="supplier", display_name="周供应")
        return Seeded(chain.tier1.id, chain.tier1.name, chain.tier2.id, "", FACE)


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The console on a temporary SQLite file holding a core enterprise's certificate of
    100万元 held by its supplier (console user ``supplier``)."""
    with console(tmp_path_factory.mktemp("live-certificates"), _seed) as (url, seeded):
        yield LiveServer(url, seeded)


def test_supplier_splits_a_piece_and_sees_two_pieces(page, live_server: LiveServer) -> None:
    log_in_as(page, live_server, "supplier")
    page.click("nav >> text=云证")
    page.wait_for_url(f"{live_server.url}/certificates")
    assert page.get_attribute("nav a[href='/certificates']", "aria-current") == "page"
    tree = page.locator("#my-certificates ul.tree")
    (root_id,) = tree.locator(":scope > li.piece").evaluate_all(
        "items => items.map(li => li.dataset.piece)"
    )
    assert "100.00万元" in page.inner_text("#my-certificates")
    page.fill(f"#split-{root_id}", "600000, 400000")
    page.click(f"#split-button-{root_id}")
    page.wait_for_selector("#certificate-notice")
    root = page.locator(f"#my-certificates li.piece[data-piece='{root_id}']")
    assert root.get_attribute("data-status") == "retired"
    children = root.locator(":scope > ul > li.piece")
    assert children.count() == 2
    texts = [children.nth(i).inner_text() for i in range(2)]
    assert "[0, 60000000)" in texts[0] and "60.00万元" in texts[0]
    assert "[60000000, 100000000)" in texts[1] and "40.00万元" in texts[1]
    assert all(children.nth(i).get_attribute("data-status") == "held" for i in range(2))
    assert "周供应" in page.inner_text("#who")
