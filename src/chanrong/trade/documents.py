"""Use cases of trade documents: purchase orders, deliveries, invoices, payments received.

Each document gets an industrial-internet identifier registered (and logged in the ledger, its
amount as a protected field) under the issuing party's prefix: the buyer issues purchase orders
(either party may enter one), the seller issues delivery notes and invoices. Documents are
never edited; only the date an invoice was paid is recorded once, by the seller. Amounts are
integer fen. Only the two parties of a document, and the platform, see it (default deny).
"""

from __future__ import annotations

from datetime import date
from typing import Any, TypeVar

from sqlalchemy import func, or_, select, text
from sqlalchemy.orm import Session

from chanrong import clock
from chanrong.errors import FieldError, RoleRequired
from chanrong.identifiers import service as identifiers
from chanrong.ledger import service as ledger
from chanrong.parties import service as parties
from chanrong.principal import Principal
from chanrong.trade import core
from chanrong.trade.errors import (
    InvalidTradeDocument,
    InvoiceAlreadyPaid,
    TradeDocumentNotFound,
    WrongParty,
)
from chanrong.trade.models import Delivery, Invoice, Order

Doc = TypeVar("Doc", Order, Delivery, Invoice)
CODES = {Order: "PO", Delivery: "DN", Invoice: "INV"}
KINDS = ("PO", "DN", "INV", "AR")
HANDLE_LOCK = 0x74726164 << 32
"""Base of the advisory lock keys (``"trad"`` << 32, + party id × 8 + kind) that make numbering
one party's documents of one kind a queue on PostgreSQL."""
OBJECT_TYPES = {Order: "purchase_order", Delivery: "delivery_note", Invoice: "invoice"}


def may_see(actor: Principal, seller_party_id: int, buyer_party_id: int) -> bool:
    """True for the two parties of a trade and for the platform."""
    return (
        actor.is_platform_admin or actor.acts_for(seller_party_id) or actor.acts_for(buyer_party_id)
    )


def require_write(actor: Principal, what: str) -> None:
    """Raise ``RoleRequired`` unless the actor may change its party's data."""
    if not actor.may_write():
        raise RoleRequired(f"{what} needs the member or admin role.")


def _raise_if(problems: list[FieldError]) -> None:
    if problems:
        first = problems[0].message if len(problems) == 1 else "The document breaks rules."
        raise InvalidTradeDocument(first, errors=problems)


def issue_handle(session: Session, model: type, party_id: int, handle: str | None) -> str:
    """``handle`` as given, or the next free ``<prefix>/<PO|DN|INV|AR>-<nnnnnn>`` under the
    party's first prefix."""
    if handle:
        return handle
    prefix = identifiers.first_prefix(session, party_id)
    if prefix is None:
        raise InvalidTradeDocument(
            "The issuing party has no identifier prefix; register one or give a handle.",
            field="handle",
            rule="prefix_needed",
        )
    code = CODES.get(model, "AR")
    if session.get_bind().dialect.name == "postgresql":  # SQLite serialises writers already
        key = HANDLE_LOCK + party_id * 8 + KINDS.index(code)
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
    taken = session.scalar(
        select(func.count()).select_from(model).where(model.handle.like(f"{prefix}/{code}-%"))
    )
    return f"{prefix}/{code}-{(taken or 0) + 1:06d}"


def register_identifier(
    session: Session, *, actor: Principal, handle: str, object_type: str, fields: list[dict]
) -> int:
    """Register the document's identifier under its issuer's prefix; return the identifier id."""
    return identifiers.register_identifier(
        session, actor=actor, handle=handle, object_type=object_type, fields=fields
    ).id


def _field(name: str, kind: str, value: Any, protected: bool = False) -> dict[str, Any]:
    return {"name": name, "type": kind, "value": value, "protected": protected}


