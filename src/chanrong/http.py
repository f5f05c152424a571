"""Request edge helpers for FastAPI: one transaction per request, committed before the answer.

Two ways in, one rule (a request is one transaction, committed before its answer is sent):

- ``Tx``: a dependency giving the endpoint a session; the endpoint and its other dependencies
  run in worker threads between the transaction's start and its commit.
- ``run_unit`` (through ``parties.auth.Unit``): the whole unit (authentication, the use case,
  the commit) runs in ONE step on a thread, for the hot write endpoints. With ``Tx`` a
  transaction spans four thread hand-offs, each waiting for the event loop, which is busy
  parsing other connections; while the transaction holds SQLite's write lock or the ledger's
  writer lock, every other writer waits for those hand-offs too. On a SQLite file the units
  of writers run one after another on the database's own writer thread, so no event-loop turn
  ever sits inside the write lock.
- ``run_read_then_write`` (``Unit.decide``): a use case that decides from reads, then records
  what it decided (a credit decision). On a SQLite file the reads run in a read transaction
  beside the writer, and the writer thread records the decisions that have queued meanwhile
  in one transaction (group commit, up to ``MAX_BATCH``), so the write lock covers only the
  records, once per batch; elsewhere both run as one unit.

A ``Tx`` request first waits, on the event loop, for one of the database's transaction slots
(``Database.max_concurrent_transactions``: for writers on a SQLite file 1, since they are
serialised by the process's write lock; the pool's capacity otherwise). Only then does it take worker threads
for its transaction. Waiting inside a worker thread instead (on the write lock or for a pooled
connection) deadlocks: once every thread of the pool waits, the request that holds the lock or
the connections never gets a thread to finish on.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager, asynccontextmanager
from typing import Annotated, Any, TypeVar
from weakref import WeakKeyDictionary

import anyio
import anyio.to_thread
from anyio.lowlevel import RunVar
from fastapi import Depends, Request
from sqlalchemy.orm import Session

from chanrong.db import Database
from chanrong.settings import Settings

# Semaphores per database, kind (write or read; a unit's or a Tx's) and event loop (TestClient
# runs a loop per client).
_SLOTS: RunVar[WeakKeyDictionary[Database, dict[tuple[bool, bool], anyio.Semaphore]]] = RunVar(
    "chanrong_tx_slots"
)
UNITS_IN_FLIGHT = 2
"""Units a process runs at once beside the SQLite writer thread (so on PostgreSQL). Python runs
on one core at a time in a process: two units keep it busy while one waits for the database;
more only make threads fight for the interpreter lock. Measured on certificate operations over
PostgreSQL (bench/credit.py (c), two workers): 2 in flight rather than the pool's 30 gave
231-254 operations/s against 164-194, and 5.4-6.0 ms of CPU per operation against 6.4-7.0."""
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# The writer thread of each SQLite file database (created on first use; its thread ends with it).
_WRITERS: WeakKeyDictionary[Database, ThreadPoolExecutor] = WeakKeyDictionary()
_WRITERS_LOCK = threading.Lock()
T = TypeVar("T")
D = TypeVar("D")
MAX_BATCH = 64
"""Records a SQLite writer commits at most in one transaction (``run_read_then_write``)."""


def database(request: Request) -> Database:
    """The app's database."""
    return request.app.state.database


def settings(request: Request) -> Settings:
    """The app's settings."""
    return request.app.state.settings


def writes(request: Request) -> bool:
    """Whether a request's transaction may write. Safe methods only read, unless they name a
    ``purpose``: such a request reads another party's data under a grant and writes its audit
    record (every cross-party read names its purpose)."""
    return request.method not in SAFE_METHODS or "purpose" in request.query_params


def _slots(db: Database, write: bool, unit: bool = False) -> anyio.Semaphore:
    table = _SLOTS.get(None)
    if table is None:
        table = WeakKeyDictionary()
        _SLOTS.set(table)
    kinds = table.setdefault(db, {})
    if (write, unit) not in kinds:
        capacity = db.max_concurrent_transactions(write=write)
        kinds[write, unit] = anyio.Semaphore(min(capacity, UNITS_IN_FLIGHT) if unit else capacity)
    return kinds[write, unit]


async def _exit(unit: AbstractContextManager[Session], error: BaseException | None) -> bool:
    # Commit or roll back in a worker thread outside the thread limit (as FastAPI does for
    # generator dependencies), so a request that holds a slot can always finish.
    return bool(
        await anyio.to_thread.run_sync(
            unit.__exit__,
            type(error) if error else None,
            error,
            error.__traceback__ if error else None,
            limiter=anyio.CapacityLimiter(1),
        )
    )


@asynccontextmanager
async def _unit(request: Request, write: bool) -> AsyncIterator[Session]:
    db = database(request)
    async with _slots(db, write):
        unit = db.transaction(write=write)
        with anyio.CancelScope(shield=True):  # once entered, always exited
            session = await anyio.to_thread.run_sync(unit.__enter__)
        try:
            yield session
        except BaseException as error:
            if not await _exit(unit, error):
                raise
        else:
            await _exit(unit, None)


