"""kill -9 of a process that was appending: the log still verifies and holds every entry that was
acknowledged, and no change is left without its entry or an entry without its change."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from chanrong import db as db_module
from chanrong.ledger import service
from chanrong.ledger.export import export_log
from chanrong.ledger.models import LedgerEntry
from chanrong.ledger.verify import verify_export
from chanrong.parties.models import Party

WRITER = Path(__file__).with_name("crash_writer.py")


def test_kill_9_while_appending(fresh_database_url: str, tmp_path: Path) -> None:
    database = db_module.Database(fresh_database_url)
    db_module.upgrade(database)
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    writer = subprocess.Popen(
        [sys.executable, str(WRITER), fresh_database_url],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    acknowledged: list[int] = []
    deadline = time.monotonic() + 60
    assert writer.stdout is not None
    while len(acknowledged) < 150 and time.monotonic() < deadline:
        line = writer.stdout.readline()
        if not line:
            break
        acknowledged.append(int(line))
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait()
    assert len(acknowledged) >= 150, "the writer did not get going"

    with database.transaction(write=False) as session:
        names = set(session.scalars(select(Party.name)))
        logged = {json.loads(b)["payload"]["name"] for b in session.scalars(
            select(LedgerEntry.body).where(LedgerEntry.event == "party.registered"))}  # fmt: skip
        assert {f"崩溃测试企业{n}" for n in acknowledged} <= names
        assert names == logged, "a party without its log entry, or an entry without its party"
        size = service.tree_size(session)
        assert session.scalar(select(func.count()).select_from(LedgerEntry)) == size
        assert service.latest_head(session)["tree_size"] == size
        out = tmp_path / "export"
        export_log(session, out)
    report = verify_export(out)
    assert report.ok, report.failures
    database.dispose()
