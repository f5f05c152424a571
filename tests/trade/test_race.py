"""Concurrent requests on committed data: eight buyers' requests confirming one receivable and
eight registrations of one invoice; exactly one of each wins, the others are refused cleanly."""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy import func, select

from chanrong import db
from chanrong.errors import ChanrongError
from chanrong.ledger.models import LedgerEntry
from chanrong.trade import receivables
from chanrong.trade.models import Receivable
from tests.factories import create_trade

CLIENTS = 8


def _race(database: db.Database, action: Callable) -> list[str]:
    results: list[str] = []
    barrier = threading.Barrier(CLIENTS)

    def run() -> None:
        barrier.wait()
        try:
            with database.transaction() as session:
                action(session)
            results.append("ok")
        except ChanrongError as error:
            results.append(error.slug)

    threads = [threading.Thread(target=run) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(results)


def test_one_confirmation_and_one_registration_win(fresh_database_url) -> None:
    database = db.Database(fresh_database_url)
    db.upgrade(database)
    try:
        with database.transaction() as session:
            trade = create_trade(session)
            rid = trade.register().id
            other = create_trade(session, supplier=trade.supplier, buyer=trade.buyer)
        buyer = trade.buyer_actor
        confirmed = _race(database, lambda s: receivables.confirm_receivable(
            s, actor=buyer, receivable_id=rid))  # fmt: skip
        assert confirmed == ["ok"] + ["receivable-decided"] * (CLIENTS - 1)
        registered = _race(database, lambda s: receivables.register_receivable(
            s, actor=trade.seller_actor, debtor_party_id=trade.buyer.id,
            order_handle=other.order.handle, delivery_handle=other.delivery.handle,
            invoice_handle=other.invoice.handle, amount_fen=other.invoice.amount_fen))  # fmt: skip
        assert registered == ["documents-mismatch"] * (CLIENTS - 1) + ["ok"]
        with database.transaction() as session:
            count = select(func.count()).select_from(LedgerEntry)
            assert session.scalar(count.where(LedgerEntry.event == "receivable.confirmed")) == 1
            assert session.scalar(count.where(LedgerEntry.event == "receivable.registered")) == 2
            live = select(func.count()).select_from(Receivable)
            assert session.scalar(live.where(Receivable.invoice_id == other.invoice.id)) == 1
    finally:
        database.dispose()
