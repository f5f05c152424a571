"""Group commit on a SQLite file's writer thread (``http.run_read_then_write``): records that
queue meanwhile commit in one transaction; one that fails fails alone."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import Future
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chanrong import db as db_module
from chanrong import http
from chanrong.ledger import service as ledger
from chanrong.ledger.models import LedgerEntry
from chanrong.principal import Principal

BATCHES: list[int] = []


def _log(session: Session, items: Sequence[str]) -> list[int]:
    BATCHES.append(len(items))
    events = [ledger.Event(Principal.system(), "test.batch", f"item:{i}", {}) for i in items]
    receipts = ledger.record_many(session, events)
    if "bad" in items:
        raise ValueError("a bad record")
    return [r.seq for r in receipts]


def _queued_while_the_writer_is_busy(database: db_module.Database,
                                     items: list[str]) -> list[Future[int]]:  # fmt: skip
    batches = http._Batches(database)
    BATCHES.clear()
    release = threading.Event()
    http._writer(database).submit(release.wait)  # keep the writer busy while records queue
    futures = [batches.submit(_log, item) for item in items]
    release.set()
    return futures


def test_queued_records_commit_together_and_a_bad_one_fails_alone(tmp_path: Path) -> None:
    database = db_module.Database(f"sqlite:///{tmp_path / 'batches.db'}")
    db_module.upgrade(database)
    futures = _queued_while_the_writer_is_busy(database, ["a", "b", "bad", "c"])
    with pytest.raises(ValueError, match="bad record"):
        futures[2].result(timeout=30)
    seqs = [futures[i].result(timeout=30) for i in (0, 1, 3)]
    # the batch of four rolled back, then each went alone: the bad one only failed
    assert BATCHES == [4, 1, 1, 1, 1]
    assert seqs == [0, 1, 2]
    with database.transaction(write=False) as session:
        subjects = session.scalars(select(LedgerEntry.subject).order_by(LedgerEntry.seq)).all()
        assert subjects == ["item:a", "item:b", "item:c"]
    database.dispose()


def test_a_batch_holds_at_most_max_batch(tmp_path: Path) -> None:
    database = db_module.Database(f"sqlite:///{tmp_path / 'cap.db'}")
    db_module.upgrade(database)
    futures = _queued_while_the_writer_is_busy(
        database, [str(n) for n in range(http.MAX_BATCH + 3)]
    )
    assert [f.result(timeout=30) for f in futures] == list(range(http.MAX_BATCH + 3))
    assert BATCHES == [http.MAX_BATCH, 3]
    with database.transaction(write=False) as session:
        assert session.scalar(select(func.count(LedgerEntry.seq))) == http.MAX_BATCH + 3
    database.dispose()
