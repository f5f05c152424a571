"""Shared fixtures: every storage test runs on SQLite and, when CHANRONG_TEST_POSTGRES_URL is
set, on PostgreSQL too; each test runs inside a transaction that is rolled back afterwards."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from chanrong import db as db_module
from chanrong.app import create_app
from chanrong.settings import Settings

POSTGRES_URL = os.environ.get("CHANRONG_TEST_POSTGRES_URL", "")
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def _postgres_engine() -> Engine:
    if not POSTGRES_URL:
        pytest.skip("CHANRONG_TEST_POSTGRES_URL is not set")
    engine = db_module.make_engine(POSTGRES_URL)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    return engine


@pytest.fixture(scope="session", params=BACKENDS)
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """A migrated engine per backend, shared by the whole run."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("sqlite") / "test.db"
        engine = db_module.make_engine(f"sqlite:///{path}")
    else:
        engine = _postgres_engine()
    db_module.upgrade(db_module.Database(bind=engine))
    yield engine
    engine.dispose()


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
