"""``chanrong parties``: import, template, list, add users and keys."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from chanrong.kit import tabular
from chanrong.parties import access, reference, service
from chanrong.parties.api import import_report
from chanrong.principal import Principal
from chanrong.shell import console, open_database, progress

app = typer.Typer(help="Enterprises, institutions, users and API keys.", no_args_is_help=True)


@app.command("import")
def import_file(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV or XLSX file."),
    report: Path | None = typer.Option(None, help="Write the JSON report of refused rows here."),
) -> None:
    """Import parties; good rows land, bad rows are reported; exit 1 if any row was refused."""
    rows = list(tabular.read_path(file))
    database = open_database()
    with database.transaction() as session, progress() as bar:
        task = bar.add_task(f"importing {file.name}", total=len(rows))

        def ticking() -> object:
            for item in rows:
                yield item
                bar.advance(task)

        result = service.import_parties(session, actor=Principal.system(), rows=ticking())
    body = import_report(result)
    console.print(
        f"created {result.created}, updated {result.updated}, unchanged {result.unchanged}, "
        f"refused {len(result.refused)}"
    )
    for line, errors in result.refused[:20]:
        console.print(f"  line {line}: " + "; ".join(f"{e.field}: {e.message}" for e in errors))
    if report:
        report.write_text(json.dumps(body, ensure_ascii=False, indent=2), encoding="utf-8")
        console.print(f"report written to {report}")
    if result.refused:
        raise typer.Exit(1)


@app.command("template")
def template(
    out: Path = typer.Argument(
        Path("parties-template.xlsx"), help="File to write (.xlsx or .csv)."
    ),
) -> None:
    """Write a blank import template with Chinese headers and one example row."""
    writer = tabular.write_xlsx if out.suffix.lower() == ".xlsx" else tabular.write_csv
    writer(out, service.TEMPLATE_HEADERS, [service.TEMPLATE_EXAMPLE])
    console.print(f"template written to {out}")


@app.command("list")
def list_parties(
    kind: str | None = typer.Option(None, help="enterprise, institution or operator"),
    role: str | None = typer.Option(None, help="e.g. supplier, bank"),
    limit: int = typer.Option(50, help="How many to show."),
) -> None:
    """List registered parties."""
    database = open_database()
    with database.transaction() as session:
        items, total = service.list_parties(
            session,
            actor=Principal.system(),
            where=service.PartyFilter(kind=kind, role=role),
            limit=limit,
        )
        table = Table("id", "名称 name", "统一社会信用代码", "省份", "角色 roles")
        for p in items:
            table.add_row(
                str(p.id), p.name, p.uscc, reference.PROVINCES[p.province][0], ",".join(p.roles)
            )
    console.print(table)
    console.print(f"{total} parties")


@app.command("add-user")
def add_user(
    uscc: str = typer.Argument(..., help="The party's unified social credit code."),
    username: str = typer.Argument(...),
    password: str = typer.Option(..., prompt=True, hide_input=True),
    display_name: str = typer.Option("", help="Shown in the console (default: username)."),
    role: list[str] = typer.Option(["admin"], help="admin, member or viewer; repeatable."),
) -> None:
    """Create a console user for a party."""
    database = open_database()
    with database.transaction() as session:
        actor = Principal.system()
        party = service.get_party_by_uscc(session, actor=actor, code=uscc)
        access.create_user(
            session, actor=actor, party_id=party.id, username=username,
            display_name=display_name or username, password=password, roles=role,
        )  # fmt: skip
    console.print(f"user {username} created for {party.name}")


@app.command("issue-key")
def issue_key(
    uscc: str = typer.Argument(..., help="The party's unified social credit code."),
    name: str = typer.Option("cli", help="A label for the key."),
    role: list[str] = typer.Option(["member"], help="admin, member or viewer; repeatable."),
) -> None:
    """Issue an API key for a party and print its token (shown only this once)."""
    database = open_database()
    with database.transaction() as session:
        actor = Principal.system()
        party = service.get_party_by_uscc(session, actor=actor, code=uscc)
        _key, token = access.issue_api_key(
            session, actor=actor, party_id=party.id, name=name, roles=role
        )
    console.print(token, markup=False)
