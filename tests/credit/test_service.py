"""Applications end to end on the database: decision recorded and recomputable, maker-checker
rule sets, accepting an offer, a certificate piece, consent-gated features and score."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chanrong import clock
from chanrong.consent import service as consent
from chanrong.consent.errors import DerivedOnly, NoGrant
from chanrong.consent.models import AccessRecord
from chanrong.credit import rulesets, service, sharing
from chanrong.credit.errors import InvalidApplication, InvalidRuleSet, OfferNotOpen, SameUser
from chanrong.credit.models import Application, Disbursement, Instalment
from chanrong.errors import RoleRequired
from chanrong.ledger.models import LedgerEntry, LedgerHead
from chanrong.principal import Principal
from tests.credit.conftest import Scene

LENIENT = {"approve_points": 300, "refer_points": 200, "bands": [[400, 500], [300, 900]]}


def _lenient(session: Session, scene: Scene, **more: object) -> None:
    row = rulesets.propose(session, actor=scene.maker, bank_party_id=scene.bank.id,
                           params={**LENIENT, **more})  # fmt: skip
    rulesets.decide(session, actor=scene.checker, rule_set_id=row.id, approve=True)


def _events(session: Session, name: str) -> int:
    return len(session.scalars(select(LedgerEntry).where(LedgerEntry.event == name)).all())


def test_application_records_features_and_recomputes(session: Session, scene: Scene) -> None:
    app = service.apply(session, actor=scene.sme_actor, bank_party_id=scene.bank.id,
                        product="working_capital", amount_fen=500_000_00, term_months=6)  # fmt: skip
    assert app.outcome in ("approve", "refer", "decline")
    assert app.features["sales_12m_fen"]["value"] == 3_000_000_00
    assert app.features["sales_12m_fen"]["source"] == "trade.service.trade_history"
    assert app.features["sales_12m_fen"]["start"] == "2025-03-02"
    assert app.features["buyer_hhi_bp"]["value"] == 3333
    assert app.features["device_utilisation_bp"]["value"] is None  # no telemetry grant
    assert app.rules_version == "default-1" and app.table_version == "sme-SYNTHETIC-1"
    assert service.recompute(session, app).to_dict() == app.result
    assert _events(session, "credit.decided") == 1
    if app.outcome != "approve":
        assert app.reasons


def test_decline_names_its_rule(session: Session, scene: Scene) -> None:
    app = service.apply(session, actor=scene.sme_actor, bank_party_id=scene.bank.id,
                        product="working_capital", amount_fen=2_000_000_00, term_months=6)  # fmt: skip
    assert app.outcome == "decline"
    assert "AMOUNT_ABOVE_SALES" in [r["code"] for r in app.reasons]
    with pytest.raises(OfferNotOpen):
        service.accept(session, actor=scene.sme_actor, application_id=app.id)
    with pytest.raises(InvalidApplication) as caught:
        service.apply(session, actor=scene.sme_actor, bank_party_id=scene.bank.id,
                      product="working_capital", amount_fen=1, term_months=99)  # fmt: skip
    assert caught.value.errors[0].rule == "range"


def test_rule_sets_need_a_second_admin(session: Session, scene: Scene) -> None:
    row = rulesets.propose(session, actor=scene.maker, bank_party_id=scene.bank.id,
                           params={"blacklist": [scene.sme.uscc]})  # fmt: skip
    assert row.version == f"bank{scene.bank.id}-v1" and row.status == "proposed"
    with pytest.raises(SameUser):
        rulesets.decide(session, actor=scene.maker, rule_set_id=row.id, approve=True)
    viewer = Principal(scene.bank.id, "institution", frozenset({"viewer"}), user_id=999)
    with pytest.raises(RoleRequired):
        rulesets.decide(session, actor=viewer, rule_set_id=row.id, approve=True)
    assert rulesets.active_rules(session, scene.bank.id).version == "default-1"
    rulesets.decide(session, actor=scene.checker, rule_set_id=row.id, approve=True)
    assert rulesets.active_rules(session, scene.bank.id).blacklist == (scene.sme.uscc,)
    with pytest.raises(InvalidRuleSet) as caught:
        rulesets.propose(session, actor=scene.maker, bank_party_id=scene.bank.id,
                         params={"refer_points": 999})  # fmt: skip
    assert caught.value.errors[0].rule == "below_approve"
    app = service.apply(session, actor=scene.sme_actor, bank_party_id=scene.bank.id,
                        product="working_capital", amount_fen=100_000_00, term_months=6)  # fmt: skip
    assert app.outcome == "decline" and "BLACKLISTED" in [r["code"] for r in app.reasons]
    assert app.rules_version == row.version
    assert service.recompute(session, app).to_dict() == app.result
    assert _events(session, "credit.rules.approved") == 1


def test_accepting_creates_loan_disbursement_and_schedule(session: Session, scene: Scene) -> None:
    _lenient(session, scene)
    app = service.apply(session, actor=scene.sme_actor, bank_party_id=scene.bank.id,
                        product="working_capital", amount_fen=600_000_00, term_months=6)  # fmt: skip
    assert app.outcome == "approve", app.reasons
    offer = app.result["offer"]
    assert offer["annual_rate_bp"] in (500, 900)
    loan = service.accept(session, actor=scene.sme_actor, application_id=app.id)
    instalments = session.scalars(select(Instalment).where(Instalment.loan_id == loan.id)).all()
    assert len(instalments) == 6
    assert sum(i.principal_fen for i in instalments) == 600_000_00
    assert sum(i.interest_fen for i in instalments) == loan.interest_fen == offer["interest_fen"]
    paid = session.scalars(select(Disbursement).where(Disbursement.loan_id == loan.id)).one()
    assert paid.amount_fen == 600_000_00 - offer["fees_fen"]
    assert loan.total_cost_fen == offer["total_cost_fen"]
    assert _events(session, "credit.loan.created") == _events(session, "credit.disbursed") == 1
    with pytest.raises(OfferNotOpen):
        service.accept(session, actor=scene.sme_actor, application_id=app.id)
    book = service.portfolio(session, actor=scene.maker)
    assert book["totals"]["working_capital"]["principal_fen"] == 600_000_00
    assert [a.id for a in service.queue(session, actor=scene.maker)] == [app.id]
    again = service.apply(session, actor=scene.sme_actor, bank_party_id=scene.bank.id,
                          product="working_capital", amount_fen=100_000_00, term_months=3)  # fmt: skip
    assert again.inputs["facts"]["sme_exposure_fen"] == 600_000_00


def test_bank_reads_features_only_under_a_grant(session: Session, scene: Scene) -> None:
    bank = Principal(scene.bank.id, "institution", frozenset({"admin"}))
    with pytest.raises(NoGrant):
        sharing.features_for(session, actor=bank, party_id=scene.sme.id)
    with pytest.raises(NoGrant):
        sharing.score_for(session, actor=bank, party_id=scene.sme.id)
    expires = clock.now() + timedelta(days=30)
    consent.give_grant(session, actor=scene.sme_actor, recipient_party_id=scene.bank.id,
                       scope="trade", purpose="credit_assessment", expires_at=expires,
                       derived_only=True)  # fmt: skip
    with pytest.raises(DerivedOnly):
        sharing.features_for(session, actor=bank, party_id=scene.sme.id)
    score = sharing.score_for(session, actor=bank, party_id=scene.sme.id)
    assert isinstance(score["points"], int) and score["access"]["seq"] > 0
    consent.give_grant(session, actor=scene.sme_actor, recipient_party_id=scene.bank.id,
                       scope="trade", purpose="credit_assessment", expires_at=expires)  # fmt: skip
    seen = sharing.features_for(session, actor=bank, party_id=scene.sme.id)
    assert seen["features"]["sales_12m_fen"]["value"] == 3_000_000_00
    assert seen["access"] is not None


def _decided(session: Session, scene: Scene, amount_fen: int) -> service.Decided:
    return service.decide_application(session, actor=scene.sme_actor, bank_party_id=scene.bank.id,
                                      product="working_capital", amount_fen=amount_fen,
                                      term_months=6)  # fmt: skip


def test_a_batch_of_decisions_logs_audits_and_decisions_under_one_head(
    session: Session, scene: Scene
) -> None:
    consent.give_grant(session, actor=scene.sme_actor, recipient_party_id=scene.bank.id,
                       scope="telemetry", purpose="credit_assessment",
                       expires_at=clock.now() + timedelta(days=30))  # fmt: skip
    batch = [_decided(session, scene, 100_000_00), _decided(session, scene, 200_000_00)]
    assert all(d.audits for d in batch)
    heads_before = session.scalar(select(func.count()).select_from(LedgerHead))
    apps = service.record_decisions(session, batch)
    assert session.scalar(select(func.count()).select_from(LedgerHead)) == heads_before + 1
    session.expire_all()
    for app, amount in zip(apps, (100_000_00, 200_000_00), strict=True):
        stored = session.get(Application, app.id)
        assert stored is not None and stored.amount_fen == amount
        entry = session.get(LedgerEntry, stored.ledger_seq)
        assert entry is not None and entry.event == "credit.decided"
        assert json.loads(entry.body)["payload"]["amount_fen"] == amount
    audits = session.scalars(select(AccessRecord).order_by(AccessRecord.id)).all()[-2:]
    logged = [session.get(LedgerEntry, a.ledger_seq) for a in audits]
    assert [e.event for e in logged if e] == ["data.accessed", "data.accessed"]
    assert {a.ledger_seq for a in audits}.isdisjoint(a.ledger_seq for a in apps)


def test_a_decision_recorded_again_after_its_batch_rolled_back(
    session: Session, scene: Scene
) -> None:
    decided = _decided(session, scene, 100_000_00)
    with pytest.raises(RuntimeError), session.begin_nested():
        service.record_decisions(session, [decided])
        raise RuntimeError("the batch failed")
    session.expunge_all()  # as the failed batch's session closing does
    again = service.record_decisions(session, [decided])[0]
    stored = session.get(Application, again.id)
    assert stored is again and again.ledger_seq is not None
    assert session.scalar(select(func.count()).select_from(Application)) == 1
