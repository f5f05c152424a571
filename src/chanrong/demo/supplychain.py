"""The demo park's supply-chain finance: trade, confirmed receivables, credit lines, payable
certificates (云证) split and transferred two tiers deep, financings, and one settlement.

``build_supplychain(session, seed)`` writes a SIMULATED history of the last ~200 days through the
services only (``trade.documents``, ``trade.receivables``, ``supplychain.lines``,
``supplychain.service``), so every step is in the ledger. Each step runs with the clock frozen at
noon (Beijing time) of its business day, counted back from today, and acts as the party's demo
admin (``<code>-admin``); each bank gets a second user ``<code>-checker`` who approves the
credit lines its admin proposes (maker-checker). The core enterprises buy from their tier-1
suppliers, who buy from their own suppliers (tiers 2 and 3); the core enterprises issue
certificates against the confirmed payables; holders split them, pass pieces on two tiers deep
and discount some at the park's banks; the refinery's certificate has matured and is settled
(to the bank for its financed piece). Nothing here commits; ``present`` makes a re-run a no-op.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from chanrong import clock
from chanrong.demo.build import DEMO_PASSWORD
from chanrong.demo.plan import ParkPlan, plan_park
from chanrong.parties import access
from chanrong.parties import service as parties
from chanrong.principal import Principal
from chanrong.supplychain import core, lines, service, views
from chanrong.trade import documents, receivables

WAN = 1_000_000  # fen in 1 万元
LINES = (("bank1", "excavator", 8_000 * WAN), ("bank1", "autolog", 5_000 * WAN),
         ("bank2", "garment", 3_000 * WAN), ("bank3", "refinery", 6_000 * WAN))  # fmt: skip
"""(bank, core enterprise, limit in fen): the credit lines the park's banks set."""
CHECKER = "{code}-checker"
"""The second user of each bank (the checker of its credit lines)."""


@dataclass(frozen=True)
class TradeSpec:
    """An order ``seller`` → ``buyer`` of ``amount_fen`` placed ``day`` days from today (<0),
    delivered 2 and invoiced 4 days later, due ``terms_days`` after the order; the receivable
    is registered the next day and confirmed by the buyer the day after."""

    key: str
    seller: str
    buyer: str
    goods: str
    amount_fen: int
    day: int
    terms_days: int


TRADES = (
    # tiers 2 and 3: suppliers buying from their own suppliers
    TradeSpec("cnc-metal", "cncmaker", "metal02", "VMC850 立式加工中心", 68 * WAN, -150, 120),
    TradeSpec("metal-elec", "metal02", "elec01", "线束固定支架", 145 * WAN, -120, 90),
    TradeSpec("mould-parts", "mould01", "autoparts01", "制动鼓铸造模具", 92 * WAN, -110, 90),
    TradeSpec("log-sew", "logistics01", "sew01", "道路货物运输服务", 38 * WAN, -100, 60),
    # tier 1: the core enterprises' suppliers
    TradeSpec("elec-exc", "elec01", "excavator", "线束总成", 320 * WAN, -80, 180),
    TradeSpec("parts-auto", "autoparts01", "autolog", "制动鼓", 180 * WAN, -70, 150),
    TradeSpec("sew-garment", "sew01", "garment", "衬衫成衣加工", 96 * WAN, -60, 120),
    TradeSpec(
        "meter-ref", "metermaker", "refinery", "DTZY666 智能物联电能表", 150 * WAN, -200, 180
    ),
)


@dataclass(frozen=True)
class SupplyChainSummary:
    """What the park's certificates amount to, counted from the database (amounts in fen)."""

    credit_lines: int
    certificates: int
    face_fen: int
    pieces: int
    live_pieces: int
    financings: int
    financed_fen: int
    settled: int
    built: bool


