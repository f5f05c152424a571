"""Credit use cases: apply (features, rules, scorecard, offer: one decision, recorded and
logged), accept an approved offer (loan or certificate financing, disbursement, repayment
schedule), recompute a recorded decision, a bank's queue and portfolio, and repayments
(``credit.repayments``, re-exported here: the bank records them; the issuer's settlement of a
certificate repays the loan that financed a piece). Functions flush, never commit. Amounts in
fen, rates in basis points, dates are business dates."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import Table, bindparam, case, func, inspect, select
from sqlalchemy.orm import Session, make_transient_to_detached

from chanrong import clock, db
from chanrong.consent import service as consent
from chanrong.credit import sme_model
from chanrong.credit.decisions import Decision, Inputs, decide
from chanrong.credit.errors import (
    ApplicationNotFound,
    InvalidApplication,
    NotTheBank,
    OfferNotOpen,
)
from chanrong.credit.features import scored_values, sme_features
from chanrong.credit.models import Application, Disbursement, Instalment, Loan
from chanrong.credit.points import PointsTable
from chanrong.credit.repayments import outstanding_fen as outstanding_fen
from chanrong.credit.repayments import record_repayment as record_repayment
from chanrong.credit.repayments import repay_financing as repay_financing
from chanrong.credit.repayments import repayments_of as repayments_of
from chanrong.credit.rules import PRODUCTS, Facts
from chanrong.credit.rulesets import active_rules, rules_by_version
from chanrong.credit.schedule import REPAYMENTS
from chanrong.errors import ChanrongError, RoleRequired
from chanrong.ledger.service import Event, record, record_many
from chanrong.parties import service as parties
from chanrong.principal import Principal


@lru_cache(maxsize=1)
def table() -> tuple[PointsTable, str]:
    """The SME points table in use (SYNTHETIC, shipped with the package) and its digest."""
    loaded = sme_model.load_table()
    return loaded, loaded.digest()


def _digest(data: Any) -> str:
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


# Built once, read on every decision (see ``chanrong.db.read``).
_EXPOSURE = select(
    func.coalesce(func.sum(case((Loan.borrower_party_id == bindparam("borrower"),
                                 Loan.principal_fen), else_=0)), 0),
    func.coalesce(func.sum(Loan.principal_fen), 0),
).where(Loan.bank_party_id == bindparam("bank"), Loan.status == "active")  # fmt: skip


def _exposure(session: Session, bank_party_id: int, borrower: int) -> tuple[int, int]:
    """The principal (fen) of the bank's active loans to ``borrower`` and in all, in one query."""
    found = db.read(session, _EXPOSURE, {"borrower": borrower, "bank": bank_party_id}).one()
    return int(found[0]), int(found[1])


def _check_input(product: str, amount_fen: int, term_months: int, repayment: str,
                 piece_id: int | None) -> None:  # fmt: skip
    if product not in PRODUCTS:
        raise InvalidApplication(f"product is one of {PRODUCTS}", field="product", rule="enum")
    if amount_fen <= 0:
        raise InvalidApplication("the amount is positive", field="amount_fen", rule="positive")
    if repayment not in REPAYMENTS:
        raise InvalidApplication(f"repayment is one of {REPAYMENTS}", field="repayment",
                                 rule="enum")  # fmt: skip
    if product == "working_capital" and not 1 <= term_months <= 60:
        raise InvalidApplication("1 to 60 months", field="term_months", rule="range")
    if product == "certificate" and piece_id is None:
        raise InvalidApplication("name the certificate piece to finance", field="piece_id",
                                 rule="required")  # fmt: skip


def _piece_facts(session: Session, piece_id: int, holder: int) -> dict[str, Any]:
    from chanrong.supplychain import service as supplychain

    try:
        piece = supplychain.piece_for_financing(session, piece_id, holder)
    except ChanrongError as error:
        return {"holder_problem": error.detail}
    return {"maturity_days": (piece.maturity_on - clock.today()).days,
            "piece_fen": piece.amount_fen}  # fmt: skip


@dataclass(frozen=True)
class Decided:
    """A decision made, not yet recorded (``record_decisions``): the application row without
    its id and log position (as values, and as the transient ``Application`` to return, built
    here so that its cost stays outside the write lock), its ``credit.decided`` event and the
    held audits of the reads of the SME's data under grant that it used."""

    values: dict[str, Any]
    application: Application
    event: Event
    audits: tuple[consent.HeldAudit, ...]


