"""Tables of payable certificates (云证): credit lines and their maker-checker changes,
certificates, pieces (fen ranges with lineage), financings."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from chanrong.db import Base, UTCDateTime


class CreditLine(Base):
    """The limit (fen) up to which a bank backs a core enterprise's outstanding certificates."""

    __tablename__ = "sc_credit_lines"
    __table_args__ = (UniqueConstraint("bank_party_id", "core_party_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    core_party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    limit_fen: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CreditLineChange(Base):
    """A proposed limit for a (bank, core enterprise) line; applied once a second bank user
    approves it (maker-checker). ``status``: proposed, approved, rejected."""

    __tablename__ = "sc_credit_line_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    core_party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    limit_fen: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))
    proposed_by: Mapped[str] = mapped_column(String(32))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(32))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Certificate(Base):
    """A payable certificate: the issuer promises to pay ``face_fen`` on ``maturity_on``."""

    __tablename__ = "sc_certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer_party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    credit_line_id: Mapped[int] = mapped_column(ForeignKey("sc_credit_lines.id"), index=True)
    face_fen: Mapped[int] = mapped_column(BigInteger)
    issued_on: Mapped[date]
    maturity_on: Mapped[date]
    receivable_ids: Mapped[list[int]] = mapped_column(JSON)
    settled_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Piece(Base):
    """The half-open fen range [start_fen, end_fen) of a certificate held by one party.

    ``status``: held, pending_transfer (to ``pending_to_party_id``), financed (at
    ``bank_party_id``), settled (paid to ``paid_to_party_id``) or retired (split or transferred;
    its children carry its range). ``version`` grows with every change."""

    __tablename__ = "sc_pieces"
    __table_args__ = (
        CheckConstraint("end_fen > start_fen", name="range"),
        Index("ix_sc_pieces_holder_status", "holder_party_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("sc_certificates.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("sc_pieces.id"))
    start_fen: Mapped[int] = mapped_column(BigInteger)
    end_fen: Mapped[int] = mapped_column(BigInteger)
    holder_party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    status: Mapped[str] = mapped_column(String(20))
    pending_to_party_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id"))
    bank_party_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id"))
    paid_to_party_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id"))
    version: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    @property
    def amount_fen(self) -> int:
        """The piece's value in fen."""
        return self.end_fen - self.start_fen


class Financing(Base):
    """A piece discounted at a bank: discount = amount × rate × days / basis, half-up to the
    fen; proceeds = amount − discount − fees. ``registration_ref`` is the registration (e.g.
    with the central bank's movable-property registry) once made."""

    __tablename__ = "sc_financings"

    id: Mapped[int] = mapped_column(primary_key=True)
    piece_id: Mapped[int] = mapped_column(ForeignKey("sc_pieces.id"), unique=True)
    bank_party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    holder_party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    annual_rate_bp: Mapped[int]
    day_count: Mapped[str] = mapped_column(String(8))
    rounding: Mapped[str] = mapped_column(String(16))
    days: Mapped[int]
    discount_fen: Mapped[int] = mapped_column(BigInteger)
    fees_fen: Mapped[int] = mapped_column(BigInteger)
    proceeds_fen: Mapped[int] = mapped_column(BigInteger)
    financed_on: Mapped[date]
    maturity_on: Mapped[date]
    registration_ref: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
