"""``chanrong telemetry``: the device registry and the catalogue, as the local system; the device
commands, the dispatcher and the simulated device agent are mounted here from their modules."""

from __future__ import annotations

import typer
from rich.table import Table

from chanrong.parties import service as parties
from chanrong.principal import Principal
from chanrong.shell import console, open_database
from chanrong.telemetry import (
    catalogue,
    commands_cli,
    ingest_cli,
    rollups_cli,
    service,
    simulator_cli,
)

app = typer.Typer(
    help="Industrial telemetry: devices, ingest, rollups, commands.", no_args_is_help=True
)
devices_app = typer.Typer(help="The device registry.", no_args_is_help=True)
app.add_typer(devices_app, name="devices")
app.add_typer(commands_cli.app, name="commands")
app.command("dispatcher")(commands_cli.dispatcher)
app.command("agent")(simulator_cli.agent)
app.command("ingest")(ingest_cli.ingest)
app.command("worker")(ingest_cli.worker)
app.command("compact")(ingest_cli.compact)
app.command("rollup")(rollups_cli.rollup)
app.command("rollups")(rollups_cli.show)


@app.command("types")
def types() -> None:
    """List the device types and the metrics each reports (unit, kind, decimals kept)."""
    table = Table(title="device types · 设备类型")
    # Names are what payloads and options use: never wrapped; labels and states give way.
    table.add_column("type", no_wrap=True)
    table.add_column("metric", no_wrap=True)
    for column in ("指标", "unit", "kind", "scale", "states"):
        table.add_column(column, no_wrap=column in ("unit", "kind"))
    for kind in service.device_types():
        for m in kind.metrics.values():
            states = ", ".join(f"{code}={en}" for code, (_zh, en) in m.states.items())
            table.add_row(kind.name, m.name, m.label_zh, m.unit, m.kind, str(m.scale), states)
    console.print(table)


@devices_app.command("register")
def register(
    handle: str = typer.Argument(..., help="a registered identifier of object type device"),
    device_type: str = typer.Option(
        ..., "--type", help=f"one of {', '.join(catalogue.DEVICE_TYPES)}"
    ),
    name: str = typer.Option("", "--name", help="a name people recognise"),
) -> None:
    """Register a device on an identifier (recorded in the ledger)."""
    database = open_database()
    with database.transaction() as session:
        device = service.register_device(
            session, actor=Principal.system(), handle=handle, device_type=device_type, name=name
        )
        console.print(f"registered {device.handle} ({device.device_type})")


@devices_app.command("list")
def list_devices(
    device_type: str | None = typer.Option(None, "--type", help="only devices of this type"),
    party_id: int | None = typer.Option(None, "--party", help="only this owner's devices"),
    limit: int = typer.Option(200, help="how many to show"),
) -> None:
    """List registered devices (every party's, or one owner's)."""
    database = open_database()
    with database.transaction() as session:
        items, total = service.list_devices(
            session, actor=Principal.system(), device_type=device_type, owner_party_id=party_id,
            limit=limit,
        )  # fmt: skip
        owners = parties.party_names(session, {d.owner_party_id for d in items})
        table = Table(title=f"devices · 设备 ({len(items)} of {total})")
        for column in ("handle", "type", "name", "owner", "locked"):
            table.add_column(column)
        for d in items:
            table.add_row(
                d.handle, d.device_type, d.name, owners.get(d.owner_party_id, ""),
                "yes" if d.locked else "no",
            )  # fmt: skip
    console.print(table)
