"""Financing a payable certificate piece through an instant decision, and device utilisation
counted only under the SME's telemetry grant to the bank."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session

from chanrong import clock
from chanrong.consent import service as consent
from chanrong.credit import rulesets, service
from chanrong.supplychain import service as supplychain
from chanrong.supplychain.models import Financing, Piece
from tests.supplychain.conftest import Chain, build_chain
from tests.supplychain.payables import payables


@pytest.fixture
def chain(session: Session, today: date) -> Chain:
    """The supply-chain test scene (core enterprise, bank with a credit line, two tiers)."""
    return build_chain(session, payables(session))


def _issue(session: Session, chain: Chain, amount: int, days: int) -> int:
    receivable = chain.payable(chain.tier1.id, chain.core.id, amount)
    issued = supplychain.issue_certificate(
        session, actor=chain.of(chain.core), credit_line_id=chain.line_id,
        receivable_ids=[receivable], maturity_on=clock.today() + timedelta(days=days),
    )  # fmt: skip
    return issued.piece.id


def test_certificate_piece_financed_by_instant_decision(session: Session, chain: Chain) -> None:
    row = rulesets.propose(session, actor=chain.maker, bank_party_id=chain.bank.id,
                           params={"approve_points": 300, "refer_points": 200,
                                   "bands": [[300, 600]], "max_top_buyer_share_bp": 10_000})  # fmt: skip
    rulesets.decide(session, actor=chain.checker, rule_set_id=row.id, approve=True)
    piece_id = _issue(session, chain, 800_000_00, 90)
    tier1 = chain.of(chain.tier1)
    too_much = service.apply(session, actor=tier1, bank_party_id=chain.bank.id,
                             product="certificate", amount_fen=900_000_00, piece_id=piece_id)  # fmt: skip
    assert too_much.outcome == "decline" and "ABOVE_PIECE" in [r["code"] for r in too_much.reasons]
    not_mine = service.apply(session, actor=chain.of(chain.tier2), bank_party_id=chain.bank.id,
                             product="certificate", amount_fen=100_000_00, piece_id=piece_id)  # fmt: skip
    assert "HOLDER_INVALID" in [r["code"] for r in not_mine.reasons]
    app = service.apply(session, actor=tier1, bank_party_id=chain.bank.id, product="certificate",
                        amount_fen=800_000_00, piece_id=piece_id)  # fmt: skip
    assert app.outcome == "approve", app.reasons
    assert app.inputs["facts"]["maturity_days"] == 90
    offer = app.result["offer"]
    assert offer["interest_fen"] == 800_000_00 * 600 * 90 // (10_000 * 360)
    loan = service.accept(session, actor=tier1, application_id=app.id)
    financing = session.get(Financing, loan.financing_id)
    assert financing is not None and financing.discount_fen == offer["interest_fen"]
    assert financing.proceeds_fen == offer["proceeds_fen"]
    assert session.get(Piece, piece_id).status == "financed"
    assert service.recompute(session, app).to_dict() == app.result


def test_utilisation_only_under_a_telemetry_grant(session: Session, chain: Chain) -> None:
    tier1 = chain.of(chain.tier1)
    first = service.apply(session, actor=tier1, bank_party_id=chain.bank.id,
                          product="working_capital", amount_fen=10_000_00, term_months=3)  # fmt: skip
    assert first.features["device_utilisation_bp"]["value"] is None
    consent.give_grant(session, actor=tier1, recipient_party_id=chain.bank.id, scope="telemetry",
                       purpose="credit_assessment",
                       expires_at=clock.now() + timedelta(days=10))  # fmt: skip
    second = service.apply(session, actor=tier1, bank_party_id=chain.bank.id,
                           product="working_capital", amount_fen=10_000_00, term_months=3)  # fmt: skip
    # the grant is read (and audited) even though this SME has no devices yet: still missing
    assert second.features["device_utilisation_bp"]["inputs"] == {"observed_ms": 0, "devices": 0}
    assert second.features["device_utilisation_bp"]["value"] is None
