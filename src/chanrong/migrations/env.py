"""Alembic environment: runs on a connection handed in by chanrong, or on the configured URL."""

from __future__ import annotations

from alembic import context

from chanrong.db import make_engine
from chanrong.models import metadata

config = context.config


def run() -> None:
    """Run migrations online (chanrong never emits offline SQL scripts)."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _migrate(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    try:
        with engine.connect() as conn:
            _migrate(conn)
            conn.commit()
    finally:
        engine.dispose()


def _migrate(connection: object) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
