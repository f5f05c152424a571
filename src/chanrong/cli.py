"""The ``chanrong`` command: every domain's commands under one Typer root."""

from __future__ import annotations

import typer

from chanrong import __version__
from chanrong import db as db_module
from chanrong.consent import cli as consent_cli
from chanrong.credit import cli as credit_cli
from chanrong.demo import cli as demo_cli
from chanrong.errors import ChanrongError
from chanrong.identifiers import cli as identifiers_cli
from chanrong.kit import runtime
from chanrong.ledger import cli as ledger_cli
from chanrong.observatory import cli as observatory_cli
from chanrong.parties import cli as parties_cli
from chanrong.settings import get_settings
from chanrong.shell import console, open_database
from chanrong.supplychain import cli as supplychain_cli
from chanrong.telemetry import cli as telemetry_cli
from chanrong.telemetry import simulator_cli
from chanrong.trade import cli as trade_cli

app = typer.Typer(
    help="chanrong (产融): industrial-internet data turned into finance.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(parties_cli.app, name="parties")
app.add_typer(identifiers_cli.app, name="ids")
app.command("demo")(demo_cli.demo)
app.add_typer(ledger_cli.app, name="ledger")
app.add_typer(consent_cli.app, name="consent")
app.add_typer(observatory_cli.app, name="observatory")
app.command("simulate")(simulator_cli.simulate)
app.add_typer(telemetry_cli.app, name="telemetry")
app.add_typer(supplychain_cli.app, name="supplychain")
app.add_typer(trade_cli.app, name="trade")
app.add_typer(credit_cli.app, name="credit")


@app.command()
def version() -> None:
    """Print the version."""
    console.print(f"chanrong {__version__}")


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head", help="Alembic revision to reach.")) -> None:
    """Apply database migrations (SQLite or PostgreSQL, per CHANRONG_DATABASE_URL)."""
    database = open_database(migrate=False)
    db_module.upgrade(database, revision)
    console.print(f"database at revision [bold]{db_module.current_revision(database)}[/bold]")


@db_app.command("current")
def db_current() -> None:
    """Print the database's migration revision."""
    console.print(db_module.current_revision(open_database(migrate=False)) or "(empty database)")


@app.command()
def serve(
    host: str | None = typer.Option(None, help="Bind address (default CHANRONG_HOST)."),
    port: int | None = typer.Option(None, help="Port (default CHANRONG_PORT)."),
    workers: int | None = typer.Option(None, help="Worker processes (default CHANRONG_WORKERS)."),
) -> None:
    """Migrate the database, then serve the API (/api/v1, /docs) and the console."""
    import uvicorn

    settings = get_settings()
    open_database(migrate=True).dispose()
    bind_host, bind_port = host or settings.host, port or settings.port
    console.print(f"serving on http://{bind_host}:{bind_port}/  (API docs at /docs)")
    uvicorn.run(
        "chanrong.app:create_app",
        factory=True,
        host=bind_host,
        port=bind_port,
        workers=workers or settings.workers,
        http="httptools",
        loop="uvloop",
        log_level="warning",
        access_log=False,
    )


def main() -> None:
    """Entry point of the ``chanrong`` script: domain errors end in a message, not a traceback."""
    runtime.tune()  # everything is imported by now
    try:
        app()
    except ChanrongError as error:
        console.print(f"[red]{error.title}[/red]: {error.detail}")
        for item in error.errors:
            console.print(f"  {item.field} ({item.rule}): {item.message}", markup=False)
        raise SystemExit(2) from None
