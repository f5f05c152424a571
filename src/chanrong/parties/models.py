"""Parties (enterprises, financial institutions, the operator), their users and credentials."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from chanrong.db import Base, UTCDateTime


class Party(Base):
    """A legal entity on the platform, identified by its unified social credit code."""

    __tablename__ = "parties"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    province: Mapped[str] = mapped_column(String(2))
    city: Mapped[str] = mapped_column(String(64))
    industry_section: Mapped[str | None] = mapped_column(String(1))
    industry_division: Mapped[str | None] = mapped_column(String(2))
    size_class: Mapped[str | None] = mapped_column(String(8))
    license_code: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    role_rows: Mapped[list[PartyRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="PartyRole.role"
    )

    @property
    def roles(self) -> list[str]:
        """The party's role keys, sorted."""
        return [r.role for r in self.role_rows]


class PartyRole(Base):
    """One role a party holds (core enterprise, supplier, bank ...)."""

    __tablename__ = "party_roles"

    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)


class User(Base):
    """A person who acts for one party in the console or through the API."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(200))
    roles: Mapped[list[str]] = mapped_column(JSON)
    language: Mapped[str] = mapped_column(String(2), default="zh")
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ApiKey(Base):
    """A machine credential of a party. Only a SHA-256 hash of the secret is stored."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    key_id: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    roles: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class LoginSession(Base):
    """A console login. The cookie holds a random token; only its hash is stored."""

    __tablename__ = "login_sessions"
    __table_args__ = (Index("ix_login_sessions_token_hash", "token_hash", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