def create_order(
    session: Session, *, actor: Principal, seller_party_id: int, buyer_party_id: int,
    order_date: date, amount_fen: int, payment_terms_days: int = 60, description: str = "",
    handle: str | None = None,
) -> Order:  # fmt: skip
    """Enter a purchase order of ``amount_fen`` fen, paid ``payment_terms_days`` days after the
    invoice at the latest. The caller acts for the seller or the buyer; the identifier goes under
    the caller's prefix (the buyer's when the platform enters it)."""
    require_write(actor, "Entering an order")
    if not (actor.acts_for(seller_party_id) or actor.acts_for(buyer_party_id)):
        raise WrongParty("An order is entered by its seller or its buyer.")
    problems = core.order_problems(
        seller_party_id=seller_party_id, buyer_party_id=buyer_party_id, amount_fen=amount_fen,
        order_date=order_date, payment_terms_days=payment_terms_days, today=clock.today(),
    )  # fmt: skip
    known = parties.party_kinds(session, [seller_party_id, buyer_party_id])
    for name, party_id in (
        ("seller_party_id", seller_party_id),
        ("buyer_party_id", buyer_party_id),
    ):
        if party_id not in known:
            problems.append(FieldError(name, "exists", f"party {party_id} does not exist"))
    _raise_if(problems)
    issuer = (
        buyer_party_id if actor.is_system or actor.acts_for(buyer_party_id) else seller_party_id
    )
    handle = issue_handle(session, Order, issuer, handle)
    identifier_id = register_identifier(session, actor=actor, handle=handle,
        object_type="purchase_order", fields=[
            _field("seller_party_id", "integer", seller_party_id),
            _field("buyer_party_id", "integer", buyer_party_id),
            _field("order_date", "date", order_date.isoformat()),
            _field("payment_terms_days", "integer", payment_terms_days),
            _field("amount_fen", "money_fen", amount_fen, protected=True),
        ])  # fmt: skip
    row = Order(
        handle=handle, identifier_id=identifier_id, seller_party_id=seller_party_id,
        buyer_party_id=buyer_party_id, created_by_party_id=issuer, order_date=order_date,
        amount_fen=amount_fen, payment_terms_days=payment_terms_days,
        description=description[:500], created_at=clock.now(),
    )  # fmt: skip
    session.add(row)
    session.flush()
    return row


def order_facts(order: Order) -> core.OrderFacts:
    """The order as the pure checks see it."""
    return core.OrderFacts(order.id, order.handle, order.seller_party_id, order.buyer_party_id,
                           order.amount_fen, order.order_date, order.payment_terms_days)  # fmt: skip


def delivery_facts(row: Delivery) -> core.DeliveryFacts:
    """The delivery as the pure checks see it."""
    return core.DeliveryFacts(row.id, row.handle, row.order_id, row.seller_party_id,
                              row.buyer_party_id, row.amount_fen, row.delivered_on)  # fmt: skip


def invoice_facts(row: Invoice) -> core.InvoiceFacts:
    """The invoice as the pure checks see it."""
    return core.InvoiceFacts(row.id, row.handle, row.order_id, row.delivery_id,
                             row.seller_party_id, row.buyer_party_id, row.amount_fen,
                             row.issued_on, row.due_on)  # fmt: skip


def _seller_order(session: Session, actor: Principal, order_id: int, what: str) -> Order:
    require_write(actor, what)
    order = get_document(session, actor=actor, model=Order, doc_id=order_id)
    if not actor.acts_for(order.seller_party_id):
        raise WrongParty(f"{what} is the seller's to do.")
    return order


def create_delivery(
    session: Session, *, actor: Principal, order_id: int, delivered_on: date, amount_fen: int,
    description: str = "", handle: str | None = None,
) -> Delivery:  # fmt: skip
    """The seller records goods worth ``amount_fen`` fen delivered on ``delivered_on`` against an
    order; all deliveries of an order together stay within its amount."""
    order = _seller_order(session, actor, order_id, "Recording a delivery")
    before = session.scalar(
        select(func.coalesce(func.sum(Delivery.amount_fen), 0)).where(Delivery.order_id == order.id)
    )
    _raise_if(core.delivery_problems(order_facts(order), amount_fen=amount_fen,
        delivered_on=delivered_on, delivered_before_fen=int(before or 0), today=clock.today()))  # fmt: skip
    handle = issue_handle(session, Delivery, order.seller_party_id, handle)
    identifier_id = register_identifier(session, actor=actor, handle=handle,
        object_type="delivery_note", fields=[
            _field("order", "identifier", order.handle),
            _field("delivered_on", "date", delivered_on.isoformat()),
            _field("amount_fen", "money_fen", amount_fen, protected=True),
        ])  # fmt: skip
    row = Delivery(
        handle=handle, identifier_id=identifier_id, order_id=order.id,
        seller_party_id=order.seller_party_id, buyer_party_id=order.buyer_party_id,
        delivered_on=delivered_on, amount_fen=amount_fen, description=description[:500],
        created_at=clock.now(),
    )  # fmt: skip
    session.add(row)
    session.flush()
    return row


