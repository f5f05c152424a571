"""``chanrong supplychain``: lines, a party's tree, and the ledger replay check (which fails
when a stored piece was changed behind the log's back)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from chanrong import clock
from chanrong.cli import app as cli
from chanrong.settings import get_settings
from chanrong.shell import open_database
from chanrong.supplychain import service
from chanrong.supplychain.models import Piece
from tests.supplychain.conftest import TODAY, build_chain
from tests.supplychain.payables import payables


@pytest.fixture
def cli_env(tmp_path, monkeypatch):
    """Point the CLI at a throwaway SQLite file (settings are cached, so clear the cache)."""
    monkeypatch.setenv("CHANRONG_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_lines_tree_and_verify(cli_env) -> None:
    database = open_database()
    with clock.frozen(datetime(2026, 3, 2, 4, 0, tzinfo=UTC)), database.transaction() as session:
        chain = build_chain(session, payables(session))
        rid = chain.payable(chain.tier1.id, chain.core.id, 500_00)
        issued = service.issue_certificate(
            session, actor=chain.of(chain.core), credit_line_id=chain.line_id,
            receivable_ids=[rid], maturity_on=TODAY + timedelta(days=30),
        )  # fmt: skip
        service.split_piece(session, actor=chain.of(chain.tier1), piece_id=issued.piece.id,
                            amounts=[200_00, 300_00])  # fmt: skip
    assert "5,000.00万元" in run("supplychain", "lines").output
    shown = run("supplychain", "tree", str(chain.tier1.id))
    assert shown.exit_code == 0 and "[0, 20000)" in shown.output, shown.output
    checked = run("supplychain", "verify")
    assert checked.exit_code == 0 and "replay matches" in checked.output, checked.output
    with database.transaction() as session:
        session.get(Piece, issued.piece.id + 2).holder_party_id = chain.tier2.id
    assert run("supplychain", "verify").exit_code == 1
    database.dispose()
