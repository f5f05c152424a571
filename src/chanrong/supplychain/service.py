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
from chanrong.supplychain import core, store
from chanrong.supplychain.errors import (
    CertificateNotFound,
    CreditLineExceeded,
    CreditLineNotFound,
    InvalidCertificate,
    InvalidFinancing,
    InvalidTransfer,
    NotHolder,
)
from chanrong.supplychain.lines import used_fen
from chanrong.supplychain.models import Certificate, CreditLine, Financing
from chanrong.supplychain.store import PieceRecord


@dataclass
class Issued:
    """A new certificate, its first piece, and warnings (``over_six_months``)."""

    certificate: Certificate
    piece: PieceRecord
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
    piece = store.add_piece(session, first)
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
                amounts: list[int]) -> list[PieceRecord]:  # fmt: skip
    """The holder splits a held piece into children of ``amounts`` fen (in order, summing
    exactly to the piece); the parent retires, the children are the holder's."""
    _writer(actor)
    return _split(session, actor, store.lock_piece(session, piece_id), amounts)


def _split(session: Session, actor: Principal, locked: store.Locked,
           amounts: list[int]) -> list[PieceRecord]:  # fmt: skip
    row, book = locked.piece, locked.book
    party, today = _party(actor, row.holder_party_id), clock.today()
    children = book.split(row.id, actor=party, amounts=amounts,
                          new_ids=[-i - 1 for i in range(len(amounts))], on=today)  # fmt: skip
    store.save_piece(session, row, book.pieces[row.id])
    rows = [store.add_piece(session, child) for child in children]
    _log(session, actor, "supplychain.piece.split", row.certificate_id, {
        "piece_id": row.id, "actor": party, "amounts": amounts,
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
                   to_party_id: int) -> PieceRecord:  # fmt: skip
    """The holder offers a held piece to its own supplier; pending until accepted or cancelled."""
    _writer(actor)
    if parties.party_kinds(session, [to_party_id]).get(to_party_id) != "enterprise":
        raise InvalidTransfer("transfer to an enterprise", field="to_party_id", rule="exists")
    locked = store.lock_piece(session, piece_id)
    row, book = locked.piece, locked.book
    party, today = _party(actor, row.holder_party_id), clock.today()
    book.acting(piece_id, party, today)
    _own_supplier(session, party, to_party_id, today)
    saved = store.save_piece(session, row, book.offer(piece_id, actor=party, to=to_party_id,
                                                      on=today))  # fmt: skip
    _log(session, actor, "supplychain.transfer.offered", row.certificate_id, {
        "piece_id": piece_id, "actor": party, "to": to_party_id, "on": today.isoformat(),
    })  # fmt: skip
    return saved


def accept_transfer(session: Session, *, actor: Principal, piece_id: int) -> PieceRecord:
    """The recipient accepts a pending transfer: the piece retires and a child with the same
    range becomes the recipient's (returned)."""
    _writer(actor)
    locked = store.lock_piece(session, piece_id)
    row, book = locked.piece, locked.book
    party, today = _party(actor, row.pending_to_party_id), clock.today()
    child = book.accept(piece_id, actor=party, new_id=-1, on=today)
    store.save_piece(session, row, book.pieces[piece_id])
    new = store.add_piece(session, child)
    _log(session, actor, "supplychain.transfer.accepted", row.certificate_id, {
        "piece_id": piece_id, "actor": party, "new_id": new.id, "on": today.isoformat(),
    })  # fmt: skip
    return new


def cancel_transfer(session: Session, *, actor: Principal, piece_id: int) -> PieceRecord:
    """The holder withdraws, or the recipient declines, a pending transfer: held again."""
    _writer(actor)
    locked = store.lock_piece(session, piece_id)
    row, book = locked.piece, locked.book
    party, today = _party(actor, row.holder_party_id), clock.today()
    saved = store.save_piece(session, row, book.cancel(piece_id, actor=party, on=today))
    _log(session, actor, "supplychain.transfer.cancelled", row.certificate_id, {
        "piece_id": piece_id, "actor": party, "on": today.isoformat(),
    })  # fmt: skip
    return saved


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
    found = store.read_piece(session, piece_id)
    found.book.acting(piece_id, holder_party_id, clock.today())
    row = found.piece
    return Financeable(row.id, row.certificate_id, row.amount_fen, found.maturity_on)


def finance_piece(session: Session, *, actor: Principal, piece_id: int, amount_fen: int,
                  bank_party_id: int, annual_rate_bp: int, day_count: str, fees_fen: int,
                  idempotency_key: str | None = None,
                  registration_ref: str | None = None) -> Any:  # fmt: skip
    """The holder discounts ``amount_fen`` of a held piece at a bank (a smaller amount splits
    the piece first and finances the first part). Discount = amount × rate_bp/10,000 × days /
    basis (ACT/360 or ACT/365, days from today to maturity), half-up to the fen; proceeds =
    amount − discount − fees. With ``idempotency_key`` a repeat returns the first financing.
    Returns the financing as a row with the columns of ``sc_financings``."""
    request = {"piece_id": piece_id, "amount_fen": amount_fen, "bank_party_id": bank_party_id,
               "annual_rate_bp": annual_rate_bp, "day_count": day_count, "fees_fen": fees_fen,
               "registration_ref": registration_ref}  # fmt: skip

    def run() -> idempotency.Answer:
        return idempotency.Answer(201, {"financing_id": _finance(session, actor, request)})

    answer = idempotency.run(session, party_id=actor.party_id, key=idempotency_key,
                             scope="service:finance_piece", request=request, action=run)  # fmt: skip
    return store.financing(session, answer.body["financing_id"])


def _finance(session: Session, actor: Principal, r: dict[str, Any]) -> int:
    """The financing of request ``r`` (``finance_piece``'s arguments) made; its id."""
    _writer(actor)
    bank_id = r["bank_party_id"]
    if parties.party_kinds(session, [bank_id]).get(bank_id) != "institution":
        raise InvalidFinancing("finance at a financial institution",
                               field="bank_party_id", rule="bank")  # fmt: skip
    locked = store.lock_piece(session, r["piece_id"])
    row, book = locked.piece, locked.book
    party, today = _party(actor, row.holder_party_id), clock.today()
    amount = r["amount_fen"]
    if amount <= 0:
        raise InvalidFinancing("the amount is positive", field="amount_fen", rule="positive")
    if amount > row.amount_fen:
        raise InvalidFinancing(f"the piece holds {row.amount_fen} fen", field="amount_fen",
                               rule="above_piece")  # fmt: skip
    days = (locked.maturity_on - today).days
    discount = core.discount_fen(amount, r["annual_rate_bp"], days, r["day_count"])
    if not 0 <= r["fees_fen"] <= amount - discount:
        raise InvalidFinancing("fees are 0 up to the discounted amount", field="fees_fen",
                               rule="fees_range")  # fmt: skip
    book.acting(row.id, party, today)  # refuse before splitting
    if amount < row.amount_fen:
        row = _split(session, actor, locked, [amount, row.amount_fen - amount])[0]
        book = core.Book(book.certificates, {row.id: row.core()})
    store.save_piece(session, row, book.finance(row.id, actor=party, bank=bank_id, on=today))
    financing_id = store.add_financing(session, {
        "piece_id": row.id, "bank_party_id": bank_id, "holder_party_id": party,
        "amount_fen": amount, "annual_rate_bp": r["annual_rate_bp"], "day_count": r["day_count"],
        "rounding": core.ROUNDING, "days": days, "discount_fen": discount,
        "fees_fen": r["fees_fen"], "proceeds_fen": amount - discount - r["fees_fen"],
        "financed_on": today, "maturity_on": locked.maturity_on,
        "registration_ref": r["registration_ref"],
    })  # fmt: skip
    _log(session, actor, "supplychain.piece.financed", row.certificate_id, {
        "piece_id": row.id, "actor": party, "bank": bank_id, "on": today.isoformat(),
        "financing_id": financing_id, "amount_fen": amount, "annual_rate_bp": r["annual_rate_bp"],
        "day_count": r["day_count"], "rounding": core.ROUNDING, "days": days,
        "discount_fen": discount, "fees_fen": r["fees_fen"],
        "registration_ref": r["registration_ref"],
    })  # fmt: skip
    return financing_id


def settle_certificate(session: Session, *, actor: Principal,
                       certificate_id: int) -> list[PieceRecord]:  # fmt: skip
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
    live = store.lock_live_pieces(session, cert.id)
    book = core.Book(
        {cert.id: core.Certificate(cert.id, cert.issuer_party_id, cert.face_fen, cert.issued_on,
                                   cert.maturity_on, cert.settled_on)},
        {r.id: r.core() for r in live},
    )  # fmt: skip
    party, today = _party(actor, cert.issuer_party_id), clock.today()
    if party != cert.issuer_party_id:
        raise NotHolder("only the issuer settles its certificate")
    book.settle(cert.id, actor=party, on=today)
    financed = [r.id for r in live if r.status == core.FINANCED]
    cert.settled_on = today
    rows = [store.save_piece(session, r, book.pieces[r.id]) for r in live]
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
