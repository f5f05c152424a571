"""``chanrong telemetry commands`` (send a command, list a device's history) and
``chanrong telemetry dispatcher`` (the MQTT process that delivers them), as the local system."""

from __future__ import annotations

import enum
import logging
import signal
import threading
from typing import Any

import orjson
import typer
from rich.logging import RichHandler
from rich.table import Column, Table

from chanrong.principal import Principal
from chanrong.settings import get_settings
from chanrong.shell import console, open_database
from chanrong.telemetry import commands
from chanrong.telemetry.dispatcher import log as dispatcher_log
from chanrong.telemetry.dispatcher import rfc3339, run_dispatcher
from chanrong.telemetry.errors import InvalidCommand

app = typer.Typer(help="Device commands: lock, unlock, set-config.", no_args_is_help=True)


class Kind(enum.StrEnum):
    """The command kinds as typed on the command line."""

    lock = "lock"
    unlock = "unlock"
    set_config = "set-config"


def parse_params(items: list[str]) -> dict[str, Any]:
    """``k=v`` pairs as set_config params: ``v`` is read as JSON when it is a JSON scalar
    (``3000``, ``0.5``, ``true``, ``"3000"``), else taken as the string itself."""
    params: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        if not sep:
            raise InvalidCommand(f"--param {item!r} is not NAME=VALUE", field="params",
                                 rule="key_value")  # fmt: skip
        try:
            value = orjson.loads(text)
        except orjson.JSONDecodeError:
            value = text
        params[key.strip()] = value if isinstance(value, int | float | str) else text
    return params


@app.command("send")
def send(
    handle: str = typer.Argument(..., help="Device identifier, e.g. 88.1001.12/SM-0001."),
    kind: Kind = typer.Argument(..., help="lock, unlock or set-config."),
    param: list[str] = typer.Option([], "--param", help="NAME=VALUE for set-config (repeat)."),
    reason: str = typer.Option("", help="Why (kept in the history; in the ledger for locks)."),
) -> None:
    """Queue a command for a device; the dispatcher sends it and tracks the answer."""
    database = open_database()
    with database.transaction() as session:
        command = commands.request_command(
            session, actor=Principal.system(), handle=handle, kind=kind.value.replace("-", "_"),
            params=parse_params(param) or None, reason=reason,
        )  # fmt: skip
    console.print(f"command [bold]{command.id}[/bold] ({command.kind}) queued for {handle}")


@app.command("list")
def list_commands(
    handle: str = typer.Argument(..., help="Device identifier."),
    limit: int = typer.Option(20, help="Newest commands to show."),
) -> None:
    """A device's commands, newest first, with their status and attempts."""
    database = open_database()
    with database.transaction(write=False) as session:
        history = commands.command_history(
            session, actor=Principal.system(), handle=handle, limit=limit
        )
    # Kind and status never wrap (people scan for them); ids and details fold on narrow screens.
    table = Table(
        Column("id", overflow="fold"), Column("kind", no_wrap=True), "params",
        Column("status", no_wrap=True), "sends", "created", "last step",
    )  # fmt: skip
    for record in history:
        c, last = record.command, record.events[-1] if record.events else None
        table.add_row(
            c.id, c.kind, orjson.dumps(c.params).decode(), c.status,
            f"{c.attempts}/{c.max_attempts}", rfc3339(c.created_at),
            f"{last.status} {rfc3339(last.at)} {last.detail}" if last else "",
        )  # fmt: skip
    console.print(table)


def dispatcher() -> None:
    """Run the command dispatcher (MQTT) until Ctrl-C or SIGTERM."""
    settings = get_settings()
    database = open_database()
    # Only the dispatcher's own messages (dropped answers, failed rounds), not its libraries'.
    handler = RichHandler(console=console, show_path=False)
    handler.setFormatter(logging.Formatter("%(message)s"))
    dispatcher_log.addHandler(handler)
    dispatcher_log.setLevel(logging.INFO)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    console.print(f"dispatching commands via {settings.mqtt_host}:{settings.mqtt_port}")
    try:
        run_dispatcher(stop_event=stop, settings=settings, database=database)
    except KeyboardInterrupt:
        stop.set()
    finally:
        database.dispose()
