"""Certificate statements: a holder's pieces (held, pending transfer, financed, settled; never
a retired one) and a core enterprise's outstanding payables as rows, only for the party itself
or the platform; downloaded as XLSX and CSV over HTTP, linked from the console, written by the
CLI. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from chanrong import clock
from chanrong.cli import app as cli
from chanrong.db import Database
from chanrong.errors import OtherPartysData
from chanrong.kit import tabular
from chanrong.principal import Principal
from chanrong.settings import get_settings
from chanrong.shell import open_database
from chanrong.supplychain import service, statements
from chanrong.supplychain.pages import LABELS
from tests.factories import create_api_key, create_party, create_user
from tests.supplychain.conftest import TODAY, Chain, build_chain
from tests.supplychain.payables import payables
from tests.web.conftest import HTML, log_in

API = "/api/v1/supplychain/statements"
FACE = 1_000_000_00
AMOUNT, STATUS, BANK = "金额(分) amount_fen", "状态 status", "融资银行 bank"


def _issue(session: Session, chain: Chain) -> service.Issued:
    rid = chain.payable(chain.tier1.id, chain.core.id, FACE)
    return service.issue_certificate(
        session, actor=chain.of(chain.core), credit_line_id=chain.line_id,
        receivable_ids=[rid], maturity_on=TODAY + timedelta(days=90),
    )  # fmt: skip


def _dealt(session: Session, chain: Chain) -> tuple[service.Issued, list[int]]:
    """Issued to tier 1, split 50/30/20万元: the 30万 offered to tier 2, the 20万 financed."""
    issued = _issue(session, chain)
    t1 = chain.of(chain.tier1)
    a, b, c = service.split_piece(session, actor=t1, piece_id=issued.piece.id,
                                  amounts=[500_000_00, 300_000_00, 200_000_00])  # fmt: skip
    service.offer_transfer(session, actor=t1, piece_id=b.id, to_party_id=chain.tier2.id)
    service.finance_piece(session, actor=t1, piece_id=c.id, amount_fen=200_000_00,
                          bank_party_id=chain.bank.id, annual_rate_bp=350, day_count="ACT/360",
                          fees_fen=0)  # fmt: skip
    return issued, [a.id, b.id, c.id]


def _table(content: bytes, filename: str) -> list[dict[str, str]]:
    return [row for _, row in tabular.read_rows(io.BytesIO(content), filename=filename)]


def test_holdings_rows_of_the_holder_only(session: Session, chain: Chain) -> None:
    issued, (a, b, c) = _dealt(session, chain)
    rows = statements.holdings_rows(session, actor=chain.of(chain.tier1))
    assert [r[2] for r in rows] == [a, b, c]  # the retired original piece is not listed
    assert all(len(r) == len(statements.HOLDINGS_HEADER) for r in rows)
    assert [(r[0], r[1], r[3], r[6], r[7]) for r in rows] == [
        (issued.certificate.id, chain.core.name, issued.piece.id, 500_000_00, "held"),
        (issued.certificate.id, chain.core.name, issued.piece.id, 300_000_00, "pending_transfer"),
        (issued.certificate.id, chain.core.name, issued.piece.id, 200_000_00, "financed"),
    ]  # fmt: skip
    assert rows[1][8] == chain.tier2.name and rows[2][11] == chain.bank.name
    assert rows[0][10] == (TODAY + timedelta(days=90)).isoformat() and rows[0][12] == ""
    assert statements.holdings_rows(session, actor=chain.of(chain.tier2)) == []  # only offered
    operator = Principal(create_party(session, kind="operator").id, "operator",
                         frozenset({"admin"}))  # fmt: skip
    assert statements.holdings_rows(session, actor=operator, party_id=chain.tier1.id) == rows
    with pytest.raises(OtherPartysData):
        statements.holdings_rows(session, actor=chain.of(chain.tier2), party_id=chain.tier1.id)

    with clock.frozen(datetime(2026, 5, 31, 4, 0, tzinfo=UTC)):  # the maturity date
        service.settle_certificate(session, actor=chain.of(chain.core),
                                   certificate_id=issued.certificate.id)  # fmt: skip
    settled = statements.holdings_rows(session, actor=chain.of(chain.tier1))
    assert {(r[7], r[12]) for r in settled} == {("settled", "2026-05-31")}
    assert sum(r[6] for r in settled) == FACE


def test_payables_rows_of_the_core_enterprise_only(session: Session, chain: Chain) -> None:
    issued, _ = _dealt(session, chain)
    (row,) = statements.payables_rows(session, actor=chain.of(chain.core))
    assert row == [issued.certificate.id, FACE, 200_000_00, TODAY.isoformat(),
                   (TODAY + timedelta(days=90)).isoformat(), chain.line_id]  # fmt: skip
    assert statements.payables_rows(session, actor=chain.of(chain.tier1)) == []
    with pytest.raises(OtherPartysData):
        statements.payables_rows(session, actor=chain.of(chain.tier1), party_id=chain.core.id)
    assert statements.payables_rows(session, actor=Principal.system(),
                                    party_id=chain.core.id) == [row]  # fmt: skip


def test_statements_download_as_xlsx_and_csv(client, db: Database, today) -> None:
    with db.transaction() as session:
        chain = build_chain(session, payables(session))
        _issued, (a, _b, c) = _dealt(session, chain)
        token = {name: {"Authorization": f"Bearer {create_api_key(session, party)[1]}"}
                 for name, party in (("tier1", chain.tier1), ("core", chain.core))}  # fmt: skip
    sheet = client.get(f"{API}/holdings", headers=token["tier1"])
    assert sheet.status_code == 200 and sheet.content[:2] == b"PK"
    assert 'filename="certificate-holdings.xlsx"' in sheet.headers["content-disposition"]
    rows = _table(sheet.content, "holdings.xlsx")
    assert [(r["碎片 piece_id"], r[AMOUNT]) for r in rows if r[STATUS] != "pending_transfer"] == [
        (str(a), "50000000"), (str(c), "20000000")]  # fmt: skip
    assert rows[2][BANK] == chain.bank.name
    csv = client.get(f"{API}/holdings", headers=token["tier1"], params={"format": "csv"})
    assert csv.headers["content-type"].startswith("text/csv")
    assert _table(csv.content, "holdings.csv") == rows
    payable = client.get(f"{API}/payables", headers=token["core"], params={"format": "csv"})
    (line,) = _table(payable.content, "payables.csv")
    assert line["票面金额(分) face_fen"] == str(FACE)
    assert line["已融资(分) financed_fen"] == "20000000"
    other = client.get(f"{API}/payables", headers=token["tier1"],
                       params={"party_id": chain.core.id})  # fmt: skip
    assert other.status_code == 403
    assert client.get(f"{API}/holdings", headers=token["tier1"],
                      params={"format": "pdf"}).status_code == 422  # fmt: skip


def test_console_links_the_statements(client, db: Database, today) -> None:
    with db.transaction() as session:
        chain = build_chain(session, payables(session))
        _issue(session, chain)
        create_user(session, chain.tier1, username="supplier")
        create_user(session, chain.core, username="core")
    log_in(client, "supplier")
    page = client.get("/certificates", headers=HTML).text
    assert f"{API}/holdings?format=xlsx" in page and LABELS["sc_statement_holdings"][0] in page
    download = client.get(f"{API}/holdings?format=xlsx")
    assert download.status_code == 200 and len(_table(download.content, "h.xlsx")) == 1
    log_in(client, "core", lang="en")
    page = client.get("/certificates", headers=HTML).text
    assert f"{API}/payables?format=csv" in page and LABELS["sc_statement_payables"][1] in page


@pytest.fixture
def cli_env(tmp_path, monkeypatch):
    """Point the CLI at a throwaway SQLite file (settings are cached, so clear the cache)."""
    monkeypatch.setenv("CHANRONG_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_cli_writes_both_statements(cli_env) -> None:
    database = open_database()
    with clock.frozen(datetime(2026, 3, 2, 4, 0, tzinfo=UTC)), database.transaction() as session:
        chain = build_chain(session, payables(session))
        _dealt(session, chain)
    runner = CliRunner()
    held = cli_env / "holdings.xlsx"
    written = runner.invoke(cli, ["supplychain", "statement", str(chain.tier1.id), str(held)])
    assert written.exit_code == 0 and "3 rows written" in written.output, written.output
    assert sorted(r[AMOUNT] for _, r in tabular.read_path(held)) == [
        "20000000", "30000000", "50000000"]  # fmt: skip
    owed = cli_env / "payables.csv"
    written = runner.invoke(cli, ["supplychain", "statement", str(chain.core.id), str(owed),
                                  "--kind", "payables"])  # fmt: skip
    assert written.exit_code == 0, written.output
    ((_, row),) = tabular.read_path(owed)
    assert row["票面金额(分) face_fen"] == str(FACE)
    wrong = runner.invoke(cli, ["supplychain", "statement", "1", str(owed), "--kind", "loans"])
    assert wrong.exit_code == 2
    database.dispose()