def apply(session: Session, *, actor: Principal, bank_party_id: int, product: str,
          amount_fen: int, term_months: int = 0, repayment: str = "equal_principal",
          piece_id: int | None = None, applicant_party_id: int | None = None) -> Application:  # fmt: skip
    """An SME applies to a bank; the decision is made at once and recorded with its inputs
    (feature values with windows and sources, facts), rules version and digest, and points
    table digest, and logged as ``credit.decided``. Device utilisation counts only under the
    SME's live telemetry grant to the bank (``credit.features``)."""
    decided = decide_application(session, actor=actor, bank_party_id=bank_party_id,
                                 product=product, amount_fen=amount_fen, term_months=term_months,
                                 repayment=repayment, piece_id=piece_id,
                                 applicant_party_id=applicant_party_id)  # fmt: skip
    return record_decisions(session, [decided])[0]


def decide_application(session: Session, *, actor: Principal, bank_party_id: int,
                       product: str, amount_fen: int, term_months: int = 0,
                       repayment: str = "equal_principal", piece_id: int | None = None,
                       applicant_party_id: int | None = None) -> Decided:  # fmt: skip
    """The decision of ``apply``, made from reads only (so on a snapshot beside the writers),
    to be recorded by ``record_decisions``; the reads of the SME's data under grant keep their
    audit for that."""
    if not actor.may_write():
        raise RoleRequired("applying needs the admin or member role")
    applicant_id = applicant_party_id if actor.is_system and applicant_party_id else actor.party_id
    if product == "certificate":
        repayment, term_months = "bullet", 0
    _check_input(product, amount_fen, term_months, repayment, piece_id)
    found = parties.registrations(session, (applicant_id, bank_party_id))
    applicant, bank = found.get(applicant_id), found.get(bank_party_id)
    if applicant is None or applicant.kind != "enterprise":
        raise InvalidApplication("the applicant is an enterprise", field="applicant",
                                 rule="applicant")  # fmt: skip
    if bank is None or bank.kind != "institution":
        raise InvalidApplication("apply to a financial institution", field="bank_party_id",
                                 rule="bank")  # fmt: skip
    as_of = clock.today()
    with consent.held_audits(session) as audits:
        features = sme_features(session, applicant.id, as_of=as_of, bank_party_id=bank.id)
    extra = _piece_facts(session, piece_id, applicant.id) if piece_id is not None else {}
    exposure = _exposure(session, bank.id, applicant.id)
    facts = Facts(
        product=product, amount_fen=amount_fen, term_months=term_months, uscc=applicant.uscc,
        identity_missing=tuple(f for f in parties.IDENTITY_FIELDS if not getattr(applicant, f)),
        sme_exposure_fen=exposure[0], bank_outstanding_fen=exposure[1],
        sales_12m_fen=features["sales_12m_fen"].value or 0,
        top_buyer_share_bp=features["top_buyer_share_bp"].value, **extra,
    )  # fmt: skip
    rules = active_rules(session, bank.id)
    points_table, digest = table()
    inputs = Inputs(facts, scored_values(features), as_of, repayment)
    decision = decide(inputs, rules, points_table, digest)
    result = decision.to_dict()
    stored_inputs = inputs.to_dict()
    event = Event(actor, "credit.decided", f"party:{applicant.id}", {
        "bank": bank.id, "product": product, "amount_fen": amount_fen,
        "outcome": decision.outcome, "reasons": [r.code for r in decision.reasons],
        "points": decision.points, "rules_version": rules.version,
        "rules_digest": decision.rules_digest, "table_digest": digest,
        "inputs_digest": _digest(stored_inputs), "result_digest": _digest(result),
    })  # fmt: skip
    values = dict(
        applicant_party_id=applicant.id, bank_party_id=bank.id, product=product,
        amount_fen=amount_fen, term_months=term_months, repayment=repayment, piece_id=piece_id,
        outcome=decision.outcome, reasons=result["reasons"], points=decision.points,
        inputs=stored_inputs, features={k: f.to_dict() for k, f in features.items()},
        result=result, rules_version=rules.version, rules_digest=decision.rules_digest,
        table_version=points_table.version, table_digest=digest, status="decided",
        decided_at=clock.now(),
    )  # fmt: skip
    return Decided(values, Application(**values), event, tuple(audits))


