"""Repayments: the issuer's settlement repays the loan that financed a certificate piece; a
bank records repayments of a working-capital loan in schedule order (interest before
principal), partial and exact, overpayment refused; only the lending bank or the platform."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from chanrong import clock, db
from chanrong.cli import app
from chanrong.credit import repayments, rulesets, service
from chanrong.credit.errors import ApplicationNotFound, InvalidRepayment, NotTheBank
from chanrong.credit.models import Instalment, Loan, Repayment
from chanrong.errors import RoleRequired
from chanrong.ledger.models import LedgerEntry
from chanrong.principal import Principal
from chanrong.settings import get_settings
from chanrong.supplychain import service as supplychain
from chanrong.supplychain.models import Piece
from tests.credit.conftest import Scene, build_scene
from tests.factories import create_api_key, create_party
from tests.supplychain.conftest import Chain, build_chain
from tests.supplychain.payables import payables

LENIENT = {"approve_points": 300, "refer_points": 200, "bands": [[300, 600]],
           "max_top_buyer_share_bp": 10_000}  # fmt: skip


def _lenient(session: Session, maker: Principal, checker: Principal, bank_id: int) -> None:
    row = rulesets.propose(session, actor=maker, bank_party_id=bank_id, params=LENIENT)
    rulesets.decide(session, actor=checker, rule_set_id=row.id, approve=True)


def _entries(session: Session, event: str, subject: str) -> int:
    return session.scalar(select(func.count()).select_from(LedgerEntry).where(
        LedgerEntry.event == event, LedgerEntry.subject == subject))  # fmt: skip


def _schedule(session: Session, loan_id: int) -> list[Instalment]:
    return list(session.scalars(select(Instalment).where(Instalment.loan_id == loan_id)
                                .order_by(Instalment.number)))  # fmt: skip


@pytest.fixture
def chain(session: Session, today: date) -> Chain:
    """The supply-chain scene (core enterprise, bank with a credit line, two tiers)."""
    return build_chain(session, payables(session))


def test_settlement_repays_the_loan_that_financed_a_piece(session: Session, chain: Chain) -> None:
    _lenient(session, chain.maker, chain.checker, chain.bank.id)
    receivable = chain.payable(chain.tier1.id, chain.core.id, 800_000_00)
    maturity = clock.today() + timedelta(days=90)
    issued = supplychain.issue_certificate(
        session, actor=chain.of(chain.core), credit_line_id=chain.line_id,
        receivable_ids=[receivable], maturity_on=maturity,
    )  # fmt: skip
    tier1 = chain.of(chain.tier1)
    app_row = service.apply(session, actor=tier1, bank_party_id=chain.bank.id,
                            product="certificate", amount_fen=500_000_00,
                            piece_id=issued.piece.id)  # fmt: skip
    assert app_row.outcome == "approve", app_row.reasons
    loan = service.accept(session, actor=tier1, application_id=app_row.id)
    with pytest.raises(InvalidRepayment) as refused:
        service.record_repayment(session, actor=chain.maker, loan_id=loan.id,
                                 amount_fen=500_000_00, paid_on=clock.today(), source="by hand")  # fmt: skip
    assert refused.value.errors[0].rule == "settled_by_issuer"

    with clock.frozen(datetime.combine(maturity, time(4), tzinfo=UTC)):
        paid = supplychain.settle_certificate(session, actor=chain.of(chain.core),
                                              certificate_id=issued.certificate.id)  # fmt: skip
    to_bank = [p for p in paid if p.paid_to_party_id == chain.bank.id]
    to_holder = [p for p in paid if p.paid_to_party_id == chain.tier1.id]
    assert [p.amount_fen for p in to_bank] == [500_000_00]
    assert [p.amount_fen for p in to_holder] == [300_000_00]
    session.refresh(loan)
    assert loan.status == "repaid"
    (instalment,) = _schedule(session, loan.id)
    assert instalment.paid_on == maturity and instalment.principal_paid_fen == 500_000_00
    (repayment,) = service.repayments_of(session, actor=chain.maker, loan_id=loan.id)
    assert repayment.amount_fen == repayment.principal_fen == 500_000_00
    assert repayment.interest_fen == 0  # the discount was taken at disbursement
    assert repayment.source == f"settlement:certificate:{issued.certificate.id}"
    assert repayment.allocation == [[1, 0, 500_000_00]]
    assert _entries(session, "credit.repaid", f"credit-loan:{loan.id}") == 1
    assert _entries(session, "supplychain.certificate.settled",
                    f"certificate:{issued.certificate.id}") == 1  # fmt: skip
    assert all(session.get(Piece, p.id).status == "settled" for p in paid)


def test_settling_a_piece_financed_without_a_loan(session: Session, chain: Chain) -> None:
    receivable = chain.payable(chain.tier1.id, chain.core.id, 100_000_00)
    maturity = clock.today() + timedelta(days=30)
    issued = supplychain.issue_certificate(
        session, actor=chain.of(chain.core), credit_line_id=chain.line_id,
        receivable_ids=[receivable], maturity_on=maturity,
    )  # fmt: skip
    supplychain.finance_piece(session, actor=chain.of(chain.tier1), piece_id=issued.piece.id,
                              amount_fen=100_000_00, bank_party_id=chain.bank.id,
                              annual_rate_bp=500, day_count="ACT/360", fees_fen=0)  # fmt: skip
    before = session.scalar(select(func.count()).select_from(Repayment))
    with clock.frozen(datetime.combine(maturity, time(4), tzinfo=UTC)):
        paid = supplychain.settle_certificate(session, actor=chain.of(chain.core),
                                              certificate_id=issued.certificate.id)  # fmt: skip
    assert [p.paid_to_party_id for p in paid] == [chain.bank.id]
    assert session.scalar(select(func.count()).select_from(Repayment)) == before


def _working_capital(session: Session, scene: Scene, amount_fen: int = 300_000_00) -> Loan:
    _lenient(session, scene.maker, scene.checker, scene.bank.id)
    row = service.apply(session, actor=scene.sme_actor, bank_party_id=scene.bank.id,
                        product="working_capital", amount_fen=amount_fen, term_months=3)  # fmt: skip
    assert row.outcome == "approve", row.reasons
    return service.accept(session, actor=scene.sme_actor, application_id=row.id)


def test_partial_exact_and_overpayment(session: Session, scene: Scene, today: date) -> None:
    loan = _working_capital(session, scene)
    first, second, third = _schedule(session, loan.id)
    assert first.principal_fen == 100_000_00 and first.interest_fen > 0
    owed = sum(i.principal_fen + i.interest_fen for i in (first, second, third))
    assert service.outstanding_fen(session, loan) == owed

    partial = service.record_repayment(session, actor=scene.maker, loan_id=loan.id,
                                       amount_fen=first.interest_fen + 50, paid_on=today,
                                       source="transfer 0001")  # fmt: skip
    assert (partial.interest_fen, partial.principal_fen) == (first.interest_fen, 50)
    assert partial.allocation == [[1, first.interest_fen, 50]]
    assert first.interest_paid_fen == first.interest_fen and first.principal_paid_fen == 50
    assert first.paid_on is None and loan.status == "active"

    later = today + timedelta(days=31)
    with clock.frozen(datetime.combine(later, time(4), tzinfo=UTC)):
        rest_of_first = first.principal_fen - 50
        spans = service.record_repayment(session, actor=scene.maker, loan_id=loan.id,
                                         amount_fen=rest_of_first + second.interest_fen + 7,
                                         paid_on=later, source="transfer 0002")  # fmt: skip
        assert spans.allocation == [[1, 0, rest_of_first], [2, second.interest_fen, 7]]
        assert first.paid_on == later and second.paid_on is None

        left = service.outstanding_fen(session, loan)
        assert left == owed - partial.amount_fen - spans.amount_fen
        count = session.scalar(select(func.count()).select_from(Repayment))
        with pytest.raises(InvalidRepayment) as over:
            service.record_repayment(session, actor=scene.maker, loan_id=loan.id,
                                     amount_fen=left + 1, paid_on=later, source="too much")  # fmt: skip
        assert (over.value.errors[0].field, over.value.errors[0].rule) == (
            "amount_fen",
            "above_outstanding",
        )
        assert f"{left} fen" in over.value.detail
        assert service.outstanding_fen(session, loan) == left  # nothing changed
        assert session.scalar(select(func.count()).select_from(Repayment)) == count
        for amount, paid_on, source, field, rule in (
            (0, later, "x", "amount_fen", "positive"),
            (100, today - timedelta(days=1), "x", "paid_on", "before_start"),
            (100, later + timedelta(days=1), "x", "paid_on", "future"),
            (100, later, " ", "source", "required"),
        ):
            with pytest.raises(InvalidRepayment) as bad:
                service.record_repayment(session, actor=scene.maker, loan_id=loan.id,
                                         amount_fen=amount, paid_on=paid_on, source=source)  # fmt: skip
            assert (bad.value.errors[0].field, bad.value.errors[0].rule) == (field, rule)

        last = service.record_repayment(session, actor=Principal.system(), loan_id=loan.id,
                                        amount_fen=left, paid_on=later, source="transfer 0003")  # fmt: skip
    assert last.allocation[-1] == [3, third.interest_fen, third.principal_fen]
    assert loan.status == "repaid" and service.outstanding_fen(session, loan) == 0
    assert all(i.paid_on == later for i in (second, third))
    assert sum(r.amount_fen for r in service.repayments_of(
        session, actor=scene.sme_actor, loan_id=loan.id)) == owed  # fmt: skip
    assert _entries(session, "credit.repaid", f"credit-loan:{loan.id}") == 3
    with pytest.raises(InvalidRepayment) as done:
        service.record_repayment(session, actor=scene.maker, loan_id=loan.id, amount_fen=1,
                                 paid_on=today, source="again")  # fmt: skip
    assert done.value.errors[0].rule == "repaid"


def test_only_the_lending_bank_or_the_platform(session: Session, scene: Scene, today: date) -> None:
    loan = _working_capital(session, scene)
    args = {"loan_id": loan.id, "amount_fen": 100, "paid_on": today, "source": "ref"}
    with pytest.raises(NotTheBank):
        service.record_repayment(session, actor=scene.sme_actor, **args)
    other = create_party(session, kind="institution")
    with pytest.raises(ApplicationNotFound):
        service.record_repayment(
            session, actor=Principal(other.id, "institution", frozenset({"admin"})), **args
        )
    with pytest.raises(RoleRequired):
        service.record_repayment(
            session, actor=Principal(scene.bank.id, "institution", frozenset({"viewer"})), **args
        )
    operator = create_party(session, kind="operator")
    by_operator = service.record_repayment(
        session, actor=Principal(operator.id, "operator", frozenset({"admin"})), **args
    )
    assert by_operator.amount_fen == 100
    assert service.record_repayment(session, actor=scene.maker, **args).amount_fen == 100
    assert repayments.outstanding_fen(session, loan) == loan.principal_fen + loan.interest_fen - 200


def test_repayment_over_http(client, db, today: date) -> None:
    with db.transaction() as session:
        scene = build_scene(session)
        loan_id = _working_capital(session, scene).id
        bank_key = create_api_key(session, party=scene.bank)[1]
        sme_key = create_api_key(session, party=scene.sme)[1]
    as_bank, as_sme = ({"Authorization": f"Bearer {k}"} for k in (bank_key, sme_key))
    url = f"/api/v1/credit/loans/{loan_id}/repayments"
    body = {"amount_fen": 1_000_00, "paid_on": today.isoformat(), "source": "transfer 42"}
    keyed = {**as_bank, "Idempotency-Key": "repay-42"}
    first = client.post(url, headers=keyed, json=body)
    assert first.status_code == 201, first.text
    assert first.json()["amount_fen"] == 1_000_00 and first.json()["allocation"][0][0] == 1
    again = client.post(url, headers=keyed, json=body)
    assert again.status_code == 201 and again.headers["Idempotency-Replayed"] == "true"
    assert again.json() == first.json()
    refused = client.post(url, headers=as_sme, json=body)
    assert refused.status_code == 403
    assert refused.json()["type"] == "urn:chanrong:problem:not-the-bank"
    over = client.post(url, headers=as_bank, json={**body, "amount_fen": 10**12})
    assert over.status_code == 422
    assert over.json()["type"] == "urn:chanrong:problem:invalid-repayment"
    assert over.json()["errors"][0]["field"] == "amount_fen"
    assert over.json()["errors"][0]["rule"] == "above_outstanding"
    listed = client.get(url, headers=as_sme)
    assert listed.status_code == 200 and [r["id"] for r in listed.json()] == [first.json()["id"]]
    schedule = client.get(f"/api/v1/credit/loans/{loan_id}/schedule", headers=as_sme).json()
    assert schedule[0]["interest_paid_fen"] + schedule[0]["principal_paid_fen"] == 1_000_00


@pytest.fixture
def cli_db(tmp_path, monkeypatch):
    """A throwaway SQLite file the CLI opens (and migrates)."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("CHANRONG_DATABASE_URL", url)
    get_settings.cache_clear()
    database = db.Database(url)
    db.upgrade(database)
    yield database
    database.dispose()
    get_settings.cache_clear()


def test_repay_command(cli_db, today: date) -> None:
    with cli_db.transaction() as session:
        loan = _working_capital(session, build_scene(session))
        loan_id, owed = loan.id, repayments.outstanding_fen(session, loan)
    runner = CliRunner()
    paid = runner.invoke(app, ["credit", "repay", str(loan_id), "--amount-fen", str(owed),
                               "--source", "transfer 7"])  # fmt: skip
    assert paid.exit_code == 0, paid.output
    assert "loan repaid" in paid.output
    over = runner.invoke(app, ["credit", "repay", str(loan_id), "--amount-fen", "1",
                               "--source", "transfer 8"])  # fmt: skip
    assert isinstance(over.exception, InvalidRepayment)  # ``main`` prints it as a message
    assert over.exception.errors[0].rule == "repaid"
    with cli_db.transaction() as session:
        assert session.get(Loan, loan_id).status == "repaid"