class Park:
    """The park's parties by code, their admins as principals, and the business day clock."""

    def __init__(self, session: Session, plan: ParkPlan, today: date) -> None:
        self.session, self.plan, self.today = session, plan, today
        codes = {p.uscc: p.code for p in plan.parties}
        found = parties.party_ids_by_uscc(session, codes)
        self.ids = {codes[uscc]: pid for uscc, pid in found.items()}
        self.receivable: dict[str, int] = {}
        self.invoice: dict[str, tuple[int, date]] = {}
        self.certificate: dict[str, int] = {}

    def user(self, code: str, username: str | None = None) -> Principal:
        """The principal of ``code``'s user ``username`` (default: its demo admin)."""
        spec, party_id = self.plan.party(code), self.ids[code]
        wanted = username or spec.username
        users = access.list_users(self.session, actor=Principal.system(), party_id=party_id)
        user = next(u for u in users if u.username == wanted)
        return Principal(party_id, spec.kind, frozenset(user.roles), user_id=user.id)

    @contextmanager
    def on(self, day: int) -> Iterator[date]:
        """The clock frozen at noon (Beijing time) ``day`` days from today."""
        business = self.today + timedelta(days=day)
        with clock.frozen(datetime.combine(business, time(12), clock.BUSINESS_TZ)):
            yield business


def present(session: Session, seed: int) -> bool:
    """True when the park's certificates are already there (a re-run changes nothing)."""
    plan = plan_park(seed)
    ids = parties.party_ids_by_uscc(session, [plan.party("excavator").uscc])
    issuers = {c.issuer for c in views.stored_book(session).certificates.values()}
    return bool(ids) and bool(issuers & set(ids.values()))


def checkers() -> list[str]:
    """The usernames of the banks' second users (the checkers of their credit lines)."""
    return [CHECKER.format(code=code) for code in sorted({bank for bank, _c, _l in LINES})]


def _checkers(park: Park) -> None:
    for code in sorted({bank for bank, _core, _limit in LINES}):
        spec = park.plan.party(code)
        access.create_user(
            park.session, actor=Principal.system(), party_id=park.ids[code],
            username=CHECKER.format(code=code), display_name=f"{spec.name} 复核员",
            password=DEMO_PASSWORD, roles=["admin"],
        )  # fmt: skip


def _credit_lines(park: Park) -> dict[str, int]:
    """Each bank's admin proposes, its checker approves; returns line ids by core enterprise."""
    with park.on(-210):
        for bank, core_code, limit in LINES:
            maker, checker = park.user(bank), park.user(bank, CHECKER.format(code=bank))
            change = lines.propose_line(park.session, actor=maker, bank_party_id=park.ids[bank],
                                        core_party_id=park.ids[core_code], limit_fen=limit)  # fmt: skip
            lines.decide_line(park.session, actor=checker, change_id=change.id, approve=True)
    found = lines.lines(park.session, actor=Principal.system())
    by_core = {pid: code for code, pid in park.ids.items()}
    return {by_core[int(str(x["core_party_id"]))]: int(str(x["id"])) for x in found}


def trade_documents(park: Park, spec: TradeSpec, serial: int) -> tuple[Any, Any, Any]:
    """The order, delivery and invoice of trade ``spec`` (delivered 2 and invoiced 4 days after
    the order, due on the trade's payment terms), as the buyer and the seller enter them."""
    seller, buyer, s = park.user(spec.seller), park.user(spec.buyer), park.session
    with park.on(spec.day) as day:
        order = documents.create_order(
            s, actor=buyer, seller_party_id=park.ids[spec.seller], buyer_party_id=park.ids[spec.buyer],
            order_date=day, amount_fen=spec.amount_fen, payment_terms_days=spec.terms_days,
            description=spec.goods,
        )  # fmt: skip
    with park.on(spec.day + 2) as day:
        delivery = documents.create_delivery(s, actor=seller, order_id=order.id, delivered_on=day,
                                             amount_fen=spec.amount_fen, description=spec.goods)  # fmt: skip
    with park.on(spec.day + 4) as day:
        invoice = documents.create_invoice(
            s, actor=seller, order_id=order.id, delivery_id=delivery.id,
            invoice_number=f"{day:%y}{serial:06d}", issued_on=day,
            due_on=day - timedelta(days=4) + timedelta(days=spec.terms_days),
            amount_fen=spec.amount_fen,
        )  # fmt: skip
    return order, delivery, invoice


