"""Storage: the declarative base, the engine, and the one session/transaction helper.

One request, command or task is one transaction, opened and committed at the edge with
``Database.transaction()``; services receive the session and never commit (they may ``flush``).
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import DateTime, Engine, MetaData, Select, Table, create_engine, event, exc
from sqlalchemy.engine import Connection
from sqlalchemy.orm import DeclarativeBase, InstrumentedAttribute, Session, sessionmaker
from sqlalchemy.orm.util import identity_key
from sqlalchemy.pool import NullPool, QueuePool
from sqlalchemy.sql import Executable
from sqlalchemy.types import TypeDecorator

from chanrong import prepared

_K = TypeVar("_K")
_Q = TypeVar("_Q", bound=Select[Any])

UNBOUNDED = 1_000  # "no limit" for a pool that never makes a caller wait

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base class of every table."""

    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime, stored naive-UTC so SQLite and PostgreSQL behave the same."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def make_engine(url: str) -> Engine:
    """Create the engine for ``url``; SQLite gets WAL, foreign keys and real BEGINs."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        _sqlite_pragmas(engine)
        return engine
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


def _sqlite_pragmas(engine: Engine) -> None:
    # pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINTs; take it over.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Writing transactions take the write lock at BEGIN (IMMEDIATE): a deferred transaction
        # that reads, then writes after another connection committed, fails with SQLITE_BUSY.
        conn.exec_driver_sql(
            f"BEGIN {conn.get_execution_options().get('sqlite_begin', 'DEFERRED')}"
        )


class WriterLock:
    """Writers of one SQLite file take turns: first on a lock among this process's threads, then
    on an exclusive ``flock`` of ``<file>-writer`` among processes (server workers, CLI
    commands). Both wake the next writer as soon as the holder lets go, where SQLite's own busy
    handler sleeps 1, 2, 5, 10 ... ms between tries; the holder takes SQLite's write lock at
    ``BEGIN IMMEDIATE`` and has released it (committed) before it lets go here. Without a file
    (an in-memory database) only the threads' lock is taken."""

    def __init__(self, path: Path | None) -> None:
        self._threads = threading.Lock()
        self._path = path
        self._fd: int | None = None

    def __enter__(self) -> None:
        self._threads.acquire()
        if self._path is None:
            return
        try:
            if self._fd is None:
                self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(self._fd, fcntl.LOCK_EX)
        except BaseException:
            self._threads.release()
            raise

    def __exit__(self, *_exc: object) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._threads.release()

    def close(self) -> None:
        """Close the lock file (after the last writer)."""
        with self._threads:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None


class Database:
    """An engine plus its session factory. Tests bind one to a connection they roll back."""

    def __init__(self, url: str | None = None, *, bind: Engine | Connection | None = None) -> None:
        if bind is None:
            if url is None:
                raise ValueError("Database needs a url or a bind")
            bind = make_engine(url)
        self.bind = bind
        self.engine: Engine = bind if isinstance(bind, Engine) else bind.engine
        self._sessions = sessionmaker(
            bind=bind, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
        self._write_sessions = self._sessions
        # SQLite has one writer at a time: writers queue on a WriterLock (fair and prompt)
        # rather than on SQLite's sleeping busy handler.
        self._write_lock: WriterLock | None = None
        if isinstance(bind, Engine) and self.dialect == "sqlite":
            self._write_sessions = sessionmaker(
                bind=bind.execution_options(sqlite_begin="IMMEDIATE"), expire_on_commit=False
            )
            database = bind.url.database
            file = Path(database) if database and database != ":memory:" else None
            self._write_lock = WriterLock(file.with_name(file.name + "-writer") if file else None)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Session]:
        """One unit of work: commit on success, roll back on any exception.

        ``write=False`` promises not to write: on SQLite it then runs beside the writer.
        """
        factory = self._write_sessions if write else self._sessions
        lock = self._write_lock if write and self._write_lock else nullcontext()
        with lock, factory() as session, session.begin():
            yield session

    @property
    def serialises_writers(self) -> bool:
        """Whether writers in this process take turns on one lock (a SQLite file)."""
        return self._write_lock is not None

    def max_concurrent_transactions(self, *, write: bool = True) -> int:
        """How many transactions of a kind can run at once without one waiting inside a worker
        thread on another's lock or connection: writers on a SQLite file, 1 (they queue on the
        process's write lock); on a bound connection (tests), 1; otherwise the pool's capacity,
        less one for readers so that a writer always finds a connection."""
        if not isinstance(self.bind, Engine) or (write and self._write_lock is not None):
            return 1
        pool = self.engine.pool
        if isinstance(pool, QueuePool):
            overflow = pool._max_overflow  # -1: no limit
            capacity = pool.size() + overflow if overflow >= 0 else UNBOUNDED
        else:
            capacity = UNBOUNDED if isinstance(pool, NullPool) else 1
        return capacity if write else max(1, capacity - 1)

    def session(self) -> Session:
        """A bare session for read-only helpers that manage their own scope."""
        return self._sessions()

    def dispose(self) -> None:
        """Close pooled connections (only for engines this object created)."""
        if isinstance(self.bind, Engine):
            self.bind.dispose()
        if self._write_lock is not None:
            self._write_lock.close()


