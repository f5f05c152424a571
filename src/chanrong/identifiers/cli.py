"""``chanrong ids``: register prefixes and identifiers, resolve identifiers."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from chanrong.identifiers import service
from chanrong.parties import service as parties
from chanrong.principal import Principal
from chanrong.shell import console, open_database

app = typer.Typer(help="Industrial-internet identifiers (标识解析).", no_args_is_help=True)


@app.command("prefix")
def register_prefix(
    uscc: str = typer.Argument(..., help="The owner's unified social credit code."),
    prefix: str = typer.Argument(..., help="e.g. 88.1001.12"),
) -> None:
    """Register an enterprise prefix for a party."""
    with open_database().transaction() as session:
        actor = Principal.system()
        party = parties.get_party_by_uscc(session, actor=actor, code=uscc)
        service.register_prefix(session, actor=actor, party_id=party.id, prefix=prefix)
    console.print(f"prefix {prefix} registered for {party.name}")


@app.command("register")
def register(
    handle: str = typer.Argument(..., help="prefix/suffix, e.g. 88.1001.12/SM-0001"),
    object_type: str = typer.Option(..., "--type", help="device, invoice, contract ..."),
    field: list[str] = typer.Option(
        [], help="name=value, name:type=value or name:type!=value (! marks protected); repeatable."
    ),
) -> None:
    """Register an identifier with its record, as the owner of its prefix."""
    fields = [_parse_field(f) for f in field]
    with open_database().transaction() as session:
        service.register_identifier(
            session, actor=Principal.system(), handle=handle, object_type=object_type, fields=fields
        )
    console.print(f"identifier {handle} registered")


def _parse_field(text: str) -> dict[str, object]:
    key, _, value = text.partition("=")
    protected = key.endswith("!")
    name, _, kind = key.rstrip("!").partition(":")
    kind = kind or "string"
    parsed: object = value
    if kind in ("integer", "money_fen") and value.lstrip("-").isdigit():
        parsed = int(value)
    elif kind == "boolean":
        parsed = value.lower() in ("1", "true", "yes", "是")
    return {"name": name, "type": kind, "value": parsed, "protected": protected}


@app.command("resolve")
def resolve(
    handle: str = typer.Argument(..., help="prefix/suffix"),
    as_uscc: str | None = typer.Option(
        None, "--as", help="Resolve as this party (default: as owner)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Resolve an identifier; protected fields show only when resolving as the owner."""
    with open_database().transaction() as session:
        actor = Principal.system()
        if as_uscc:
            party = parties.get_party_by_uscc(session, actor=actor, code=as_uscc)
            actor = Principal(party.id, party.kind, frozenset({"viewer"}))
        found = service.resolve(session, actor=actor, handle=handle)
    if as_json:
        body = {
            "handle": found.handle, "object_type": found.object_type,
            "owner_party_id": found.owner_party_id, "owner_name": found.owner_name,
            "fields": found.fields, "withheld": found.withheld,
        }  # fmt: skip
        console.print_json(json.dumps(body, ensure_ascii=False))
        return
    table = Table(title=f"{found.handle} · {found.object_type} · {found.owner_name}")
    for column in ("field", "type", "value", "protected"):
        table.add_column(column)
    for f in found.fields:
        table.add_row(f["name"], f["type"], str(f["value"]), "yes" if f.get("protected") else "")
    console.print(table)
    if found.withheld:
        console.print(f"{found.withheld} protected field(s) withheld")
