"""Reading certificates: a holder's certificates as trees of pieces, a core enterprise's
outstanding payables, and the ledger log of certificate operations replayed into state."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from chanrong import clock
from chanrong.errors import OtherPartysData
from chanrong.ledger import service as ledger
from chanrong.parties import service as parties
from chanrong.principal import Principal
from chanrong.supplychain import core
from chanrong.supplychain.models import Certificate, CreditLine, Financing, Piece

OPERATIONS = (
    "supplychain.certificate.issued", "supplychain.piece.split", "supplychain.transfer.offered",
    "supplychain.transfer.accepted", "supplychain.transfer.cancelled",
    "supplychain.piece.financed", "supplychain.certificate.settled",
)  # fmt: skip
"""The ledger events of certificate operations, the input of ``core.replay``."""


def logged_operations(session: Session) -> list[tuple[str, dict[str, Any]]]:
    """Every certificate operation in the ledger, in log order, as (event, payload)."""
    return ledger.logged(session, OPERATIONS)


def replay_ledger(session: Session) -> core.Book:
    """The state rebuilt from the ledger log alone (``core.replay``)."""
    return core.replay(logged_operations(session))


def stored_book(session: Session) -> core.Book:
    """The state as stored in the certificate tables, for comparing with ``replay_ledger``."""
    book = core.Book()
    for c in session.execute(select(Certificate)).scalars():
        book.certificates[c.id] = core.Certificate(c.id, c.issuer_party_id, c.face_fen,
                                                   c.issued_on, c.maturity_on, c.settled_on)  # fmt: skip
    for p in session.execute(select(Piece)).scalars():
        book.pieces[p.id] = core.Piece(p.id, p.certificate_id, p.start_fen, p.end_fen,
                                       p.holder_party_id, p.status, p.parent_id,
                                       p.pending_to_party_id, p.bank_party_id,
                                       p.paid_to_party_id)  # fmt: skip
    return book


def _node(piece: Piece) -> dict[str, Any]:
    return {"id": piece.id, "start_fen": piece.start_fen, "end_fen": piece.end_fen,
            "amount_fen": piece.amount_fen, "holder_party_id": piece.holder_party_id,
            "status": piece.status, "pending_to_party_id": piece.pending_to_party_id,
            "bank_party_id": piece.bank_party_id, "paid_to_party_id": piece.paid_to_party_id,
            "children": []}  # fmt: skip


def my_certificates(session: Session, *, actor: Principal) -> list[dict[str, Any]]:
    """The certificates the caller's party holds or held a piece of (or was offered), each with
    the lineage tree of its pieces as far as they concern the party: pieces it held, and the
    first piece of each recipient it passed a range to (not that recipient's own dealings)."""
    me = actor.party_id
    ids = select(Piece.certificate_id).where(
        or_(Piece.holder_party_id == me, Piece.pending_to_party_id == me)
    )
    certs = session.execute(
        select(Certificate).where(Certificate.id.in_(ids)).order_by(Certificate.id)
    ).scalars()
    found = []
    for cert in certs:
        pieces = list(session.execute(
            select(Piece).where(Piece.certificate_id == cert.id).order_by(Piece.id)
        ).scalars())  # fmt: skip
        nodes = {p.id: _node(p) for p in pieces}
        mine = {p.id for p in pieces if me in (p.holder_party_id, p.pending_to_party_id)}
        roots = []
        for p in pieces:
            if p.parent_id in mine:
                nodes[p.parent_id]["children"].append(nodes[p.id])
            elif p.id in mine:
                roots.append(nodes[p.id])
        held = sum(
            p.amount_fen for p in pieces if p.holder_party_id == me and p.status in core.LIVE
        )
        found.append({"id": cert.id, "issuer_party_id": cert.issuer_party_id,
                      "face_fen": cert.face_fen, "issued_on": cert.issued_on,
                      "maturity_on": cert.maturity_on, "settled_on": cert.settled_on,
                      "held_fen": held, "pieces": roots})  # fmt: skip
    return found


def outstanding_payables(session: Session, *, actor: Principal,
                         core_party_id: int) -> list[dict[str, Any]]:  # fmt: skip
    """A core enterprise's certificates not yet settled (its own view): face value, maturity,
    and how much of it is financed at banks, in fen."""
    if not actor.acts_for(core_party_id):
        raise OtherPartysData("only the core enterprise sees its outstanding payables")
    certs = session.execute(
        select(Certificate).where(Certificate.issuer_party_id == core_party_id,
                                  Certificate.settled_on.is_(None)).order_by(Certificate.maturity_on)
    ).scalars()  # fmt: skip
    found = []
    for cert in certs:
        financed = session.execute(
            select(Financing.amount_fen).join(Piece, Piece.id == Financing.piece_id)
            .where(Piece.certificate_id == cert.id)
        ).scalars()  # fmt: skip
        found.append({"id": cert.id, "face_fen": cert.face_fen, "issued_on": cert.issued_on,
                      "maturity_on": cert.maturity_on, "credit_line_id": cert.credit_line_id,
                      "financed_fen": sum(financed)})  # fmt: skip
    return found


def financings(session: Session, *, actor: Principal) -> list[Financing]:
    """Financings where the caller's party is the bank or the borrowing holder."""
    query = select(Financing).order_by(Financing.id)
    if not actor.is_system:
        query = query.where(or_(Financing.bank_party_id == actor.party_id,
                                Financing.holder_party_id == actor.party_id))  # fmt: skip
    return list(session.execute(query).scalars())


def financeable_pieces(session: Session, actor: Principal, *,
                       limit: int = 100) -> list[dict[str, Any]]:  # fmt: skip
    """The certificate pieces the actor's party holds and may finance now (held, certificate
    not settled, maturity after today), soonest maturity first, at most ``limit``: piece and
    certificate ids, the issuer (id and name), ``amount_fen``, ``maturity_on`` and the bank of
    the certificate's credit line (``bank_party_id``). The credit rules still decide (e.g. too
    close to maturity)."""
    rows = session.execute(
        select(Piece.id, Piece.start_fen, Piece.end_fen, Certificate.id.label("certificate_id"),
               Certificate.issuer_party_id, Certificate.maturity_on, CreditLine.bank_party_id)
        .join(Certificate, Certificate.id == Piece.certificate_id)
        .join(CreditLine, CreditLine.id == Certificate.credit_line_id)
        .where(Piece.holder_party_id == actor.party_id, Piece.status == "held",
               Certificate.settled_on.is_(None), Certificate.maturity_on > clock.today())
        .order_by(Certificate.maturity_on, Piece.id).limit(limit)
    ).all()  # fmt: skip
    names = parties.party_names(session, {r.issuer_party_id for r in rows})
    return [{"piece_id": r.id, "certificate_id": r.certificate_id,
             "issuer_party_id": r.issuer_party_id,
             "issuer": names.get(r.issuer_party_id, f"#{r.issuer_party_id}"),
             "amount_fen": r.end_fen - r.start_fen, "maturity_on": r.maturity_on,
             "bank_party_id": r.bank_party_id} for r in rows]  # fmt: skip
