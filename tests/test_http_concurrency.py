"""Under many concurrent requests a live server on SQLite answers them all: writers queue for the
one write slot on the event loop, never inside worker threads (which once hung the server)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

from chanrong import clock
from chanrong import db as db_module
from chanrong.app import create_app
from chanrong.principal import Principal
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


def test_units_on_the_writer_thread_and_tx_writers_interleave(tmp_path: Path) -> None:
    """Credit applications are decided on read snapshots and recorded in batches on the
    database's writer thread, identifier registrations are ``Tx`` requests; concurrently, every
    one is answered, recorded and logged once with its audit, the log stays whole, a refused
    application writes nothing, and a bad key is a 401 problem."""
    from sqlalchemy import func, select

    from chanrong.consent import service as consent
    from chanrong.consent.models import AccessRecord
    from chanrong.credit.models import Application
    from chanrong.ledger import merkle
    from chanrong.ledger import service as ledger
    from chanrong.ledger.models import LedgerEntry
    from tests.credit.conftest import build_scene

    database = db_module.Database(f"sqlite:///{tmp_path / 'units.db'}")
    db_module.upgrade(database)
    with database.transaction() as session:
        scene = build_scene(session)
        _, sme_token = factories.create_api_key(session, party=scene.sme)
        # the bank may read the SME's telemetry: each decision's read is audited with it
        consent.give_grant(session, actor=Principal(scene.sme.id, "enterprise", frozenset({"admin"})),
                           recipient_party_id=scene.bank.id, scope="telemetry",
                           purpose="credit_assessment", expires_at=clock.now() + timedelta(days=9))  # fmt: skip
        prefix = factories.create_prefix(session, prefix="88.1001.78")
        owner = session.get(type(scene.sme), prefix.party_id)
        _, owner_token = factories.create_api_key(session, party=owner)
    settings = Settings(data_dir=tmp_path, database_url=str(database.engine.url))
    apply_url = "/api/v1/credit/applications"
    application = {"bank_party_id": scene.bank.id, "amount_fen": 100_000_00, "term_months": 6}
    with serve(create_app(settings, database=database)) as url, ThreadPoolExecutor(40) as pool:
        units = [
            pool.submit(_call, url + apply_url, sme_token, application) for _ in range(WRITERS)
        ]
        writes = [
            pool.submit(_call, f"{url}/api/v1/identifiers", owner_token,
                        {"handle": f"88.1001.78/U-{n}", "object_type": "device", "fields": []})
            for n in range(WRITERS)
        ]  # fmt: skip
        assert [f.result() for f in units] == [201] * WRITERS
        assert [f.result() for f in writes] == [201] * WRITERS
        refused = _problem(url + apply_url, sme_token, {**application, "term_months": 0})
        assert (refused["status"], refused["errors"][0]["field"]) == (422, "term_months")
        assert _problem(url + apply_url, "crk_0_wrong", application)["status"] == 401
    with database.transaction(write=False) as session:
        assert session.scalar(select(func.count(Application.id))) == WRITERS
        decided = select(func.count()).where(LedgerEntry.event == "credit.decided")
        assert session.scalar(decided) == WRITERS
        # decisions recorded in batches: each with its audit, each at its own log entry
        audits = session.scalars(select(AccessRecord.ledger_seq)).all()
        seqs = session.scalars(select(Application.ledger_seq)).all()
        assert len(audits) == WRITERS and len(set(audits) | set(seqs)) == 2 * WRITERS
        leaves = session.scalars(select(LedgerEntry.leaf_hash).order_by(LedgerEntry.seq)).all()
        assert ledger.root_at(session, len(leaves)) == merkle.root_of(leaves)
        assert ledger.latest_head(session)["tree_size"] == len(leaves)
    database.dispose()


def _problem(url: str, token: str, body: dict) -> dict:
    try:
        _call(url, token, body)
    except urllib.error.HTTPError as error:
        assert error.headers["content-type"] == "application/problem+json"
        return json.loads(error.read())
    raise AssertionError("the request was not refused")
