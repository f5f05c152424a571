"""Request and response shapes of the credit API (amounts in fen, rates in basis points)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ApplyIn(BaseModel):
    """An application: the bank, the product (``working_capital`` or ``certificate``), the
    amount, and the term and repayment (working capital) or the piece (certificate)."""

    bank_party_id: int
    product: str = "working_capital"
    amount_fen: int
    term_months: int = 0
    repayment: str = "equal_principal"
    piece_id: int | None = None


class ApplicationOut(BaseModel):
    """A decided application: outcome, reasons, points, offer, and what it was decided with."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    applicant_party_id: int
    bank_party_id: int
    product: str
    amount_fen: int
    term_months: int
    repayment: str
    piece_id: int | None
    outcome: str
    reasons: list[dict[str, str]]
    points: int
    status: str
    rules_version: str
    rules_digest: str
    table_version: str
    table_digest: str
    decided_at: datetime
    ledger_seq: int
    result: dict[str, Any]
    features: dict[str, Any]


class RecomputeOut(BaseModel):
    """A decision recomputed from its recorded inputs, and whether it is the same."""

    application_id: int
    same: bool
    result: dict[str, Any]


class InstalmentOut(BaseModel):
    """One repayment."""

    model_config = ConfigDict(from_attributes=True)

    number: int
    due_on: date
    principal_fen: int
    interest_fen: int
    paid_on: date | None
    interest_paid_fen: int = 0
    principal_paid_fen: int = 0


class RepaymentIn(BaseModel):
    """A payment the lending bank received on a working-capital loan (fen, the day, a reference)."""

    amount_fen: int
    paid_on: date
    source: str = Field(max_length=100)


class RepaymentOut(BaseModel):
    """A repayment applied to a loan: its split into interest and principal and, per
    instalment, ``[number, interest fen, principal fen]``."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    loan_id: int
    amount_fen: int
    interest_fen: int
    principal_fen: int
    paid_on: date
    source: str
    allocation: list[list[int]]
    ledger_seq: int


class LoanOut(BaseModel):
    """A loan created by an accepted offer."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    application_id: int
    borrower_party_id: int
    bank_party_id: int
    product: str
    principal_fen: int
    annual_rate_bp: int
    fees_fen: int
    interest_fen: int
    total_cost_fen: int
    start_on: date
    maturity_on: date
    financing_id: int | None
    status: str


class AcceptedOut(LoanOut):
    """The loan with its repayment schedule."""

    schedule: list[InstalmentOut]


class PortfolioOut(BaseModel):
    """A bank's loans with totals per product."""

    totals: dict[str, dict[str, int]]
    loans: list[LoanOut]


class RuleSetIn(BaseModel):
    """Rule parameters to change (the rest stay as in the active version)."""

    params: dict[str, Any] = Field(default_factory=dict)


class RuleSetOut(BaseModel):
    """One version of a bank's rules."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    bank_party_id: int
    version: str
    params: dict[str, Any]
    digest: str
    status: str
    proposed_by: str
    proposed_at: datetime
    decided_by: str | None
    decided_at: datetime | None