def record_decisions(session: Session, decided: Sequence[Decided]) -> list[Application]:
    """Record decisions made by ``decide_application``, in order: the audits of the reads they
    used and their ``credit.decided`` entries (appended together, under one signed head), then
    the access records and the applications."""
    audits = [a for d in decided for a in d.audits]
    receipts = record_many(session, [*(a.event() for a in audits), *(d.event for d in decided)])
    consent.store_audits(session, audits, [r.seq for r in receipts[: len(audits)]])
    seqs = [r.seq for r in receipts[len(audits) :]]
    return _insert_applications(session, decided, seqs)


_APPLICATIONS: Table = Application.__table__  # type: ignore[assignment]


def _insert_applications(session: Session, decided: Sequence[Decided],
                         seqs: list[int]) -> list[Application]:  # fmt: skip
    # The rows go straight to the driver in one statement, then join the session as if loaded:
    # the ORM's flush of these JSON-heavy rows cost more than the rest of the decisions' writes.
    rows = [{**d.values, "ledger_seq": seq} for d, seq in zip(decided, seqs, strict=True)]
    ids = db.insert_rows_returning_ids(session, _APPLICATIONS, rows, key="ledger_seq")
    applications = []
    for d, id_, seq in zip(decided, ids, seqs, strict=True):
        # a decision retried alone after its batch failed gets a fresh instance
        application = d.application if inspect(d.application).transient else Application(**d.values)
        application.id, application.ledger_seq = id_, seq
        make_transient_to_detached(application)
        session.add(application)
        applications.append(application)
    return applications


def recompute(session: Session, application: Application) -> Decision:
    """The decision recomputed from the application's recorded inputs with the rules version
    and the points table it used (the table must still be the one with its digest)."""
    points_table, digest = table()
    if digest != application.table_digest:
        raise ApplicationNotFound(f"points table {application.table_digest} is not loaded")
    rules = rules_by_version(session, application.rules_version)
    return decide(Inputs.from_dict(application.inputs), rules, points_table, digest)


def get_application(session: Session, *, actor: Principal, application_id: int) -> Application:
    """An application visible to the caller (its applicant or its bank)."""
    row = session.get(Application, application_id)
    if row is None or not (actor.acts_for(row.applicant_party_id)
                           or actor.acts_for(row.bank_party_id)):  # fmt: skip
        raise ApplicationNotFound(f"no credit application {application_id} of yours")
    return row