def create_invoice(
    session: Session, *, actor: Principal, order_id: int, invoice_number: str, issued_on: date,
    due_on: date, amount_fen: int, delivery_id: int | None = None, handle: str | None = None,
) -> Invoice:  # fmt: skip
    """The seller invoices ``amount_fen`` fen of an order (for one delivery when given), due on
    ``due_on``: not before the invoice date nor after the order's payment terms."""
    order = _seller_order(session, actor, order_id, "Issuing an invoice")
    delivery = None
    if delivery_id is not None:
        delivery = get_document(session, actor=actor, model=Delivery, doc_id=delivery_id)
    if not invoice_number.strip() or len(invoice_number) > 40:
        raise InvalidTradeDocument("invoice number must be 1-40 characters",
                                   field="invoice_number", rule="length")  # fmt: skip
    before = session.scalar(
        select(func.coalesce(func.sum(Invoice.amount_fen), 0)).where(Invoice.order_id == order.id)
    )
    _raise_if(core.invoice_problems(order_facts(order),
        None if delivery is None else delivery_facts(delivery), amount_fen=amount_fen,
        issued_on=issued_on, due_on=due_on, invoiced_before_fen=int(before or 0),
        today=clock.today()))  # fmt: skip
    handle = issue_handle(session, Invoice, order.seller_party_id, handle)
    fields = [_field("order", "identifier", order.handle)]
    if delivery is not None:
        fields.append(_field("delivery", "identifier", delivery.handle))
    fields += [
        _field("invoice_number", "string", invoice_number.strip(), protected=True),
        _field("issued_on", "date", issued_on.isoformat()),
        _field("due_on", "date", due_on.isoformat()),
        _field("amount_fen", "money_fen", amount_fen, protected=True),
    ]
    identifier_id = register_identifier(session, actor=actor, handle=handle,
                                        object_type="invoice", fields=fields)  # fmt: skip
    row = Invoice(
        handle=handle, identifier_id=identifier_id, order_id=order.id, delivery_id=delivery_id,
        seller_party_id=order.seller_party_id, buyer_party_id=order.buyer_party_id,
        invoice_number=invoice_number.strip(), issued_on=issued_on, due_on=due_on,
        amount_fen=amount_fen, paid_on=None, created_at=clock.now(),
    )  # fmt: skip
    session.add(row)
    session.flush()
    return row


def record_payment(
    session: Session, *, actor: Principal, invoice_id: int, paid_on: date
) -> Invoice:
    """The seller records that the invoice was paid in full on ``paid_on`` (once; logged)."""
    require_write(actor, "Recording a payment")
    invoice = get_document(session, actor=actor, model=Invoice, doc_id=invoice_id)
    if not actor.acts_for(invoice.seller_party_id):
        raise WrongParty("The seller records the payment it received.")
    if invoice.paid_on is not None:
        raise InvoiceAlreadyPaid(f"Invoice {invoice.handle} was paid on {invoice.paid_on}.")
    if paid_on < invoice.issued_on or paid_on > clock.today():
        raise InvalidTradeDocument(f"payment date must be from {invoice.issued_on} to today",
                                   field="paid_on", rule="date_order")  # fmt: skip
    invoice.paid_on = paid_on
    session.flush()
    ledger.record(session, ledger.Event(actor=actor, event="trade.invoice.paid",
        subject=invoice.handle, payload={"paid_on": paid_on.isoformat(),
        "amount_fen": invoice.amount_fen}, confidential=True))  # fmt: skip
    return invoice


def get_document(session: Session, *, actor: Principal, model: type[Doc], doc_id: int) -> Doc:
    """One order, delivery or invoice by id, if the caller is one of its parties (or platform)."""
    row = session.get(model, doc_id)
    if row is None or not may_see(actor, row.seller_party_id, row.buyer_party_id):
        raise TradeDocumentNotFound(f"No {OBJECT_TYPES[model].replace('_', ' ')} {doc_id}.")
    return row


def by_handle(session: Session, handle: str) -> Order | Delivery | Invoice | None:
    """The trade document registered under ``handle``, of whatever kind (no access check)."""
    for model in (Order, Delivery, Invoice):
        row = session.scalar(select(model).where(model.handle == handle))
        if row is not None:
            return row
    return None


def list_documents(
    session: Session, *, actor: Principal, model: type[Doc], party_id: int,
    role: str | None = None, limit: int = 100, offset: int = 0,
) -> list[Doc]:  # fmt: skip
    """A party's documents of one kind, newest first; ``role`` ``seller`` or ``buyer`` narrows
    to one side. Only the party itself (or the platform) may list them."""
    if not actor.acts_for(party_id) and not actor.is_platform_admin:
        raise TradeDocumentNotFound("Another party's trade documents are not listed to you.")
    sides = {"seller": model.seller_party_id == party_id, "buyer": model.buyer_party_id == party_id}
    where = sides[role] if role in sides else or_(*sides.values())
    return list(session.scalars(
        select(model).where(where).order_by(model.id.desc()).limit(min(limit, 1000)).offset(offset)
    ))  # fmt: skip
