"""``chanrong credit``: apply on an SME's behalf, a bank's queue, recompute a decision, record a
repayment of a working-capital loan, write a bank's portfolio or an SME's loans statement, and
the SME points table in use. The command line acts as the local platform administrator
(``Principal.system()``); the ledger records it as such."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer
from rich.table import Table

from chanrong import clock
from chanrong.credit import service, sme_model, statements
from chanrong.credit.models import Application, Loan
from chanrong.money import format_cny
from chanrong.parties import service as parties
from chanrong.principal import Principal
from chanrong.shell import console, open_database
from chanrong.web.downloads import write_table

app = typer.Typer(
    help="Credit decisions: apply, queue, recompute, repay, statements, points table.",
    no_args_is_help=True,
)


def _show(row: Application) -> None:
    console.print(f"application {row.id}: [bold]{row.outcome}[/bold], {row.points} points "
                  f"(rules {row.rules_version}, table {row.table_version})")  # fmt: skip
    for reason in row.reasons:
        console.print(f"  {reason['code']} ({reason['severity']}): {reason['detail']}")
    offer = row.result["offer"]
    if offer is not None:
        console.print(
            f"  offer: {format_cny(offer['amount_fen'], '元')} at {offer['annual_rate_bp']} bp, "
            f"fees {format_cny(offer['fees_fen'], '元')}, interest "
            f"{format_cny(offer['interest_fen'], '元')}, total cost "
            f"{format_cny(offer['total_cost_fen'], '元')}, until {offer['maturity_on']}"
        )


@app.command("apply")
def apply(
    uscc: str = typer.Argument(..., help="The applying SME's unified social credit code."),
    bank: str = typer.Option(..., help="The bank's unified social credit code."),
    amount_fen: int = typer.Option(..., help="Amount asked for, in fen."),
    term: int = typer.Option(6, help="Term in months (working capital)."),
    repayment: str = typer.Option("equal_principal", help="equal_principal or bullet."),
    piece: int | None = typer.Option(None, help="A certificate piece id to finance instead."),
) -> None:
    """Apply for working capital (or to finance a certificate piece) on the SME's behalf and
    print the decision: outcome, reasons, offer."""
    actor = Principal.system()
    with open_database().transaction() as session:
        sme = parties.get_party_by_uscc(session, actor=actor, code=uscc)
        lender = parties.get_party_by_uscc(session, actor=actor, code=bank)
        row = service.apply(session, actor=actor, applicant_party_id=sme.id,
                            bank_party_id=lender.id,
                            product="certificate" if piece else "working_capital",
                            amount_fen=amount_fen, term_months=term, repayment=repayment,
                            piece_id=piece)  # fmt: skip
        _show(row)


@app.command("queue")
def queue(
    bank: str = typer.Argument(..., help="The bank's unified social credit code."),
    outcome: str | None = typer.Option(None, help="approve, refer or decline."),
) -> None:
    """A bank's applications, newest first, with their reasons."""
    with open_database().transaction(write=False) as session:
        lender = parties.get_party_by_uscc(session, actor=Principal.system(), code=bank)
        actor = Principal(lender.id, "institution", frozenset({"viewer"}))
        rows = service.queue(session, actor=actor, outcome=outcome, limit=1000)
        table = Table("id", "applicant", "product", "amount", "outcome", "points")
        table.add_column("reasons", overflow="fold")
        for r in rows:
            table.add_row(str(r.id), str(r.applicant_party_id), r.product,
                          format_cny(r.amount_fen, "元"), r.outcome, str(r.points),
                          ", ".join(x["code"] for x in r.reasons))  # fmt: skip
    console.print(table)


@app.command("recompute")
def recompute(application_id: int = typer.Argument(..., help="The application's id.")) -> None:
    """Recompute a recorded decision from its inputs; exit status 1 when it differs."""
    with open_database().transaction(write=False) as session:
        row = service.get_application(session, actor=Principal.system(),
                                      application_id=application_id)  # fmt: skip
        same = service.recompute(session, row).to_dict() == row.result
    console.print(f"application {application_id}: {'same result' if same else 'DIFFERENT'}")
    if not same:
        raise typer.Exit(1)


