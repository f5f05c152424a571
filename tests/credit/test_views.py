"""Read-side views of the credit console (``credit.views``): the certificate pieces an SME may
finance, its loans and the loan of an accepted application, a bank's counts and outstanding
principal, its rule sets, an SME's data only under its grant, and each party's own sections."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from chanrong import clock
from chanrong.credit import rulesets, service, views
from chanrong.supplychain import service as supplychain
from tests.supplychain.conftest import Chain, build_chain
from tests.supplychain.payables import payables

LENIENT = {"approve_points": 300, "refer_points": 200, "bands": [[300, 600]],
           "max_top_buyer_share_bp": 10_000}  # fmt: skip
FACE = 800_000_00  # 80万元


@pytest.fixture
def chain(session: Session, today: date) -> Chain:
    """The supply-chain scene (core enterprise, bank with a credit line and lenient credit
    rules, two tiers of suppliers) on the frozen business date."""
    built = build_chain(session, payables(session))
    row = rulesets.propose(session, actor=built.maker, bank_party_id=built.bank.id, params=LENIENT)
    rulesets.decide(session, actor=built.checker, rule_set_id=row.id, approve=True)
    return built


def _issue(session: Session, chain: Chain, amount: int = FACE, days: int = 90) -> int:
    receivable = chain.payable(chain.tier1.id, chain.core.id, amount)
    issued = supplychain.issue_certificate(
        session, actor=chain.of(chain.core), credit_line_id=chain.line_id,
        receivable_ids=[receivable], maturity_on=clock.today() + timedelta(days=days),
    )  # fmt: skip
    return issued.piece.id


def test_financeable_pieces_are_the_held_ones_before_maturity(
    session: Session, chain: Chain, today: date
) -> None:
    tier1 = chain.of(chain.tier1)
    assert views.financeable_pieces(session, tier1) == []
    piece_id = _issue(session, chain)
    (piece,) = views.financeable_pieces(session, tier1)
    assert piece["piece_id"] == piece_id and piece["amount_fen"] == FACE
    assert piece["maturity_on"] == today + timedelta(days=90)
    assert piece["bank_party_id"] == chain.bank.id and piece["issuer"] == chain.core.name
    assert views.financeable_pieces(session, chain.of(chain.tier2)) == []
    parts = supplychain.split_piece(session, actor=tier1, piece_id=piece_id,
                                    amounts=[300_000_00, 500_000_00])  # fmt: skip
    found = views.financeable_pieces(session, tier1)
    assert [p["piece_id"] for p in found] == [p.id for p in parts]
    assert [p["amount_fen"] for p in found] == [300_000_00, 500_000_00]
    supplychain.offer_transfer(session, actor=tier1, piece_id=parts[0].id,
                               to_party_id=chain.tier2.id)  # fmt: skip
    assert [p["piece_id"] for p in views.financeable_pieces(session, tier1)] == [parts[1].id]
    with clock.frozen(datetime(2026, 5, 31, 4, 0, tzinfo=UTC)):  # on maturity: too late
        assert views.financeable_pieces(session, tier1) == []


def test_accepted_piece_financing_shows_as_a_loan_in_the_books(
    session: Session, chain: Chain
) -> None:
    tier1 = chain.of(chain.tier1)
    piece_id = _issue(session, chain)
    app = service.apply(session, actor=tier1, bank_party_id=chain.bank.id, product="certificate",
                        amount_fen=FACE, piece_id=piece_id)  # fmt: skip
    assert app.outcome == "approve", app.reasons
    assert views.loan_of(session, tier1, app) is None
    assert views.my_loans(session, tier1) == []
    assert views.book(session, chain.bank.id) == {"by_outcome": {"approve": 1},
                                                  "outstanding_fen": 0}  # fmt: skip
    loan = service.accept(session, actor=tier1, application_id=app.id)
    found = views.loan_of(session, tier1, app)
    assert found is not None and found["loan"].id == loan.id
    assert [i.principal_fen for i in found["schedule"]] == [FACE]  # one sum at maturity
    (mine,) = views.my_loans(session, tier1)
    assert mine["loan"].id == loan.id and mine["loan"].product == "certificate"
    assert views.book(session, chain.bank.id)["outstanding_fen"] == FACE
    assert views.financeable_pieces(session, tier1) == []  # the piece is financed now


def test_enterprise_preselects_only_its_own_financeable_piece(
    session: Session, chain: Chain
) -> None:
    piece_id = _issue(session, chain)
    mine = views.enterprise(session, chain.of(chain.tier1), piece_id)
    assert mine["piece"] is not None and mine["piece"]["piece_id"] == piece_id
    assert (chain.bank.id, chain.bank.name) in mine["banks"] and mine["can_write"]
    theirs = views.enterprise(session, chain.of(chain.tier2), piece_id)
    assert theirs["piece"] is None and theirs["pieces"] == [] and theirs["piece_id"] == piece_id
    assert views.enterprise(session, chain.of(chain.tier1))["piece"] is None


def test_bank_sections_rules_and_sme_data_under_grant(session: Session, chain: Chain) -> None:
    piece_id = _issue(session, chain)
    app = service.apply(session, actor=chain.of(chain.tier1), bank_party_id=chain.bank.id,
                        product="certificate", amount_fen=FACE, piece_id=piece_id)  # fmt: skip
    found = views.institution(session, chain.maker, "", None)
    assert [a.id for a in found["queue"]] == [app.id]
    assert found["by_outcome"] == {"approve": 1} and found["outcomes"] == views.OUTCOMES
    assert found["names"][chain.tier1.id] == chain.tier1.name and "sme" not in found
    assert views.institution(session, chain.maker, "decline", None)["queue"] == []
    rules = views.rules(session, chain.maker)
    assert rules["can_admin"] and rules["me"] == rulesets.who(chain.maker)
    assert rules["active"].approve_points == 300 and len(rules["versions"]) == 1
    assert views.sme_view(session, chain.maker, None) == {}
    refused = views.sme_view(session, chain.maker, chain.tier1.id)
    assert refused["sme"] == chain.tier1.id and "sme_refused" in refused
    assert "sme_features" not in refused and "sme_score" not in refused
