"""Events logged when their transaction commits (``service.record_at_commit``).

An append to the log takes the log's single-writer lock (on PostgreSQL an advisory lock held
until the commit). A use case that logs early and then goes on writing holds that lock for the
rest of its transaction, and every other writer on the platform waits; a use case that does not
need the receipt can leave its events here instead. ``service`` appends them, in order, right
before the commit or before the log is next read or appended to in the same transaction, so an
event still commits with the change it records or not at all.

Each waiting event remembers the (nested) transaction it was left in: when that transaction, or
one enclosing it, rolls back, the event goes too (a refused operation inside a savepoint leaves
nothing behind).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session, SessionTransaction

if TYPE_CHECKING:
    from chanrong.ledger.service import Event

_KEY = "chanrong.ledger.pending"


def leave(session: Session, event: Event) -> None:
    """Keep ``event`` for appending before ``session`` commits."""
    transaction = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_KEY, []).append((transaction, event))


def take(session: Session) -> list[Event]:
    """The events waiting in ``session``, in the order they were left; none wait afterwards."""
    return [event for _transaction, event in session.info.pop(_KEY, [])]


def _within(transaction: SessionTransaction | None, ended: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ended:
            return True
        transaction = transaction.parent
    return False


@sa_event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    waiting = session.info.get(_KEY)
    if waiting:
        session.info[_KEY] = [(t, e) for t, e in waiting if not _within(t, previous_transaction)]
