"""Response shapes of the observatory API (``/api/v1/observatory``). Amounts are integer fen;
shares are fractions rounded to 4 places; docs/observatory-indicators.md defines each figure."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Open(BaseModel):
    # The indicators may gain figures; a client reading an older shape keeps working.
    model_config = ConfigDict(extra="allow")


class IndicatorValues(_Open):
    """The scalar indicators of one year."""

    events: int
    companies_financed: int
    disclosed_sum_fen: int
    estimated_fen: int
    estimated_low_fen: int
    estimated_high_fen: int | None = Field(description="None when a range is open-ended")
    open_ended_events: int
    events_with_amount: int
    undisclosed_events: int
    average_amount_fen: int | None
    early_stage_events: int
    early_stage_share: float | None
    state_owned_events: int
    state_owned_share: float | None
    listed_companies: int
    new_listings: int
    new_listings_by_board: dict[str, int]
    ipo_proceeds_fen: int
    ipo_proceeds_average_fen: int | None
    listed_with_financials: int
    listed_revenue_fen: int
    listed_profit_fen: int
    listed_turned_profitable: int


class GroupFigures(BaseModel):
    """Events, companies and estimated amounts of a group (a sector, a province, a region)."""

    events: int
    companies: int
    estimated_fen: int
    estimated_low_fen: int
    estimated_high_fen: int | None


class ProvinceFigures(GroupFigures):
    """A province's figures (GB/T 2260 code)."""

    province: str


class ActiveInvestor(BaseModel):
    """An investor among the year's most active: rounds joined and rounds led."""

    name: str
    kind: str
    events: int
    led: int


class Filters(BaseModel):
    """The filters the figures were computed with."""

    sector: str | None
    province: str | None
    stage: str | None
    investor_type: str | None


class Indicators(BaseModel):
    """A year's indicators, the year before's, the year-on-year change of each scalar, and
    the breakdowns."""

    year: int
    filters: Filters
    values: IndicatorValues
    previous: IndicatorValues
    change: dict[str, float | None]
    by_sector: dict[str, GroupFigures]
    by_province: list[ProvinceFigures]
    yangtze_delta: GroupFigures
    most_active_investors: list[ActiveInvestor]


class DealInvestor(BaseModel):
    """An investor of a round."""

    name: str
    kind: str
    lead: bool


class Deal(BaseModel):
    """A financing round with its company and investors; the amount is the fen range
    [amount_low_fen, amount_high_fen) or undisclosed."""

    id: int
    company: str
    organisation_id: int
    province: str | None
    sector: str | None
    date: str
    date_precision: str
    round_label: str
    stage: str | None
    amount_kind: str
    amount_low_fen: int | None
    amount_high_fen: int | None
    amount_text: str
    currency: str | None
    fx_rate: str | None = Field(description="CNY per unit, a decimal string")
    sources: list[str]
    investors: list[DealInvestor]


class DealPage(BaseModel):
    """A page of rounds, newest first."""

    items: list[Deal]
    total: int
    limit: int
    offset: int


class ReconciliationRow(BaseModel):
    """A published figure beside the computed one (decimal strings); ``status`` is ok, gap
    (over 10%) or not_computed."""

    indicator: str
    year: int
    reference: str
    unit: str
    qualifier: str
    computed: str | None
    gap: str | None
    status: str


class Reconciliation(BaseModel):
    """The reconciliation of a year."""

    year: int
    rows: list[ReconciliationRow]


class ReviewOrganisation(BaseModel):
    """One side of a review item."""

    id: int
    name: str
    province: str | None
    sector: str | None


class ReviewItem(BaseModel):
    """An uncertain name match: a source's name, the organisation it was imported under, the
    candidate it may be, and the decision (who and when) once taken."""

    id: int
    name: str
    organisation_id: int | None
    organisation: ReviewOrganisation | None
    candidate_id: int
    candidate: ReviewOrganisation | None
    score: float
    reason: str
    status: str
    decided_at: str | None
    decided_by_user: int | None


class ReviewList(BaseModel):
    """The open review items, highest score first."""

    items: list[ReviewItem]


class RowErrors(BaseModel):
    """The problems of one file line."""

    line: int
    errors: list[dict[str, str]]


class ImportReport(BaseModel):
    """What an import did: counts, refused rows (not imported) and flagged rows (imported,
    with notes). ``merged`` is for deals, ``updated`` for the other kinds."""

    kind: str = "deals"
    created: int
    merged: int | None = None
    updated: int | None = None
    unchanged: int
    organisations_created: int
    review_listed: int
    refused: list[RowErrors]
    flagged: list[RowErrors]
