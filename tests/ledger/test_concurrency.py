"""One writer at a time: concurrent appenders never fork or corrupt the log."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from chanrong import db as db_module
from chanrong.ledger import service
from chanrong.ledger.export import export_log
from chanrong.ledger.verify import verify_export
from chanrong.principal import Principal

THREADS, APPENDS = 8, 15


def test_concurrent_appenders(fresh_database_url: str, tmp_path: Path) -> None:
    database = db_module.Database(fresh_database_url)
    db_module.upgrade(database)

    def appender(worker: int) -> list[int]:
        seqs = []
        for n in range(APPENDS):
            with database.transaction() as session:
                event = service.Event(
                    Principal.system(), "test.concurrent", f"worker:{worker}", {"n": n}
                )
                seqs.append(service.record(session, event).seq)
        return seqs

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(appender, range(THREADS)))
    seqs = sorted(s for worker in results for s in worker)
    assert seqs == list(range(THREADS * APPENDS))
    with database.transaction(write=False) as session:
        assert service.latest_head(session)["tree_size"] == THREADS * APPENDS
        export_log(session, tmp_path / "out")
    report = verify_export(tmp_path / "out")
    assert report.ok, report.failures
    database.dispose()
