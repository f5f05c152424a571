"""Credit statements as table rows for XLSX/CSV downloads: a bank's loan portfolio
(``portfolio_rows``) and an SME's loans with every instalment (``loans_rows``). Amounts are
integer fen, rates basis points, dates ISO business dates, statuses the stored codes; the
headers are bilingual (Chinese first). Reads take no row locks."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chanrong.credit.errors import NotTheBank
from chanrong.credit.models import Instalment, Loan
from chanrong.credit.repayments import dues
from chanrong.errors import OtherPartysData
from chanrong.parties import service as parties
from chanrong.principal import Principal

PORTFOLIO_HEADER = (
    "贷款 loan_id", "借款方 borrower", "产品 product", "本金(分) principal_fen",
    "年利率(基点) annual_rate_bp", "费用(分) fees_fen", "利息(分) interest_fen",
    "放款日 disbursed_on", "到期日 maturity_on", "末期还款日 last_due_on",
    "未还(分) outstanding_fen", "状态 status",
)  # fmt: skip
LOANS_HEADER = (
    "贷款 loan_id", "银行 bank", "产品 product", "本金(分) principal_fen",
    "年利率(基点) annual_rate_bp", "放款日 disbursed_on", "到期日 maturity_on",
    "贷款状态 loan_status", "期次 instalment", "应还日 due_on", "应还本金(分) principal_due_fen",
    "应还利息(分) interest_due_fen", "已还本金(分) principal_paid_fen",
    "已还利息(分) interest_paid_fen", "结清日 paid_on",
)  # fmt: skip


def statement_party(actor: Principal, party_id: int | None) -> int:
    """The party whose statement is read: the caller's own (``party_id`` None or its own), or
    for the platform the named one; another party's is refused (``OtherPartysData``)."""
    if party_id is None or party_id == actor.party_id:
        return actor.party_id
    if not actor.is_platform_admin:
        raise OtherPartysData("Another party's credit statement is not yours to read.")
    return party_id


def _day(value: date | None) -> str:
    return "" if value is None else value.isoformat()


def _loans(session: Session, column: Any, party_id: int) -> list[Loan]:
    return list(session.scalars(select(Loan).where(column == party_id).order_by(Loan.id)))


def _schedules(session: Session, loans: list[Loan]) -> dict[int, list[Instalment]]:
    """Every loan's instalments in order, in one query (no row locks)."""
    found: dict[int, list[Instalment]] = defaultdict(list)
    rows = session.scalars(select(Instalment).where(Instalment.loan_id.in_([x.id for x in loans]))
                           .order_by(Instalment.loan_id, Instalment.number))  # fmt: skip
    for row in rows:
        found[row.loan_id].append(row)
    return found


def portfolio_rows(
    session: Session, *, actor: Principal, party_id: int | None = None
) -> list[list[Any]]:
    """Rows (``PORTFOLIO_HEADER``) of the caller's bank's loans (or, for the platform, bank
    ``party_id``'s), oldest first, with what each still owes (fen, as ``service.outstanding_fen``
    counts it) and the due date of its last instalment."""
    bank = statement_party(actor, party_id)
    if bank == actor.party_id:
        kind = "institution" if actor.is_system else actor.party_kind
    else:
        kind = parties.get_party(session, actor=actor, party_id=bank).kind
    if kind != "institution":
        raise NotTheBank("only a financial institution has a loan portfolio")
    loans = _loans(session, Loan.bank_party_id, bank)
    schedules = _schedules(session, loans)
    names = parties.party_names(session, {x.borrower_party_id for x in loans})
    rows = []
    for x in loans:
        schedule = schedules[x.id]
        owed = sum(d.interest_fen + d.principal_fen for d in dues(x, schedule))
        rows.append([
            x.id, names.get(x.borrower_party_id, f"#{x.borrower_party_id}"), x.product,
            x.principal_fen, x.annual_rate_bp, x.fees_fen, x.interest_fen, _day(x.start_on),
            _day(x.maturity_on), _day(schedule[-1].due_on if schedule else None), owed, x.status,
        ])  # fmt: skip
    return rows


def loans_rows(
    session: Session, *, actor: Principal, party_id: int | None = None
) -> list[list[Any]]:
    """Rows (``LOANS_HEADER``) of the loans the caller's party (or, for the platform,
    ``party_id``) borrowed, oldest first, one row per instalment (a loan without instalments
    gets one row with the instalment columns empty); amounts in fen."""
    borrower = statement_party(actor, party_id)
    loans = _loans(session, Loan.borrower_party_id, borrower)
    schedules = _schedules(session, loans)
    names = parties.party_names(session, {x.bank_party_id for x in loans})
    rows = []
    for x in loans:
        loan = [x.id, names.get(x.bank_party_id, f"#{x.bank_party_id}"), x.product,
                x.principal_fen, x.annual_rate_bp, _day(x.start_on), _day(x.maturity_on),
                x.status]  # fmt: skip
        rows += [[*loan, i.number, _day(i.due_on), i.principal_fen, i.interest_fen,
                  i.principal_paid_fen, i.interest_paid_fen, _day(i.paid_on)]
                 for i in schedules[x.id]] or [[*loan, *[""] * 7]]  # fmt: skip
    return rows
