"""Pure rules of trade documents and of the receivable document check (no session, no I/O).

The document check is the "four flows in one" (四流合一) of supply-chain finance: the order
(information), the delivery (goods), the invoice (documents) and the receivable (money) must
resolve, be between the same supplier and buyer, be linked to each other, agree in amount
(integer fen, compared exactly) and follow each other in time. Every broken rule is reported as
a ``FieldError`` naming the field and the rule, never only the first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from chanrong.errors import FieldError

MAX_TERMS_DAYS = 365
"""The longest payment term an order may give (days from invoice to due date)."""


@dataclass(frozen=True)
class OrderFacts:
    """What the check needs of a purchase order."""

    id: int
    handle: str
    seller_party_id: int
    buyer_party_id: int
    amount_fen: int
    order_date: date
    payment_terms_days: int


@dataclass(frozen=True)
class DeliveryFacts:
    """What the check needs of a delivery note."""

    id: int
    handle: str
    order_id: int
    seller_party_id: int
    buyer_party_id: int
    amount_fen: int
    delivered_on: date


@dataclass(frozen=True)
class InvoiceFacts:
    """What the check needs of an invoice."""

    id: int
    handle: str
    order_id: int
    delivery_id: int | None
    seller_party_id: int
    buyer_party_id: int
    amount_fen: int
    issued_on: date
    due_on: date


def order_problems(
    *, seller_party_id: int, buyer_party_id: int, amount_fen: int, order_date: date,
    payment_terms_days: int, today: date,
) -> list[FieldError]:  # fmt: skip
    """Broken rules of a new purchase order (amount in fen, terms in days)."""
    found: list[FieldError] = []
    if seller_party_id == buyer_party_id:
        found.append(FieldError("buyer_party_id", "distinct", "seller and buyer must differ"))
    if amount_fen <= 0:
        found.append(FieldError("amount_fen", "positive", "amount must be more than 0 fen"))
    if not 0 <= payment_terms_days <= MAX_TERMS_DAYS:
        found.append(FieldError("payment_terms_days", "range",
                                f"payment terms must be 0 to {MAX_TERMS_DAYS} days"))  # fmt: skip
    if order_date > today:
        found.append(FieldError("order_date", "not_future", f"order date is after {today}"))
    return found


def delivery_problems(
    order: OrderFacts, *, amount_fen: int, delivered_on: date, delivered_before_fen: int,
    today: date,
) -> list[FieldError]:  # fmt: skip
    """Broken rules of a new delivery of ``order``; ``delivered_before_fen`` is the value of the
    order's earlier deliveries (the sum may not exceed the order's amount)."""
    found: list[FieldError] = []
    if amount_fen <= 0:
        found.append(FieldError("amount_fen", "positive", "amount must be more than 0 fen"))
    elif delivered_before_fen + amount_fen > order.amount_fen:
        found.append(FieldError("amount_fen", "within_order",
            f"deliveries would total {delivered_before_fen + amount_fen} fen, above the order's "
            f"{order.amount_fen} fen"))  # fmt: skip
    if delivered_on < order.order_date:
        found.append(FieldError("delivered_on", "date_order",
                                f"delivery date is before the order date {order.order_date}"))  # fmt: skip
    if delivered_on > today:
        found.append(FieldError("delivered_on", "not_future", f"delivery date is after {today}"))
    return found


def invoice_problems(
    order: OrderFacts, delivery: DeliveryFacts | None, *, amount_fen: int, issued_on: date,
    due_on: date, invoiced_before_fen: int, today: date,
) -> list[FieldError]:  # fmt: skip
    """Broken rules of a new invoice of ``order`` (billing ``delivery`` when given);
    ``invoiced_before_fen`` is the order's earlier invoices (the sum may not exceed the order)."""
    found: list[FieldError] = []
    if amount_fen <= 0:
        found.append(FieldError("amount_fen", "positive", "amount must be more than 0 fen"))
    elif invoiced_before_fen + amount_fen > order.amount_fen:
        found.append(FieldError("amount_fen", "within_order",
            f"invoices would total {invoiced_before_fen + amount_fen} fen, above the order's "
            f"{order.amount_fen} fen"))  # fmt: skip
    if delivery is not None and delivery.order_id != order.id:
        found.append(FieldError("delivery_id", "party_of_order",
                                f"delivery {delivery.handle} belongs to another order"))  # fmt: skip
    start = order.order_date if delivery is None else delivery.delivered_on
    if issued_on < start:
        found.append(FieldError("issued_on", "date_order",
                                f"invoice date is before {start} (order or delivery)"))  # fmt: skip
    if issued_on > today:
        found.append(FieldError("issued_on", "not_future", f"invoice date is after {today}"))
    if due_on < issued_on:
        found.append(FieldError("due_on", "date_order", "due date is before the invoice date"))
    elif due_on > issued_on + timedelta(days=order.payment_terms_days):
        found.append(FieldError("due_on", "within_terms",
            f"due date is later than the order's {order.payment_terms_days} days after the "
            f"invoice date ({issued_on + timedelta(days=order.payment_terms_days)})"))  # fmt: skip
    return found


