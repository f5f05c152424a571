"""Prebuilt Core statements (``SELECT``, and the ``UPDATE`` of a hot write) compiled once per
dialect and run on the driver's cursor.

A hot read (an API key check, a decision's features) costs SQLite or PostgreSQL some
microseconds; SQLAlchemy's execution around it (the statement's cache key, the execution
context, the result object) costs about ten times that. ``run`` does the same work once: it
compiles the statement on first use, keeps the SQL, the order and the bind processors of its
parameters, and the result processors of its columns, then sends each call straight to the
driver on the session's own connection (so inside its transaction) and returns the rows as
named tuples. Types convert exactly as SQLAlchemy converts them (``TypeDecorator`` included).

Statements whose SQL changes with their values (an expanding ``IN``) take SQLAlchemy's own path.
"""

from __future__ import annotations

import threading
from collections import namedtuple
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.sql import Executable
from sqlalchemy.sql.elements import BindParameter


class Rows(list[Any]):
    """A read's rows (named tuples), with the few accessors the readers use."""

    def all(self) -> list[Any]:
        """Every row."""
        return list(self)

    def first(self) -> Any:
        """The first row, or None."""
        return self[0] if self else None

    def one(self) -> Any:
        """The only row; a read that should give exactly one and did not is a bug."""
        if len(self) != 1:
            raise LookupError(f"expected one row, got {len(self)}")
        return self[0]

    def scalar(self) -> Any:
        """The first column of the first row, or None."""
        return self[0][0] if self else None


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: tuple[str, ...] | None  # positional order (qmark); None for named parameters
    defaults: dict[str, Any]  # values fixed in the statement (literals bound as parameters)
    required: frozenset[str]  # parameters the caller must give
    binds: tuple[tuple[str, Callable[[Any], Any]], ...]
    results: tuple[Callable[[Any], Any] | None, ...]
    row: type

    def parameters(self, params: dict[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        if not self.required <= params.keys():
            missing = sorted(self.required - params.keys())
            raise InvalidRequestError(f"a value is required for bind parameter(s) {missing}")
        values = {**self.defaults, **params}
        for name, process in self.binds:
            values[name] = process(values[name])
        if self.names is None:
            return values
        return tuple(values[name] for name in self.names)

    def rows(self, raw: list[tuple[Any, ...]]) -> Rows:
        make = self.row._make
        if not any(self.results):
            return Rows(make(r) for r in raw)
        steps = self.results
        return Rows(
            make(v if f is None else f(v) for f, v in zip(steps, r, strict=True)) for r in raw
        )


class _Plain(tuple[Any, ...]):
    _make = classmethod(tuple.__new__)


_CACHE: dict[tuple[int, str], tuple[Executable, _Compiled | None]] = {}
_CACHE_LOCK = threading.Lock()


def _compile(statement: Executable, dialect: Dialect) -> _Compiled | None:
    compiled = statement.compile(dialect=dialect)
    binds: dict[str, BindParameter[Any]] = compiled.binds
    if any(b.expanding for b in binds.values()):
        return None
    names = tuple(compiled.positiontup) if compiled.positiontup is not None else None
    used = names if names is not None else tuple(compiled.construct_params(_check=False))
    required = frozenset(n for n in dict.fromkeys(used) if binds[n].required)
    defaults = {
        n: v for n, v in compiled.construct_params(_check=False).items() if n not in required
    }
    processors = []
    for name in dict.fromkeys(used):
        process = binds[name].type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            processors.append((name, process))
    # a text() without declared columns (a function called for its effect) gives plain tuples
    columns = list(getattr(statement, "selected_columns", ()))
    results = tuple(c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns)
    fields = [c.key or f"_{i}" for i, c in enumerate(columns)]
    row = namedtuple("Row", fields, rename=True) if columns else _Plain  # type: ignore[misc]
    return _Compiled(compiled.string, names, defaults, required, tuple(processors), results, row)


def compiled_for(statement: Executable, dialect: Dialect) -> _Compiled | None:
    """The statement compiled for ``dialect`` (cached; prebuilt module-level statements only),
    or None when its SQL depends on its values."""
    key = (id(statement), dialect.name)
    found = _CACHE.get(key)
    if found is None:
        with _CACHE_LOCK:
            # the entry keeps its statement alive, so that its id is never reused for another
            found = _CACHE[key] = (statement, _compile(statement, dialect))
    return found[1]


def run(driver_connection: Any, prepared: _Compiled, params: dict[str, Any]) -> Rows:
    """Execute a compiled read on the driver's connection; its rows."""
    cursor = driver_connection.execute(prepared.sql, prepared.parameters(params))
    try:
        return prepared.rows(cursor.fetchall())
    finally:
        cursor.close()


def run_after(driver_connection: Any, first: _Compiled, first_params: dict[str, Any],
              then: _Compiled, params: dict[str, Any]) -> Rows:  # fmt: skip
    """Execute ``first`` (rows discarded) then the read ``then`` on the driver's connection, in
    one round trip where the driver pipelines (psycopg); the rows of ``then``."""
    pipeline = getattr(driver_connection, "pipeline", None)
    if pipeline is None:
        driver_connection.execute(first.sql, first.parameters(first_params)).close()
        return run(driver_connection, then, params)
    with pipeline():
        driver_connection.execute(first.sql, first.parameters(first_params))
        cursor = driver_connection.execute(then.sql, then.parameters(params))
    try:
        return then.rows(cursor.fetchall())
    finally:
        cursor.close()


def execute(driver_connection: Any, prepared: _Compiled, params: dict[str, Any]) -> int:
    """Execute a compiled ``UPDATE`` or ``DELETE`` on the driver's connection; the number of
    rows it matched."""
    cursor = driver_connection.execute(prepared.sql, prepared.parameters(params))
    try:
        return int(cursor.rowcount)
    finally:
        cursor.close()
