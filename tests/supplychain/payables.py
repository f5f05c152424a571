"""Confirmed payables for certificate tests, made through the trade domain (``create_trade``)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from chanrong.parties.models import Party
from chanrong.trade import receivables
from tests.factories import create_trade


def payables(session: Session) -> Callable[..., int]:
    """A function ``payable(supplier_id, debtor_id, amount_fen) -> receivable id``: an order,
    delivery and invoice between the two, the receivable registered and confirmed by the
    debtor, so the debtor may issue a certificate against it."""

    def payable(supplier_id: int, debtor_id: int, amount_fen: int) -> int:
        trade = create_trade(session, supplier=session.get(Party, supplier_id),
                             buyer=session.get(Party, debtor_id), amount_fen=amount_fen)  # fmt: skip
        row = trade.register()
        receivables.confirm_receivable(session, actor=trade.buyer_actor, receivable_id=row.id)
        return row.id

    return payable
