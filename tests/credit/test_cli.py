"""``chanrong credit``: apply, queue, recompute, table."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from chanrong import db
from chanrong.cli import app
from chanrong.settings import get_settings
from tests.credit.conftest import build_scene


@pytest.fixture
def cli_db(tmp_path, monkeypatch):
    """A throwaway SQLite file the CLI opens (and migrates)."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("CHANRONG_DATABASE_URL", url)
    get_settings.cache_clear()
    database = db.Database(url)
    db.upgrade(database)
    yield database
    database.dispose()
    get_settings.cache_clear()


def test_apply_queue_recompute_table(cli_db) -> None:
    with cli_db.transaction() as session:
        scene = build_scene(session)
        sme, bank = scene.sme.uscc, scene.bank.uscc
    runner = CliRunner()
    applied = runner.invoke(app, ["credit", "apply", sme, "--bank", bank,
                                  "--amount-fen", "500000000"])  # fmt: skip
    assert applied.exit_code == 0, applied.output
    assert "decline" in applied.output and "AMOUNT_ABOVE_SALES" in applied.output
    listed = runner.invoke(app, ["credit", "queue", bank])
    assert listed.exit_code == 0 and "decline" in listed.output
    same = runner.invoke(app, ["credit", "recompute", "1"])
    assert same.exit_code == 0 and "same result" in same.output
    shown = runner.invoke(app, ["credit", "table"])
    assert shown.exit_code == 0 and "SYNTHETIC" in shown.output
