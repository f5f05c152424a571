"""Console pages of instant credit (秒审批) without a browser: an SME applies and sees the decision
at once (outcome, reasons explained in both languages, the offer and its schedule) and accepts
it; a refused form changes nothing; the bank's queue, portfolio, grant-gated view of an SME and
maker-checker rule sets; and another party seeing none of it. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from chanrong import clock
from chanrong.consent import service as consent
from chanrong.credit import rulesets
from chanrong.credit.labels import LABELS
from chanrong.credit.models import Application, Loan, RuleSetVersion
from chanrong.db import Database
from chanrong.money import format_cny, format_cny_en
from chanrong.principal import Principal
from tests.credit.conftest import build_scene
from tests.factories import create_party, create_user
from tests.web.conftest import HTML, HTMX, log_in, text_of

LENIENT = {"approve_points": 300, "refer_points": 200, "bands": [[400, 500], [300, 900]]}
CREDIT = {**HTMX, "hx-current-url": "http://testserver/credit"}


def consent_actor(party_id: int) -> Principal:
    """An admin of ``party_id`` (an enterprise), for giving grants."""
    return Principal(party_id, "enterprise", frozenset({"admin"}))


@dataclass(frozen=True)
class World:
    sme_id: int
    sme_name: str
    bank_id: int


@pytest.fixture
def world(db: Database, today: date) -> World:
    """The SME with a year of trade (console user ``sme``), its bank with lenient rules approved
    under maker-checker (admins ``banker`` and ``checker``), an unrelated enterprise (``other``)
    and an unrelated bank (``otherbank``)."""
    with db.transaction() as s:
        scene = build_scene(s)
        row = rulesets.propose(s, actor=scene.maker, bank_party_id=scene.bank.id, params=LENIENT)
        rulesets.decide(s, actor=scene.checker, rule_set_id=row.id, approve=True)
        create_user(s, scene.sme, username="sme", display_name="钱财务")
        create_user(s, scene.bank, username="banker")
        create_user(s, scene.bank, username="checker")
        create_user(s, create_party(s, name="无关制造有限公司"), username="other")
        create_user(s, create_party(s, kind="institution", name="无关银行"), username="otherbank")
        return World(scene.sme.id, scene.sme.name, scene.bank.id)


def _apply(client: TestClient, world: World, amount: str, term: str = "6") -> str:
    answer = client.post("/credit/apply", headers=CREDIT, data={
        "bank_party_id": str(world.bank_id), "amount": amount, "term_months": term,
        "repayment": "equal_principal"})  # fmt: skip
    assert answer.status_code == 200
    return answer.text


def _count(db: Database, model: type) -> int:
    with db.transaction() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_sme_page_has_the_labels_in_both_languages(client: TestClient, world: World) -> None:
    log_in(client, "sme")
    answer = client.get("/credit", headers=HTML)
    assert answer.status_code == 200
    page = text_of(answer.text)
    for key in ("cr_title", "cr_apply", "cr_mine", "cr_loans", "cr_submit"):
        assert LABELS[key][0] in page
    assert re.search(r'href="/credit" class="active" aria-current="page">秒审批<', answer.text)
    assert "审批队列" not in page  # no bank sections for an SME
    log_in(client, "sme", lang="en")
    page = text_of(client.get("/credit", headers=HTML).text)
    for key in ("cr_title", "cr_apply", "cr_mine", "cr_loans"):
        assert LABELS[key][1] in page
    assert "Credit" in page


def test_apply_shows_the_offer_and_accepting_creates_the_loan(
    client: TestClient, db: Database, world: World
) -> None:
    log_in(client, "sme")
    text = _apply(client, world, "600000")
    page = text_of(text)
    assert 'data-outcome="approve"' in text and LABELS["cr_outcome_approve"][0] in page
    assert format_cny(600_000_00) == "60.00万元" and "60.00万元" in page
    for key in ("cr_offer", "cr_rate", "cr_fees", "cr_total_cost", "cr_schedule"):
        assert LABELS[key][0] in page
    assert "3,000.00元" in page  # fees: 50 bp of 600,000 yuan
    assert text.count('<tr><td class="num">') == 6  # six monthly instalments
    app_id = int(re.search(r'id="accept-(\d+)"', text).group(1))
    answer = client.post(f"/credit/applications/{app_id}/accept", headers=CREDIT)
    assert answer.status_code == 200 and 'id="loan-notice"' in answer.text
    assert LABELS["cr_accepted"][0] in text_of(answer.text)
    with db.transaction() as s:
        loan = s.scalars(select(Loan).where(Loan.application_id == app_id)).one()
        assert loan.borrower_party_id == world.sme_id and loan.principal_fen == 600_000_00
    page = client.get("/credit", headers=HTML).text
    assert f'id="loan-{loan.id}"' in page and f'id="schedule-{loan.id}"' in page
    again = client.post(f"/credit/applications/{app_id}/accept", headers=CREDIT)
    assert 'id="credit-error"' in again.text and _count(db, Loan) == 1


def test_decline_explains_its_reasons_in_both_languages(client: TestClient, world: World) -> None:
    log_in(client, "sme")
    text = _apply(client, world, "2000000")  # above 30 % of 3,000,000 yuan of sales
    assert 'data-outcome="decline"' in text and 'data-reason="AMOUNT_ABOVE_SALES"' in text
    assert LABELS["cr_reason_AMOUNT_ABOVE_SALES"][0] in text_of(text)
    assert 'id="decision-offer"' not in text and "accept-" not in text
    log_in(client, "sme", lang="en")
    page = text_of(client.get("/credit", headers=HTML).text)
    assert LABELS["cr_reason_AMOUNT_ABOVE_SALES"][1] in page
    assert LABELS["cr_outcome_decline"][1] in page and format_cny_en(2_000_000_00) in page


@pytest.mark.parametrize(("amount", "term", "rule"), [("abc", "6", "amount"), ("0", "6", "positive"),
                                                     ("100000", "", "required")])  # fmt: skip
def test_refused_form_names_the_rule_and_changes_nothing(
    client: TestClient, db: Database, world: World, amount: str, term: str, rule: str
) -> None:
    log_in(client, "sme")
    text = _apply(client, world, amount, term)
    error = re.search(r'id="credit-error">(.*?)</div>', text, re.S)
    assert error and f"<code>{rule}</code>" in error.group(1) and "输入有误" in error.group(1)
    assert _count(db, Application) == 0


def test_plain_form_post_goes_to_the_application_page(client: TestClient, world: World) -> None:
    log_in(client, "sme")
    answer = client.post("/credit/apply", headers=HTML, follow_redirects=False, data={
        "bank_party_id": str(world.bank_id), "amount": "2000000", "term_months": "6"})  # fmt: skip
    assert answer.status_code == 303
    page = client.get(answer.headers["location"], headers=HTML)
    assert page.status_code == 200 and 'data-reason="AMOUNT_ABOVE_SALES"' in page.text


def test_another_party_sees_nothing(client: TestClient, world: World) -> None:
    log_in(client, "sme")
    text = _apply(client, world, "600000")
    app_id = int(re.search(r'id="accept-(\d+)"', text).group(1))
    for user in ("other", "otherbank"):
        log_in(client, user)
        page = client.get("/credit", headers=HTML).text
        assert f'data-application="{app_id}"' not in page and world.sme_name not in page
        assert client.get(f"/credit/applications/{app_id}", headers=HTML).status_code == 404
    log_in(client, "other")
    answer = client.post(f"/credit/applications/{app_id}/accept", headers=CREDIT)
    assert answer.status_code == 404
    log_in(client, "banker")
    page = client.get("/credit", headers=HTML).text
    assert f'data-application="{app_id}"' in page and world.sme_name in page
    assert f'id="accept-{app_id}"' not in client.get(f"/credit/applications/{app_id}").text


def test_bank_queue_portfolio_and_labels(client: TestClient, world: World) -> None:
    log_in(client, "sme")
    _apply(client, world, "2000000")
    log_in(client, "banker")
    answer = client.get("/credit?outcome=decline", headers=HTML)
    page = text_of(answer.text)
    for key in ("cr_queue", "cr_portfolio", "cr_rules", "cr_sme_data", "cr_outstanding"):
        assert LABELS[key][0] in page
    assert 'data-reason="AMOUNT_ABOVE_SALES"' in answer.text
    assert re.search(r'id="stat-decline">1<', answer.text)
    assert "data-application" not in client.get("/credit?outcome=approve", headers=HTML).text
    log_in(client, "banker", lang="en")
    page = text_of(client.get("/credit", headers=HTML).text)
    assert LABELS["cr_queue"][1] in page and LABELS["cr_portfolio"][1] in page


def test_bank_sees_an_sme_only_under_its_grant(
    client: TestClient, db: Database, world: World
) -> None:
    log_in(client, "banker")
    page = client.get(f"/credit?sme={world.sme_id}", headers=HTML).text
    assert 'id="sme-error"' in page and 'id="sme-features"' not in page
    with db.transaction() as s:
        consent.give_grant(s, actor=consent_actor(world.sme_id), recipient_party_id=world.bank_id, scope="trade",
                           purpose="credit_assessment", derived_only=True,
                           expires_at=clock.now() + timedelta(days=30))  # fmt: skip
    page = client.get(f"/credit?sme={world.sme_id}", headers=HTML).text
    assert 'id="sme-score"' in page and 'id="sme-features"' not in page
    with db.transaction() as s:
        consent.give_grant(s, actor=consent_actor(world.sme_id), recipient_party_id=world.bank_id,
                           scope="trade", purpose="credit_assessment",
                           expires_at=clock.now() + timedelta(days=30))  # fmt: skip
    page = client.get(f"/credit?sme={world.sme_id}", headers=HTML).text
    assert 'id="sme-features"' in page and 'data-feature="sales_12m_fen"' in page


def test_rule_changes_need_a_second_admin(client: TestClient, db: Database, world: World) -> None:
    log_in(client, "banker")
    answer = client.post("/credit/rule-sets", headers=CREDIT,
                         data={"max_amount": "1000000", "fee_bp": "80"})  # fmt: skip
    assert answer.status_code == 200 and 'id="rules-notice"' in answer.text
    with db.transaction() as s:
        proposal = s.scalars(
            select(RuleSetVersion).where(RuleSetVersion.status == "proposed")
        ).one()
        assert proposal.params["max_amount_fen"] == 1_000_000_00 and proposal.params["fee_bp"] == 80
    assert f'id="approve-{proposal.id}"' not in answer.text  # not the proposer's own
    refused = client.post(f"/credit/rule-sets/{proposal.id}/approve", headers=CREDIT)
    assert 'id="rules-error"' in refused.text
    bad = client.post("/credit/rule-sets", headers=CREDIT, data={"max_amount": "x"})
    assert "<code>amount</code>" in bad.text
    log_in(client, "checker")
    assert f'id="approve-{proposal.id}"' in client.get("/credit", headers=HTML).text
    done = client.post(f"/credit/rule-sets/{proposal.id}/approve", headers=CREDIT)
    assert 'id="rules-notice"' in done.text and 'data-status="active"' in done.text
    assert format_cny(1_000_000_00) in text_of(done.text.split('id="active-rules"')[1])
    log_in(client, "sme")
    refused = client.post("/credit/rule-sets", headers=CREDIT, data={"fee_bp": "1"})
    assert refused.status_code == 200 and 'id="rules-error"' in refused.text
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(RuleSetVersion)) == 2  # nothing added
