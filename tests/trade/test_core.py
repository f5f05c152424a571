"""The pure document check: a matching set passes; each mismatch is named by field and rule."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from chanrong.trade import core

TODAY = date(2025, 3, 1)
ORDER = core.OrderFacts(1, "88.1.1/PO-1", 10, 20, 1_000_00, date(2025, 1, 2), 90)
DELIVERY = core.DeliveryFacts(2, "88.1.1/DN-1", 1, 10, 20, 1_000_00, date(2025, 1, 5))
INVOICE = core.InvoiceFacts(3, "88.1.1/INV-1", 1, 2, 10, 20, 1_000_00, date(2025, 1, 6),
                            date(2025, 4, 6))  # fmt: skip


def _rules(**changes: object) -> set[tuple[str, str]]:
    args: dict[str, object] = {
        "supplier_party_id": 10, "debtor_party_id": 20, "amount_fen": 1_000_00, "due_on": None,
        "today": TODAY, "order": ORDER, "delivery": DELIVERY, "invoice": INVOICE,
    }  # fmt: skip
    args.update(changes)
    return {(e.field, e.rule) for e in core.receivable_problems(**args)}  # type: ignore[arg-type]


def test_matching_documents_pass() -> None:
    assert _rules() == set()
    assert _rules(due_on=INVOICE.due_on) == set()


def test_each_mismatch_is_named() -> None:
    assert _rules(debtor_party_id=21) == {("order", "parties"), ("delivery", "parties"),
                                          ("invoice", "parties")}  # fmt: skip
    assert _rules(delivery=replace(DELIVERY, order_id=9)) == {("delivery", "linked")}
    assert _rules(invoice=replace(INVOICE, delivery_id=9)) == {("invoice", "linked")}
    assert _rules(invoice=replace(INVOICE, amount_fen=999_99)) == {
        ("invoice", "amount_matches_delivery"), ("amount_fen", "amount_matches_invoice")}  # fmt: skip
    assert _rules(delivery=replace(DELIVERY, delivered_on=date(2025, 1, 1))) == {
        ("delivery", "date_order")}  # fmt: skip
    assert _rules(invoice=replace(INVOICE, issued_on=date(2025, 1, 4), due_on=date(2025, 4, 1))) == {
        ("invoice", "date_order")}  # fmt: skip
    late = replace(INVOICE, due_on=date(2025, 4, 7))
    assert _rules(invoice=late) == {("invoice", "within_terms")}
    assert _rules(today=date(2025, 4, 6)) == {("due_on", "not_due")}
    assert _rules(amount_fen=0) == {("amount_fen", "positive"),
                                    ("amount_fen", "amount_matches_invoice")}  # fmt: skip


def test_unresolved_documents_skip_their_checks() -> None:
    assert _rules(order=None, delivery=None, invoice=None) == set()
    assert _rules(invoice=None, due_on=TODAY) == {("due_on", "not_due")}


def test_document_creation_rules() -> None:
    assert core.delivery_problems(ORDER, amount_fen=1, delivered_on=TODAY,
                                  delivered_before_fen=1_000_00, today=TODAY) == [
        core.FieldError("amount_fen", "within_order",
                        "deliveries would total 100001 fen, above the order's 100000 fen")]  # fmt: skip
    found = core.invoice_problems(ORDER, None, amount_fen=1, issued_on=date(2025, 1, 1),
        due_on=date(2024, 12, 31), invoiced_before_fen=0, today=TODAY)  # fmt: skip
    assert {(e.field, e.rule) for e in found} == {("issued_on", "date_order"),
                                                  ("due_on", "date_order")}  # fmt: skip
