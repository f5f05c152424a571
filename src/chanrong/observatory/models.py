"""The observatory's tables: organisations, investors, financing rounds and their investors,
listings, yearly financials of listed companies, and the review list of uncertain name matches.

Money is integer fen (BigInteger). A round's amount is the half-open range
``[amount_low_fen, amount_high_fen)`` as ``normalise.parse_amount`` gives it: ``exact`` (a one-fen
range), ``band`` (``amount_high_fen`` None when open-ended), ``undisclosed`` or ``unparsed``
(both None; the phrase is kept in ``amount_text``).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chanrong.db import Base, UTCDateTime

SECTORS = (
    "network",  # networks, identifier resolution (标识解析)
    "platform",  # platforms and industrial software
    "security",
    "intelligent_equipment",
    "automation_edge",
    "solutions",
)
INVESTOR_KINDS = ("state_owned", "corporate", "financial_vc", "other", "unknown")
STATE_LEVELS = ("central", "local", "guidance_fund", "state_financial")
AMOUNT_KINDS = ("exact", "band", "undisclosed", "unparsed")
LISTING_STATUSES = ("unlisted", "listed", "delisted")
BOARDS = ("main", "chinext", "star", "bse", "other")


class Organisation(Base):
    """A company of the sector, as the observatory knows it (not necessarily a platform party)."""

    __tablename__ = "obs_organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    short_name: Mapped[str | None] = mapped_column(String(100))
    former_names: Mapped[list[str]] = mapped_column(JSON, default=list)
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)  # other names sources use
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True)
    province: Mapped[str | None] = mapped_column(String(2), index=True)
    city: Mapped[str | None] = mapped_column(String(40))
    sector: Mapped[str | None] = mapped_column(String(32), index=True)
    listing_status: Mapped[str] = mapped_column(String(16), default="unlisted")


class Investor(Base):
    """An investor: its type and, when state-owned, the level of its state background."""

    __tablename__ = "obs_investors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default="unknown", index=True)
    state_level: Mapped[str | None] = mapped_column(String(16))
    parent_group: Mapped[str | None] = mapped_column(String(200))


class Round(Base):
    """A financing round: the period of its date, its round label and stage, its amount range."""

    __tablename__ = "obs_rounds"
    __table_args__ = (Index("ix_obs_rounds_year_org", "year", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("obs_organisations.id"), index=True)
    year: Mapped[int]
    date_start: Mapped[date] = mapped_column(Date)
    date_end: Mapped[date] = mapped_column(Date)
    date_precision: Mapped[str] = mapped_column(String(8))
    round_label: Mapped[str] = mapped_column(String(60))
    stage: Mapped[str | None] = mapped_column(String(16), index=True)
    amount_kind: Mapped[str] = mapped_column(String(12))
    amount_low_fen: Mapped[int | None] = mapped_column(BigInteger)
    amount_high_fen: Mapped[int | None] = mapped_column(BigInteger)
    amount_text: Mapped[str] = mapped_column(String(100), default="")
    currency: Mapped[str | None] = mapped_column(String(3))
    original_low: Mapped[Decimal | None] = mapped_column(Numeric(24, 4))
    original_high: Mapped[Decimal | None] = mapped_column(Numeric(24, 4))
    fx_rate: Mapped[Decimal | None] = mapped_column(Numeric(16, 6))
    sources: Mapped[list[str]] = mapped_column(JSON, default=list)


class RoundInvestor(Base):
    """An investor in a round; ``lead`` marks the lead investor(s)."""

    __tablename__ = "obs_round_investors"

    round_id: Mapped[int] = mapped_column(ForeignKey("obs_rounds.id"), primary_key=True)
    investor_id: Mapped[int] = mapped_column(
        ForeignKey("obs_investors.id"), primary_key=True, index=True
    )
    lead: Mapped[bool] = mapped_column(default=False)


class Listing(Base):
    """A listing of an organisation: exchange, board, date, IPO proceeds (fen)."""

    __tablename__ = "obs_listings"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("obs_organisations.id"), index=True)
    exchange: Mapped[str] = mapped_column(String(8))
    board: Mapped[str] = mapped_column(String(16))
    listed_on: Mapped[date] = mapped_column(Date, index=True)
    delisted_on: Mapped[date | None] = mapped_column(Date)
    ipo_proceeds_fen: Mapped[int | None] = mapped_column(BigInteger)


class Financials(Base):
    """A listed company's results for a year (fen)."""

    __tablename__ = "obs_financials"
    __table_args__ = (UniqueConstraint("organisation_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("obs_organisations.id"))
    year: Mapped[int] = mapped_column(index=True)
    revenue_fen: Mapped[int | None] = mapped_column(BigInteger)
    net_profit_fen: Mapped[int | None] = mapped_column(BigInteger)


class OrgYear(Base):
    """The rollup of an organisation's rounds of one year (``rollups`` keeps it): the
    counts and amount sums the yearly indicators add up, so they read one row per company and
    year instead of every round. Amount sums are fen, as ``indicators`` defines them."""

    __tablename__ = "obs_org_years"

    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("obs_organisations.id"), primary_key=True
    )
    year: Mapped[int] = mapped_column(primary_key=True, index=True)
    events: Mapped[int]
    early: Mapped[int]  # seed, angel and A-class rounds
    state: Mapped[int]  # rounds with a state-owned investor
    low: Mapped[int] = mapped_column(BigInteger)  # sum of low ends
    mid_high: Mapped[int] = mapped_column(BigInteger)  # closed high ends, low end when open
    exact: Mapped[int] = mapped_column(BigInteger)  # sum of exact amounts
    high: Mapped[int] = mapped_column(BigInteger)  # closed high ends of bounded ranges
    open: Mapped[int]  # rounds whose range has no upper end
    with_amount: Mapped[int]  # rounds with any amount


class InvestorYear(Base):
    """The rollup of an investor's rounds of one year (``rollups`` keeps it)."""

    __tablename__ = "obs_investor_years"

    investor_id: Mapped[int] = mapped_column(ForeignKey("obs_investors.id"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True, index=True)
    events: Mapped[int]
    led: Mapped[int]


class ReviewItem(Base):
    """An uncertain name match left for a person: a name from a source and the organisation it
    may be (the row was imported under its own organisation meanwhile)."""

    __tablename__ = "obs_review"
    __table_args__ = (UniqueConstraint("name", "candidate_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("obs_organisations.id"))
    candidate_id: Mapped[int] = mapped_column(ForeignKey("obs_organisations.id"))
    score: Mapped[float]
    reason: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(12), default="open")
    decided_by_user: Mapped[int | None] = mapped_column()  # the deciding user's id, if a user
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
