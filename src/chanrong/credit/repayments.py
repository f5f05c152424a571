"""Repayments of credit loans: a payment is applied to the loan's schedule in order, and the
instalments and the loan are marked paid when nothing is left (docs/credit-decisions.md §7).

Rules, in exact fen:

- instalments are paid in their order (number 1 first); within an instalment, **interest
  before principal**; a payment may cover several instalments or part of one;
- fees are withheld at disbursement and a certificate piece's discount is taken up front, so
  neither is owed later: a certificate loan owes only its principal (the piece's amount);
- a payment above what the loan still owes is refused (``invalid-repayment``,
  ``amount_fen``/``above_outstanding``), as is any payment on a repaid loan;
- a working-capital loan's repayments are recorded by its lending bank (or the platform);
  a certificate loan is repaid only by the issuer's settlement of the certificate
  (``supplychain.service.settle_certificate`` calls ``repay_financing``).

Each repayment is a row (``Repayment``) and a ledger entry ``credit.repaid``. Functions flush,
never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from chanrong import clock
from chanrong.credit.errors import ApplicationNotFound, InvalidRepayment, NotTheBank
from chanrong.credit.models import Instalment, Loan, Repayment
from chanrong.errors import RoleRequired
from chanrong.ledger.service import Event, record
from chanrong.principal import Principal

SETTLEMENT_SOURCE = "settlement:certificate:{}"


@dataclass(frozen=True)
class Due:
    """What one instalment still owes (fen)."""

    number: int
    interest_fen: int
    principal_fen: int


def allocate(dues: list[Due], amount_fen: int) -> list[tuple[int, int, int]]:
    """``amount_fen`` applied to ``dues`` in order, interest before principal within each:
    ``[(number, interest fen, principal fen), ...]`` for the instalments it touches. The parts
    sum exactly to ``amount_fen``; raises ValueError when it exceeds the total owed."""
    left, out = amount_fen, []
    for due in dues:
        if left == 0:
            break
        interest = min(left, due.interest_fen)
        principal = min(left - interest, due.principal_fen)
        if interest or principal:
            out.append((due.number, interest, principal))
        left -= interest + principal
    if left:
        raise ValueError(f"{left} fen more than owed")
    return out


def dues(loan: Loan, rows: list[Instalment]) -> list[Due]:
    """What each instalment still owes; a certificate loan's interest (its discount) was taken
    at disbursement, so it owes only principal."""
    return [Due(r.number,
                0 if loan.product == "certificate" else r.interest_fen - r.interest_paid_fen,
                r.principal_fen - r.principal_paid_fen) for r in rows]  # fmt: skip


def _instalments(session: Session, loan_id: int) -> list[Instalment]:
    return list(session.scalars(
        select(Instalment).where(Instalment.loan_id == loan_id).order_by(Instalment.number)
        .with_for_update().execution_options(populate_existing=True)
    ))  # fmt: skip


def outstanding_fen(session: Session, loan: Loan) -> int:
    """What ``loan`` still owes in fen (interest and principal, by the rules above)."""
    return sum(d.interest_fen + d.principal_fen for d in dues(loan, _instalments(session, loan.id)))


def _locked_loan(session: Session, loan_id: int) -> Loan | None:
    return session.execute(
        select(Loan).where(Loan.id == loan_id).with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()  # fmt: skip


def _apply(session: Session, actor: Principal, loan: Loan, amount_fen: int, paid_on: date,
           source: str) -> Repayment:  # fmt: skip
    """Check, allocate, write and log one repayment of the locked ``loan``."""
    if amount_fen <= 0:
        raise InvalidRepayment("the amount is positive", field="amount_fen", rule="positive")
    if not source.strip():
        raise InvalidRepayment("name the payment's source (e.g. the bank's reference)",
                               field="source", rule="required")  # fmt: skip
    if len(source) > 100:
        raise InvalidRepayment("at most 100 characters", field="source", rule="length")
    if paid_on < loan.start_on:
        raise InvalidRepayment(f"the loan started on {loan.start_on}", field="paid_on",
                               rule="before_start")  # fmt: skip
    if paid_on > clock.today():
        raise InvalidRepayment(f"{paid_on} is after today ({clock.today()})", field="paid_on",
                               rule="future")  # fmt: skip
    if loan.status == "repaid":
        raise InvalidRepayment(f"loan {loan.id} is repaid: nothing is owed", field="loan_id",
                               rule="repaid")  # fmt: skip
    rows = _instalments(session, loan.id)
    owing = dues(loan, rows)
    owed = sum(d.interest_fen + d.principal_fen for d in owing)
    if amount_fen > owed:
        raise InvalidRepayment(f"{amount_fen} fen is more than the {owed} fen loan {loan.id} "
                               "still owes; overpayment is refused",
                               field="amount_fen", rule="above_outstanding")  # fmt: skip
    allocation = allocate(owing, amount_fen)
    by_number = {r.number: r for r in rows}
    for number, interest, principal in allocation:
        row = by_number[number]
        row.interest_paid_fen += interest
        row.principal_paid_fen += principal
    for row, due in zip(rows, dues(loan, rows), strict=True):
        if row.paid_on is None and due.interest_fen == 0 and due.principal_fen == 0:
            row.paid_on = paid_on
    interest_fen = sum(a[1] for a in allocation)
    principal_fen = sum(a[2] for a in allocation)
    remaining = owed - amount_fen
    if remaining == 0:
        loan.status = "repaid"
    receipt = record(session, Event(actor, "credit.repaid", f"credit-loan:{loan.id}", {
        "bank": loan.bank_party_id, "borrower": loan.borrower_party_id,
        "amount_fen": amount_fen, "interest_fen": interest_fen, "principal_fen": principal_fen,
        "paid_on": paid_on.isoformat(), "source": source,
        "allocation": [list(a) for a in allocation], "outstanding_fen": remaining,
        "loan_status": loan.status,
    }))  # fmt: skip
    repayment = Repayment(loan_id=loan.id, amount_fen=amount_fen, interest_fen=interest_fen,
                          principal_fen=principal_fen, paid_on=paid_on, source=source,
                          allocation=[list(a) for a in allocation], recorded_by=actor.user_id,
                          recorded_at=clock.now(), ledger_seq=receipt.seq)  # fmt: skip
    session.add(repayment)
    session.flush()
    return repayment


def record_repayment(session: Session, *, actor: Principal, loan_id: int, amount_fen: int,
                     paid_on: date, source: str) -> Repayment:  # fmt: skip
    """The lending bank (or the platform) records ``amount_fen`` fen received on ``paid_on``
    from ``source`` on a working-capital loan: applied to the schedule in order (interest
    before principal), instalments and the loan marked paid when done, logged as
    ``credit.repaid``. Overpayment is refused (``invalid-repayment``)."""
    if not actor.may_write():
        raise RoleRequired("recording a repayment needs the admin or member role")
    loan = _locked_loan(session, loan_id)
    platform = actor.is_platform_admin
    if loan is None or not (platform or actor.acts_for(loan.borrower_party_id)
                            or actor.acts_for(loan.bank_party_id)):  # fmt: skip
        raise ApplicationNotFound(f"no loan {loan_id} of yours")
    if not (platform or actor.acts_for(loan.bank_party_id)):
        raise NotTheBank("only the lending bank (or the platform) records a repayment")
    if loan.product == "certificate":
        raise InvalidRepayment("a financed certificate piece is repaid by its issuer's "
                               "settlement", field="loan_id", rule="settled_by_issuer")  # fmt: skip
    return _apply(session, actor, loan, amount_fen, paid_on, source)


def repay_financing(session: Session, *, actor: Principal, financing_id: int, amount_fen: int,
                    paid_on: date, certificate_id: int) -> Repayment | None:  # fmt: skip
    """The issuer's settlement of certificate ``certificate_id`` paid ``amount_fen`` fen to the
    bank of financing ``financing_id``: repays the credit loan that financing belongs to
    (source ``settlement:certificate:<id>``). None when no credit loan made that financing
    (a piece financed directly at a bank). Called by ``supplychain.service`` only."""
    loan_id = session.scalar(select(Loan.id).where(Loan.financing_id == financing_id))
    if loan_id is None:
        return None
    loan = _locked_loan(session, loan_id)
    assert loan is not None
    return _apply(session, actor, loan, amount_fen, paid_on,
                  SETTLEMENT_SOURCE.format(certificate_id))  # fmt: skip


def repayments_of(session: Session, *, actor: Principal, loan_id: int) -> list[Repayment]:
    """A loan's repayments, oldest first, for its borrower, its bank or the platform."""
    loan = session.get(Loan, loan_id)
    if loan is None or not (actor.is_platform_admin or actor.acts_for(loan.borrower_party_id)
                            or actor.acts_for(loan.bank_party_id)):  # fmt: skip
        raise ApplicationNotFound(f"no loan {loan_id} of yours")
    return list(session.scalars(select(Repayment).where(Repayment.loan_id == loan_id)
                                .order_by(Repayment.id)))  # fmt: skip
