"""Shared fixtures: every storage test runs on SQLite and, when CHANRONG_TEST_POSTGRES_URL is
set, on PostgreSQL too; each test runs inside a transaction that is rolled back afterwards."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.orm import Session

from chanrong import db as db_module
from chanrong.app import create_app
from chanrong.settings import Settings

POSTGRES_URL = os.environ.get("CHANRONG_TEST_POSTGRES_URL", "")
# Files the code writes under the data directory (the log's signing key ...) go to a temp dir.
os.environ["CHANRONG_DATA_DIR"] = tempfile.mkdtemp(prefix="chanrong-test-")
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@contextmanager
def _postgres_engine(suffix: str = "") -> Iterator[Engine]:
    """A fresh database per test run (named after the process), dropped afterwards, so that
    concurrent runs against one server never share a schema."""
    if not POSTGRES_URL:
        pytest.skip("CHANRONG_TEST_POSTGRES_URL is not set")
    base = make_url(POSTGRES_URL)
    name = f"{base.database}_{os.getpid()}{suffix}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = db_module.make_engine(base.set(database=name).render_as_string(hide_password=False))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """A migrated engine per backend, shared by the whole run."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("sqlite") / "test.db"
        engine = db_module.make_engine(f"sqlite:///{path}")
        db_module.upgrade(db_module.Database(bind=engine))
        yield engine
        engine.dispose()
        return
    with _postgres_engine() as engine:
        db_module.upgrade(db_module.Database(bind=engine))
        yield engine


@pytest.fixture(params=BACKENDS)
def fresh_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a new, empty database of each backend, for tests that must commit."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    with _postgres_engine(suffix="fresh") as engine:
        url = engine.url.render_as_string(hide_password=False)
        engine.dispose()
        yield url


@pytest.fixture
def db(engine: Engine) -> Iterator[db_module.Database]:
    """A Database bound to one connection whose outer transaction is rolled back after the test."""
    connection = engine.connect()
    outer = connection.begin()
    try:
        yield db_module.Database(bind=connection)
    finally:
        outer.rollback()
        connection.close()


@pytest.fixture
def session(db: db_module.Database) -> Iterator[Session]:
    """A session in the test's transaction, for service-level tests."""
    with db.transaction() as s:
        yield s


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings pointing at a throwaway data directory."""
    return Settings(data_dir=tmp_path, database_url="sqlite://")


@pytest.fixture
def client(db: db_module.Database, settings: Settings) -> Iterator[TestClient]:
    """An HTTP client for the app, on the test's database."""
    with TestClient(create_app(settings, database=db)) as test_client:
        yield test_client
