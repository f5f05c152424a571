"""Request and response shapes of the trade API (amounts in integer fen, dates YYYY-MM-DD)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

HANDLE = Field(
    default=None, max_length=170, description="identifier; default: next under your prefix"
)


class OrderIn(BaseModel):
    """A purchase order entered by its seller or its buyer."""

    seller_party_id: int
    buyer_party_id: int
    order_date: date
    amount_fen: int = Field(description="order value in fen (分)")
    payment_terms_days: int = Field(60, description="latest due date: days after the invoice")
    description: str = Field("", max_length=500)
    handle: str | None = HANDLE


class OrderOut(BaseModel):
    """A purchase order."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    handle: str
    seller_party_id: int
    buyer_party_id: int
    created_by_party_id: int
    order_date: date
    amount_fen: int
    payment_terms_days: int
    description: str
    created_at: datetime


class DeliveryIn(BaseModel):
    """Goods of an order delivered, with their value (the seller records it)."""

    order_id: int
    delivered_on: date
    amount_fen: int = Field(description="value of the goods delivered, in fen")
    description: str = Field("", max_length=500)
    handle: str | None = HANDLE


class DeliveryOut(BaseModel):
    """A delivery note."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    handle: str
    order_id: int
    seller_party_id: int
    buyer_party_id: int
    delivered_on: date
    amount_fen: int
    description: str
    created_at: datetime


class InvoiceIn(BaseModel):
    """An invoice of an order (and the delivery it bills), issued by the seller."""

    order_id: int
    delivery_id: int | None = None
    invoice_number: str = Field(max_length=40, description="the tax invoice number (发票号码)")
    issued_on: date
    due_on: date
    amount_fen: int
    handle: str | None = HANDLE


class InvoiceOut(BaseModel):
    """An invoice."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    handle: str
    order_id: int
    delivery_id: int | None
    seller_party_id: int
    buyer_party_id: int
    invoice_number: str
    issued_on: date
    due_on: date
    amount_fen: int
    paid_on: date | None
    created_at: datetime


class PaymentIn(BaseModel):
    """The date the seller received payment of an invoice in full."""

    paid_on: date


class ReceivableIn(BaseModel):
    """A receivable on a buyer, backed by the identifiers of its order, delivery and invoice."""

    debtor_party_id: int
    order: str = Field(max_length=170, description="identifier of the purchase order")
    delivery: str = Field(max_length=170, description="identifier of the delivery note")
    invoice: str = Field(max_length=170, description="identifier of the invoice")
    amount_fen: int
    due_on: date | None = Field(None, description="default: the invoice's due date")
    supplier_party_id: int | None = Field(None, description="platform only: the supplier")
    handle: str | None = HANDLE


class RejectIn(BaseModel):
    """Why the buyer refuses a receivable."""

    reason: str = Field(min_length=1, max_length=500)


class ReceivableOut(BaseModel):
    """A receivable and where it stands."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    handle: str
    supplier_party_id: int
    debtor_party_id: int
    order_id: int
    delivery_id: int
    invoice_id: int
    amount_fen: int
    due_on: date
    status: str = Field(description="registered, confirmed, rejected or withdrawn")
    registered_at: datetime
    registered_ledger_seq: int
    decided_at: datetime | None
    decided_ledger_seq: int | None
    decision_note: str | None
    certificate_id: int | None
