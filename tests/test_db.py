"""Storage: migrations match the models on both databases; transactions commit or roll back whole."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select, text

from chanrong import db as db_module
from chanrong.models import metadata
from chanrong.parties.models import Party
from tests.factories import create_party


def test_among_restricts_only_when_given(session) -> None:
    first, second = create_party(session), create_party(session)
    query = select(Party.id).where(Party.id.in_([first.id, second.id])).order_by(Party.id)
    assert session.scalars(db_module.among(query, Party.id, None)).all() == [first.id, second.id]
    assert session.scalars(db_module.among(query, Party.id, {second.id})).all() == [second.id]
    assert session.scalars(db_module.among(query, Party.id, [])).all() == []


def test_largest_first_breaks_ties_by_key() -> None:
    counted = db_module.largest_first([("b", 2), ("c", 5), ("a", 2)])
    assert list(counted.items()) == [("c", 5), ("a", 2), ("b", 2)]


def test_migrations_match_models(engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_database_is_at_head(engine) -> None:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(db_module.alembic_config(str(engine.url))).get_current_head()
    assert db_module.current_revision(db_module.Database(bind=engine)) == head


def test_transaction_rolls_back_on_error(db) -> None:
    with pytest.raises(RuntimeError), db.transaction() as session:
        party = create_party(session)
        code = party.uscc
        raise RuntimeError("boom")
    with db.transaction() as session:
        assert session.scalar(select(Party).where(Party.uscc == code)) is None


def test_transaction_commits(db) -> None:
    with db.transaction() as session:
        code = create_party(session).uscc
    with db.transaction() as session:
        assert session.scalar(select(Party.uscc).where(Party.uscc == code)) == code


def test_datetimes_come_back_aware_utc(session) -> None:
    party = create_party(session)
    shanghai = timezone(timedelta(hours=8))
    party.created_at = datetime(2026, 1, 1, 8, 0, tzinfo=shanghai)
    session.flush()
    session.expire_all()
    again = session.get(Party, party.id)
    assert again.created_at == datetime(2026, 1, 1, 0, 0, tzinfo=UTC)
    assert again.created_at.tzinfo is not None


def test_naive_datetime_is_refused(session) -> None:
    party = create_party(session)
    party.created_at = datetime(2026, 1, 1)
    with pytest.raises(Exception, match="naive datetime"):
        session.flush()


def test_fresh_sqlite_file_upgrades(tmp_path) -> None:
    database = db_module.Database(f"sqlite:///{tmp_path / 'sub' / 'new.db'}")
    assert db_module.current_revision(database) is None
    db_module.upgrade(database)
    assert db_module.current_revision(database) is not None
    database.dispose()


_TRY_LOCK = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
try:
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    print("free")
except BlockingIOError:
    print("held")
"""


def _other_process_sees(lock_file: Path) -> str:
    done = subprocess.run([sys.executable, "-c", _TRY_LOCK, str(lock_file)], check=True,
                          capture_output=True, text=True)  # fmt: skip
    return done.stdout.strip()


def test_sqlite_writers_exclude_other_processes_while_they_write(tmp_path: Path) -> None:
    """A SQLite file's writer holds ``<file>-writer`` against other processes from before
    BEGIN IMMEDIATE to after its commit; readers and finished writers do not hold it."""
    database = db_module.Database(f"sqlite:///{tmp_path / 'w.db'}")
    lock_file = tmp_path / "w.db-writer"
    try:
        with database.transaction() as session:
            session.execute(text("CREATE TABLE t (x INTEGER)"))
            assert _other_process_sees(lock_file) == "held"
        assert _other_process_sees(lock_file) == "free"
        with database.transaction(write=False) as session:
            session.execute(text("SELECT count(*) FROM t"))
            assert _other_process_sees(lock_file) == "free"
    finally:
        database.dispose()