@app.command("repay")
def repay(
    loan_id: int = typer.Argument(..., help="The working-capital loan's id."),
    amount_fen: int = typer.Option(..., help="Amount received, in fen."),
    source: str = typer.Option(..., help="Where it came from, e.g. the bank's payment reference."),
    paid_on: str | None = typer.Option(None, help="The day received, YYYY-MM-DD (default today)."),
) -> None:
    """Record a repayment of a working-capital loan for its bank: applied to the schedule in
    order (interest before principal); prints the split and what is still owed."""
    try:
        day = date.fromisoformat(paid_on) if paid_on else None
    except ValueError:
        console.print(f"[red]--paid-on: {paid_on!r} is not a date YYYY-MM-DD[/red]")
        raise typer.Exit(2) from None
    with open_database().transaction() as session:
        row = service.record_repayment(session, actor=Principal.system(), loan_id=loan_id,
                                       amount_fen=amount_fen, paid_on=day or clock.today(),
                                       source=source)  # fmt: skip
        loan = session.get(Loan, loan_id)
        assert loan is not None
        left = service.outstanding_fen(session, loan)
        status = loan.status
    console.print(f"repayment {row.id} on loan {loan_id}: {format_cny(row.amount_fen, '元')} "
                  f"(interest {format_cny(row.interest_fen, '元')}, principal "
                  f"{format_cny(row.principal_fen, '元')}); owed "
                  f"{format_cny(left, '元')}, loan {status}")  # fmt: skip


@app.command("portfolio")
def portfolio(
    bank: str = typer.Argument(..., help="The bank's unified social credit code."),
    out: Path = typer.Argument(..., help="Output file: .xlsx or .csv"),
) -> None:
    """Write a bank's loan portfolio statement as XLSX or CSV (amounts in fen, rates in bp)."""
    actor = Principal.system()
    with open_database().transaction(write=False) as session:
        lender = parties.get_party_by_uscc(session, actor=actor, code=bank)
        rows = statements.portfolio_rows(session, actor=actor, party_id=lender.id)
    write_table(out, statements.PORTFOLIO_HEADER, rows, sheet="portfolio")
    console.print(f"{len(rows)} rows written to {out}")


@app.command("loans")
def loans(
    uscc: str = typer.Argument(..., help="The borrowing SME's unified social credit code."),
    out: Path = typer.Argument(..., help="Output file: .xlsx or .csv"),
) -> None:
    """Write an SME's loans statement, one row per instalment, as XLSX or CSV (amounts in fen)."""
    actor = Principal.system()
    with open_database().transaction(write=False) as session:
        sme = parties.get_party_by_uscc(session, actor=actor, code=uscc)
        rows = statements.loans_rows(session, actor=actor, party_id=sme.id)
    write_table(out, statements.LOANS_HEADER, rows, sheet="loans")
    console.print(f"{len(rows)} rows written to {out}")


@app.command("table")
def table() -> None:
    """The SME points table in use: version, digest, SYNTHETIC label, features and bins."""
    document, points = sme_model.stored(), sme_model.load_table()
    console.print(f"{points.version} sha256 {points.digest()}\n{document['label']}; "
                  f"{document['rows']:,} rows, bad rate {document['bad_rate']}, "
                  f"in-sample AUC {document['in_sample_auc']}; intercept {points.intercept_points}")  # fmt: skip
    grid = Table("feature", "bins (points)", "missing")
    for feature in points.features:
        bins = "; ".join(f"{label} {p:+d}" for label, p in zip(feature.labels, feature.points,
                                                               strict=True))  # fmt: skip
        grid.add_row(feature.name, bins, f"{feature.missing_points:+d}")
    console.print(grid)