def accept(session: Session, *, actor: Principal, application_id: int) -> Loan:
    """The applicant accepts an approved offer on its decision date: creates the loan (for a
    certificate piece, the supply-chain financing first), the disbursement record and the
    repayment schedule, each logged in the ledger."""
    if not actor.may_write():
        raise RoleRequired("accepting needs the admin or member role")
    app = session.execute(select(Application).where(Application.id == application_id)
                          .with_for_update()).scalar_one_or_none()  # fmt: skip
    if app is None or not actor.acts_for(app.applicant_party_id):
        raise ApplicationNotFound(f"no credit application {application_id} of yours")
    offer = app.result["offer"]
    if app.outcome != "approve" or app.status != "decided" or offer is None:
        raise OfferNotOpen(f"application {application_id} has no open offer ({app.outcome}, "
                           f"{app.status})")  # fmt: skip
    if offer["start_on"] != clock.today().isoformat():
        raise OfferNotOpen(f"the offer was valid on {offer['start_on']} only: apply again")
    financing_id, interest, proceeds = None, offer["interest_fen"], offer["proceeds_fen"]
    if app.product == "certificate":
        from chanrong.supplychain import service as supplychain

        assert app.piece_id is not None
        financing = supplychain.finance_piece(
            session, actor=actor, piece_id=app.piece_id, amount_fen=app.amount_fen,
            bank_party_id=app.bank_party_id, annual_rate_bp=offer["annual_rate_bp"],
            day_count=offer["day_count"], fees_fen=offer["fees_fen"],
            idempotency_key=f"credit-application-{app.id}",
        )  # fmt: skip
        financing_id, interest, proceeds = (
            financing.id,
            financing.discount_fen,
            financing.proceeds_fen,
        )
    receipt = record(session, Event(actor, "credit.loan.created", f"credit-application:{app.id}", {
        "bank": app.bank_party_id, "borrower": app.applicant_party_id, "product": app.product,
        "principal_fen": app.amount_fen, "annual_rate_bp": offer["annual_rate_bp"],
        "fees_fen": offer["fees_fen"], "interest_fen": interest, "financing_id": financing_id,
        "schedule": offer["schedule"],
    }))  # fmt: skip
    today = clock.today()
    loan = Loan(
        application_id=app.id, borrower_party_id=app.applicant_party_id,
        bank_party_id=app.bank_party_id, product=app.product, principal_fen=app.amount_fen,
        annual_rate_bp=offer["annual_rate_bp"], fees_fen=offer["fees_fen"], interest_fen=interest,
        total_cost_fen=interest + offer["fees_fen"], start_on=today,
        maturity_on=_day(offer["maturity_on"]),
        financing_id=financing_id, status="active", created_at=clock.now(), ledger_seq=receipt.seq,
    )  # fmt: skip
    session.add(loan)
    session.flush()
    for item in offer["schedule"]:
        session.add(Instalment(loan_id=loan.id, number=item["number"], due_on=_day(item["due_on"]),
                               principal_fen=item["principal_fen"],
                               interest_fen=item["interest_fen"]))  # fmt: skip
    paid = record(session, Event(actor, "credit.disbursed", f"credit-loan:{loan.id}",
                                 {"amount_fen": proceeds, "fees_fen": offer["fees_fen"]}))  # fmt: skip
    session.add(Disbursement(loan_id=loan.id, amount_fen=proceeds, fees_fen=offer["fees_fen"],
                             disbursed_at=clock.now(), ledger_seq=paid.seq))  # fmt: skip
    app.status = "accepted"
    session.flush()
    return loan


def _day(text: str) -> date:
    return date.fromisoformat(text)


def _bank(actor: Principal) -> int:
    if actor.party_kind != "institution" and not actor.is_system:
        raise NotTheBank("only a financial institution has a credit queue and portfolio")
    return actor.party_id


def queue(session: Session, *, actor: Principal, outcome: str | None = None,
          limit: int = 100) -> list[Application]:  # fmt: skip
    """The bank's applications, newest first, optionally of one ``outcome``, with reasons."""
    query = select(Application).where(Application.bank_party_id == _bank(actor))
    if outcome is not None:
        query = query.where(Application.outcome == outcome)
    return list(session.scalars(query.order_by(Application.id.desc()).limit(limit)))


def my_applications(session: Session, *, actor: Principal, limit: int = 100) -> list[Application]:
    """The caller's own applications, newest first."""
    return list(session.scalars(select(Application).where(
        Application.applicant_party_id == actor.party_id)
        .order_by(Application.id.desc()).limit(limit)))  # fmt: skip


def portfolio(session: Session, *, actor: Principal) -> dict[str, Any]:
    """The bank's loans: totals per product (count, principal, fees, interest in fen) and the
    loans themselves, newest first."""
    loans = list(session.scalars(select(Loan).where(Loan.bank_party_id == _bank(actor))
                                 .order_by(Loan.id.desc())))  # fmt: skip
    totals: dict[str, dict[str, int]] = {}
    for loan in loans:
        t = totals.setdefault(loan.product, {"loans": 0, "principal_fen": 0, "fees_fen": 0,
                                             "interest_fen": 0})  # fmt: skip
        t["loans"] += 1
        t["principal_fen"] += loan.principal_fen
        t["fees_fen"] += loan.fees_fen
        t["interest_fen"] += loan.interest_fen
    return {"totals": totals, "loans": loans}


def schedule_of(session: Session, *, actor: Principal, loan_id: int) -> list[Instalment]:
    """A loan's repayment schedule, for its borrower or its bank."""
    loan = session.get(Loan, loan_id)
    if loan is None or not (actor.acts_for(loan.borrower_party_id)
                            or actor.acts_for(loan.bank_party_id)):  # fmt: skip
        raise ApplicationNotFound(f"no loan {loan_id} of yours")
    return list(session.scalars(select(Instalment).where(Instalment.loan_id == loan_id)
                                .order_by(Instalment.number)))  # fmt: skip
