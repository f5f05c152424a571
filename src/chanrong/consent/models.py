"""Consent grants, the access audit, parties' sealing keys and sealed packages."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from chanrong.db import Base, UTCDateTime


class Grant(Base):
    """An owner's authorisation for a recipient to use a scope of its data for a purpose."""

    __tablename__ = "consent_grants"
    __table_args__ = (
        Index(
            "ix_consent_grants_lookup", "recipient_party_id", "owner_party_id", "scope", "purpose"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    recipient_party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    scope: Mapped[str] = mapped_column(String(32))
    purpose: Mapped[str] = mapped_column(String(32))
    objects: Mapped[list[str]] = mapped_column(JSON)
    derived_only: Mapped[bool]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ledger_seq: Mapped[int]


class AccessRecord(Base):
    """One read of another party's data under a grant (also logged in the ledger)."""

    __tablename__ = "consent_access"

    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(ForeignKey("consent_grants.id"), index=True)
    owner_party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    reader_party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    reader_user_id: Mapped[int | None]
    scope: Mapped[str] = mapped_column(String(32))
    purpose: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    ledger_seq: Mapped[int]


class SealingKey(Base):
    """A party's X25519 public key that packages are sealed to (the newest active one is used)."""

    __tablename__ = "consent_sealing_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SealedPackage(Base):
    """Data sealed with HPKE to one recipient; only ciphertext is stored, its hash is logged."""

    __tablename__ = "consent_packages"

    id: Mapped[int] = mapped_column(primary_key=True)
    sender_party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    recipient_party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    grant_id: Mapped[int] = mapped_column(ForeignKey("consent_grants.id"))
    sealing_key_id: Mapped[int] = mapped_column(ForeignKey("consent_sealing_keys.id"))
    label: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ledger_seq: Mapped[int]