_CONNECTION = "chanrong.db.connection"


def _innermost(session: Session) -> Any:
    return session.get_nested_transaction() or session.get_transaction()


def _connection(session: Session) -> tuple[Connection, Any]:
    # The session's connection and its driver connection, kept for the life of its innermost
    # transaction: ``session.connection()`` costs more than a prebuilt read on SQLite. Keyed by
    # the innermost one because ``session.connection()`` is what emits a pending SAVEPOINT.
    kept = session.info.get(_CONNECTION)
    if kept is not None and kept[0] is _innermost(session):
        return kept[1], kept[2]
    connection = session.connection()  # begins the transaction (or savepoint) if none has begun
    driver = connection.connection.driver_connection
    session.info[_CONNECTION] = (_innermost(session), connection, driver)
    return connection, driver


class _DriverErrors:
    """Turns the driver's errors into SQLAlchemy's (``IntegrityError``, ``OperationalError``
    ...), as its own execution would, for everything this module sends straight to the driver."""

    def __init__(self, dialect: Any, sql: str) -> None:
        self.dbapi_error = dialect.loaded_dbapi.Error
        self.sql = sql

    def __enter__(self) -> None:
        return None

    def __exit__(self, _type: Any, error: BaseException | None, _tb: Any) -> None:
        if isinstance(error, self.dbapi_error):
            raise exc.DBAPIError.instance(self.sql, None, error, self.dbapi_error) from error


def _prebuilt(session: Session, *statements: Executable) -> tuple[Connection, Any, list[Any]]:
    # flushed as ``session.execute`` would, so the statements see pending changes; then the
    # session's connection, its driver connection and the statements compiled for its dialect
    if session.autoflush:
        session.flush()
    connection, driver = _connection(session)
    return connection, driver, [prepared.compiled_for(s, connection.dialect) for s in statements]


def _value_free(compiled: list[Any], use: str) -> None:
    if any(c is None for c in compiled):
        raise ValueError(f"db.{use} takes statements whose SQL does not depend on their values")


def read(session: Session, statement: Executable, params: dict[str, Any]) -> Any:
    """Run a prebuilt module-level Core ``SELECT`` (with bind parameters) on the session's
    connection; its rows (``all()``, ``first()``, ``one()``, ``scalar()``, iteration).

    For hot read paths (API key check, decisions, resolution): the statement is compiled once
    per dialect and sent straight to the driver (``chanrong.prepared``), skipping SQLAlchemy's
    per-call work, which costs more than the query. Pending changes are flushed first, as
    ``session.execute`` would, so the read sees them.
    """
    connection, driver, (compiled,) = _prebuilt(session, statement)
    if compiled is None:
        return connection.execute(statement, params)
    with _DriverErrors(connection.dialect, compiled.sql):
        return prepared.run(driver, compiled, params)


