"""The demo park's instant credit (秒审批): SMEs apply online and get their decisions at once.

``build_credit(session, seed)`` runs after the supply chain (``demo.supplychain``) and goes
through ``credit.service`` only, so every decision is recorded with its inputs and logged
(``credit.decided``), and every acceptance creates its loan, disbursement and schedule:

- 济南卓达数控 (cncmaker, the tier-3 supplier of the excavator maker's certificate) finances
  the 50 万元 piece it holds at bank1: approved and accepted (the certificate financing);
- 湘潭华星金属 (metal02, tier 2) asks bank1 for a 6-month working-capital loan of 60 万元:
  approved and accepted (equal principal);
- 郑州合力运输 (logistics01) asks bank2 for 200 万元 of working capital on 38 万元 of sales:
  declined (``AMOUNT_ABOVE_SALES``; its one customer also trips ``BUYER_CONCENTRATION``).

So that the two approved SMEs have a trade record a scorecard can rank, they first get a
SIMULATED year of ordinary trade with other park enterprises (order, delivery, invoice, paid on
the due date; no receivables). As in ``demo.supplychain`` each step runs with the clock frozen
at noon (Beijing time) of its business day, acting as the party's demo admin; decisions and
acceptances happen on the same day (an offer is valid on its decision date only). Nothing here
commits; ``present`` makes a re-run a no-op.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from chanrong import clock
from chanrong.credit import service
from chanrong.credit.models import Application
from chanrong.demo.plan import plan_park
from chanrong.demo.supplychain import WAN, Park, TradeSpec, trade_documents
from chanrong.money import format_cny
from chanrong.parties import service as parties
from chanrong.principal import Principal
from chanrong.supplychain import core, views
from chanrong.trade import documents

SALES = (
    # metal02's other customers: brackets and stampings
    TradeSpec("metal-parts", "metal02", "autoparts01", "制动器冲压支架", 90 * WAN, -280, 60),
    TradeSpec("metal-mould", "metal02", "mould01", "模架标准件", 60 * WAN, -200, 60),
    # cncmaker sells machine tools across the park and buys its spindle motors
    TradeSpec("cnc-mould", "cncmaker", "mould02", "VMC1160 立式加工中心", 120 * WAN, -330, 90),
    TradeSpec("cnc-parts", "cncmaker", "autoparts02", "CK6150 数控车床", 90 * WAN, -260, 90),
    TradeSpec("cnc-sew", "cncmaker", "sewmaker", "VMC650 立式加工中心", 80 * WAN, -190, 60),
    TradeSpec("motor-cnc", "motormaker", "cncmaker", "主轴伺服电机", 40 * WAN, -240, 60),
)
"""SIMULATED ordinary trade of the applicants (no receivables), paid on the due date."""


@dataclass(frozen=True)
class Ask:
    """One application: ``applicant`` asks ``bank`` for ``amount_fen`` of ``product`` on
    business day ``day`` (<0, from today); ``piece_of`` names the certificate (by its issuer)
    whose piece the applicant holds (certificate product); ``accept`` takes the offer."""

    applicant: str
    bank: str
    product: str
    amount_fen: int
    day: int
    term_months: int = 0
    piece_of: str = ""
    accept: bool = True


ASKS = (
    Ask("cncmaker", "bank1", "certificate", 50 * WAN, -3, piece_of="excavator"),
    Ask("metal02", "bank1", "working_capital", 60 * WAN, -2, term_months=6),
    Ask("logistics01", "bank2", "working_capital", 200 * WAN, -1, term_months=12, accept=False),
)


@dataclass(frozen=True)
class Outcome:
    """One recorded decision of the demo: who asked which bank for what (fen, months), the
    outcome, its reason codes, the points, and the loan when the offer was accepted."""

    application_id: int
    applicant: str
    applicant_name: str
    bank: str
    product: str
    amount_fen: int
    term_months: int
    outcome: str
    reasons: tuple[str, ...]
    points: int
    loan_id: int | None
    annual_rate_bp: int | None
    disbursed_fen: int | None


@dataclass(frozen=True)
class CreditSummary:
    """The demo's applications, oldest first, and whether they were written now."""

    outcomes: tuple[Outcome, ...]
    built: bool


def present(session: Session, seed: int) -> bool:
    """True when the demo's applicants already applied (a re-run changes nothing)."""
    return bool(_applications(session, seed))


def _applications(session: Session, seed: int) -> list[tuple[str, Application]]:
    """(code, application) of every application the demo's applicants made, oldest first."""
    plan = plan_park(seed)
    codes = {plan.party(a.applicant).uscc: a.applicant for a in ASKS}
    ids = parties.party_ids_by_uscc(session, codes)
    found = []
    for uscc, party_id in ids.items():
        actor = Principal(party_id, "enterprise", frozenset({"viewer"}))
        found += [(codes[uscc], app) for app in service.my_applications(session, actor=actor)]
    return sorted(found, key=lambda pair: pair[1].id)


