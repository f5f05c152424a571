"""Console pages of payable certificates without a browser: a supplier's tree with split and
transfer (htmx), refusals shown in place and changing nothing, the recipient accepting, the core
enterprise's outstanding payables, the bank's lines and financings, and another party seeing
none of it. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from chanrong import clock
from chanrong.db import Database
from chanrong.money import format_cny, format_cny_en
from chanrong.principal import Principal
from chanrong.supplychain import service
from chanrong.supplychain.models import Piece
from chanrong.supplychain.pages import LABELS
from tests.factories import create_party, create_user
from tests.supplychain.conftest import build_chain
from tests.supplychain.payables import payables
from tests.web.conftest import HTML, HTMX, log_in, text_of

FACE = 1_000_000_00  # 100万元
CERTS = {**HTMX, "hx-current-url": "http://testserver/certificates"}


@dataclass(frozen=True)
class World:
    piece_id: int
    certificate_id: int
    tier1_id: int
    tier2_id: int
    tier2_name: str
    bank_id: int
    issuer_name: str


@pytest.fixture
def world(db: Database) -> World:
    """A core enterprise with an approved line issues 100万元 to its tier-1 supplier, which
    buys from a tier-2 supplier; console users for each, the bank and an unrelated enterprise."""
    with db.transaction() as s:
        chain = build_chain(s, payables(s))
        rid = chain.payable(chain.tier1.id, chain.core.id, FACE)
        issued = service.issue_certificate(
            s, actor=chain.of(chain.core), credit_line_id=chain.line_id, receivable_ids=[rid],
            maturity_on=clock.today() + timedelta(days=90),
        )  # fmt: skip
        for party, name in ((chain.tier1, "supplier"), (chain.tier2, "tier2"),
                            (chain.core, "core"), (chain.bank, "banker")):  # fmt: skip
            create_user(s, party, username=name)
        create_user(s, create_party(s, name="无关贸易有限公司"), username="other")
        create_user(s, chain.tier1, username="supplier-viewer", roles=["viewer"])
        return World(issued.piece.id, issued.certificate.id, chain.tier1.id, chain.tier2.id,
                     chain.tier2.name, chain.bank.id, chain.core.name)  # fmt: skip


def _pieces(db: Database, certificate_id: int) -> list[tuple[int, int, int, str]]:
    with db.transaction() as s:
        rows = s.execute(select(Piece).where(Piece.certificate_id == certificate_id)
                         .order_by(Piece.id)).scalars()  # fmt: skip
        return [(p.start_fen, p.end_fen, p.holder_party_id, p.status) for p in rows]


def test_supplier_sees_its_certificate_tree(client: TestClient, world: World) -> None:
    log_in(client, "supplier")
    answer = client.get("/certificates", headers=HTML)
    assert answer.status_code == 200
    page = text_of(answer.text)
    for label in ("sc_title", "sc_mine", "sc_split", "sc_transfer", "sc_status_held"):
        assert LABELS[label][0] in page
    assert f"[0, {FACE})" in page and format_cny(FACE) == "100.00万元" and "100.00万元" in page
    assert world.issuer_name in page and world.tier2_name in page  # the transfer choice
    assert 'aria-current="page"' in answer.text and 'href="/certificates"' in answer.text
    log_in(client, "supplier", lang="en")
    page = text_of(client.get("/certificates", headers=HTML).text)
    assert LABELS["sc_mine"][1] in page and format_cny_en(FACE) in page


def test_split_by_the_form_shows_two_pieces(client: TestClient, db: Database, world: World) -> None:
    log_in(client, "supplier")
    answer = client.post(f"/certificates/pieces/{world.piece_id}/split",
                         data={"amounts": "600000，400000"}, headers=CERTS)  # fmt: skip
    assert answer.status_code == 200
    assert 'id="certificate-notice"' in answer.text
    assert "[0, 60000000)" in answer.text and "[60000000, 100000000)" in answer.text
    assert _pieces(db, world.certificate_id) == [
        (0, FACE, world.tier1_id, "retired"), (0, 60_000_000, world.tier1_id, "held"),
        (60_000_000, FACE, world.tier1_id, "held"),
    ]  # fmt: skip


@pytest.mark.parametrize(("amounts", "rule"), [("600000, 300000", "sum"), ("1000000", "min_parts"),
                                               ("abc, 1", "amount"), ("", "required")])  # fmt: skip
def test_refused_split_shows_the_rule_and_changes_nothing(
    client: TestClient, db: Database, world: World, amounts: str, rule: str
) -> None:
    log_in(client, "supplier")
    before = _pieces(db, world.certificate_id)
    answer = client.post(f"/certificates/pieces/{world.piece_id}/split",
                         data={"amounts": amounts}, headers=CERTS)  # fmt: skip
    assert answer.status_code == 200
    error = re.search(r'id="certificate-error">(.*?)</div>', answer.text, re.S)
    assert error and f"<code>{rule}</code>" in error.group(1) and "输入有误" in error.group(1)
    assert _pieces(db, world.certificate_id) == before


def test_transfer_then_the_supplier_accepts(client: TestClient, db: Database, world: World) -> None:
    log_in(client, "supplier")
    answer = client.post(f"/certificates/pieces/{world.piece_id}/transfer",
                         data={"to_party_id": str(world.tier2_id)}, headers=CERTS)  # fmt: skip
    assert answer.status_code == 200 and LABELS["sc_status_pending_transfer"][0] in answer.text
    log_in(client, "tier2")
    page = client.get("/certificates", headers=HTML).text
    assert f'id="accept-{world.piece_id}"' in page
    answer = client.post(f"/certificates/pieces/{world.piece_id}/accept", headers=CERTS)
    assert 'id="certificate-notice"' in answer.text
    assert _pieces(db, world.certificate_id)[-1] == (0, FACE, world.tier2_id, "held")


def test_transfer_to_a_non_supplier_is_refused(
    client: TestClient, db: Database, world: World
) -> None:
    log_in(client, "supplier")
    before = _pieces(db, world.certificate_id)
    answer = client.post(f"/certificates/pieces/{world.piece_id}/transfer",
                         data={"to_party_id": str(world.tier1_id)}, headers=CERTS)  # fmt: skip
    assert 'id="certificate-error"' in answer.text
    answer = client.post(f"/certificates/pieces/{world.piece_id}/transfer",
                         data={"to_party_id": ""}, headers=CERTS)  # fmt: skip
    assert "<code>required</code>" in answer.text
    assert _pieces(db, world.certificate_id) == before


def test_another_party_sees_nothing_and_cannot_act(
    client: TestClient, db: Database, world: World
) -> None:
    log_in(client, "other")
    page = text_of(client.get("/certificates", headers=HTML).text)
    assert LABELS["sc_none_mine"][0] in page and "100.00万元" not in page
    assert world.issuer_name not in page
    before = _pieces(db, world.certificate_id)
    answer = client.post(f"/certificates/pieces/{world.piece_id}/split",
                         data={"amounts": "1, 999999"}, headers=CERTS)  # fmt: skip
    assert 'id="certificate-error"' in answer.text and "100.00万元" not in answer.text
    plain = client.post(f"/certificates/pieces/{world.piece_id}/split",
                        data={"amounts": "1, 999999"}, headers=HTML, follow_redirects=False)  # fmt: skip
    assert plain.status_code == 403
    assert _pieces(db, world.certificate_id) == before
    log_in(client, "supplier-viewer")  # a viewer of the holder reads but has no forms
    page = client.get("/certificates", headers=HTML).text
    assert "100.00万元" in page and "piece-split" not in page


def test_core_and_bank_views(client: TestClient, db: Database, world: World) -> None:
    with db.transaction() as s:  # the supplier finances 30万元 of its piece at the bank
        service.finance_piece(
            s, actor=Principal(world.tier1_id, "enterprise", frozenset({"admin"})),
            piece_id=world.piece_id, amount_fen=30_000_000, bank_party_id=world.bank_id,
            annual_rate_bp=350, day_count="ACT/360", fees_fen=0, registration_ref="DJ-2026-1",
        )  # fmt: skip
    log_in(client, "core")
    page = text_of(client.get("/certificates", headers=HTML).text)
    assert LABELS["sc_payables"][0] in page and LABELS["sc_lines"][0] in page
    row = re.search(r'<tr data-certificate="\d+">(.*?)</tr>', client.get("/certificates").text)
    assert row and "100.00万元" in row.group(1) and "30.00万元" in row.group(1)
    log_in(client, "banker")
    page = text_of(client.get("/certificates", headers=HTML).text)
    assert LABELS["sc_lines"][0] in page and LABELS["sc_financings"][0] in page
    assert world.issuer_name in page and "5,000.00万元" in page  # the line's limit
    assert "30.00万元" in page and "3.50 %" in page and "DJ-2026-1" in page
    assert LABELS["sc_mine"][0] not in page and LABELS["sc_payables"][0] not in page
    log_in(client, "other")
    page = text_of(client.get("/certificates", headers=HTML).text)
    assert "DJ-2026-1" not in page and "5,000.00万元" not in page


def test_pages_need_a_login(client: TestClient, world: World) -> None:
    answer = client.get("/certificates", headers=HTML, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/login?next=/certificates"
