"""The transparency log: entries (leaves), perfect-subtree hashes, signed heads, payload salts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, LargeBinary, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from chanrong.db import Base, UTCDateTime

# SQLite's fast rowid tables need INTEGER PRIMARY KEY; PostgreSQL gets 64-bit keys.
Seq = BigInteger().with_variant(Integer(), "sqlite")


class LedgerEntry(Base):
    """One leaf: the canonical JSON bytes of an event, exactly as hashed."""

    __tablename__ = "ledger_entries"

    seq: Mapped[int] = mapped_column(Seq, primary_key=True, autoincrement=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    event: Mapped[str] = mapped_column(String(64), index=True)
    actor_party_id: Mapped[int | None] = mapped_column(index=True)
    subject: Mapped[str] = mapped_column(String(200), index=True)
    body: Mapped[str] = mapped_column(Text)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class LedgerNode(Base):
    """The hash of a perfect subtree: leaves [idx * 2^level, (idx + 1) * 2^level)."""

    __tablename__ = "ledger_nodes"

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class LedgerHead(Base):
    """A signed tree head (one per appending transaction)."""

    __tablename__ = "ledger_heads"

    tree_size: Mapped[int] = mapped_column(Seq, primary_key=True, autoincrement=False)
    timestamp: Mapped[int] = mapped_column(BigInteger)
    root: Mapped[bytes] = mapped_column(LargeBinary(32))
    signature: Mapped[str] = mapped_column(String(200))


class LedgerSalt(Base):
    """The salt of a confidential entry's payload digest; deleting it shreds the payload."""

    __tablename__ = "ledger_salts"

    seq: Mapped[int] = mapped_column(Seq, ForeignKey("ledger_entries.seq"), primary_key=True)
    salt: Mapped[bytes] = mapped_column(LargeBinary(32))
