"""The rows of certificate operations, read and written with prebuilt statements.

Split, transfer and finance are the platform's hot writes: each locks one piece, changes it and
adds a child or two. Through the ORM (``session.get`` with ``FOR UPDATE``, a flush of new
objects, a refresh) that costs several times the SQL itself, so these go straight to the driver
(``db.read``, ``db.write``, ``db.insert_row``) and hand back plain records with the columns of
the tables. Amounts are integer fen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from chanrong import clock, db
from chanrong.supplychain import core
from chanrong.supplychain.errors import PieceNotFound
from chanrong.supplychain.models import Certificate, Financing, Piece

_PIECES: Table = Piece.__table__  # type: ignore[assignment]
_FINANCINGS: Table = Financing.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class PieceRecord:
    """A stored piece (the columns of ``sc_pieces`` but its creation time): the fen range
    [start_fen, end_fen) of a certificate, its holder and status."""

    id: int
    certificate_id: int
    parent_id: int | None
    start_fen: int
    end_fen: int
    holder_party_id: int
    status: str
    pending_to_party_id: int | None
    bank_party_id: int | None
    paid_to_party_id: int | None
    version: int

    @property
    def amount_fen(self) -> int:
        """The piece's value in fen."""
        return self.end_fen - self.start_fen

    def changed(self, piece: core.Piece) -> PieceRecord:
        """This record after the core's change ``piece`` (holder, status, parties; version + 1)."""
        return PieceRecord(self.id, self.certificate_id, self.parent_id, self.start_fen,
                           self.end_fen, piece.holder, piece.status, piece.pending_to, piece.bank,
                           piece.paid_to, self.version + 1)  # fmt: skip

    def core(self) -> core.Piece:
        """The piece as the pure core sees it."""
        return core.Piece(self.id, self.certificate_id, self.start_fen, self.end_fen,
                          self.holder_party_id, self.status, self.parent_id,
                          self.pending_to_party_id, self.bank_party_id,
                          self.paid_to_party_id)  # fmt: skip


@dataclass(frozen=True)
class Locked:
    """A piece locked for the rest of the transaction, and a book holding it and its
    certificate (whose maturity the operations check)."""

    piece: PieceRecord
    book: core.Book

    @property
    def maturity_on(self) -> date:
        """The maturity of the piece's certificate."""
        return self.book.certificates[self.piece.certificate_id].maturity_on


_CERTIFICATE_COLUMNS = (Certificate.issuer_party_id, Certificate.face_fen, Certificate.issued_on,
                        Certificate.maturity_on, Certificate.settled_on)  # fmt: skip
_PIECE_COLUMNS = tuple(c for c in _PIECES.c if c.name != "created_at")
_READ_PIECE = (
    select(*_PIECE_COLUMNS, *_CERTIFICATE_COLUMNS)
    .join(Certificate, Certificate.id == Piece.certificate_id)
    .where(Piece.id == bindparam("piece_id"))
)
# FOR UPDATE OF the piece only: two operations on pieces of one certificate do not wait
_LOCK_PIECE = _READ_PIECE.with_for_update(of=_PIECES)
_LOCK_LIVE = (
    select(*_PIECE_COLUMNS)
    .where(Piece.certificate_id == bindparam("certificate_id"), Piece.status.in_(sorted(core.LIVE)))
    .order_by(Piece.id)
    .with_for_update()
)


def _locked(row: Any) -> Locked:
    piece = PieceRecord(*row[: len(_PIECE_COLUMNS)])
    cert = core.Certificate(piece.certificate_id, row.issuer_party_id, row.face_fen, row.issued_on,
                            row.maturity_on, row.settled_on)  # fmt: skip
    return Locked(piece, core.Book({cert.id: cert}, {piece.id: piece.core()}))


def lock_piece(session: Session, piece_id: int) -> Locked:
    """Piece ``piece_id`` locked for update (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite
    serialises writers) with its certificate; raises PieceNotFound."""
    row = db.read(session, _LOCK_PIECE, {"piece_id": piece_id}).first()
    if row is None:
        raise PieceNotFound(f"no certificate piece {piece_id}")
    return _locked(row)


def read_piece(session: Session, piece_id: int) -> Locked:
    """Piece ``piece_id`` with its certificate, unlocked (for a decision that only reads)."""
    row = db.read(session, _READ_PIECE, {"piece_id": piece_id}).first()
    if row is None:
        raise PieceNotFound(f"no certificate piece {piece_id}")
    return _locked(row)


def lock_live_pieces(session: Session, certificate_id: int) -> list[PieceRecord]:
    """The live pieces of a certificate (held, pending, financed), locked for update, by id."""
    rows = db.read(session, _LOCK_LIVE, {"certificate_id": certificate_id})
    return [PieceRecord(*row) for row in rows]


_SAVE_PIECE = (
    update(_PIECES)
    .where(_PIECES.c.id == bindparam("piece_id"), _PIECES.c.version == bindparam("was"))
    .values(
        holder_party_id=bindparam("holder"),
        status=bindparam("new_status"),
        pending_to_party_id=bindparam("pending_to"),
        bank_party_id=bindparam("bank"),
        paid_to_party_id=bindparam("paid_to"),
        version=_PIECES.c.version + 1,
    )
)


def save_piece(session: Session, record: PieceRecord, piece: core.Piece) -> PieceRecord:
    """Write the core's change ``piece`` to the locked ``record``; the record as now stored."""
    changed = db.write(session, _SAVE_PIECE, {
        "piece_id": record.id, "was": record.version, "holder": piece.holder,
        "new_status": piece.status, "pending_to": piece.pending_to, "bank": piece.bank,
        "paid_to": piece.paid_to,
    }, stale=(Piece, record.id))  # fmt: skip
    # the row is locked since it was read: a different version is a bug, not a race
    if changed != 1:
        raise RuntimeError(f"piece {record.id} changed under its lock")
    return record.changed(piece)


def add_piece(session: Session, piece: core.Piece) -> PieceRecord:
    """Store a piece the core made (a child of a split or a transfer, or a certificate's first
    piece); the record with its new id."""
    row = {"certificate_id": piece.certificate_id, "parent_id": piece.parent_id,
           "start_fen": piece.start, "end_fen": piece.end, "holder_party_id": piece.holder,
           "status": piece.status, "version": 1, "created_at": clock.now()}  # fmt: skip
    new_id = db.insert_row(session, _PIECES, row)
    return PieceRecord(new_id, piece.certificate_id, piece.parent_id, piece.start, piece.end,
                       piece.holder, piece.status, None, None, None, 1)  # fmt: skip


def add_financing(session: Session, values: dict[str, Any]) -> int:
    """Store a financing (the columns of ``sc_financings`` but id and creation time); its id."""
    return db.insert_row(session, _FINANCINGS, {**values, "created_at": clock.now()})


_FINANCING = select(_FINANCINGS).where(_FINANCINGS.c.id == bindparam("financing_id"))


def financing(session: Session, financing_id: int) -> Any:
    """Financing ``financing_id`` as a row with the columns of ``sc_financings``."""
    return db.read(session, _FINANCING, {"financing_id": financing_id}).one()
