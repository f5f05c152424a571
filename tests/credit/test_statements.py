"""Credit statements: a bank's portfolio (one row per loan, what it still owes) and an SME's loans
(one row per instalment, what is paid), only for the party itself or the platform; downloaded as
XLSX and CSV over HTTP, linked from the console, written by the CLI. Runs on SQLite and
PostgreSQL."""

from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from chanrong import db as db_module
from chanrong.cli import app
from chanrong.credit import rulesets, service, statements
from chanrong.credit.errors import NotTheBank
from chanrong.credit.labels import LABELS
from chanrong.credit.models import Instalment, Loan
from chanrong.errors import OtherPartysData
from chanrong.kit import tabular
from chanrong.principal import Principal
from chanrong.settings import get_settings
from tests.credit.conftest import Scene, build_scene
from tests.factories import create_api_key, create_party, create_user
from tests.web.conftest import HTML, log_in

API = "/api/v1/credit/statements"
LENIENT = {"approve_points": 300, "refer_points": 200, "bands": [[300, 600]],
           "max_top_buyer_share_bp": 10_000}  # fmt: skip
PRINCIPAL = "本金(分) principal_fen"


def _loan(session: Session, scene: Scene) -> Loan:
    """A 300,000.00 yuan, three-month equal-principal loan, its first interest and 50 fen of
    principal repaid."""
    row = rulesets.propose(session, actor=scene.maker, bank_party_id=scene.bank.id, params=LENIENT)
    rulesets.decide(session, actor=scene.checker, rule_set_id=row.id, approve=True)
    app_row = service.apply(session, actor=scene.sme_actor, bank_party_id=scene.bank.id,
                            product="working_capital", amount_fen=300_000_00, term_months=3)  # fmt: skip
    assert app_row.outcome == "approve", app_row.reasons
    loan = service.accept(session, actor=scene.sme_actor, application_id=app_row.id)
    first = _schedule(session, loan)[0]
    service.record_repayment(session, actor=scene.maker, loan_id=loan.id,
                             amount_fen=first.interest_fen + 50, paid_on=loan.start_on,
                             source="transfer 0001")  # fmt: skip
    return loan


def _schedule(session: Session, loan: Loan) -> list[Instalment]:
    return list(session.scalars(select(Instalment).where(Instalment.loan_id == loan.id)
                                .order_by(Instalment.number)))  # fmt: skip


def _table(content: bytes, filename: str) -> list[dict[str, str]]:
    return [row for _, row in tabular.read_rows(io.BytesIO(content), filename=filename)]


def test_portfolio_rows_of_the_bank_only(session: Session, scene: Scene, today: date) -> None:
    loan = _loan(session, scene)
    schedule = _schedule(session, loan)
    (row,) = statements.portfolio_rows(session, actor=scene.maker)
    assert len(row) == len(statements.PORTFOLIO_HEADER)
    assert row == [
        loan.id, scene.sme.name, "working_capital", 300_000_00, loan.annual_rate_bp,
        loan.fees_fen, loan.interest_fen, today.isoformat(), loan.maturity_on.isoformat(),
        schedule[-1].due_on.isoformat(), service.outstanding_fen(session, loan), "active",
    ]  # fmt: skip
    assert row[10] == loan.principal_fen + loan.interest_fen - schedule[0].interest_fen - 50
    with pytest.raises(NotTheBank):
        statements.portfolio_rows(session, actor=scene.sme_actor)
    other_bank = Principal(create_party(session, kind="institution").id, "institution",
                           frozenset({"admin"}))  # fmt: skip
    assert statements.portfolio_rows(session, actor=other_bank) == []
    with pytest.raises(OtherPartysData):
        statements.portfolio_rows(session, actor=other_bank, party_id=scene.bank.id)
    assert statements.portfolio_rows(session, actor=Principal.system(),
                                     party_id=scene.bank.id) == [row]  # fmt: skip