def receivable_problems(
    *, supplier_party_id: int, debtor_party_id: int, amount_fen: int, due_on: date | None,
    today: date,
    order: OrderFacts | None, delivery: DeliveryFacts | None, invoice: InvoiceFacts | None,
) -> list[FieldError]:  # fmt: skip
    """Every rule a receivable breaks against its documents (``None``: did not resolve; the
    caller reports that). Amounts in fen compare exactly; dates are calendar dates; ``due_on``
    None takes the invoice's due date."""
    found: list[FieldError] = []
    if due_on is None and invoice is not None:
        due_on = invoice.due_on

    def add(field: str, rule: str, message: str) -> None:
        found.append(FieldError(field, rule, message))

    for name, doc in (("order", order), ("delivery", delivery), ("invoice", invoice)):
        if doc is not None and (doc.seller_party_id, doc.buyer_party_id) != (
            supplier_party_id, debtor_party_id,
        ):  # fmt: skip
            add(name, "parties", f"{doc.handle} is not between this supplier (seller) and "
                "this buyer")  # fmt: skip
    if amount_fen <= 0:
        add("amount_fen", "positive", "amount must be more than 0 fen")
    if due_on is not None and due_on <= today:
        add("due_on", "not_due", f"due date {due_on} is not after today ({today})")
    if order and delivery:
        if delivery.order_id != order.id:
            add("delivery", "linked", f"{delivery.handle} is a delivery of another order")
        if delivery.amount_fen > order.amount_fen:
            add("delivery", "within_order", f"delivered {delivery.amount_fen} fen is more than "
                f"the order's {order.amount_fen} fen")  # fmt: skip
        if delivery.delivered_on < order.order_date:
            add("delivery", "date_order", f"delivered {delivery.delivered_on}, before the "
                f"order date {order.order_date}")  # fmt: skip
    if order and invoice:
        if invoice.order_id != order.id:
            add("invoice", "linked", f"{invoice.handle} bills another order")
        limit = invoice.issued_on + timedelta(days=order.payment_terms_days)
        if invoice.due_on > limit:
            add("invoice", "within_terms", f"invoice due {invoice.due_on}, later than the "
                f"order's terms of {order.payment_terms_days} days ({limit})")  # fmt: skip
    if delivery and invoice:
        if invoice.delivery_id is not None and invoice.delivery_id != delivery.id:
            add("invoice", "linked", f"{invoice.handle} bills another delivery")
        if invoice.amount_fen != delivery.amount_fen:
            add("invoice", "amount_matches_delivery", f"invoiced {invoice.amount_fen} fen, "
                f"delivered {delivery.amount_fen} fen")  # fmt: skip
        if invoice.issued_on < delivery.delivered_on:
            add("invoice", "date_order", f"invoiced {invoice.issued_on}, before the delivery "
                f"on {delivery.delivered_on}")  # fmt: skip
    if invoice:
        if amount_fen != invoice.amount_fen:
            add("amount_fen", "amount_matches_invoice", f"receivable of {amount_fen} fen, "
                f"invoice of {invoice.amount_fen} fen")  # fmt: skip
        if due_on != invoice.due_on:
            add("due_on", "due_matches_invoice", f"due {due_on}, the invoice is due "
                f"{invoice.due_on}")  # fmt: skip
    return found
