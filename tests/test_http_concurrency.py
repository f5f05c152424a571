"""Under many concurrent requests a live server on SQLite answers them all: writers queue for the
one write slot on the event loop, never inside worker threads (which once hung the server)."""

from __future__ import annotations

import json
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from chanrong import db as db_module
from chanrong.app import create_app
from chanrong.settings import Settings
from tests import factories
from tests.browser.conftest import serve

READERS, WRITERS = 70, 30


def _call(url: str, token: str, body: dict | None = None) -> int:
    request = urllib.request.Request(
        url,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="GET" if body is None else "POST",
    )
    with urllib.request.urlopen(request, timeout=60) as answer:
        return answer.status


def test_many_concurrent_readers_and_writers_are_all_answered(tmp_path: Path) -> None:
    database = db_module.Database(f"sqlite:///{tmp_path / 'live.db'}")
    db_module.upgrade(database)
    with database.transaction() as session:
        prefix = factories.create_prefix(session, prefix="88.1001.77")
        handle = factories.create_identifier(session, prefix).handle
        owner = session.get(type(factories.create_party(session)), prefix.party_id)
        _, token = factories.create_api_key(session, party=owner)
    settings = Settings(data_dir=tmp_path, database_url=str(database.engine.url))
    with (
        serve(create_app(settings, database=database)) as url,
        ThreadPoolExecutor(READERS + WRITERS) as pool,
    ):
        reads = [
            pool.submit(_call, f"{url}/api/v1/identifiers/{handle}", token) for _ in range(READERS)
        ]
        writes = [
            pool.submit(_call, f"{url}/api/v1/identifiers", token,
                        {"handle": f"88.1001.77/W-{n}", "object_type": "device", "fields": []})
            for n in range(WRITERS)
        ]  # fmt: skip
        assert [f.result() for f in reads] == [200] * READERS
        assert [f.result() for f in writes] == [201] * WRITERS
    database.dispose()
