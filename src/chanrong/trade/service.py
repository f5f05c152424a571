"""The trade domain's interface to other domains (supply-chain certificates, credit).

Use cases with an acting principal live in ``documents`` (orders, deliveries, invoices) and
``receivables`` (register, confirm, reject, withdraw); this module holds what other services
call inside their own transaction: a receivable by id, the check that a receivable may back a
payable certificate, recording the covering certificate, and a party's trade history for credit
features. Amounts are integer fen; date windows are half-open ``[start, end)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session

from chanrong import clock, db
from chanrong.trade import receivables as _receivables  # noqa: F401  (installs the frozen guard)
from chanrong.trade.errors import ReceivableNotFound, ReceivableNotPayable
from chanrong.trade.models import Invoice, Order, Receivable


@dataclass(frozen=True)
class TradeFact:
    """One invoiced sale or purchase of a party, as credit features read it.

    ``role`` is ``seller`` or ``buyer`` (the party's side); ``amount_fen`` the invoice amount;
    ``order_date`` the date of its order; ``due_on`` the invoice's due date; ``paid_on`` the date
    the seller recorded the payment, or None while unpaid.
    """

    invoice_handle: str
    counterparty_party_id: int
    role: str
    amount_fen: int
    order_date: date
    due_on: date
    paid_on: date | None


def get_receivable(session: Session, receivable_id: int) -> Receivable:
    """The receivable with that id (no access check: for other services), or
    ``ReceivableNotFound``."""
    row = session.get(Receivable, receivable_id)
    if row is None:
        raise ReceivableNotFound(f"No receivable {receivable_id}.")
    return row


def payable_for_certificate(
    session: Session, *, receivable_id: int, issuer_party_id: int
) -> Receivable:
    """The receivable, locked for this transaction (``FOR UPDATE`` on PostgreSQL), when it may
    back a certificate the buyer ``issuer_party_id`` issues: confirmed, owed by the issuer, and
    not covered yet. Else ``ReceivableNotFound`` or ``ReceivableNotPayable`` naming the rule
    (``confirmed``, ``debtor``, ``covered``) on the field ``receivable_id``."""
    row = session.scalar(select(Receivable).where(Receivable.id == receivable_id).with_for_update())
    if row is None:
        raise ReceivableNotFound(f"No receivable {receivable_id}.")
    if row.debtor_party_id != issuer_party_id:
        raise ReceivableNotPayable(f"Receivable {row.handle} is owed by another party.",
                                   field="receivable_id", rule="debtor")  # fmt: skip
    if row.status != "confirmed":
        raise ReceivableNotPayable(f"Receivable {row.handle} is {row.status}, not confirmed.",
                                   field="receivable_id", rule="confirmed")  # fmt: skip
    if row.certificate_id is not None:
        raise ReceivableNotPayable(
            f"Receivable {row.handle} is already covered by certificate {row.certificate_id}.",
            field="receivable_id", rule="covered",
        )  # fmt: skip
    return row


def mark_covered(session: Session, receivable_id: int, certificate_id: int) -> None:
    """Record that certificate ``certificate_id`` covers the receivable (once). Call it after
    ``payable_for_certificate`` in the same transaction; the certificate's issuance event logs it.
    Raises ``ReceivableNotPayable`` (``confirmed``, ``covered``) otherwise."""
    row = get_receivable(session, receivable_id)
    if row.status != "confirmed":
        raise ReceivableNotPayable(f"Receivable {row.handle} is {row.status}, not confirmed.",
                                   field="receivable_id", rule="confirmed")  # fmt: skip
    if row.certificate_id is not None:
        if row.certificate_id == certificate_id:
            return
        raise ReceivableNotPayable(
            f"Receivable {row.handle} is already covered by certificate {row.certificate_id}.",
            field="receivable_id", rule="covered",
        )  # fmt: skip
    row.certificate_id = certificate_id
    row.covered_at = clock.now()
    session.flush()


# Built once: credit features read these on every decision (see ``chanrong.db.read``).
_TRADE_HISTORY = (
    select(Invoice.handle, Invoice.seller_party_id, Invoice.buyer_party_id, Invoice.amount_fen,
           Order.order_date, Invoice.due_on, Invoice.paid_on)
    .join(Order, Order.id == Invoice.order_id)
    .where(
        or_(Invoice.seller_party_id == bindparam("party_id"),
            Invoice.buyer_party_id == bindparam("party_id")),
        Order.order_date >= bindparam("start"),
        Order.order_date < bindparam("end"),
    )
    .order_by(Order.order_date, Invoice.id)
)  # fmt: skip
_CONFIRMED = (
    select(Receivable.id, Receivable.amount_fen)
    .where(
        Receivable.supplier_party_id == bindparam("supplier"),
        Receivable.status == "confirmed",
        Receivable.decided_at >= bindparam("start"),
        Receivable.decided_at < bindparam("end"),
    )
    .order_by(Receivable.decided_at, Receivable.id)
)


def trade_history(session: Session, party_id: int, *, start: date, end: date) -> list[TradeFact]:
    """Every invoice where ``party_id`` sold or bought, whose order date is in ``[start, end)``,
    oldest order first (no access check: credit reads it under its own consent rules)."""
    rows = db.read(session, _TRADE_HISTORY, {"party_id": party_id, "start": start, "end": end})
    facts = []
    for handle, seller, buyer, amount_fen, order_date, due_on, paid_on in rows:
        selling = seller == party_id
        facts.append(TradeFact(
            invoice_handle=handle, counterparty_party_id=buyer if selling else seller,
            role="seller" if selling else "buyer", amount_fen=amount_fen,
            order_date=order_date, due_on=due_on, paid_on=paid_on,
        ))  # fmt: skip
    return facts


def confirmed_amounts(
    session: Session, supplier_party_id: int, *, start: date, end: date
) -> list[int]:
    """The amounts (fen) of a supplier's receivables its buyers confirmed on a business date
    (Asia/Shanghai) in ``[start, end)`` and still confirmed, oldest confirmation first (no
    access check: for credit features)."""
    params = {"supplier": supplier_party_id, "start": _business_midnight(start),
              "end": _business_midnight(end)}  # fmt: skip
    return [amount for _id, amount in db.read(session, _CONFIRMED, params)]


def _business_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=clock.BUSINESS_TZ)
