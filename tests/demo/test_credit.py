"""The demo park's instant credit, built on a fresh database after the park and its supply
chain: the certificate piece financed and the working-capital loan accepted (loan, disbursement,
schedule), the decline with its reason codes, every decision recomputing to the same result,
the certificate book still consistent, and a re-run changing nothing."""

from __future__ import annotations

from chanrong import clock
from chanrong.credit import service
from chanrong.credit.models import Application, Disbursement, Loan
from chanrong.demo import credit as demo_credit
from chanrong.demo import supplychain as sc
from chanrong.demo.build import build_park
from chanrong.demo.plan import DEFAULT_SEED, plan_park
from chanrong.parties import service as parties
from chanrong.principal import Principal
from chanrong.supplychain import core, views

WAN = sc.WAN


def test_credit_demo(session):
    build_park(session, seed=DEFAULT_SEED)
    sc.build_supplychain(session, seed=DEFAULT_SEED)
    assert not demo_credit.present(session, DEFAULT_SEED)
    summary = demo_credit.build_credit(session, seed=DEFAULT_SEED)
    assert summary.built
    got = [(o.applicant, o.bank, o.product, o.amount_fen, o.term_months, o.outcome)
           for o in summary.outcomes]  # fmt: skip
    assert got == [
        ("cncmaker", "bank1", "certificate", 50 * WAN, 0, "approve"),
        ("metal02", "bank1", "working_capital", 60 * WAN, 6, "approve"),
        ("logistics01", "bank2", "working_capital", 200 * WAN, 12, "decline"),
    ]
    cert, wc, declined = summary.outcomes
    assert cert.reasons == wc.reasons == ()
    assert declined.reasons[0] == "AMOUNT_ABOVE_SALES" and declined.loan_id is None
    assert {"AMOUNT_ABOVE_SALES", "BUYER_CONCENTRATION"} == set(declined.reasons)
    assert cert.loan_id is not None and wc.loan_id is not None

    plan = plan_park(DEFAULT_SEED)
    ids = {p.code: i for p in plan.parties
           for i in parties.party_ids_by_uscc(session, [p.uscc]).values()}  # fmt: skip
    today = clock.today()
    for outcome in summary.outcomes:
        app = session.get(Application, outcome.application_id)
        assert app.applicant_party_id == ids[outcome.applicant]
        assert service.recompute(session, app).to_dict() == app.result
        decided_on = app.decided_at.astimezone(clock.BUSINESS_TZ).date()
        assert decided_on < today and app.inputs["as_of"] == decided_on.isoformat()
        assert app.status == ("accepted" if outcome.loan_id else "decided")
    assert all(r["severity"] in {"decline", "refer"} for r in
               session.get(Application, declined.application_id).reasons)  # fmt: skip

    bank1 = Principal(ids["bank1"], "institution", frozenset({"viewer"}))
    for outcome in (cert, wc):
        loan = session.get(Loan, outcome.loan_id)
        schedule = service.schedule_of(session, actor=bank1, loan_id=loan.id)
        assert sum(i.principal_fen for i in schedule) == loan.principal_fen == outcome.amount_fen
        paid = session.query(Disbursement).filter_by(loan_id=loan.id).one()
        assert paid.amount_fen == outcome.disbursed_fen > 0
        assert paid.fees_fen == loan.fees_fen == outcome.amount_fen * 50 // 10_000
    assert len(service.schedule_of(session, actor=bank1, loan_id=wc.loan_id)) == 6
    loan = session.get(Loan, cert.loan_id)
    assert loan.financing_id is not None and loan.annual_rate_bp == cert.annual_rate_bp
    financing = next(f for f in views.financings(session, actor=Principal.system())
                     if f.id == loan.financing_id)  # fmt: skip
    assert (financing.bank_party_id, financing.amount_fen) == (ids["bank1"], 50 * WAN)
    assert (
        financing.proceeds_fen == cert.disbursed_fen == 50 * WAN - loan.interest_fen - loan.fees_fen
    )

    book = views.stored_book(session)
    assert core.violations(book) == []
    assert views.replay_ledger(session).snapshot() == book.snapshot()
    lines = demo_credit.describe(summary)
    assert len(lines) == 3 and "AMOUNT_ABOVE_SALES" in lines[2] and "50.00万元" in lines[0]

    assert demo_credit.present(session, DEFAULT_SEED)
    again = demo_credit.build_credit(session, seed=DEFAULT_SEED)
    assert again == demo_credit.CreditSummary(summary.outcomes, built=False)
    assert views.stored_book(session).snapshot() == book.snapshot()
