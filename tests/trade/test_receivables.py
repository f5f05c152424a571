"""Receivables: the document check names every broken rule; only the buyer confirms, once; a
confirmed receivable never changes; the interface the certificates and credit use."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chanrong import clock
from chanrong.errors import RoleRequired
from chanrong.ledger.models import LedgerEntry
from chanrong.principal import Principal
from chanrong.trade import documents, receivables, service
from chanrong.trade.errors import (
    DocumentsMismatch,
    ReceivableDecided,
    ReceivableLocked,
    ReceivableNotFound,
    ReceivableNotPayable,
    WrongParty,
)
from chanrong.trade.models import Receivable
from tests.factories import create_party, create_trade, principal_of


def _rules(error: pytest.ExceptionInfo) -> set[tuple[str, str]]:
    return {(e.field, e.rule) for e in error.value.errors}


def _entries(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(LedgerEntry)) or 0


def test_register_and_confirm_logs_both(session: Session) -> None:
    trade = create_trade(session)
    before = _entries(session)
    row = trade.register()
    assert row.status == "registered" and row.due_on == trade.invoice.due_on
    assert row.handle.endswith("/AR-000001") and row.amount_fen == trade.invoice.amount_fen
    confirmed = receivables.confirm_receivable(
        session, actor=trade.buyer_actor, receivable_id=row.id
    )
    assert (
        confirmed.status == "confirmed" and confirmed.decided_ledger_seq > row.registered_ledger_seq
    )
    # identifier + registration, then the confirmation
    assert _entries(session) == before + 3


def test_documents_that_do_not_match_name_every_rule(session: Session) -> None:
    trade = create_trade(session)
    other = create_trade(session, supplier=trade.supplier, amount_fen=5_000_00)
    with pytest.raises(DocumentsMismatch) as error:
        trade.register(delivery_handle=other.delivery.handle, amount_fen=99)
    rules = _rules(error)
    assert ("delivery", "parties") in rules  # other trade's buyer
    assert ("delivery", "linked") in rules
    assert ("invoice", "amount_matches_delivery") in rules
    assert ("amount_fen", "amount_matches_invoice") in rules
    assert error.value.status == 422 and error.value.slug == "documents-mismatch"
    assert session.scalar(select(func.count()).select_from(Receivable)) == 0


def test_unresolved_wrong_kind_and_wrong_parties(session: Session) -> None:
    trade = create_trade(session)
    stranger = create_party(session)
    with pytest.raises(DocumentsMismatch) as error:
        trade.register(order_handle="88.1.1/NOPE", invoice_handle=trade.delivery.handle)
    assert {("order", "resolves"), ("invoice", "kind")} <= _rules(error)
    with pytest.raises(DocumentsMismatch) as error:
        trade.register(debtor_party_id=stranger.id)
    assert {("order", "parties"), ("delivery", "parties"), ("invoice", "parties")} <= _rules(error)


def test_dates_and_terms(session: Session) -> None:
    trade = create_trade(session)
    with pytest.raises(DocumentsMismatch) as error:
        trade.register(due_on=trade.invoice.due_on + timedelta(days=1))
    assert _rules(error) == {("due_on", "due_matches_invoice")}
    overdue = create_trade(session, terms_days=10, age_days=30)
    with pytest.raises(DocumentsMismatch) as error:
        overdue.register()
    assert _rules(error) == {("due_on", "not_due")}


def test_one_live_receivable_per_invoice(session: Session) -> None:
    trade = create_trade(session)
    first = trade.register()
    with pytest.raises(DocumentsMismatch) as error:
        trade.register()
    assert _rules(error) == {("invoice", "invoice_free")}
    receivables.reject_receivable(
        session, actor=trade.buyer_actor, receivable_id=first.id, reason="goods returned"
    )
    assert trade.register().status == "registered"  # the invoice is free again


def test_only_the_supplier_registers(session: Session) -> None:
    trade = create_trade(session)
    with pytest.raises(WrongParty):
        trade.register(actor=trade.buyer_actor, supplier_party_id=trade.supplier.id)
    with pytest.raises(RoleRequired):
        trade.register(actor=principal_of(trade.supplier, "viewer"))


def test_wrong_party_confirming(session: Session) -> None:
    trade = create_trade(session)
    row = trade.register()
    with pytest.raises(WrongParty):
        receivables.confirm_receivable(session, actor=trade.seller_actor, receivable_id=row.id)
    stranger = principal_of(create_party(session))
    with pytest.raises(ReceivableNotFound):
        receivables.confirm_receivable(session, actor=stranger, receivable_id=row.id)
    with pytest.raises(RoleRequired):
        receivables.confirm_receivable(
            session, actor=principal_of(trade.buyer, "viewer"), receivable_id=row.id
        )
    assert row.status == "registered"


def test_double_confirmation_and_change_after_confirmation(session: Session) -> None:
    trade = create_trade(session)
    row = trade.register()
    receivables.confirm_receivable(session, actor=trade.buyer_actor, receivable_id=row.id)
    seq = row.decided_ledger_seq
    with pytest.raises(ReceivableDecided):
        receivables.confirm_receivable(session, actor=trade.buyer_actor, receivable_id=row.id)
    with pytest.raises(ReceivableDecided):
        receivables.reject_receivable(
            session, actor=trade.buyer_actor, receivable_id=row.id, reason="late"
        )
    with pytest.raises(ReceivableLocked):
        receivables.withdraw_receivable(session, actor=trade.seller_actor, receivable_id=row.id)
    with pytest.raises(ReceivableLocked), session.begin_nested():
        row.amount_fen += 1
        session.flush()
    session.expire_all()
    again = session.get(Receivable, row.id)
    assert again is not None and again.status == "confirmed" and again.decided_ledger_seq == seq
    assert again.amount_fen == trade.invoice.amount_fen


def test_withdraw_open_receivable(session: Session) -> None:
    trade = create_trade(session)
    row = trade.register()
    with pytest.raises(WrongParty):
        receivables.withdraw_receivable(session, actor=trade.buyer_actor, receivable_id=row.id)
    receivables.withdraw_receivable(session, actor=trade.seller_actor, receivable_id=row.id)
    assert row.status == "withdrawn"
    with pytest.raises(ReceivableDecided):
        receivables.confirm_receivable(session, actor=trade.buyer_actor, receivable_id=row.id)


def test_listing_is_scoped(session: Session) -> None:
    trade = create_trade(session)
    row = trade.register()
    mine = receivables.list_receivables(
        session, actor=trade.seller_actor, party_id=trade.supplier.id
    )
    payables = receivables.list_receivables(
        session, actor=trade.buyer_actor, party_id=trade.buyer.id, side="debtor"
    )
    assert [r.id for r in mine] == [r.id for r in payables] == [row.id]
    with pytest.raises(ReceivableNotFound):
        receivables.list_receivables(session, actor=trade.buyer_actor, party_id=trade.supplier.id)
    platform = Principal(99, "operator", frozenset({"admin"}))
    assert receivables.list_receivables(session, actor=platform, party_id=trade.supplier.id)
    rows = receivables.statement_rows(session, actor=trade.seller_actor, party_id=trade.supplier.id)
    assert rows[0][0] == row.handle and rows[0][3] == trade.order.handle
    assert len(rows[0]) == len(receivables.STATEMENT_HEADER)


def test_certificate_interface(session: Session) -> None:
    trade = create_trade(session)
    row = trade.register()
    with pytest.raises(ReceivableNotPayable) as error:
        service.payable_for_certificate(
            session, receivable_id=row.id, issuer_party_id=trade.buyer.id
        )
    assert _rules(error) == {("receivable_id", "confirmed")}
    receivables.confirm_receivable(session, actor=trade.buyer_actor, receivable_id=row.id)
    with pytest.raises(ReceivableNotPayable) as error:
        service.payable_for_certificate(
            session, receivable_id=row.id, issuer_party_id=trade.supplier.id
        )
    assert _rules(error) == {("receivable_id", "debtor")}
    got = service.payable_for_certificate(
        session, receivable_id=row.id, issuer_party_id=trade.buyer.id
    )
    assert got.id == row.id
    service.mark_covered(session, row.id, 7)
    service.mark_covered(session, row.id, 7)  # idempotent for the same certificate
    with pytest.raises(ReceivableNotPayable) as error:
        service.mark_covered(session, row.id, 8)
    assert _rules(error) == {("receivable_id", "covered")}
    with pytest.raises(ReceivableNotPayable):
        service.payable_for_certificate(
            session, receivable_id=row.id, issuer_party_id=trade.buyer.id
        )
    assert service.get_receivable(session, row.id).certificate_id == 7
    with pytest.raises(ReceivableNotFound):
        service.get_receivable(session, 10**9)


def test_trade_history_and_confirmed(session: Session) -> None:
    trade = create_trade(session)
    row = trade.register()
    receivables.confirm_receivable(session, actor=trade.buyer_actor, receivable_id=row.id)
    today = clock.today()
    documents.record_payment(
        session, actor=trade.seller_actor, invoice_id=trade.invoice.id, paid_on=today
    )
    start, end = today - timedelta(days=365), today + timedelta(days=1)
    (sold,) = service.trade_history(session, trade.supplier.id, start=start, end=end)
    (bought,) = service.trade_history(session, trade.buyer.id, start=start, end=end)
    assert (sold.role, sold.counterparty_party_id, sold.paid_on) == (
        "seller",
        trade.buyer.id,
        today,
    )
    assert (bought.role, bought.counterparty_party_id) == ("buyer", trade.supplier.id)
    assert sold.amount_fen == trade.invoice.amount_fen and sold.due_on == trade.invoice.due_on
    assert (
        service.trade_history(session, trade.supplier.id, start=end, end=end + timedelta(1)) == []
    )
    got = service.confirmed_amounts(session, trade.supplier.id, start=today, end=end)
    assert service.confirmed_amounts(session, trade.supplier.id, start=start, end=today) == []
    assert got == [row.amount_fen]
