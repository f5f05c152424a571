"""Payable certificate use cases: issue, split, transfer (offer, accept, cancel), finance, settle.

Every operation locks the rows it changes (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite
serialises writers), loads them into ``core.Book``, lets the pure core check the rules and make
the change, writes it back and logs it in the ledger with a payload from which ``core.replay``
rebuilds the same pieces (``history.replay_ledger``). Amounts are integer fen; dates are
business dates (``clock.today()``). Functions flush, never commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chanrong import clock
from chanrong.errors import RoleRequired
from chanrong.kit import idempotency
from chanrong.ledger.service import Event, record_at_commit
from chanrong.parties import service as parties
from chanrong.principal import Principal
from chanrong.supplychain import core
from chanrong.supplychain.errors import (
    CertificateNotFound,
    CreditLineExceeded,
    CreditLineNotFound,
    InvalidCertificate,
    InvalidFinancing,
    InvalidTransfer,
    NotHolder,
    PieceNotFound,
)
from chanrong.supplychain.lines import used_fen
from chanrong.supplychain.models import Certificate, CreditLine, Financing, Piece


@dataclass
class Issued:
    """A new certificate, its first piece, and warnings (``over_six_months``)."""

    certificate: Certificate
    piece: Piece
    warnings: list[str] = field(default_factory=list)


def _writer(actor: Principal) -> None:
    if not actor.may_write():
        raise RoleRequired("changing certificates needs the admin or member role")


def _party(actor: Principal, acting_for: int | None) -> int:
    """The party the actor acts as: its own, or (the system) the one the operation needs."""
    if actor.is_system and acting_for is not None:
        return acting_for
    return actor.party_id


def _log(session: Session, actor: Principal, event: str, certificate_id: int,
         payload: dict[str, Any]) -> None:  # fmt: skip
    # at commit: the log's writer lock is then not held through the rest of the operation
    record_at_commit(session, Event(actor, event, f"certificate:{certificate_id}", payload))


def _core_piece(row: Piece) -> core.Piece:
    return core.Piece(row.id, row.certificate_id, row.start_fen, row.end_fen, row.holder_party_id,
                      row.status, row.parent_id, row.pending_to_party_id, row.bank_party_id,
                      row.paid_to_party_id)  # fmt: skip


def _core_certificate(row: Certificate) -> core.Certificate:
    return core.Certificate(row.id, row.issuer_party_id, row.face_fen, row.issued_on,
                            row.maturity_on, row.settled_on)  # fmt: skip


def _write(row: Piece, piece: core.Piece) -> None:
    row.holder_party_id, row.status = piece.holder, piece.status
    row.pending_to_party_id, row.bank_party_id = piece.pending_to, piece.bank
    row.paid_to_party_id = piece.paid_to
    row.version += 1


def _new_piece(session: Session, piece: core.Piece) -> Piece:
    row = Piece(certificate_id=piece.certificate_id, parent_id=piece.parent_id,
                start_fen=piece.start, end_fen=piece.end, holder_party_id=piece.holder,
                status=piece.status, version=1, created_at=clock.now())  # fmt: skip
    session.add(row)
    return row


def _locked_piece(session: Session, piece_id: int) -> tuple[Piece, Certificate, core.Book]:
    """The piece locked for update, its certificate, and a book holding both."""
    row = session.execute(
        select(Piece).where(Piece.id == piece_id).with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()  # fmt: skip
    if row is None:
        raise PieceNotFound(f"no certificate piece {piece_id}")
    cert = session.get(Certificate, row.certificate_id)
    assert cert is not None
    book = core.Book({cert.id: _core_certificate(cert)}, {row.id: _core_piece(row)})
    return row, cert, book


def issue_certificate(session: Session, *, actor: Principal, credit_line_id: int,
                      receivable_ids: list[int], maturity_on: date) -> Issued:  # fmt: skip
    """The core enterprise of a credit line issues a certificate to a supplier against its
    confirmed payables (receivables it owes, not yet covered): face value = their sum in fen,
    held whole by their supplier; within the line's available limit; term at most one year."""
    _writer(actor)
    from chanrong.trade import service as trade  # the trade domain, loaded when used

    line = session.execute(
        select(CreditLine).where(CreditLine.id == credit_line_id).with_for_update()
    ).scalar_one_or_none()
    if line is None or not actor.acts_for(line.core_party_id):
        raise CreditLineNotFound(f"no credit line {credit_line_id} for the caller")
    if not receivable_ids or len(set(receivable_ids)) != len(receivable_ids):
        raise InvalidCertificate("name each confirmed receivable once",
                                 field="receivable_ids", rule="required")  # fmt: skip
    payables = [trade.payable_for_certificate(session, receivable_id=rid,
                                              issuer_party_id=line.core_party_id)
                for rid in receivable_ids]  # fmt: skip
    suppliers = {p.supplier_party_id for p in payables}
    if len(suppliers) != 1:
        raise InvalidCertificate("the receivables must all be owed to one supplier",
                                 field="receivable_ids", rule="same_supplier")  # fmt: skip
    face = sum(p.amount_fen for p in payables)
    if used_fen(session, line.id) + face > line.limit_fen:
        raise CreditLineExceeded(
            f"{face} fen would exceed the credit line: {line.limit_fen - used_fen(session, line.id)}"
            " fen available"
        )
    today = clock.today()
    warnings = core.check_term(today, maturity_on)
    holder = suppliers.pop()
    cert = Certificate(issuer_party_id=line.core_party_id, credit_line_id=line.id, face_fen=face,
                       issued_on=today, maturity_on=maturity_on, receivable_ids=receivable_ids,
                       created_at=clock.now())  # fmt: skip
    session.add(cert)
    session.flush()
    book = core.Book()
    first = book.issue(certificate_id=cert.id, piece_id=0, issuer=line.core_party_id, holder=holder,
                       face_fen=face, issued_on=today, maturity_on=maturity_on)  # fmt: skip
    piece = _new_piece(session, first)
    session.flush()
    for rid in receivable_ids:
        trade.mark_covered(session, rid, cert.id)
    _log(session, actor, "supplychain.certificate.issued", cert.id, {
        "certificate_id": cert.id, "piece_id": piece.id, "issuer": line.core_party_id,
        "holder": holder, "face_fen": face, "on": today.isoformat(),
        "maturity_on": maturity_on.isoformat(), "credit_line_id": line.id,
        "receivable_ids": receivable_ids, "warnings": warnings,
    })  # fmt: skip
    return Issued(cert, piece, warnings)


