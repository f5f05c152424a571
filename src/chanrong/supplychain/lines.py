"""Credit lines a bank sets for a core enterprise, changed under maker-checker: one bank user
proposes a limit, another approves it (or rejects it); both steps are logged."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from chanrong import clock
from chanrong.errors import RoleRequired
from chanrong.ledger.service import Event, record
from chanrong.parties import service as parties
from chanrong.principal import Principal
from chanrong.supplychain.errors import (
    CreditLineNotFound,
    FourEyes,
    InvalidCreditLine,
    NotHolder,
)
from chanrong.supplychain.models import Certificate, CreditLine, CreditLineChange


def who(actor: Principal) -> str:
    """The person behind an action, for maker-checker: ``user:<id>``, ``key:<id>`` or ``system``."""
    if actor.user_id is not None:
        return f"user:{actor.user_id}"
    if actor.api_key_id is not None:
        return f"key:{actor.api_key_id}"
    return "system" if actor.is_system else f"party:{actor.party_id}"


def _bank_admin(session: Session, actor: Principal, bank_party_id: int) -> None:
    if parties.party_kinds(session, [bank_party_id]).get(bank_party_id) != "institution":
        raise InvalidCreditLine("credit lines are set by a financial institution",
                                field="bank_party_id", rule="bank")  # fmt: skip
    if not actor.acts_for(bank_party_id):
        raise NotHolder("only the bank's own users change its credit lines")
    if not (actor.is_system or "admin" in actor.roles):
        raise RoleRequired("changing a credit line needs the bank's admin role")


def propose_line(session: Session, *, actor: Principal, bank_party_id: int, core_party_id: int,
                 limit_fen: int) -> CreditLineChange:  # fmt: skip
    """A bank user proposes the limit (fen, >= 0) of the bank's line for a core enterprise."""
    _bank_admin(session, actor, bank_party_id)
    if parties.party_kinds(session, [core_party_id]).get(core_party_id) != "enterprise":
        raise InvalidCreditLine("a credit line is for an enterprise",
                                field="core_party_id", rule="core_enterprise")  # fmt: skip
    if limit_fen < 0:
        raise InvalidCreditLine(
            "the limit is at least 0 fen", field="limit_fen", rule="non_negative"
        )
    change = CreditLineChange(
        bank_party_id=bank_party_id, core_party_id=core_party_id, limit_fen=limit_fen,
        status="proposed", proposed_by=who(actor), proposed_at=clock.now(),
    )  # fmt: skip
    session.add(change)
    session.flush()
    record(
        session,
        Event(
            actor,
            "supplychain.line.proposed",
            f"credit-line-change:{change.id}",
            {"bank": bank_party_id, "core": core_party_id, "limit_fen": limit_fen},
        ),
    )
    return change


def decide_line(session: Session, *, actor: Principal, change_id: int,
                approve: bool) -> CreditLineChange:  # fmt: skip
    """A second bank user approves (the limit applies at once) or rejects a proposal; the
    proposer cannot decide it (``FourEyes``)."""
    change = session.execute(
        select(CreditLineChange).where(CreditLineChange.id == change_id).with_for_update()
    ).scalar_one_or_none()
    if change is None:
        raise CreditLineNotFound(f"no credit line change {change_id}")
    _bank_admin(session, actor, change.bank_party_id)
    if change.status != "proposed":
        raise InvalidCreditLine(f"change {change_id} is already {change.status}",
                                field="change_id", rule="decided")  # fmt: skip
    if who(actor) == change.proposed_by:
        raise FourEyes("the proposer of a credit line change cannot decide it")
    change.status = "approved" if approve else "rejected"
    change.decided_by, change.decided_at = who(actor), clock.now()
    if approve:
        line = session.execute(
            select(CreditLine).where(CreditLine.bank_party_id == change.bank_party_id,
                                     CreditLine.core_party_id == change.core_party_id)
        ).scalar_one_or_none()  # fmt: skip
        if line is None:
            line = CreditLine(bank_party_id=change.bank_party_id, core_party_id=change.core_party_id,
                              limit_fen=change.limit_fen, updated_at=clock.now())  # fmt: skip
            session.add(line)
        line.limit_fen, line.updated_at = change.limit_fen, clock.now()
    session.flush()
    record(
        session,
        Event(
            actor,
            f"supplychain.line.{change.status}",
            f"credit-line-change:{change.id}",
            {"limit_fen": change.limit_fen},
        ),
    )
    return change


def used_fen(session: Session, line_id: int) -> int:
    """The face value (fen) of the line's certificates not yet settled."""
    total = session.execute(
        select(func.coalesce(func.sum(Certificate.face_fen), 0)).where(
            Certificate.credit_line_id == line_id, Certificate.settled_on.is_(None)
        )
    ).scalar_one()
    return int(total)


def lines(session: Session, *, actor: Principal) -> list[dict[str, object]]:
    """The credit lines the caller's party set (bank) or has (core enterprise), each with its
    limit, used and available amounts in fen, and the proposals waiting for a checker."""
    query = select(CreditLine).order_by(CreditLine.id)
    if not actor.is_system:
        query = query.where(or_(CreditLine.bank_party_id == actor.party_id,
                                CreditLine.core_party_id == actor.party_id))  # fmt: skip
    found: list[dict[str, object]] = []
    for line in session.execute(query).scalars():
        used = used_fen(session, line.id)
        found.append({"id": line.id, "bank_party_id": line.bank_party_id,
                      "core_party_id": line.core_party_id, "limit_fen": line.limit_fen,
                      "used_fen": used, "available_fen": line.limit_fen - used})  # fmt: skip
    return found


def pending_changes(session: Session, *, actor: Principal) -> list[CreditLineChange]:
    """The caller's bank's credit line proposals waiting for a second user."""
    query = select(CreditLineChange).where(CreditLineChange.status == "proposed")
    if not actor.is_system:
        query = query.where(CreditLineChange.bank_party_id == actor.party_id)
    return list(session.execute(query.order_by(CreditLineChange.id)).scalars())
