"""Financing a certificate piece (云证) through instant credit from the console, without a
browser: the supplier's tree links each financeable piece to the apply form with the piece
preselected (certificate, amount in 元, maturity), the decision comes at once, accepting
finances the piece; the form on /credit picks among the pieces; refusals name the rule and
change nothing; another party's piece is not offered. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from chanrong import clock
from chanrong.credit import rulesets
from chanrong.credit.labels import LABELS
from chanrong.credit.models import Application, Loan
from chanrong.db import Database
from chanrong.supplychain import service as supplychain
from chanrong.supplychain.models import Piece
from chanrong.supplychain.pages import LABELS as SC_LABELS
from tests.factories import create_user
from tests.supplychain.conftest import build_chain
from tests.supplychain.payables import payables
from tests.web.conftest import HTML, HTMX, log_in, text_of

LENIENT = {"approve_points": 300, "refer_points": 200, "bands": [[300, 600]],
           "max_top_buyer_share_bp": 10_000}  # fmt: skip
FACE = 800_000_00  # 80万元
CREDIT = {**HTMX, "hx-current-url": "http://testserver/credit"}


@dataclass(frozen=True)
class World:
    piece_id: int
    certificate_id: int
    bank_id: int
    issuer_name: str
    maturity_on: date


@pytest.fixture
def world(db: Database, today: date) -> World:
    """A core enterprise's certificate of 80万元 due in 90 days held by its tier-1 supplier
    (console user ``supplier``), the bank of its credit line with lenient credit rules, and the
    tier-2 supplier (``tier2``)."""
    with db.transaction() as s:
        chain = build_chain(s, payables(s))
        row = rulesets.propose(s, actor=chain.maker, bank_party_id=chain.bank.id, params=LENIENT)
        rulesets.decide(s, actor=chain.checker, rule_set_id=row.id, approve=True)
        rid = chain.payable(chain.tier1.id, chain.core.id, FACE)
        issued = supplychain.issue_certificate(
            s, actor=chain.of(chain.core), credit_line_id=chain.line_id, receivable_ids=[rid],
            maturity_on=clock.today() + timedelta(days=90),
        )  # fmt: skip
        create_user(s, chain.tier1, username="supplier")
        create_user(s, chain.tier2, username="tier2")
        return World(issued.piece.id, issued.certificate.id, chain.bank.id, chain.core.name,
                     issued.certificate.maturity_on)  # fmt: skip


def _count(db: Database, model: type) -> int:
    with db.transaction() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def _apply(client: TestClient, world: World, **form: str) -> str:
    data = {"bank_party_id": str(world.bank_id), "product": "certificate",
            "piece_id": str(world.piece_id), "amount": "", **form}  # fmt: skip
    answer = client.post("/credit/apply", headers=CREDIT, data=data)
    assert answer.status_code == 200
    return answer.text


def test_tree_action_leads_to_the_form_with_the_piece(client: TestClient, world: World) -> None:
    log_in(client, "supplier")
    tree = client.get("/certificates", headers=HTML).text
    assert f'id="finance-button-{world.piece_id}"' in tree
    assert SC_LABELS["sc_apply_financing"][0] in text_of(tree)
    answer = client.get(f"/credit?piece={world.piece_id}", headers=HTML)
    assert answer.status_code == 200
    form = answer.text
    piece = re.search(r'<dl class="offer" id="apply-piece".*?</dl>', form, re.S).group(0)
    assert f"#{world.certificate_id}" in piece and world.issuer_name in text_of(piece)
    assert "80.00万元" in text_of(piece) and world.maturity_on.isoformat() in piece
    assert re.search(rf'<option value="{world.bank_id}" selected>', form)
    assert '<option value="certificate" selected>' in form
    assert re.search(rf'<option value="{world.piece_id}" selected>', form)
    assert 'value="800000.00"' in form
    log_in(client, "supplier", lang="en")
    page = text_of(client.get(f"/credit?piece={world.piece_id}", headers=HTML).text)
    assert LABELS["cr_apply_piece_intro"][1] in page and LABELS["cr_piece"][1] in page


def test_apply_for_the_piece_then_accept_finances_it(
    client: TestClient, db: Database, world: World
) -> None:
    log_in(client, "supplier")
    text = _apply(client, world)  # empty amount: the whole piece
    page = text_of(text)
    assert 'data-outcome="approve"' in text and LABELS["cr_outcome_approve"][0] in page
    assert f'id="decision-piece">#{world.piece_id}<' in text
    assert LABELS["cr_product_certificate"][0] in page and "80.00万元" in page
    assert 'id="decision-offer"' in text and text.count('<tr><td class="num">') == 1  # bullet
    app_id = int(re.search(r'id="accept-(\d+)"', text).group(1))
    answer = client.post(f"/credit/applications/{app_id}/accept", headers=CREDIT)
    assert answer.status_code == 200 and 'id="loan-notice"' in answer.text
    with db.transaction() as s:
        loan = s.scalars(select(Loan).where(Loan.application_id == app_id)).one()
        assert loan.product == "certificate" and loan.principal_fen == FACE
        assert loan.financing_id is not None
        assert s.get(Piece, world.piece_id).status == "financed"
    assert f'id="finance-button-{world.piece_id}"' not in client.get("/certificates").text
    credit = client.get("/credit", headers=HTML).text
    assert f'id="loan-{loan.id}"' in credit and 'id="no-pieces"' in credit


def test_the_credit_form_picks_among_the_pieces(client: TestClient, world: World) -> None:
    log_in(client, "supplier")
    form = client.get("/credit", headers=HTML).text
    assert 'id="apply-piece-id"' in form and 'id="apply-piece"' not in form
    option = re.search(rf'<option value="{world.piece_id}" >(.*?)</option>', form).group(1)
    assert f"#{world.certificate_id}" in option and "80.00万元" in option
    text = _apply(client, world, amount="900000")  # more than the piece holds
    assert 'data-outcome="decline"' in text and 'data-reason="ABOVE_PIECE"' in text
    assert LABELS["cr_reason_ABOVE_PIECE"][0] in text_of(text) and "accept-" not in text


@pytest.mark.parametrize(("form", "field", "rule"), [
    ({"piece_id": ""}, "piece_id", "required"), ({"amount": "x"}, "amount", "amount"),
    ({"product": "lease"}, "product", "enum"),
])  # fmt: skip
def test_refused_form_names_the_rule_and_changes_nothing(
    client: TestClient, db: Database, world: World, form: dict[str, str], field: str, rule: str
) -> None:
    log_in(client, "supplier")
    text = _apply(client, world, **form)
    error = re.search(r'id="credit-error">(.*?)</div>', text, re.S)
    assert error and f"<code>{field}</code> <code>{rule}</code>" in error.group(1)
    assert _count(db, Application) == 0


def test_another_partys_piece_is_not_offered(
    client: TestClient, db: Database, world: World
) -> None:
    log_in(client, "tier2")
    assert f'id="finance-button-{world.piece_id}"' not in client.get("/certificates").text
    form = client.get(f"/credit?piece={world.piece_id}", headers=HTML).text
    assert 'id="piece-unavailable"' in form and 'id="apply-piece"' not in form
    assert 'id="apply-piece-id"' not in form
    refused = _apply(client, world)  # no amount: not a piece tier 2 may finance
    assert "<code>amount</code> <code>required</code>" in refused
    text = _apply(client, world, amount="100000")
    assert 'data-outcome="decline"' in text and 'data-reason="HOLDER_INVALID"' in text
    assert _count(db, Loan) == 0