def split_piece(session: Session, *, actor: Principal, piece_id: int,
                amounts: list[int]) -> list[Piece]:  # fmt: skip
    """The holder splits a held piece into children of ``amounts`` fen (in order, summing
    exactly to the piece); the parent retires, the children are the holder's."""
    _writer(actor)
    row, cert, book = _locked_piece(session, piece_id)
    party, today = _party(actor, row.holder_party_id), clock.today()
    children = book.split(piece_id, actor=party, amounts=amounts,
                          new_ids=[-i - 1 for i in range(len(amounts))], on=today)  # fmt: skip
    _write(row, book.pieces[piece_id])
    rows = [_new_piece(session, child) for child in children]
    session.flush()
    _log(session, actor, "supplychain.piece.split", cert.id, {
        "piece_id": piece_id, "actor": party, "amounts": amounts,
        "new_ids": [r.id for r in rows], "on": today.isoformat(),
    })  # fmt: skip
    return rows


SUPPLIER_WINDOW_DAYS = 730
"""A recipient is the holder's own supplier when it invoiced the holder within two years."""


def _own_supplier(session: Session, holder: int, recipient: int, today: date) -> None:
    from chanrong.trade import service as trade  # the trade domain, loaded when used

    history = trade.trade_history(session, holder, start=today - timedelta(days=SUPPLIER_WINDOW_DAYS),
                                  end=today + timedelta(days=1))  # fmt: skip
    if not any(f.role == "buyer" and f.counterparty_party_id == recipient for f in history):
        raise InvalidTransfer(
            f"party {recipient} is not a supplier of the holder (no invoice to it in two years)",
            field="to_party_id", rule="own_supplier",
        )  # fmt: skip


def offer_transfer(session: Session, *, actor: Principal, piece_id: int,
                   to_party_id: int) -> Piece:  # fmt: skip
    """The holder offers a held piece to its own supplier; pending until accepted or cancelled."""
    _writer(actor)
    if parties.party_kinds(session, [to_party_id]).get(to_party_id) != "enterprise":
        raise InvalidTransfer("transfer to an enterprise", field="to_party_id", rule="exists")
    row, cert, book = _locked_piece(session, piece_id)
    party, today = _party(actor, row.holder_party_id), clock.today()
    book.acting(piece_id, party, today)
    _own_supplier(session, party, to_party_id, today)
    piece = book.offer(piece_id, actor=party, to=to_party_id, on=today)
    _write(row, piece)
    _log(session, actor, "supplychain.transfer.offered", cert.id, {
        "piece_id": piece_id, "actor": party, "to": to_party_id, "on": today.isoformat(),
    })  # fmt: skip
    return row


