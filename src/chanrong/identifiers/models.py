"""Enterprise prefixes and the identifiers registered under them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from chanrong.db import Base, UTCDateTime


class Prefix(Base):
    """An enterprise prefix (企业前缀) such as ``88.1001.12``, owned by one party."""

    __tablename__ = "id_prefixes"

    id: Mapped[int] = mapped_column(primary_key=True)
    prefix: Mapped[str] = mapped_column(String(40), unique=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Identifier(Base):
    """One object's identifier and its record of typed fields."""

    __tablename__ = "identifiers"

    id: Mapped[int] = mapped_column(primary_key=True)
    handle: Mapped[str] = mapped_column(String(170), unique=True)
    prefix_id: Mapped[int] = mapped_column(ForeignKey("id_prefixes.id"), index=True)
    owner_party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    object_type: Mapped[str] = mapped_column(String(32), index=True)
    fields: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