def test_loans_rows_list_every_instalment(session: Session, scene: Scene, today: date) -> None:
    loan = _loan(session, scene)
    schedule = _schedule(session, loan)
    rows = statements.loans_rows(session, actor=scene.sme_actor)
    assert [r[8] for r in rows] == [1, 2, 3]
    assert {(r[0], r[1], r[3]) for r in rows} == {(loan.id, scene.bank.name, 300_000_00)}
    assert [r[10] for r in rows] == [100_000_00] * 3
    assert rows[0][11:15] == [schedule[0].interest_fen, 50, schedule[0].interest_fen, ""]
    assert rows[1][12:15] == [0, 0, ""]
    assert statements.loans_rows(session, actor=scene.maker) == []  # the bank borrowed nothing
    with pytest.raises(OtherPartysData):
        statements.loans_rows(session, actor=scene.maker, party_id=scene.sme.id)
    operator = Principal(create_party(session, kind="operator").id, "operator",
                         frozenset({"admin"}))  # fmt: skip
    assert statements.loans_rows(session, actor=operator, party_id=scene.sme.id) == rows


def test_statements_download_as_xlsx_and_csv(client, db, today: date) -> None:
    with db.transaction() as session:
        scene = build_scene(session)
        loan_id = _loan(session, scene).id
        as_sme, as_bank = ({"Authorization": f"Bearer {create_api_key(session, p)[1]}"}
                           for p in (scene.sme, scene.bank))  # fmt: skip
    sheet = client.get(f"{API}/portfolio", headers=as_bank)
    assert sheet.status_code == 200 and sheet.content[:2] == b"PK"
    assert 'filename="credit-portfolio.xlsx"' in sheet.headers["content-disposition"]
    (row,) = _table(sheet.content, "portfolio.xlsx")
    assert row["贷款 loan_id"] == str(loan_id) and row[PRINCIPAL] == "30000000"
    csv = client.get(f"{API}/portfolio", headers=as_bank, params={"format": "csv"})
    assert _table(csv.content, "portfolio.csv") == [row]
    assert client.get(f"{API}/portfolio", headers=as_sme).status_code == 403
    loans = client.get(f"{API}/loans", headers=as_sme)
    rows = _table(loans.content, "loans.xlsx")
    assert [r["应还本金(分) principal_due_fen"] for r in rows] == ["10000000"] * 3
    assert rows[0]["已还本金(分) principal_paid_fen"] == "50"
    csv = client.get(f"{API}/loans", headers=as_sme, params={"format": "csv"})
    assert _table(csv.content, "loans.csv") == rows
    other = client.get(f"{API}/loans", headers=as_bank, params={"party_id": scene.sme.id})
    assert other.status_code == 403


def test_console_links_the_statements(client, db, today: date) -> None:
    with db.transaction() as session:
        scene = build_scene(session)
        create_user(session, scene.sme, username="sme")
        create_user(session, scene.bank, username="banker")
    log_in(client, "sme")
    page = client.get("/credit", headers=HTML).text
    assert f"{API}/loans?format=xlsx" in page and LABELS["cr_statement_loans"][0] in page
    log_in(client, "banker", lang="en")
    page = client.get("/credit", headers=HTML).text
    assert f"{API}/portfolio?format=csv" in page and LABELS["cr_statement_portfolio"][1] in page
    download = client.get(f"{API}/portfolio?format=xlsx")
    assert download.status_code == 200 and _table(download.content, "p.xlsx") == []


@pytest.fixture
def cli_db(tmp_path, monkeypatch):
    """A throwaway SQLite file the CLI opens (and migrates)."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("CHANRONG_DATABASE_URL", url)
    get_settings.cache_clear()
    database = db_module.Database(url)
    db_module.upgrade(database)
    yield database
    database.dispose()
    get_settings.cache_clear()


def test_cli_writes_portfolio_and_loans(cli_db, tmp_path, today: date) -> None:
    with cli_db.transaction() as session:
        scene = build_scene(session)
        _loan(session, scene)
    runner = CliRunner()
    book = tmp_path / "portfolio.xlsx"
    written = runner.invoke(app, ["credit", "portfolio", scene.bank.uscc, str(book)])
    assert written.exit_code == 0 and "1 rows written" in written.output, written.output
    ((_, row),) = tabular.read_path(book)
    assert row[PRINCIPAL] == "30000000" and row["状态 status"] == "active"
    loans = tmp_path / "loans.csv"
    written = runner.invoke(app, ["credit", "loans", scene.sme.uscc, str(loans)])
    assert written.exit_code == 0 and "3 rows written" in written.output, written.output
    assert [r["期次 instalment"] for _, r in tabular.read_path(loans)] == ["1", "2", "3"]
    refused = runner.invoke(app, ["credit", "portfolio", scene.sme.uscc, str(book)])
    assert refused.exit_code != 0
