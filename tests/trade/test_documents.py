"""Trade documents: orders, deliveries, invoices with identifiers, their rules and their scope."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from chanrong import clock
from chanrong.identifiers import service as identifiers
from chanrong.trade import documents
from chanrong.trade.errors import (
    InvalidTradeDocument,
    InvoiceAlreadyPaid,
    TradeDocumentNotFound,
    WrongParty,
)
from chanrong.trade.models import Delivery, Invoice, Order
from tests.factories import create_party, create_prefix, create_trade, principal_of


def _rules(error: pytest.ExceptionInfo) -> set[tuple[str, str]]:
    return {(e.field, e.rule) for e in error.value.errors}


def test_documents_get_linked_identifiers(session: Session) -> None:
    trade = create_trade(session)
    assert trade.order.handle.startswith(identifiers.list_prefixes(
        session, actor=trade.buyer_actor, party_id=trade.buyer.id)[0].prefix + "/PO-")  # fmt: skip
    assert "/DN-" in trade.delivery.handle and "/INV-" in trade.invoice.handle
    resolved = identifiers.resolve(session, actor=trade.buyer_actor, handle=trade.invoice.handle)
    fields = {f["name"]: f["value"] for f in resolved.fields}
    assert resolved.object_type == "invoice" and fields["order"] == trade.order.handle
    assert fields["delivery"] == trade.delivery.handle
    assert "amount_fen" not in fields  # protected: only the invoice's owner sees the amount


def test_order_rules(session: Session) -> None:
    seller, buyer = create_party(session), create_party(session)
    create_prefix(session, buyer)
    actor = principal_of(buyer)
    with pytest.raises(InvalidTradeDocument) as error:
        documents.create_order(
            session, actor=actor, seller_party_id=buyer.id, buyer_party_id=buyer.id,
            order_date=clock.today() + timedelta(days=1), amount_fen=0, payment_terms_days=400,
        )  # fmt: skip
    assert _rules(error) == {("buyer_party_id", "distinct"), ("amount_fen", "positive"),
                             ("payment_terms_days", "range"), ("order_date", "not_future")}  # fmt: skip
    with pytest.raises(InvalidTradeDocument) as error:
        documents.create_order(session, actor=actor, seller_party_id=10**9, buyer_party_id=buyer.id,
                               order_date=clock.today(), amount_fen=1)  # fmt: skip
    assert _rules(error) == {("seller_party_id", "exists")}
    with pytest.raises(WrongParty):
        documents.create_order(session, actor=principal_of(create_party(session)),
            seller_party_id=seller.id, buyer_party_id=buyer.id, order_date=clock.today(),
            amount_fen=1)  # fmt: skip
    with pytest.raises(InvalidTradeDocument) as error:  # the seller has no prefix
        documents.create_order(session, actor=principal_of(seller), seller_party_id=seller.id,
            buyer_party_id=buyer.id, order_date=clock.today(), amount_fen=1)  # fmt: skip
    assert _rules(error) == {("handle", "prefix_needed")}


def test_delivery_and_invoice_rules(session: Session) -> None:
    trade = create_trade(session, amount_fen=1_000, terms_days=30)
    seller, order = trade.seller_actor, trade.order
    with pytest.raises(WrongParty):
        documents.create_delivery(session, actor=trade.buyer_actor, order_id=order.id,
                                  delivered_on=clock.today(), amount_fen=1)  # fmt: skip
    with pytest.raises(InvalidTradeDocument) as error:
        documents.create_delivery(session, actor=seller, order_id=order.id,
            delivered_on=order.order_date - timedelta(days=1), amount_fen=1)  # fmt: skip
    assert _rules(error) == {("amount_fen", "within_order"), ("delivered_on", "date_order")}
    with pytest.raises(InvalidTradeDocument) as error:
        documents.create_invoice(session, actor=seller, order_id=order.id, invoice_number="X1",
            issued_on=clock.today(), due_on=clock.today() + timedelta(days=31), amount_fen=1)  # fmt: skip
    assert _rules(error) == {("amount_fen", "within_order"), ("due_on", "within_terms")}
    other = create_trade(session, supplier=trade.supplier)
    with pytest.raises(InvalidTradeDocument) as error:
        documents.create_invoice(session, actor=seller, order_id=other.order.id,
            delivery_id=trade.delivery.id, invoice_number="X2", issued_on=clock.today(),
            due_on=clock.today(), amount_fen=1)  # fmt: skip
    assert ("delivery_id", "party_of_order") in _rules(error)


def test_payment_recorded_once_by_the_seller(session: Session) -> None:
    trade = create_trade(session)
    today = clock.today()
    with pytest.raises(WrongParty):
        documents.record_payment(session, actor=trade.buyer_actor, invoice_id=trade.invoice.id,
                                 paid_on=today)  # fmt: skip
    with pytest.raises(InvalidTradeDocument):
        documents.record_payment(session, actor=trade.seller_actor, invoice_id=trade.invoice.id,
                                 paid_on=today + timedelta(days=1))  # fmt: skip
    documents.record_payment(session, actor=trade.seller_actor, invoice_id=trade.invoice.id,
                             paid_on=today)  # fmt: skip
    with pytest.raises(InvoiceAlreadyPaid):
        documents.record_payment(session, actor=trade.seller_actor, invoice_id=trade.invoice.id,
                                 paid_on=today)  # fmt: skip


def test_documents_are_seen_by_their_parties_only(session: Session) -> None:
    trade = create_trade(session)
    stranger = principal_of(create_party(session))
    for model, row in ((Order, trade.order), (Delivery, trade.delivery), (Invoice, trade.invoice)):
        for actor in (trade.seller_actor, trade.buyer_actor):
            assert documents.get_document(session, actor=actor, model=model, doc_id=row.id) is row
        with pytest.raises(TradeDocumentNotFound):
            documents.get_document(session, actor=stranger, model=model, doc_id=row.id)
    sold = documents.list_documents(session, actor=trade.seller_actor, model=Invoice,
                                    party_id=trade.supplier.id, role="seller")  # fmt: skip
    bought = documents.list_documents(session, actor=trade.seller_actor, model=Invoice,
                                      party_id=trade.supplier.id, role="buyer")  # fmt: skip
    assert [r.id for r in sold] == [trade.invoice.id] and bought == []
    with pytest.raises(TradeDocumentNotFound):
        documents.list_documents(session, actor=stranger, model=Order, party_id=trade.buyer.id)
