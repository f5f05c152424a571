"""Events left for the commit (``record_at_commit``): appended in call order before the commit
or the next read or append of the log, and gone with a rolled-back (nested) transaction."""

from __future__ import annotations

import pytest

from chanrong.ledger import service
from chanrong.principal import Principal

SYSTEM = Principal.system()


def _event(name: str) -> service.Event:
    return service.Event(SYSTEM, "test.pending", f"thing:{name}", {"name": name})


def _names(session) -> list[str]:
    return [p["name"] for _e, p in service.logged(session, ["test.pending"])]


def test_left_events_keep_call_order_and_are_read_in_the_same_transaction(session) -> None:
    start = service.tree_size(session)
    service.record_at_commit(session, _event("a"))
    receipt = service.record(session, _event("b"))
    service.record_at_commit(session, _event("c"))
    assert receipt.seq == start + 1  # "a" went first
    assert service.tree_size(session) == start + 3
    assert _names(session) == ["a", "b", "c"]


def test_commit_appends_them_and_rollback_drops_them(db) -> None:
    with db.transaction() as session:
        start = service.tree_size(session)
        service.record_at_commit(session, _event("kept"))
    with pytest.raises(RuntimeError), db.transaction() as session:
        service.record_at_commit(session, _event("dropped"))
        raise RuntimeError("refused")
    with db.transaction() as session:
        assert service.tree_size(session) == start + 1
        assert _names(session) == ["kept"]


def test_a_rolled_back_savepoint_drops_only_its_own(db) -> None:
    with db.transaction() as session:
        service.record_at_commit(session, _event("before"))
        with pytest.raises(RuntimeError), session.begin_nested():
            service.record_at_commit(session, _event("inside"))
            raise RuntimeError("refused")
        with session.begin_nested():
            service.record_at_commit(session, _event("released"))
    with db.transaction() as session:
        assert _names(session) == ["before", "released"]