async def _transaction(request: Request) -> AsyncIterator[Session]:
    # scope="function": the commit runs when the endpoint returns, before the response is sent,
    # so an answered request is a committed one.
    async with _unit(request, writes(request)) as session:
        yield session


async def _write_transaction(request: Request) -> AsyncIterator[Session]:
    async with _unit(request, True) as session:
        yield session


Tx = Annotated[Session, Depends(_transaction, scope="function")]
"""The request's session; commits when the endpoint returns, rolls back if it raises. A write
transaction unless the request is a safe method without a ``purpose`` (see ``writes``)."""

TxWrite = Annotated[Session, Depends(_write_transaction, scope="function")]
"""A write transaction for the rare safe-method request that changes state (a preference)."""


def _of(table: WeakKeyDictionary[Database, Any], db: Database, make: Callable[[], T]) -> T:
    # the database's own writer thread or batch queue, made on first use
    with _WRITERS_LOCK:
        found = table.get(db)
        if found is None:
            found = table[db] = make()
        return found  # type: ignore[no-any-return]


def _writer(db: Database) -> ThreadPoolExecutor:
    return _of(_WRITERS, db, lambda: ThreadPoolExecutor(1, thread_name_prefix="chanrong-writer"))


async def run_unit(request: Request, work: Callable[[Session], T], *,
                   write: bool | None = None) -> T:  # fmt: skip
    """Run ``work(session)`` as the request's whole transaction in one step on a thread, and
    commit (roll back if it raises); ``write`` defaults to ``writes(request)``.

    Writers on a SQLite file queue on the database's writer thread; other units take one of
    ``UNITS_IN_FLIGHT`` slots and a worker thread. Once started, a unit runs to its
    commit even if the client goes away.
    """
    db = database(request)
    write = writes(request) if write is None else write

    def unit() -> T:
        with db.transaction(write=write) as session:
            return work(session)

    if write and db.serialises_writers:
        return await asyncio.wrap_future(_writer(db).submit(unit))
    async with _slots(db, write, unit=True):
        with anyio.CancelScope(shield=True):
            return await anyio.to_thread.run_sync(unit)


class _Batches:
    """Records waiting for a SQLite file's writer thread, written in batches of the same kind."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.queue: deque[tuple[Callable[..., list[Any]], Any, Future[Any]]] = deque()
        self._lock = threading.Lock()
        self._draining = False  # a drain is queued or running on the writer thread

    def submit(self, write_many: Callable[[Session, Sequence[D]], list[T]], item: D) -> Future[T]:
        """Queue ``item`` for ``write_many``; its result when its batch has committed."""
        future: Future[T] = Future()
        self.queue.append((write_many, item, future))
        with self._lock:
            if self._draining:  # the running drain takes it: no wake-up of the thread per item
                return future
            self._draining = True
        _writer(self.db).submit(self._drain)
        return future

    def _drain(self) -> None:
        while True:
            with self._lock:
                if not self.queue:
                    self._draining = False
                    return
            kinds: dict[Callable[..., Any], list[tuple[Any, Future[Any]]]] = {}
            for _ in range(min(MAX_BATCH, len(self.queue))):
                write_many, item, future = self.queue.popleft()
                if future.set_running_or_notify_cancel():  # else its caller has given up
                    kinds.setdefault(write_many, []).append((item, future))
            for write_many, queued in kinds.items():
                self._write(write_many, queued)

    def _write(self, write_many: Callable[..., list[Any]],
               queued: list[tuple[Any, Future[Any]]]) -> None:  # fmt: skip
        try:
            with self.db.transaction(write=True) as session:
                results = write_many(session, [item for item, _ in queued])
        except Exception as error:
            if len(queued) == 1:
                queued[0][1].set_exception(error)
                return
            for one in queued:  # a record that fails fails alone
                self._write(write_many, [one])
            return
        for (_, future), result in zip(queued, results, strict=True):
            future.set_result(result)


_BATCHES: WeakKeyDictionary[Database, _Batches] = WeakKeyDictionary()


def _batches(db: Database) -> _Batches:
    return _of(_BATCHES, db, lambda: _Batches(db))


async def run_read_then_write(request: Request, read: Callable[[Session], D],
                              write_many: Callable[[Session, Sequence[D]], list[T]]) -> T:  # fmt: skip
    """``read(session)`` (reads only), then its result recorded by ``write_many(session,
    results)`` (a module-level function: batches group by it), committed before this returns.

    On a SQLite file the read is a transaction of its own (a snapshot beside the writer) and the
    record joins the next batch on the writer thread; elsewhere both are one unit.
    """
    db = database(request)
    if not db.serialises_writers:
        return await run_unit(request, lambda session: write_many(session, [read(session)])[0],
                              write=True)  # fmt: skip
    item = await run_unit(request, read, write=False)
    # shielded: once queued, the record commits even if the client goes away (as a unit does)
    return await asyncio.shield(asyncio.wrap_future(_batches(db).submit(write_many, item)))
