"""Read-side views of the instant-credit console (秒审批): what an SME sees (banks, its
applications, loans with their schedules, the certificate pieces it may finance) and what a bank
sees (queue, portfolio, outstanding principal, rule sets, an SME's data under its grant).

Plain functions over a session, scoped to the principal's own party; they read, never write.
Amounts in fen, dates are business dates."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chanrong.consent.errors import DerivedOnly
from chanrong.credit import rulesets, service, sharing
from chanrong.credit.models import Application, Instalment, Loan
from chanrong.errors import ChanrongError
from chanrong.parties import service as parties
from chanrong.principal import Principal
from chanrong.supplychain.views import financeable_pieces

LIMIT = 100  # rows shown per table, newest first
OUTCOMES = ("approve", "refer", "decline")


def my_loans(session: Session, principal: Principal) -> list[dict[str, Any]]:
    """The caller's own loans, newest first (at most ``LIMIT``), each as ``{"loan", "schedule"}``
    with its instalments (``service.schedule_of``)."""
    loans = session.scalars(select(Loan).where(Loan.borrower_party_id == principal.party_id)
                            .order_by(Loan.id.desc()).limit(LIMIT))  # fmt: skip
    return [{"loan": loan, "schedule": service.schedule_of(session, actor=principal,
                                                           loan_id=loan.id)} for loan in loans]  # fmt: skip


def loan_of(session: Session, principal: Principal, app: Application) -> dict[str, Any] | None:
    """The loan of an accepted application with its schedule (``{"loan", "schedule"}``), or
    None while it is not accepted; the caller must be its borrower or its bank."""
    if app.status != "accepted":
        return None
    found = session.scalar(select(Loan).where(Loan.application_id == app.id))
    if found is None:
        return None
    return {"loan": found, "schedule": service.schedule_of(session, actor=principal,
                                                           loan_id=found.id)}  # fmt: skip


def enterprise(
    session: Session, principal: Principal, piece_id: int | None = None
) -> dict[str, Any]:
    """What an SME sees: the banks to apply to, its financeable pieces (``piece``: the one
    asked for by ``piece_id`` when it is among them, else None), its applications and loans."""
    banks, _total = parties.list_parties(
        session, actor=principal, where=parties.PartyFilter(kind="institution"), limit=200
    )
    applications = service.my_applications(session, actor=principal, limit=LIMIT)
    pieces = financeable_pieces(session, principal) if principal.may_write() else []
    piece = next((p for p in pieces if p["piece_id"] == piece_id), None)
    return {
        "banks": [(b.id, b.name) for b in banks], "applications": applications,
        "loans": my_loans(session, principal), "can_write": principal.may_write(),
        "names": parties.party_names(session, {a.bank_party_id for a in applications}),
        "pieces": pieces, "piece": piece, "piece_id": piece_id,
    }  # fmt: skip


def book(session: Session, bank_id: int) -> dict[str, Any]:
    """The bank's applications counted by outcome (``by_outcome``) and its outstanding
    principal (``outstanding_fen``: the unpaid principal of active loans' instalments, fen); the
    caller must have checked it is the bank (``service.portfolio`` does)."""
    rows = session.execute(
        select(Application.outcome, func.count()).where(Application.bank_party_id == bank_id)
        .group_by(Application.outcome)).all()  # fmt: skip
    by_outcome = {outcome: count for outcome, count in rows}
    outstanding = session.scalar(
        select(func.coalesce(func.sum(Instalment.principal_fen - Instalment.principal_paid_fen), 0))
        .join(Loan, Loan.id == Instalment.loan_id)
        .where(Loan.bank_party_id == bank_id, Loan.status == "active")
    )
    return {"by_outcome": by_outcome, "outstanding_fen": int(outstanding or 0)}


def rules(session: Session, principal: Principal) -> dict[str, Any]:
    """The bank's active rules and every version, whether the caller is an admin (``can_admin``)
    and who it is (``me``), for the maker-checker section."""
    return {
        "active": rulesets.active_rules(session, principal.party_id),
        "versions": rulesets.versions(session, actor=principal, bank_party_id=principal.party_id),
        "can_admin": "admin" in principal.roles,
        "me": rulesets.who(principal),
    }


def sme_view(session: Session, principal: Principal, sme: int | None) -> dict[str, Any]:
    """An SME's features for the bank (``sme_features``, under a raw grant) or only its score
    (``sme_score``, derived-only grant), or the refusal (``sme_refused``: nothing shown); empty
    when no SME is asked for."""
    if sme is None:
        return {}
    try:
        with session.begin_nested():
            return {"sme": sme, "sme_features": sharing.features_for(
                session, actor=principal, party_id=sme)}  # fmt: skip
    except DerivedOnly:
        pass
    except ChanrongError as error:
        return {"sme": sme, "sme_refused": error}
    try:
        with session.begin_nested():
            return {"sme": sme, "sme_score": sharing.score_for(session, actor=principal,
                                                               party_id=sme)}  # fmt: skip
    except ChanrongError as error:
        return {"sme": sme, "sme_refused": error}


def institution(session: Session, principal: Principal, outcome: str,
                sme: int | None) -> dict[str, Any]:  # fmt: skip
    """What a bank sees: its queue (of one ``outcome``, or all when empty), portfolio and its
    counts, rule sets, and a granted SME's data (``sme_view``)."""
    queue = service.queue(session, actor=principal, outcome=outcome or None, limit=LIMIT)
    portfolio = service.portfolio(session, actor=principal)
    ids = {a.applicant_party_id for a in queue} | {x.borrower_party_id for x in portfolio["loans"]}
    return {
        "queue": queue, "outcome": outcome, "outcomes": OUTCOMES, "book": portfolio,
        **book(session, principal.party_id), "rules": rules(session, principal),
        "names": parties.party_names(session, ids | ({sme} if sme else set())),
        **sme_view(session, principal, sme),
    }  # fmt: skip