def _trade(park: Park, spec: TradeSpec, serial: int) -> None:
    """Order, delivery, invoice; the supplier registers the receivable, the buyer confirms it."""
    seller, buyer, s = park.user(spec.seller), park.user(spec.buyer), park.session
    order, delivery, invoice = trade_documents(park, spec, serial)
    with park.on(spec.day + 5):
        row = receivables.register_receivable(
            s, actor=seller, debtor_party_id=park.ids[spec.buyer], order_handle=order.handle,
            delivery_handle=delivery.handle, invoice_handle=invoice.handle,
            amount_fen=spec.amount_fen,
        )  # fmt: skip
    with park.on(spec.day + 6):
        receivables.confirm_receivable(s, actor=buyer, receivable_id=row.id)
    park.receivable[spec.key] = row.id
    park.invoice[spec.key] = (invoice.id, invoice.due_on)


def _issue(park: Park, line_ids: dict[str, int], key: str, day: int, maturity: int) -> int:
    """The buyer of trade ``key`` issues a certificate on it, maturing ``maturity`` days from
    today; returns its first piece's id (and remembers the certificate under ``key``)."""
    spec = next(t for t in TRADES if t.key == key)
    with park.on(day):
        issued = service.issue_certificate(
            park.session, actor=park.user(spec.buyer), credit_line_id=line_ids[spec.buyer],
            receivable_ids=[park.receivable[key]],
            maturity_on=park.today + timedelta(days=maturity),
        )  # fmt: skip
    park.certificate[key] = issued.certificate.id
    return issued.piece.id


def _split(park: Park, code: str, day: int, piece_id: int, amounts: list[int]) -> list[int]:
    with park.on(day):
        rows = service.split_piece(park.session, actor=park.user(code), piece_id=piece_id,
                                   amounts=amounts)  # fmt: skip
    return [r.id for r in rows]


def _pass_on(park: Park, holder: str, to: str, day: int, piece_id: int, *,
             accept: bool = True) -> int:  # fmt: skip
    """``holder`` offers the piece to its supplier ``to``, who accepts it the next day."""
    with park.on(day):
        service.offer_transfer(park.session, actor=park.user(holder), piece_id=piece_id,
                               to_party_id=park.ids[to])  # fmt: skip
    if not accept:
        return piece_id
    with park.on(day + 1):
        return service.accept_transfer(park.session, actor=park.user(to), piece_id=piece_id).id


def _finance(park: Park, holder: str, bank: str, day: int, piece_id: int, amount_fen: int,
             rate_bp: int, day_count: str, fees_fen: int = 0) -> None:  # fmt: skip
    with park.on(day) as on:
        service.finance_piece(
            park.session, actor=park.user(holder), piece_id=piece_id, amount_fen=amount_fen,
            bank_party_id=park.ids[bank], annual_rate_bp=rate_bp, day_count=day_count,
            fees_fen=fees_fen, registration_ref=f"DEMO-{on:%Y%m%d}-{piece_id:04d}",
        )  # fmt: skip


