"""``chanrong supplychain``: credit lines, a party's certificates as trees, its statements as
XLSX or CSV, and checking that the ledger log of certificate operations replays to the stored
state."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table
from rich.tree import Tree

from chanrong.money import Money
from chanrong.principal import Principal
from chanrong.shell import console, open_database
from chanrong.supplychain import core, lines, statements, views
from chanrong.web.downloads import write_table

app = typer.Typer(help="Payable certificates (云证) and credit lines.", no_args_is_help=True)


def _yuan(fen: int) -> str:
    return f"{Money(fen)}"


@app.command("lines")
def credit_lines() -> None:
    """List every credit line: bank, core enterprise, limit, used and available (元)."""
    with open_database().transaction(write=False) as session:
        found = lines.lines(session, actor=Principal.system())
    table = Table("id", "bank", "core enterprise", "limit", "used", "available")
    for line in found:
        table.add_row(*(str(line[k]) for k in ("id", "bank_party_id", "core_party_id")),
                      *(_yuan(int(line[k])) for k in ("limit_fen", "used_fen", "available_fen")))  # fmt: skip
    console.print(table)


def _branch(tree: Tree, node: dict[str, Any]) -> None:
    label = (f"#{node['id']} [{node['start_fen']}, {node['end_fen']}) {_yuan(node['amount_fen'])}"
             f" party {node['holder_party_id']} {node['status']}")  # fmt: skip
    child = tree.add(label)
    for sub in node["children"]:
        _branch(child, sub)


@app.command("tree")
def tree(party_id: int = typer.Argument(..., help="The party whose certificates to show.")) -> None:
    """Show a party's certificates, each as the lineage tree of its pieces."""
    actor = Principal(party_id, "enterprise", frozenset({"viewer"}))
    with open_database().transaction(write=False) as session:
        found = views.my_certificates(session, actor=actor)
    for cert in found:
        root = Tree(f"certificate {cert['id']} by party {cert['issuer_party_id']}: "
                    f"{_yuan(cert['face_fen'])} due {cert['maturity_on']}, "
                    f"held {_yuan(cert['held_fen'])}")  # fmt: skip
        for node in cert["pieces"]:
            _branch(root, node)
        console.print(root)
    if not found:
        console.print(f"party {party_id} holds no certificates")


@app.command("statement")
def statement(
    party_id: int = typer.Argument(..., help="The party whose statement to write."),
    out: Path = typer.Argument(..., help="Output file: .xlsx or .csv"),
    kind: str = typer.Option("holdings", help="holdings (pieces held) or payables (issued)."),
) -> None:
    """Write a party's certificate statement as XLSX or CSV (amounts in fen): the pieces it
    holds or held, or (``--kind payables``) the certificates it issued and has not settled."""
    if kind not in ("holdings", "payables"):
        console.print(f"[red]--kind: {kind!r} is neither holdings nor payables[/red]")
        raise typer.Exit(2)
    rows_of = statements.holdings_rows if kind == "holdings" else statements.payables_rows
    header = statements.HOLDINGS_HEADER if kind == "holdings" else statements.PAYABLES_HEADER
    with open_database().transaction(write=False) as session:
        rows = rows_of(session, actor=Principal.system(), party_id=party_id)
    write_table(out, header, rows, sheet=kind)
    console.print(f"{len(rows)} rows written to {out}")


@app.command("verify")
def verify() -> None:
    """Replay the ledger's certificate operations and compare with the stored pieces; exit 1
    when they differ or an invariant is broken."""
    with open_database().transaction(write=False) as session:
        stored, replayed = views.stored_book(session), views.replay_ledger(session)
    broken = core.violations(stored)
    same = stored.snapshot() == replayed.snapshot()
    console.print(f"{len(stored.certificates)} certificates, {len(stored.pieces)} pieces; "
                  f"replay {'matches' if same else 'DIFFERS'}; {len(broken)} broken invariants")  # fmt: skip
    for problem in broken:
        console.print(f"  {problem}", markup=False)
    if broken or not same:
        raise typer.Exit(1)
