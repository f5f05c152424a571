"""Console pages of trade without a browser: the supplier's receivables and statement link, the
buyer's payables with 确权 and reject (htmx and plain form), the documents list, both languages,
and default deny for everyone else. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from chanrong.db import Database
from chanrong.money import format_cny, format_cny_en
from chanrong.trade.models import Receivable
from tests import factories
from tests.web.conftest import HTML, HTMX, log_in, text_of

AMOUNT_FEN = 123_456_00  # 12.35万元


@dataclass(frozen=True)
class World:
    supplier_id: int
    buyer_id: int
    other_id: int
    receivable_id: int
    handle: str
    order: str
    invoice_number: str


@pytest.fixture
def world(db: Database) -> World:
    """A supplier's receivable (registered) on a core enterprise, with console users for both
    (the buyer also has a read-only user), an unrelated enterprise and the platform operator."""
    with db.transaction() as s:
        supplier = factories.create_party(s, name="宁波精工模具有限公司")
        buyer = factories.create_party(
            s, name="浙江海天机械集团有限公司", roles=["core_enterprise"], size="large"
        )
        trade = factories.create_trade(s, supplier=supplier, buyer=buyer, amount_fen=AMOUNT_FEN)
        receivable = trade.register()
        factories.create_user(s, supplier, username="supplier", display_name="周供应")
        factories.create_user(s, buyer, username="buyer", display_name="吴核心")
        factories.create_user(s, buyer, username="buyer-viewer", roles=["viewer"])
        other = factories.create_party(s, name="苏州华纺织造有限公司")
        factories.create_user(s, other, username="other")
        operator = factories.create_party(s, kind="operator", name="产融平台运营中心")
        factories.create_user(s, operator, username="ops")
        return World(supplier.id, buyer.id, other.id, receivable.id, receivable.handle,
                     trade.order.handle, trade.invoice.invoice_number)  # fmt: skip


def status_of(db: Database, receivable_id: int) -> str:
    with db.transaction() as s:
        return s.get(Receivable, receivable_id).status


def test_supplier_sees_its_receivables_in_chinese(client: TestClient, world: World) -> None:
    log_in(client, "supplier", lang="zh")
    answer = client.get("/trade/receivables", headers=HTML)
    assert answer.status_code == 200
    text = text_of(answer.text)
    assert "我的应收账款" in text and "浙江海天机械集团有限公司" in text
    assert world.handle in text and world.order in text
    assert format_cny(AMOUNT_FEN) == "12.35万元" and "12.35万元" in text
    assert "待确权" in text
    assert "/api/v1/trade/receivables/statement?format=xlsx&amp;side=supplier" in answer.text
    assert 'href="/trade/receivables" class="active" aria-current="page"' in answer.text
    statement = client.get("/api/v1/trade/receivables/statement?format=xlsx&side=supplier")
    assert statement.status_code == 200 and statement.content[:2] == b"PK"


def test_supplier_page_in_english(client: TestClient, world: World) -> None:
    log_in(client, "supplier", lang="en")
    text = text_of(client.get("/trade/receivables", headers=HTML).text)
    assert "My receivables" in text and "Awaiting confirmation" in text
    assert format_cny_en(AMOUNT_FEN) in text and "我的应收账款" not in text
    assert "Download the statement (XLSX)" in text


def test_buyer_payables_show_confirm_and_reject(client: TestClient, world: World) -> None:
    log_in(client, "buyer", lang="zh")
    answer = client.get("/trade/payables", headers=HTML)
    assert answer.status_code == 200
    text = text_of(answer.text)
    assert "我的应付账款" in text and "宁波精工模具有限公司" in text and world.handle in text
    assert f'id="confirm-{world.receivable_id}"' in answer.text
    assert f'hx-post="/trade/payables/{world.receivable_id}/confirm"' in answer.text
    assert f'id="reject-{world.receivable_id}"' in answer.text
    # the supplier's page has no buttons: it does not decide its own receivable
    log_in(client, "supplier")
    assert f'id="confirm-{world.receivable_id}"' not in client.get("/trade/receivables").text


def test_buyer_confirms_through_htmx(client: TestClient, db: Database, world: World) -> None:
    log_in(client, "buyer", lang="en")
    answer = client.post(f"/trade/payables/{world.receivable_id}/confirm", headers=HTMX)
    assert answer.status_code == 200
    assert answer.text.lstrip().startswith(f'<tr data-receivable="{world.receivable_id}"')
    assert 'data-status="confirmed"' in answer.text and "Confirmed" in answer.text
    assert f'id="confirm-{world.receivable_id}"' not in answer.text
    assert status_of(db, world.receivable_id) == "confirmed"
    # a second confirmation is refused in the row, and nothing changes
    again = client.post(f"/trade/payables/{world.receivable_id}/confirm", headers=HTMX)
    assert again.status_code == 200
    assert f'id="refused-{world.receivable_id}"' in again.text and "already confirmed" in again.text
    log_in(client, "buyer", lang="zh")
    assert "已确权" in text_of(client.get("/trade/payables").text)


def test_buyer_rejects_with_a_reason_by_plain_form(
    client: TestClient, db: Database, world: World
) -> None:
    log_in(client, "buyer", lang="zh")
    url = f"/trade/payables/{world.receivable_id}/reject"
    empty = client.post(url, data={"reason": " "}, headers=HTMX)
    assert "reason" in empty.text and f'id="refused-{world.receivable_id}"' in empty.text
    assert status_of(db, world.receivable_id) == "registered"
    answer = client.post(url, data={"reason": "货物数量不符"}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/trade/payables"
    assert status_of(db, world.receivable_id) == "rejected"
    text = text_of(client.get("/trade/payables?status=rejected").text)
    assert "已拒绝" in text and "货物数量不符" in text
    assert world.handle not in text_of(client.get("/trade/payables?status=confirmed").text)


def test_viewer_sees_but_cannot_confirm(client: TestClient, db: Database, world: World) -> None:
    log_in(client, "buyer-viewer")
    page = client.get("/trade/payables")
    assert page.status_code == 200 and world.handle in page.text
    assert f'id="confirm-{world.receivable_id}"' not in page.text
    answer = client.post(f"/trade/payables/{world.receivable_id}/confirm", headers=HTML)
    assert answer.status_code == 403 and 'id="error-page"' in answer.text
    assert status_of(db, world.receivable_id) == "registered"


def test_documents_page_lists_orders_deliveries_invoices(client: TestClient, world: World) -> None:
    log_in(client, "buyer", lang="zh")
    answer = client.get("/trade/documents", headers=HTML)
    assert answer.status_code == 200
    text = text_of(answer.text)
    assert "采购订单" in text and "送货单" in text and "发票" in text
    assert world.order in text and world.invoice_number in text and "宁波精工模具有限公司" in text
    assert "<form" not in answer.text.split('id="orders"', 1)[1]  # read-only
    log_in(client, "supplier", lang="en")
    text = text_of(client.get("/trade/documents").text)
    assert "Purchase orders" in text and "Invoices" in text and "Seller" in text


def test_another_party_can_neither_see_nor_confirm(
    client: TestClient, db: Database, world: World
) -> None:
    log_in(client, "other")
    assert world.handle not in client.get("/trade/payables").text
    assert world.handle not in client.get("/trade/receivables").text
    for path in ("/trade/receivables", "/trade/payables", "/trade/documents"):
        answer = client.get(f"{path}?party_id={world.buyer_id}", headers=HTML)
        assert answer.status_code == 404, path
        assert world.handle not in answer.text
    for headers in (HTML, HTMX):
        answer = client.post(f"/trade/payables/{world.receivable_id}/confirm", headers=headers)
        assert answer.status_code == 404
    assert status_of(db, world.receivable_id) == "registered"
    # the supplier is a party of the trade, but not the one who confirms
    log_in(client, "supplier")
    answer = client.post(f"/trade/payables/{world.receivable_id}/confirm", headers=HTMX)
    assert answer.status_code == 200 and f'id="refused-{world.receivable_id}"' in answer.text
    assert status_of(db, world.receivable_id) == "registered"


def test_platform_sees_a_party_but_does_not_decide(
    client: TestClient, db: Database, world: World
) -> None:
    log_in(client, "ops", lang="zh")
    answer = client.get(f"/trade/payables?party_id={world.buyer_id}")
    assert answer.status_code == 200 and world.handle in answer.text
    assert "浙江海天机械集团有限公司" in text_of(answer.text)
    assert f'id="confirm-{world.receivable_id}"' not in answer.text
    assert f'name="party_id" value="{world.buyer_id}"' in answer.text
    assert client.get(f"/trade/documents?party_id={world.supplier_id}").status_code == 200


def test_pages_need_a_login(client: TestClient, world: World) -> None:
    answer = client.get("/trade/payables", headers=HTML, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")
