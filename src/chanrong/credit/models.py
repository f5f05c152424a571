"""Tables of credit decisions: banks' rule sets (maker-checker), applications with their
recorded decisions, the loans, disbursements and repayment instalments accepted offers
create, and the repayments recorded on loans. Amounts are integer fen, rates basis points."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chanrong.db import Base, UTCDateTime


class RuleSetVersion(Base):
    """One version of a bank's credit rules (``credit.rules.RuleSet`` parameters). ``status``:
    proposed → active (approved by a second bank user; the previous active one becomes
    superseded) or rejected."""

    __tablename__ = "credit_rule_sets"
    __table_args__ = (UniqueConstraint("bank_party_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    number: Mapped[int]
    version: Mapped[str] = mapped_column(String(40), unique=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    digest: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    proposed_by: Mapped[str] = mapped_column(String(32))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(32))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Application(Base):
    """An SME's application to a bank and its decision, recorded with everything needed to
    recompute it: ``inputs`` (facts, feature values, date), ``features`` (values with window and
    source), the rules version and digest, the points table version and digest, the result.
    ``status``: decided, then accepted when an approved offer is taken."""

    __tablename__ = "credit_applications"
    __table_args__ = (
        Index("ix_credit_applications_bank", "bank_party_id", "outcome"),
        Index("ix_credit_applications_applicant", "applicant_party_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    applicant_party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    bank_party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    product: Mapped[str] = mapped_column(String(20))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    term_months: Mapped[int]
    repayment: Mapped[str] = mapped_column(String(20))
    piece_id: Mapped[int | None]
    outcome: Mapped[str] = mapped_column(String(10))
    reasons: Mapped[list[Any]] = mapped_column(JSON)
    points: Mapped[int]
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON)
    features: Mapped[dict[str, Any]] = mapped_column(JSON)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    rules_version: Mapped[str] = mapped_column(String(40))
    rules_digest: Mapped[str] = mapped_column(String(64))
    table_version: Mapped[str] = mapped_column(String(40))
    table_digest: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(10))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ledger_seq: Mapped[int]


class Loan(Base):
    """A loan (working capital) or a financed certificate piece created by accepting an offer.
    ``financing_id`` points at the supply-chain financing of a piece (no foreign key).
    ``status``: active, repaid."""

    __tablename__ = "credit_loans"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("credit_applications.id"), unique=True)
    borrower_party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    bank_party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    product: Mapped[str] = mapped_column(String(20))
    principal_fen: Mapped[int] = mapped_column(BigInteger)
    annual_rate_bp: Mapped[int]
    fees_fen: Mapped[int] = mapped_column(BigInteger)
    interest_fen: Mapped[int] = mapped_column(BigInteger)
    total_cost_fen: Mapped[int] = mapped_column(BigInteger)
    start_on: Mapped[date] = mapped_column(Date())
    maturity_on: Mapped[date] = mapped_column(Date())
    financing_id: Mapped[int | None] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ledger_seq: Mapped[int]


class Disbursement(Base):
    """Money paid out on a loan: ``amount_fen`` to the borrower after ``fees_fen`` (and, for a
    certificate piece, the discount) were withheld."""

    __tablename__ = "credit_disbursements"

    id: Mapped[int] = mapped_column(primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("credit_loans.id"), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    fees_fen: Mapped[int] = mapped_column(BigInteger)
    disbursed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ledger_seq: Mapped[int]


class Instalment(Base):
    """One row of a loan's repayment schedule (principal and interest in fen), with what
    repayments have paid of each so far; ``paid_on`` is set when it is paid in full."""

    __tablename__ = "credit_instalments"
    __table_args__ = (UniqueConstraint("loan_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("credit_loans.id"))
    number: Mapped[int]
    due_on: Mapped[date] = mapped_column(Date())
    principal_fen: Mapped[int] = mapped_column(BigInteger)
    interest_fen: Mapped[int] = mapped_column(BigInteger)
    paid_on: Mapped[date | None] = mapped_column(Date())
    interest_paid_fen: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    principal_paid_fen: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class Repayment(Base):
    """A payment applied to a loan's schedule: ``amount_fen`` received on ``paid_on`` from
    ``source`` (a bank's reference, or ``settlement:certificate:<id>`` for the issuer's
    settlement), split into ``interest_fen`` and ``principal_fen``; ``allocation`` lists
    ``[instalment number, interest fen, principal fen]`` in the order applied."""

    __tablename__ = "credit_repayments"

    id: Mapped[int] = mapped_column(primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("credit_loans.id"), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    interest_fen: Mapped[int] = mapped_column(BigInteger)
    principal_fen: Mapped[int] = mapped_column(BigInteger)
    paid_on: Mapped[date] = mapped_column(Date())
    source: Mapped[str] = mapped_column(String(100))
    allocation: Mapped[list[Any]] = mapped_column(JSON)
    recorded_by: Mapped[int | None]
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ledger_seq: Mapped[int]