def _sale(park: Park, spec: TradeSpec, serial: int) -> None:
    """Order, delivery, invoice (2 and 4 days later), paid on the due date."""
    _order, _delivery, invoice = trade_documents(park, spec, serial)
    with park.on((invoice.due_on - park.today).days) as day:
        documents.record_payment(park.session, actor=park.user(spec.seller), invoice_id=invoice.id,
                                 paid_on=day)  # fmt: skip


def _held_piece(park: Park, holder: str, issuer: str) -> int | None:
    """The id of the piece ``holder`` holds (not financed) of ``issuer``'s certificate, if any."""
    book = views.stored_book(park.session)
    return next(
        (p.id for p in sorted(book.pieces.values(), key=lambda p: p.id)
         if p.holder == park.ids[holder] and p.status == core.HELD
         and book.certificates[p.certificate_id].issuer == park.ids[issuer]), None,
    )  # fmt: skip


def _apply(park: Park, ask: Ask) -> None:
    """``ask`` applied for (and its offer accepted, when approved and wanted) on its day; a
    certificate ask is skipped when the applicant no longer holds a piece (an old database)."""
    actor = park.user(ask.applicant)
    with park.on(ask.day):
        piece_id = _held_piece(park, ask.applicant, ask.piece_of) if ask.piece_of else None
        if ask.piece_of and piece_id is None:
            return
        app = service.apply(
            park.session, actor=actor, bank_party_id=park.ids[ask.bank], product=ask.product,
            amount_fen=ask.amount_fen, term_months=ask.term_months, piece_id=piece_id,
        )  # fmt: skip
        if ask.accept and app.outcome == "approve":
            service.accept(park.session, actor=actor, application_id=app.id)


def build_credit(session: Session, *, seed: int) -> CreditSummary:
    """Write the demo's trade record for the applicants and their applications (unless
    ``present``) and read the outcomes back. Needs the park and its supply chain of ``seed``;
    never commits."""
    built = False
    if not present(session, seed):
        park = Park(session, plan_park(seed), clock.today())
        for serial, spec in enumerate(SALES, start=101):
            _sale(park, spec, serial)
        for ask in ASKS:
            _apply(park, ask)
        built = True
    return summarise(session, seed=seed, built=built)


def summarise(session: Session, *, seed: int, built: bool = False) -> CreditSummary:
    """The demo's applications as recorded: outcome, reason codes, points and loan (fen, bp)."""
    plan = plan_park(seed)
    banks = {pid: code for code in {a.bank for a in ASKS}
             for pid in parties.party_ids_by_uscc(session, [plan.party(code).uscc]).values()}  # fmt: skip
    loans = {}
    for bank_id in banks:
        actor = Principal(bank_id, "institution", frozenset({"viewer"}))
        loans.update({loan.application_id: loan
                      for loan in service.portfolio(session, actor=actor)["loans"]})  # fmt: skip
    outcomes = []
    for code, app in _applications(session, seed):
        loan = loans.get(app.id)
        outcomes.append(Outcome(
            application_id=app.id, applicant=code, applicant_name=plan.party(code).name,
            bank=banks.get(app.bank_party_id, str(app.bank_party_id)), product=app.product,
            amount_fen=app.amount_fen, term_months=app.term_months, outcome=app.outcome,
            reasons=tuple(r["code"] for r in app.reasons), points=app.points,
            loan_id=None if loan is None else loan.id,
            annual_rate_bp=None if loan is None else loan.annual_rate_bp,
            disbursed_fen=None if loan is None else loan.principal_fen - loan.fees_fen
            - (loan.interest_fen if loan.product == "certificate" else 0),
        ))  # fmt: skip
    return CreditSummary(tuple(outcomes), built)


def describe(summary: CreditSummary) -> list[str]:
    """One line per application for people: applicant, product, amount in 万元, outcome with
    the rate (approved) or the reason codes (declined, referred)."""
    products = {"certificate": "云证融资 certificate financing",
                "working_capital": "流动资金贷款 working capital"}  # fmt: skip
    lines = []
    for o in summary.outcomes:
        term = f", {o.term_months} months" if o.term_months else ""
        head = (f"{o.applicant_name} ({o.applicant}) → {o.bank}: {products[o.product]} "
                f"{format_cny(o.amount_fen, '万元')}{term}, {o.points} points: ")  # fmt: skip
        if o.outcome == "approve" and o.loan_id is not None:
            rate = o.annual_rate_bp or 0
            tail = (f"approved 批准 and accepted, loan {o.loan_id} at {rate // 100}.{rate % 100:02d} "
                    f"%/yr, disbursed {format_cny(o.disbursed_fen or 0, '万元')}")  # fmt: skip
        elif o.outcome == "approve":
            tail = "approved 批准, offer not taken"
        else:
            label = "declined 拒绝" if o.outcome == "decline" else "referred 转人工"
            tail = f"{label} ({', '.join(o.reasons)})"
        lines.append(head + tail)
    return lines