def read_after(session: Session, first: Executable, first_params: dict[str, Any],
               statement: Executable, params: dict[str, Any]) -> Any:  # fmt: skip
    """Run prebuilt ``first`` (a lock, say), then the prebuilt read ``statement``, as two
    statements in one round trip on PostgreSQL (psycopg's pipeline): in READ COMMITTED the read
    takes its snapshot after ``first`` returns, so it sees what committed while ``first`` waited.
    The rows of ``statement``, as ``read`` gives them."""
    connection, driver, compiled = _prebuilt(session, first, statement)
    _value_free(compiled, "read_after")
    with _DriverErrors(connection.dialect, compiled[1].sql):
        return prepared.run_after(driver, compiled[0], first_params, compiled[1], params)


def write(session: Session, statement: Executable, params: dict[str, Any],
          stale: tuple[type[Base], int] | None = None) -> int:  # fmt: skip
    """Run a prebuilt module-level Core ``UPDATE`` or ``DELETE`` (with bind parameters) on the
    session's connection, straight to the driver as ``read`` does; the number of rows matched.

    ``stale``: the (model, id) of the row it changes; an instance of it the session holds is
    expired, so the next access reloads it rather than showing the values from before.
    """
    connection, driver, compiled = _prebuilt(session, statement)
    _value_free(compiled, "write")
    with _DriverErrors(connection.dialect, compiled[0].sql):
        changed = prepared.execute(driver, compiled[0], params)
    if stale is not None:
        held = session.identity_map.get(identity_key(*stale))
        if held is not None:
            session.expire(held)
    return changed


def alembic_config(url: str) -> Any:
    """The Alembic configuration for the migrations shipped inside the package."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(files("chanrong") / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(database: Database, revision: str = "head") -> None:
    """Apply migrations up to ``revision`` on the database's engine or connection."""
    from alembic import command

    config = alembic_config(str(database.engine.url.render_as_string(hide_password=False)))
    if isinstance(database.bind, Connection):
        config.attributes["connection"] = database.bind
    command.upgrade(config, revision)


def current_revision(database: Database) -> str | None:
    """The Alembic revision the database is at, or None when it has never been migrated."""
    from alembic.runtime.migration import MigrationContext

    with database.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def among(query: _Q, column: InstrumentedAttribute[Any], values: Collection[Any] | None) -> _Q:
    """``query`` restricted to rows whose ``column`` is one of ``values``; all rows when ``None``.

    The optional ``party_ids`` filter of the counting services (an empty collection matches none).
    """
    return query if values is None else query.where(column.in_(list(values)))


def largest_first(counts: Iterable[tuple[_K, int]]) -> dict[_K, int]:
    """``(key, count)`` pairs as a dict, largest count first, ties by key (same on every database)."""
    return dict(sorted(counts, key=lambda item: (-item[1], item[0])))


def _bound(table: Table, names: tuple[str, ...], rows: list[dict[str, Any]],
           dialect: Any) -> list[Any]:  # fmt: skip
    # column by column: one map() per column rather than Python work per value
    columns = []
    for name, process in zip(names, _processors(table, names, dialect), strict=True):
        column = [row[name] for row in rows]
        columns.append(column if process is None else list(map(process, column)))
    return columns


@lru_cache(maxsize=256)
def _processors(table: Table, names: tuple[str, ...], dialect: Any) -> list[Any]:
    # the columns' bind processors, looked up once per table, columns and dialect
    return [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names]


def insert_row(session: Session, table: Table, row: dict[str, Any]) -> int:
    """INSERT one row into a table with an integer ``id`` generated by the database, in the
    session's transaction; its ``id``. The values go through the columns' bind processors as a
    Core ``insert()`` would, then straight to the driver (for a hot write of a wide row)."""
    return int(_insert_returning(session, table, [row], ("id",))[0][0])


