"""Trade documents (purchase orders, deliveries, invoices) and receivables with confirmation (确权).

Every document and receivable has an industrial-internet identifier (``handle``, registered
through the identifiers domain under the issuing party's prefix) and the two parties of the
trade: the seller (supplier) and the buyer (debtor). Amounts are integer fen (分).

Documents are never edited after creation. A receivable is open to withdrawal while
``registered``; once ``confirmed`` by the buyer its terms are frozen (``FROZEN_FIELDS``): only
the covering certificate may still be recorded on it.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from chanrong.db import Base, UTCDateTime

LIVE = text("status IN ('registered', 'confirmed')")
"""Receivables that hold their invoice (open or confirmed)."""


class Order(Base):
    """A purchase order (采购订单) of goods from a seller to a buyer."""

    __tablename__ = "trade_orders"
    __table_args__ = (
        Index("ix_trade_orders_seller", "seller_party_id", "order_date"),
        Index("ix_trade_orders_buyer", "buyer_party_id", "order_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    handle: Mapped[str] = mapped_column(String(170), unique=True)
    identifier_id: Mapped[int] = mapped_column(ForeignKey("identifiers.id"), unique=True)
    seller_party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    buyer_party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    created_by_party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    order_date: Mapped[date] = mapped_column(Date())
    amount_fen: Mapped[int] = mapped_column(BigInteger())
    payment_terms_days: Mapped[int]
    description: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Delivery(Base):
    """A delivery note (送货单): goods of one order handed to the buyer, with their value."""

    __tablename__ = "trade_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    handle: Mapped[str] = mapped_column(String(170), unique=True)
    identifier_id: Mapped[int] = mapped_column(ForeignKey("identifiers.id"), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("trade_orders.id"), index=True)
    seller_party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    buyer_party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    delivered_on: Mapped[date] = mapped_column(Date())
    amount_fen: Mapped[int] = mapped_column(BigInteger())
    description: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Invoice(Base):
    """A seller's invoice (发票) for one order (and the delivery it bills), with its due date."""

    __tablename__ = "trade_invoices"

    id: Mapped[int] = mapped_column(primary_key=True)
    handle: Mapped[str] = mapped_column(String(170), unique=True)
    identifier_id: Mapped[int] = mapped_column(ForeignKey("identifiers.id"), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("trade_orders.id"), index=True)
    delivery_id: Mapped[int | None] = mapped_column(ForeignKey("trade_deliveries.id"), index=True)
    seller_party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    buyer_party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    invoice_number: Mapped[str] = mapped_column(String(40))
    issued_on: Mapped[date] = mapped_column(Date())
    due_on: Mapped[date] = mapped_column(Date())
    amount_fen: Mapped[int] = mapped_column(BigInteger())
    paid_on: Mapped[date | None] = mapped_column(Date())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Receivable(Base):
    """A supplier's receivable (应收账款) on a buyer, backed by an order, a delivery and an invoice.

    ``status``: ``registered`` → ``confirmed`` (by the buyer, 确权) or ``rejected`` (by the buyer)
    or ``withdrawn`` (by the supplier). ``certificate_id`` is set when a payable certificate
    (云证) covers it (no foreign key: certificates live in a later migration's table).
    """

    __tablename__ = "trade_receivables"
    __table_args__ = (
        Index("ix_trade_receivables_supplier", "supplier_party_id", "status"),
        Index("ix_trade_receivables_debtor", "debtor_party_id", "status"),
        # one open or confirmed receivable per invoice, even under concurrent registrations
        Index(
            "uq_trade_receivables_live_invoice",
            "invoice_id",
            unique=True,
            sqlite_where=LIVE,
            postgresql_where=LIVE,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    handle: Mapped[str] = mapped_column(String(170), unique=True)
    identifier_id: Mapped[int] = mapped_column(ForeignKey("identifiers.id"), unique=True)
    supplier_party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    debtor_party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    order_id: Mapped[int] = mapped_column(ForeignKey("trade_orders.id"), index=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("trade_deliveries.id"), index=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("trade_invoices.id"), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger())
    due_on: Mapped[date] = mapped_column(Date())
    status: Mapped[str] = mapped_column(String(16))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    registered_ledger_seq: Mapped[int]
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_user_id: Mapped[int | None]
    decided_ledger_seq: Mapped[int | None]
    decision_note: Mapped[str | None] = mapped_column(String(500))
    certificate_id: Mapped[int | None]
    covered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


FROZEN_FIELDS = (
    "handle",
    "identifier_id",
    "supplier_party_id",
    "debtor_party_id",
    "order_id",
    "delivery_id",
    "invoice_id",
    "amount_fen",
    "due_on",
    "status",
    "registered_at",
    "registered_ledger_seq",
    "decided_at",
    "decided_by_user_id",
    "decided_ledger_seq",
    "decision_note",
)
"""Columns of a confirmed receivable that can never change again."""
