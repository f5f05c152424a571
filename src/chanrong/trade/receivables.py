"""Receivables and their confirmation (确权).

A supplier registers a receivable on a buyer (the debtor) naming the identifiers of the order,
the delivery and the invoice behind it. The platform checks the documents (``core.
receivable_problems``: they resolve, are of the right kind, are between these two parties, are
linked, agree in amount to the fen and follow each other in time, and the invoice backs no other
live receivable) and refuses with every broken rule at once. The buyer then confirms (or
rejects) it; the supplier may withdraw it while it is open. Every step is logged in the ledger
(payload as a salted digest: trade terms are confidential). A confirmed receivable never
changes: a flush that would alter one of ``FROZEN_FIELDS`` raises ``ReceivableLocked``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from chanrong import clock
from chanrong.errors import FieldError
from chanrong.ledger import service as ledger
from chanrong.principal import Principal
from chanrong.trade import core, documents
from chanrong.trade.errors import (
    DocumentsMismatch,
    ReceivableDecided,
    ReceivableLocked,
    ReceivableNotFound,
    WrongParty,
)
from chanrong.trade.models import FROZEN_FIELDS, Delivery, Invoice, Order, Receivable

LIVE_STATUSES = ("registered", "confirmed")
STATEMENT_HEADER = ("标识 identifier", "供应商 supplier", "买方 buyer", "订单 order",
                    "送货单 delivery", "发票 invoice", "金额(分) amount_fen", "到期日 due_on",
                    "状态 status", "确权时间 confirmed_at", "云证 certificate_id")  # fmt: skip


def _check(
    session: Session, *, supplier_party_id: int, debtor_party_id: int, amount_fen: int,
    due_on: date | None, handles: dict[str, str], exclude_id: int | None = None,
) -> tuple[Order, Delivery, Invoice]:  # fmt: skip
    """The three documents when every rule holds; else ``DocumentsMismatch`` with all of them."""
    wanted = {"order": Order, "delivery": Delivery, "invoice": Invoice}
    found: dict[str, Any] = {}
    problems: list[FieldError] = []
    for name, model in wanted.items():
        row = documents.by_handle(session, handles[name])
        if row is None:
            problems.append(FieldError(name, "resolves",
                                       f"{handles[name]} is no registered trade document"))  # fmt: skip
        elif not isinstance(row, model):
            problems.append(FieldError(name, "kind", f"{handles[name]} is no {name}"))
        else:
            found[name] = row
    order, delivery, invoice = found.get("order"), found.get("delivery"), found.get("invoice")
    problems += core.receivable_problems(
        supplier_party_id=supplier_party_id, debtor_party_id=debtor_party_id,
        amount_fen=amount_fen, due_on=due_on, today=clock.today(),
        order=order and documents.order_facts(order),
        delivery=delivery and documents.delivery_facts(delivery),
        invoice=invoice and documents.invoice_facts(invoice),
    )  # fmt: skip
    if invoice is not None:
        holder = session.scalar(select(Receivable.handle).where(
            Receivable.invoice_id == invoice.id, Receivable.status.in_(LIVE_STATUSES),
            Receivable.id != (exclude_id or 0)))  # fmt: skip
        if holder is not None:
            problems.append(FieldError("invoice", "invoice_free",
                                       f"{invoice.handle} already backs receivable {holder}"))  # fmt: skip
    if problems:
        detail = problems[0].message if len(problems) == 1 else (
            f"The documents do not match: {len(problems)} rules broken.")  # fmt: skip
        raise DocumentsMismatch(detail, errors=problems)
    assert order is not None and delivery is not None and invoice is not None
    return order, delivery, invoice


def _payload(row: Receivable) -> dict[str, Any]:
    return {
        "supplier_party_id": row.supplier_party_id, "debtor_party_id": row.debtor_party_id,
        "order_id": row.order_id, "delivery_id": row.delivery_id, "invoice_id": row.invoice_id,
        "amount_fen": row.amount_fen, "due_on": row.due_on.isoformat(), "status": row.status,
    }  # fmt: skip


def _log(session: Session, actor: Principal, name: str, row: Receivable) -> int:
    receipt = ledger.record(session, ledger.Event(
        actor=actor, event=name, subject=row.handle, payload=_payload(row), confidential=True))  # fmt: skip
    return receipt.seq


def register_receivable(
    session: Session, *, actor: Principal, debtor_party_id: int, order_handle: str,
    delivery_handle: str, invoice_handle: str, amount_fen: int, due_on: date | None = None,
    supplier_party_id: int | None = None, handle: str | None = None,
) -> Receivable:  # fmt: skip
    """Register a receivable of ``amount_fen`` fen due ``due_on`` (default: the invoice's due
    date) on the buyer ``debtor_party_id``, as the supplier (the caller's party; the platform
    names ``supplier_party_id``). Refused with every mismatch of the documents."""
    documents.require_write(actor, "Registering a receivable")
    supplier = actor.party_id if supplier_party_id is None else supplier_party_id
    if actor.is_system and supplier_party_id is None:
        raise WrongParty("The platform names the supplier of the receivable.")
    if not actor.acts_for(supplier):
        raise WrongParty("A receivable is registered by its supplier.")
    handles = {"order": order_handle, "delivery": delivery_handle, "invoice": invoice_handle}
    order, delivery, invoice = _check(
        session, supplier_party_id=supplier, debtor_party_id=debtor_party_id,
        amount_fen=amount_fen, due_on=due_on, handles=handles,
    )  # fmt: skip
    handle = documents.issue_handle(session, Receivable, supplier, handle)
    identifier_id = documents.register_identifier(session, actor=actor, handle=handle,
        object_type="receivable", fields=[
            {"name": "order", "type": "identifier", "value": order.handle},
            {"name": "delivery", "type": "identifier", "value": delivery.handle},
            {"name": "invoice", "type": "identifier", "value": invoice.handle},
            {"name": "due_on", "type": "date", "value": invoice.due_on.isoformat()},
            {"name": "amount_fen", "type": "money_fen", "value": amount_fen, "protected": True},
        ])  # fmt: skip
    row = Receivable(
        handle=handle, identifier_id=identifier_id, supplier_party_id=supplier,
        debtor_party_id=debtor_party_id, order_id=order.id, delivery_id=delivery.id,
        invoice_id=invoice.id, amount_fen=amount_fen, due_on=invoice.due_on, status="registered",
        registered_at=clock.now(), registered_ledger_seq=0,
    )  # fmt: skip
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:  # a concurrent registration took the invoice first
        raise DocumentsMismatch(
            f"{invoice.handle} already backs another receivable.",
            errors=[FieldError("invoice", "invoice_free", f"{invoice.handle} is taken")],
        ) from None
    row.registered_ledger_seq = _log(session, actor, "receivable.registered", row)
    session.flush()
    return row


def get_visible(
    session: Session, *, actor: Principal, receivable_id: int, lock: bool = False
) -> Receivable:
    """A receivable its supplier, its debtor or the platform may see; else ``ReceivableNotFound``.
    ``lock`` reads it ``FOR UPDATE`` (PostgreSQL), so that concurrent decisions queue."""
    row = session.get(Receivable, receivable_id, with_for_update=lock, populate_existing=lock)
    if row is None or not documents.may_see(actor, row.supplier_party_id, row.debtor_party_id):
        raise ReceivableNotFound(f"No receivable {receivable_id}.")
    return row


def _open(session: Session, actor: Principal, receivable_id: int, *, debtor: bool) -> Receivable:
    row = get_visible(session, actor=actor, receivable_id=receivable_id, lock=True)
    documents.require_write(actor, "Deciding a receivable")
    party = row.debtor_party_id if debtor else row.supplier_party_id
    if not actor.acts_for(party):
        raise WrongParty("Only the buyer (debtor) confirms or rejects a receivable."
                         if debtor else "Only the supplier withdraws its receivable.")  # fmt: skip
    if row.status == "confirmed" and not debtor:
        raise ReceivableLocked(f"Receivable {row.handle} is confirmed and cannot change.")
    if row.status != "registered":
        raise ReceivableDecided(f"Receivable {row.handle} is already {row.status}.")
    return row


def _decide(
    session: Session, actor: Principal, row: Receivable, status: str, note: str | None
) -> Receivable:
    row.status = status
    row.decided_at = clock.now()
    row.decided_by_user_id = actor.user_id
    row.decision_note = note[:500] if note else None
    with session.no_autoflush:  # one flush: the decision and its log sequence number together
        row.decided_ledger_seq = _log(session, actor, f"receivable.{status}", row)
    session.flush()
    return row


def confirm_receivable(session: Session, *, actor: Principal, receivable_id: int) -> Receivable:
    """The buyer confirms (确权) that it owes the receivable: once, logged, then immutable. The
    documents are checked again (they must still agree and the due date be ahead)."""
    row = _open(session, actor, receivable_id, debtor=True)
    order, delivery, invoice = (session.get(m, i) for m, i in (
        (Order, row.order_id), (Delivery, row.delivery_id), (Invoice, row.invoice_id)))  # fmt: skip
    _check(session, supplier_party_id=row.supplier_party_id,
           debtor_party_id=row.debtor_party_id, amount_fen=row.amount_fen, due_on=row.due_on,
           handles={"order": order.handle, "delivery": delivery.handle,  # type: ignore[union-attr]
                    "invoice": invoice.handle}, exclude_id=row.id)  # type: ignore[union-attr]  # fmt: skip
    return _decide(session, actor, row, "confirmed", None)


def reject_receivable(
    session: Session, *, actor: Principal, receivable_id: int, reason: str
) -> Receivable:
    """The buyer refuses an open receivable, with its reason (logged); the invoice is free again."""
    return _decide(session, actor, _open(session, actor, receivable_id, debtor=True), "rejected",
                   reason)  # fmt: skip


def withdraw_receivable(session: Session, *, actor: Principal, receivable_id: int) -> Receivable:
    """The supplier withdraws an open receivable (not a confirmed one); logged."""
    return _decide(session, actor, _open(session, actor, receivable_id, debtor=False),
                   "withdrawn", None)  # fmt: skip


def list_receivables(
    session: Session, *, actor: Principal, party_id: int, side: str = "supplier",
    status: str | None = None, limit: int = 100, offset: int = 0,
) -> list[Receivable]:  # fmt: skip
    """A party's receivables (``side`` ``supplier``) or payables (``side`` ``debtor``), newest
    first. Only the party itself or the platform may list them."""
    if not actor.acts_for(party_id) and not actor.is_platform_admin:
        raise ReceivableNotFound("Another party's receivables are not listed to you.")
    column = Receivable.debtor_party_id if side == "debtor" else Receivable.supplier_party_id
    query = select(Receivable).where(column == party_id)
    if status:
        query = query.where(Receivable.status == status)
    return list(session.scalars(
        query.order_by(Receivable.id.desc()).limit(min(limit, 1000)).offset(offset)))  # fmt: skip


def statement_rows(
    session: Session, *, actor: Principal, party_id: int, side: str = "supplier"
) -> list[list[Any]]:
    """Rows of a party's receivables statement (``STATEMENT_HEADER``; amounts in integer fen)."""
    rows = list_receivables(session, actor=actor, party_id=party_id, side=side, limit=1000)
    handles: dict[type, dict[int, str]] = {}
    for model, key in ((Order, "order_id"), (Delivery, "delivery_id"), (Invoice, "invoice_id")):
        ids = {getattr(r, key) for r in rows}
        handles[model] = dict(
            session.execute(select(model.id, model.handle).where(model.id.in_(ids))).all()
        )
    return [[
        r.handle, r.supplier_party_id, r.debtor_party_id, handles[Order][r.order_id],
        handles[Delivery][r.delivery_id], handles[Invoice][r.invoice_id], r.amount_fen,
        r.due_on.isoformat(), r.status,
        r.decided_at.isoformat() if r.status == "confirmed" and r.decided_at else "",
        r.certificate_id if r.certificate_id is not None else "",
    ] for r in reversed(rows)]  # fmt: skip


@event.listens_for(Receivable, "before_update")
def _frozen_once_confirmed(_mapper: Any, _connection: Any, target: Receivable) -> None:
    """Refuse any change of a confirmed receivable's terms, whatever code path flushes it."""
    state = inspect(target)
    history = state.attrs.status.history
    was = history.deleted[0] if history.deleted else target.status
    if was != "confirmed":
        return
    changed = [name for name in FROZEN_FIELDS if state.attrs[name].history.has_changes()]
    if changed:
        raise ReceivableLocked(
            f"Receivable {target.handle} is confirmed: {', '.join(changed)} cannot change."
        )
