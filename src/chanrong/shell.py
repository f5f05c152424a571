"""What every CLI command shares: the Rich console, progress bars and the database to act on."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from chanrong import db
from chanrong.settings import get_settings

console = Console()


def open_database(*, migrate: bool = True) -> db.Database:
    """The configured database, migrated to the latest schema unless told otherwise."""
    database = db.Database(get_settings().resolved_database_url())
    if migrate:
        db.upgrade(database)
    return database


def progress() -> Progress:
    """A progress bar in the project's style (for imports, simulations, exports)."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )
