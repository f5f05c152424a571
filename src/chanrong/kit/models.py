"""Tables of the shared mechanisms: the idempotency keys of every mutating endpoint
(``chanrong.kit.idempotency``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chanrong.db import Base, UTCDateTime


class IdempotencyKey(Base):
    """A party's idempotency key: the request's fingerprint and, once done, its answer."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("party_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    party_id: Mapped[int] = mapped_column(BigInteger)
    key: Mapped[str] = mapped_column(String(200))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int]
    body: Mapped[Any] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
