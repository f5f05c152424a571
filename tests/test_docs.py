"""The docs keep up with the code: every setting, CLI command and error type is documented."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import typer.main

import chanrong
from chanrong.cli import app
from chanrong.errors import ChanrongError, RouteError
from chanrong.settings import Settings

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _all_modules() -> None:
    for module in pkgutil.walk_packages(chanrong.__path__, "chanrong."):
        if ".migrations" not in module.name:
            importlib.import_module(module.name)


def _subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub} | _subclasses(sub)
    return found


def _commands(group: object, path: str = "chanrong") -> list[str]:
    if hasattr(group, "commands"):
        names: list[str] = []
        for name, command in group.commands.items():
            names += _commands(command, f"{path} {name}")
        return names
    return [path]


def test_every_setting_is_documented() -> None:
    text = (DOCS / "configuration.md").read_text(encoding="utf-8")
    missing = [
        f"CHANRONG_{n.upper()}"
        for n in Settings.model_fields
        if f"CHANRONG_{n.upper()}" not in text
    ]
    assert not missing, f"undocumented settings in docs/configuration.md: {missing}"


def test_every_error_type_is_documented() -> None:
    _all_modules()
    text = (DOCS / "errors.md").read_text(encoding="utf-8")
    errors = {cls for cls in _subclasses(ChanrongError) if cls is not RouteError}
    missing = sorted(
        {
            f"{cls.__name__} ({cls.slug})"
            for cls in errors
            if f"urn:chanrong:problem:{cls.slug}" not in text
        }
    )
    assert not missing, f"undocumented error types in docs/errors.md: {missing}"


def test_every_cli_command_is_documented() -> None:
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    commands = _commands(typer.main.get_command(app))
    missing = [c for c in commands if f"`{c}" not in text]
    assert not missing, f"undocumented commands in docs/cli.md: {missing}"
    assert len(commands) > 5
