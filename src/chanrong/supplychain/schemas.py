"""Request and response bodies of /api/v1/supplychain (amounts in integer fen)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class LineChangeIn(BaseModel):
    """A bank proposes the limit of its credit line for a core enterprise."""

    core_party_id: int
    limit_fen: int = Field(ge=0)


class LineChangeOut(BaseModel):
    """A credit line proposal and its maker-checker state."""

    model_config = ConfigDict(from_attributes=True)
    id: int
    bank_party_id: int
    core_party_id: int
    limit_fen: int
    status: str
    proposed_by: str
    decided_by: str | None


class LineOut(BaseModel):
    """A credit line: limit, used (unsettled certificates) and available, in fen."""

    id: int
    bank_party_id: int
    core_party_id: int
    limit_fen: int
    used_fen: int
    available_fen: int


class IssueIn(BaseModel):
    """Issue a certificate on a credit line against confirmed receivables the caller owes."""

    credit_line_id: int
    receivable_ids: list[int] = Field(min_length=1)
    maturity_on: date


class CertificateOut(BaseModel):
    """A payable certificate."""

    model_config = ConfigDict(from_attributes=True)
    id: int
    issuer_party_id: int
    credit_line_id: int
    face_fen: int
    issued_on: date
    maturity_on: date
    receivable_ids: list[int]
    settled_on: date | None


class PieceOut(BaseModel):
    """A piece: the fen range [start_fen, end_fen) of a certificate, holder, status, parent."""

    model_config = ConfigDict(from_attributes=True)
    id: int
    certificate_id: int
    parent_id: int | None
    start_fen: int
    end_fen: int
    amount_fen: int
    holder_party_id: int
    status: str
    pending_to_party_id: int | None
    bank_party_id: int | None
    paid_to_party_id: int | None


class IssuedOut(BaseModel):
    """A new certificate, its first piece and warnings (``over_six_months``)."""

    model_config = ConfigDict(from_attributes=True)
    certificate: CertificateOut
    piece: PieceOut
    warnings: list[str]


class SplitIn(BaseModel):
    """The amounts (fen) of the children, summing exactly to the piece."""

    amounts: list[int]


class TransferIn(BaseModel):
    """The supplier the piece is offered to."""

    to_party_id: int


class FinanceIn(BaseModel):
    """Discount (part of) a piece at a bank: rate in basis points a year, explicit day count."""

    amount_fen: int
    bank_party_id: int
    annual_rate_bp: int
    day_count: Literal["ACT/360", "ACT/365"]
    fees_fen: int = 0
    registration_ref: str | None = Field(default=None, max_length=100)


class FinancingOut(BaseModel):
    """A financing: discount = amount × rate × days / basis, half-up to the fen."""

    model_config = ConfigDict(from_attributes=True)
    id: int
    piece_id: int
    bank_party_id: int
    holder_party_id: int
    amount_fen: int
    annual_rate_bp: int
    day_count: str
    rounding: str
    days: int
    discount_fen: int
    fees_fen: int
    proceeds_fen: int
    financed_on: date
    maturity_on: date
    registration_ref: str | None


class NodeOut(BaseModel):
    """A piece in a lineage tree."""

    id: int
    start_fen: int
    end_fen: int
    amount_fen: int
    holder_party_id: int
    status: str
    pending_to_party_id: int | None
    bank_party_id: int | None
    paid_to_party_id: int | None
    children: list[NodeOut]


class TreeOut(BaseModel):
    """A certificate with the tree of the caller's pieces and how much it holds (fen)."""

    id: int
    issuer_party_id: int
    face_fen: int
    issued_on: date
    maturity_on: date
    settled_on: date | None
    held_fen: int
    pieces: list[NodeOut]


class PayableOut(BaseModel):
    """An outstanding certificate of a core enterprise, with the part financed at banks (fen)."""

    id: int
    face_fen: int
    issued_on: date
    maturity_on: date
    credit_line_id: int
    financed_fen: int