def accept_transfer(session: Session, *, actor: Principal, piece_id: int) -> Piece:
    """The recipient accepts a pending transfer: the piece retires and a child with the same
    range becomes the recipient's (returned)."""
    _writer(actor)
    row, cert, book = _locked_piece(session, piece_id)
    party, today = _party(actor, row.pending_to_party_id), clock.today()
    child = book.accept(piece_id, actor=party, new_id=-1, on=today)
    _write(row, book.pieces[piece_id])
    new = _new_piece(session, child)
    session.flush()
    _log(session, actor, "supplychain.transfer.accepted", cert.id, {
        "piece_id": piece_id, "actor": party, "new_id": new.id, "on": today.isoformat(),
    })  # fmt: skip
    return new


def cancel_transfer(session: Session, *, actor: Principal, piece_id: int) -> Piece:
    """The holder withdraws, or the recipient declines, a pending transfer: held again."""
    _writer(actor)
    row, cert, book = _locked_piece(session, piece_id)
    party, today = _party(actor, row.holder_party_id), clock.today()
    piece = book.cancel(piece_id, actor=party, on=today)
    _write(row, piece)
    _log(session, actor, "supplychain.transfer.cancelled", cert.id, {
        "piece_id": piece_id, "actor": party, "on": today.isoformat(),
    })  # fmt: skip
    return row


@dataclass(frozen=True)
class Financeable:
    """A piece its holder may finance now: its id, amount (fen) and its certificate's maturity."""

    piece_id: int
    certificate_id: int
    amount_fen: int
    maturity_on: date


def piece_for_financing(session: Session, piece_id: int, holder_party_id: int) -> Financeable:
    """A piece ``holder_party_id`` holds and may finance now (held, before maturity), for the
    credit decision's rules; raises PieceNotFound, NotHolder, PieceSpent or PastMaturity."""
    row = session.get(Piece, piece_id)
    if row is None:
        raise PieceNotFound(f"no certificate piece {piece_id}")
    cert = session.get(Certificate, row.certificate_id)
    assert cert is not None
    book = core.Book({cert.id: _core_certificate(cert)}, {row.id: _core_piece(row)})
    book.acting(piece_id, holder_party_id, clock.today())
    return Financeable(row.id, cert.id, row.amount_fen, cert.maturity_on)


def finance_piece(session: Session, *, actor: Principal, piece_id: int, amount_fen: int,
                  bank_party_id: int, annual_rate_bp: int, day_count: str, fees_fen: int,
                  idempotency_key: str | None = None,
                  registration_ref: str | None = None) -> Financing:  # fmt: skip
    """The holder discounts ``amount_fen`` of a held piece at a bank (a smaller amount splits
    the piece first and finances the first part). Discount = amount × rate_bp/10,000 × days /
    basis (ACT/360 or ACT/365, days from today to maturity), half-up to the fen; proceeds =
    amount − discount − fees. With ``idempotency_key`` a repeat returns the first financing."""
    request = {"piece_id": piece_id, "amount_fen": amount_fen, "bank_party_id": bank_party_id,
               "annual_rate_bp": annual_rate_bp, "day_count": day_count, "fees_fen": fees_fen,
               "registration_ref": registration_ref}  # fmt: skip

    def run() -> idempotency.Answer:
        financing = _finance(session, actor, request)
        return idempotency.Answer(201, {"financing_id": financing.id})

    answer = idempotency.run(session, party_id=actor.party_id, key=idempotency_key,
                             scope="service:finance_piece", request=request, action=run)  # fmt: skip
    found = session.get(Financing, answer.body["financing_id"])
    assert found is not None
    return found


