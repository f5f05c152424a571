"""``chanrong trade``: list, confirm (with the buyer's code as a safety check), statement."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from chanrong import db
from chanrong.cli import app
from chanrong.settings import get_settings
from chanrong.trade.errors import WrongParty
from tests.factories import create_trade


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


def test_list_confirm_statement(cli_db, tmp_path) -> None:
    with cli_db.transaction() as session:
        trade = create_trade(session)
        rid = trade.register().id
        supplier, buyer = trade.supplier.uscc, trade.buyer.uscc
    runner = CliRunner()
    listed = runner.invoke(app, ["trade", "list", buyer, "--payables"])
    assert listed.exit_code == 0, listed.output
    assert "registered" in listed.output and "100,000.00元" in listed.output
    wrong = runner.invoke(app, ["trade", "confirm", str(rid), "--buyer", supplier])
    assert isinstance(wrong.exception, WrongParty)
    done = runner.invoke(app, ["trade", "confirm", str(rid), "--buyer", buyer])
    assert done.exit_code == 0 and "confirmed" in done.output, done.output
    out = tmp_path / "statement.xlsx"
    written = runner.invoke(app, ["trade", "statement", supplier, str(out)])
    assert written.exit_code == 0, written.output
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][8] == "confirmed"
