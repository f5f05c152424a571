"""``chanrong trade``: list a party's receivables and payables, confirm one, export a statement.

The command line acts as the local platform administrator (``Principal.system()``); the ledger
records it as such.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from chanrong.kit import tabular
from chanrong.money import format_cny
from chanrong.parties import service as parties
from chanrong.principal import Principal
from chanrong.shell import console, open_database
from chanrong.trade import receivables
from chanrong.trade.errors import WrongParty

app = typer.Typer(help="Trade: receivables and their confirmation (确权).", no_args_is_help=True)


@app.command("list")
def list_receivables(
    uscc: str = typer.Argument(..., help="The party's unified social credit code."),
    payables: bool = typer.Option(False, "--payables", help="Receivables on the party as buyer."),
    status: str | None = typer.Option(None, help="registered, confirmed, rejected or withdrawn."),
) -> None:
    """List a party's receivables (as supplier) or payables (as buyer), newest first."""
    actor = Principal.system()
    with open_database().transaction(write=False) as session:
        party = parties.get_party_by_uscc(session, actor=actor, code=uscc)
        rows = receivables.list_receivables(session, actor=actor, party_id=party.id,
            side="debtor" if payables else "supplier", status=status, limit=1000)  # fmt: skip
        table = Table(title=f"{party.name}: {'payables' if payables else 'receivables'}")
        for column in ("id", "identifier", "supplier", "buyer"):
            table.add_column(column, overflow="fold")
        for column in ("amount", "due", "status"):
            table.add_column(column, no_wrap=True)
        for r in rows:
            table.add_row(str(r.id), r.handle, str(r.supplier_party_id), str(r.debtor_party_id),
                          format_cny(r.amount_fen, "元"), r.due_on.isoformat(), r.status)  # fmt: skip
    console.print(table)


@app.command("confirm")
def confirm(
    receivable_id: int = typer.Argument(..., help="The receivable's id."),
    buyer: str = typer.Option(..., help="USCC of the buyer it is owed by (a safety check)."),
) -> None:
    """Confirm (确权) a receivable on behalf of its buyer: logged, then it never changes."""
    actor = Principal.system()
    with open_database().transaction() as session:
        party = parties.get_party_by_uscc(session, actor=actor, code=buyer)
        row = receivables.get_visible(session, actor=actor, receivable_id=receivable_id)
        if row.debtor_party_id != party.id:
            raise WrongParty(f"Receivable {row.handle} is not owed by {party.name}.")
        row = receivables.confirm_receivable(session, actor=actor, receivable_id=receivable_id)
        console.print(f"receivable {row.handle} confirmed (ledger entry {row.decided_ledger_seq})")


@app.command("statement")
def statement(
    uscc: str = typer.Argument(..., help="The party's unified social credit code."),
    out: Path = typer.Argument(..., help="Output file: .xlsx or .csv"),
    payables: bool = typer.Option(False, "--payables", help="The party's payables instead."),
) -> None:
    """Write a party's receivables (or payables) statement as XLSX or CSV (amounts in fen)."""
    actor = Principal.system()
    with open_database().transaction(write=False) as session:
        party = parties.get_party_by_uscc(session, actor=actor, code=uscc)
        rows = receivables.statement_rows(session, actor=actor, party_id=party.id,
                                          side="debtor" if payables else "supplier")  # fmt: skip
    if out.suffix.lower() == ".csv":
        tabular.write_csv(out, receivables.STATEMENT_HEADER, rows)
    else:
        tabular.write_xlsx(out, receivables.STATEMENT_HEADER, rows, sheet="receivables")
    console.print(f"{len(rows)} rows written to {out}")