def _finance(session: Session, actor: Principal, r: dict[str, Any]) -> Financing:
    _writer(actor)
    bank_id = r["bank_party_id"]
    if parties.party_kinds(session, [bank_id]).get(bank_id) != "institution":
        raise InvalidFinancing("finance at a financial institution",
                               field="bank_party_id", rule="bank")  # fmt: skip
    row, cert, book = _locked_piece(session, r["piece_id"])
    party, today = _party(actor, row.holder_party_id), clock.today()
    amount = r["amount_fen"]
    if amount <= 0:
        raise InvalidFinancing("the amount is positive", field="amount_fen", rule="positive")
    if amount > row.amount_fen:
        raise InvalidFinancing(f"the piece holds {row.amount_fen} fen", field="amount_fen",
                               rule="above_piece")  # fmt: skip
    days = (cert.maturity_on - today).days
    discount = core.discount_fen(amount, r["annual_rate_bp"], days, r["day_count"])
    if not 0 <= r["fees_fen"] <= amount - discount:
        raise InvalidFinancing("fees are 0 up to the discounted amount", field="fees_fen",
                               rule="fees_range")  # fmt: skip
    book.acting(row.id, party, today)  # refuse before splitting
    if amount < row.amount_fen:
        row = split_piece(session, actor=actor, piece_id=row.id,
                          amounts=[amount, row.amount_fen - amount])[0]  # fmt: skip
        book = core.Book({cert.id: _core_certificate(cert)}, {row.id: _core_piece(row)})
    _write(row, book.finance(row.id, actor=party, bank=bank_id, on=today))
    financing = Financing(
        piece_id=row.id, bank_party_id=bank_id, holder_party_id=party, amount_fen=amount,
        annual_rate_bp=r["annual_rate_bp"], day_count=r["day_count"], rounding=core.ROUNDING,
        days=days, discount_fen=discount, fees_fen=r["fees_fen"],
        proceeds_fen=amount - discount - r["fees_fen"], financed_on=today,
        maturity_on=cert.maturity_on, registration_ref=r["registration_ref"],
        created_at=clock.now(),
    )  # fmt: skip
    session.add(financing)
    session.flush()
    _log(session, actor, "supplychain.piece.financed", cert.id, {
        "piece_id": row.id, "actor": party, "bank": bank_id, "on": today.isoformat(),
        "financing_id": financing.id, "amount_fen": amount, "annual_rate_bp": r["annual_rate_bp"],
        "day_count": r["day_count"], "rounding": core.ROUNDING, "days": days,
        "discount_fen": discount, "fees_fen": r["fees_fen"],
        "registration_ref": r["registration_ref"],
    })  # fmt: skip
    return financing


def settle_certificate(session: Session, *, actor: Principal, certificate_id: int) -> list[Piece]:
    """On or after maturity the issuer pays each live piece: its holder, or the financing bank
    for a financed piece, which repays the credit loan that financed it, if any
    (``credit.service.repay_financing``). Returns the settled pieces (``paid_to_party_id``,
    ``amount_fen``)."""
    _writer(actor)
    cert = session.execute(
        select(Certificate).where(Certificate.id == certificate_id).with_for_update()
    ).scalar_one_or_none()
    if cert is None:
        raise CertificateNotFound(f"no certificate {certificate_id}")
    rows = list(session.execute(
        select(Piece).where(Piece.certificate_id == cert.id, Piece.status.in_(core.LIVE))
        .with_for_update().execution_options(populate_existing=True)
    ).scalars())  # fmt: skip
    book = core.Book({cert.id: _core_certificate(cert)}, {r.id: _core_piece(r) for r in rows})
    party, today = _party(actor, cert.issuer_party_id), clock.today()
    if party != cert.issuer_party_id:
        raise NotHolder("only the issuer settles its certificate")
    book.settle(cert.id, actor=party, on=today)
    financed = [r.id for r in rows if r.status == "financed"]
    cert.settled_on = today
    for r in rows:
        _write(r, book.pieces[r.id])
    session.flush()
    _log(session, actor, "supplychain.certificate.settled", cert.id, {
        "certificate_id": cert.id, "actor": party, "on": today.isoformat(),
        "paid": [[r.id, r.paid_to_party_id, r.amount_fen] for r in rows],
    })  # fmt: skip
    if financed:
        from chanrong.credit import service as credit  # the credit domain, loaded when used

        amounts = {r.id: r.amount_fen for r in rows}
        for financing in session.scalars(select(Financing).where(Financing.piece_id.in_(financed))
                                         .order_by(Financing.id)):  # fmt: skip
            credit.repay_financing(session, actor=actor, financing_id=financing.id,
                                   amount_fen=amounts[financing.piece_id], paid_on=today,
                                   certificate_id=cert.id)  # fmt: skip
    return rows
