"""HTTP API of credit decisions under /api/v1/credit: apply (decision in one request), accept
an offer, recompute, a bank's queue, portfolio and rule sets (maker-checker), repayments a bank
records on a working-capital loan (with an ``Idempotency-Key`` header: a repeat returns the
first answer), and an SME's features or score under the SME's grant."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse

from chanrong.credit import rulesets, schemas, service, sharing, statements
from chanrong.errors import Invalid
from chanrong.http import Tx
from chanrong.parties.auth import Caller, IdempotencyKeyHeader, Unit
from chanrong.web.downloads import Format, StatementParty, table_download

router = APIRouter(prefix="/api/v1/credit", tags=["credit"])


@router.post("/applications", response_model=schemas.ApplicationOut, status_code=201)
async def apply(body: schemas.ApplyIn, unit: Unit) -> object:
    """Apply to a bank: the decision (approve, refer, decline with reasons; an offer when
    approved) comes back in this response, recorded and logged."""
    return await unit.decide(lambda session, caller: service.decide_application(
        session, actor=caller, bank_party_id=body.bank_party_id, product=body.product,
        amount_fen=body.amount_fen, term_months=body.term_months, repayment=body.repayment,
        piece_id=body.piece_id,
    ), service.record_decisions)  # fmt: skip


@router.get("/applications", response_model=list[schemas.ApplicationOut])
def my_applications(session: Tx, caller: Caller) -> object:
    """Your own applications, newest first."""
    return service.my_applications(session, actor=caller)


@router.get("/applications/{application_id}", response_model=schemas.ApplicationOut)
def get_application(application_id: int, session: Tx, caller: Caller) -> object:
    """One application (its applicant's or its bank's)."""
    return service.get_application(session, actor=caller, application_id=application_id)


@router.get("/applications/{application_id}/recompute", response_model=schemas.RecomputeOut)
def recompute(application_id: int, session: Tx, caller: Caller) -> object:
    """The decision recomputed from its recorded inputs, rules version and points table."""
    row = service.get_application(session, actor=caller, application_id=application_id)
    result = service.recompute(session, row).to_dict()
    return {"application_id": row.id, "same": result == row.result, "result": result}


@router.post("/applications/{application_id}/accept", response_model=schemas.AcceptedOut,
             status_code=201)  # fmt: skip
def accept(application_id: int, session: Tx, caller: Caller) -> object:
    """Accept an approved offer: the loan, its disbursement and repayment schedule."""
    loan = service.accept(session, actor=caller, application_id=application_id)
    schedule = service.schedule_of(session, actor=caller, loan_id=loan.id)
    return {**schemas.LoanOut.model_validate(loan).model_dump(), "schedule": schedule}


@router.get("/loans/{loan_id}/schedule", response_model=list[schemas.InstalmentOut])
def schedule(loan_id: int, session: Tx, caller: Caller) -> object:
    """A loan's repayment schedule (its borrower's or its bank's)."""
    return service.schedule_of(session, actor=caller, loan_id=loan_id)


@router.post("/loans/{loan_id}/repayments", response_model=schemas.RepaymentOut,
             status_code=201)  # fmt: skip
async def repay(loan_id: int, body: schemas.RepaymentIn, unit: Unit,
                idempotency_key: IdempotencyKeyHeader = None,
                ) -> JSONResponse:  # fmt: skip
    """The lending bank records a repayment of a working-capital loan: applied to the schedule
    in order (interest before principal); overpayment is refused (``invalid-repayment``)."""
    return await unit.once(idempotency_key, body, 201, schemas.RepaymentOut,
                           lambda session, caller: service.record_repayment(
                               session, actor=caller, loan_id=loan_id, amount_fen=body.amount_fen,
                               paid_on=body.paid_on, source=body.source))  # fmt: skip


@router.get("/loans/{loan_id}/repayments", response_model=list[schemas.RepaymentOut])
def repayments(loan_id: int, session: Tx, caller: Caller) -> object:
    """A loan's repayments, oldest first (its borrower's, its bank's or the platform's)."""
    return service.repayments_of(session, actor=caller, loan_id=loan_id)


@router.get("/queue", response_model=list[schemas.ApplicationOut])
def queue(
    session: Tx,
    caller: Caller,
    outcome: Annotated[str | None, Query(pattern="^(approve|refer|decline)$")] = None,
) -> object:
    """The bank's applications with their reasons, newest first."""
    return service.queue(session, actor=caller, outcome=outcome)


@router.get("/portfolio", response_model=schemas.PortfolioOut)
def portfolio(session: Tx, caller: Caller) -> object:
    """The bank's loans and totals per product."""
    return service.portfolio(session, actor=caller)


@router.get("/rule-sets", response_model=list[schemas.RuleSetOut])
def rule_sets(session: Tx, caller: Caller) -> object:
    """Every version of the bank's rules, newest first."""
    return rulesets.versions(session, actor=caller, bank_party_id=caller.party_id)


@router.post("/rule-sets", response_model=schemas.RuleSetOut, status_code=201)
def propose(body: schemas.RuleSetIn, session: Tx, caller: Caller) -> object:
    """A bank admin proposes new rule parameters or limits (maker)."""
    return rulesets.propose(session, actor=caller, bank_party_id=caller.party_id,
                            params=body.params)  # fmt: skip


@router.post("/rule-sets/{rule_set_id}/{decision}", response_model=schemas.RuleSetOut)
def decide(rule_set_id: int, decision: str, session: Tx, caller: Caller) -> object:
    """Another bank admin approves or rejects a proposal (checker)."""
    if decision not in ("approve", "reject"):
        raise Invalid("approve or reject", field="decision", rule="enum")
    return rulesets.decide(session, actor=caller, rule_set_id=rule_set_id,
                           approve=decision == "approve")  # fmt: skip


@router.get("/parties/{party_id}/features")
def features(party_id: int, purpose: str, session: Tx, caller: Caller) -> dict[str, Any]:
    """An SME's credit features (values, windows, sources) under its live ``trade`` grant."""
    return sharing.features_for(session, actor=caller, party_id=party_id, purpose=purpose)


@router.get("/parties/{party_id}/score")
def score(party_id: int, purpose: str, session: Tx, caller: Caller) -> dict[str, Any]:
    """An SME's score only, under any live ``trade`` grant (derived-only suffices)."""
    return sharing.score_for(session, actor=caller, party_id=party_id, purpose=purpose)


@router.get("/statements/portfolio")
def portfolio_statement(
    session: Tx, caller: Caller, format: Format = "xlsx", party_id: StatementParty = None
) -> Response:
    """The bank's loans (borrower, product, principal, rate, dates, outstanding, status) as an
    XLSX or CSV statement; amounts in fen, rates in basis points."""
    rows = statements.portfolio_rows(session, actor=caller, party_id=party_id)
    return table_download(statements.PORTFOLIO_HEADER, rows, fmt=format,
                          filename="credit-portfolio", sheet="portfolio")  # fmt: skip


@router.get("/statements/loans")
def loans_statement(
    session: Tx, caller: Caller, format: Format = "xlsx", party_id: StatementParty = None
) -> Response:
    """Your loans with every instalment (due date, principal, interest, paid) as an XLSX or
    CSV statement; amounts in fen."""
    rows = statements.loans_rows(session, actor=caller, party_id=party_id)
    return table_download(statements.LOANS_HEADER, rows, fmt=format,
                          filename="credit-loans", sheet="loans")  # fmt: skip