def _certificates(park: Park, line_ids: dict[str, int]) -> None:
    """Issue, split, pass on two tiers, finance and settle (see the module's docstring)."""
    # 长沙恒昌 (excavator) → elec01 (tier 1) → metal02 (tier 2) → cncmaker (tier 3)
    root = _issue(park, line_ids, "elec-exc", -72, 100)
    to_metal, kept = _split(park, "elec01", -60, root, [120 * WAN, 200 * WAN])
    at_metal = _pass_on(park, "elec01", "metal02", -58, to_metal)
    to_cnc, kept_metal = _split(park, "metal02", -45, at_metal, [50 * WAN, 70 * WAN])
    _pass_on(park, "metal02", "cncmaker", -44, to_cnc)
    _finance(park, "elec01", "bank1", -30, kept, 200 * WAN, 320, "ACT/360")
    _finance(park, "metal02", "bank1", -20, kept_metal, 40 * WAN, 350, "ACT/360")
    # 武汉新航 (autolog) → autoparts01 → mould01, financed at bank2
    root = _issue(park, line_ids, "parts-auto", -62, 80)
    to_mould, _kept = _split(park, "autoparts01", -50, root, [80 * WAN, 100 * WAN])
    at_mould = _pass_on(park, "autoparts01", "mould01", -49, to_mould)
    _finance(park, "mould01", "bank2", -10, at_mould, 80 * WAN, 380, "ACT/365", fees_fen=20_000)
    # 宁波吉祥 (garment) → sew01 → logistics01; one offer still waiting for acceptance
    root = _issue(park, line_ids, "sew-garment", -52, 60)
    first, second, _third = _split(park, "sew01", -40, root, [30 * WAN, 20 * WAN, 46 * WAN])
    _pass_on(park, "sew01", "logistics01", -39, first)
    _pass_on(park, "sew01", "logistics01", -2, second, accept=False)
    # 东营仁和 (refinery) → metermaker: financed at bank3, matured 20 days ago and settled
    root = _issue(park, line_ids, "meter-ref", -192, -20)
    _finance(park, "metermaker", "bank3", -150, root, 100 * WAN, 340, "ACT/360")
    with park.on(-20):
        service.settle_certificate(park.session, actor=park.user("refinery"),
                                   certificate_id=park.certificate["meter-ref"])  # fmt: skip


def _payments(park: Park) -> None:
    """Invoices already due were paid on their due date (the refinery's by its certificate)."""
    for spec in TRADES:
        invoice_id, due_on = park.invoice[spec.key]
        if due_on < park.today:
            with park.on((due_on - park.today).days) as day:
                documents.record_payment(park.session, actor=park.user(spec.seller),
                                         invoice_id=invoice_id, paid_on=day)  # fmt: skip


def build_supplychain(session: Session, *, seed: int) -> SupplyChainSummary:
    """Write the park's supply-chain finance history (unless ``present``) and count it.
    Needs the park of ``seed``; never commits."""
    built = False
    if not present(session, seed):
        park = Park(session, plan_park(seed), clock.today())
        _checkers(park)
        line_ids = _credit_lines(park)
        for serial, spec in enumerate(TRADES, start=1):
            _trade(park, spec, serial)
        _certificates(park, line_ids)
        _payments(park)
        built = True
    return summarise(session, seed=seed, built=built)


def summarise(session: Session, *, seed: int, built: bool = False) -> SupplyChainSummary:
    """Count the park's credit lines, certificates, pieces, financings (fen) and settlements."""
    plan = plan_park(seed)
    park_ids = set(parties.party_ids_by_uscc(session, [p.uscc for p in plan.parties]).values())
    book = views.stored_book(session)
    certs = {c.id: c for c in book.certificates.values() if c.issuer in park_ids}
    pieces = [p for p in book.pieces.values() if p.certificate_id in certs]
    financed = [f for f in views.financings(session, actor=Principal.system())
                if f.bank_party_id in park_ids]  # fmt: skip
    park_lines = [x for x in lines.lines(session, actor=Principal.system())
                  if x["bank_party_id"] in park_ids]  # fmt: skip
    return SupplyChainSummary(
        credit_lines=len(park_lines), certificates=len(certs),
        face_fen=sum(c.face_fen for c in certs.values()), pieces=len(pieces),
        live_pieces=sum(1 for p in pieces if p.status in core.LIVE),
        financings=len(financed), financed_fen=sum(f.amount_fen for f in financed),
        settled=sum(1 for c in certs.values() if c.settled_on is not None), built=built,
    )  # fmt: skip