def insert_rows_returning_ids(session: Session, table: Table, rows: list[dict[str, Any]], *,
                              key: str) -> list[int]:  # fmt: skip
    """INSERT rows (dicts with the same keys) into a table with an integer ``id`` generated by
    the database, in ONE statement, as ``insert_row`` does one; their ``id`` in the order of
    ``rows``. ``key`` names a column whose values are distinct among the rows: neither SQLite
    nor PostgreSQL promises the order of RETURNING rows, so each id is matched on it."""
    if not rows:
        return []
    ids = {found: int(id_) for id_, found in _insert_returning(session, table, rows, ("id", key))}
    return [ids[row[key]] for row in rows]


def _insert_returning(session: Session, table: Table, rows: list[dict[str, Any]],
                      returning: tuple[str, ...]) -> list[Any]:  # fmt: skip
    # one INSERT of every row (same keys), its RETURNING rows
    conn, driver, _ = _prebuilt(session)
    dialect = conn.dialect
    names = tuple(rows[0])
    values = [v for row in zip(*_bound(table, names, rows, dialect), strict=True) for v in row]
    quote = dialect.identifier_preparer.quote
    sql = (_insert_sql(dialect, table, names, len(rows))
           + f" RETURNING {', '.join(quote(c) for c in returning)}")  # fmt: skip
    with _DriverErrors(dialect, sql):
        cursor = driver.execute(sql, values)
        try:
            return cursor.fetchall()
        finally:
            cursor.close()


def _target(dialect: Any, table: Table, names: Sequence[str]) -> str:
    quote = dialect.identifier_preparer.quote
    return f"{quote(table.name)} ({', '.join(quote(n) for n in names)})"


@lru_cache(maxsize=256)
def _insert_sql(dialect: Any, table: Table, names: tuple[str, ...], rows: int = 1) -> str:
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    one = f"({', '.join([mark] * len(names))})"
    return f"INSERT INTO {_target(dialect, table, names)} VALUES {', '.join([one] * rows)}"


_COPY_FROM = 64  # rows from which PostgreSQL (psycopg) gets COPY rather than INSERTs


def insert_rows(session: Session, inserts: list[tuple[Table, list[dict[str, Any]]]]) -> None:
    """INSERT each ``(table, rows)`` in order (rows: dicts with the same keys), in the session's
    transaction: the fast path of append-heavy writers (the ledger).

    The values go through the columns' bind processors exactly as a Core ``insert()`` would, then
    straight to the driver, skipping SQLAlchemy's per-row work: ``executemany`` on SQLite; on
    PostgreSQL with psycopg, ``COPY`` for many rows and one pipeline (one round trip) for the
    small inserts of a few entries.
    """
    conn, driver = _connection(session)
    dialect = conn.dialect
    statements: list[tuple[str, list[tuple[Any, ...]], bool]] = []  # (sql, values, by COPY)
    pg = dialect.name == "postgresql" and dialect.driver == "psycopg"
    for table, rows in inserts:
        names = tuple(rows[0])
        values = list(zip(*_bound(table, names, rows, dialect), strict=True))
        if pg and len(rows) >= _COPY_FROM:
            statements.append((f"COPY {_target(dialect, table, names)} FROM STDIN", values, True))
        else:
            statements.append((_insert_sql(dialect, table, names), values, False))
    errors = _DriverErrors(dialect, "")
    with errors:
        if not pg:
            for errors.sql, values, _ in statements:
                driver.executemany(errors.sql, values)
            return
        with driver.cursor() as cursor:
            while statements:
                if statements[0][2]:  # COPY cannot run in a pipeline
                    errors.sql, values, _ = statements.pop(0)
                    with cursor.copy(errors.sql) as copy:
                        for row in values:
                            copy.write_row(row)
                    continue
                with driver.pipeline():
                    while statements and not statements[0][2]:
                        errors.sql, values, _ = statements.pop(0)
                        cursor.executemany(errors.sql, values)
