"""``chanrong demo``: builds the park once, finds it again, and guards ``--reset``."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from chanrong.demo import cli as demo_cli
from chanrong.demo.build import DEMO_PASSWORD
from chanrong.settings import Settings, get_settings


@pytest.fixture
def demo_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("CHANRONG_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CHANRONG_DATABASE_URL", "")
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_cli_builds_then_finds_the_park(demo_env):
    from chanrong.cli import app

    runner = CliRunner()
    first = runner.invoke(app, ["demo"])
    assert first.exit_code == 0, first.output
    assert (demo_env / "chanrong.db").exists()
    assert DEMO_PASSWORD in first.output
    assert "op-admin" in first.output
    assert "crk_" in first.output

    second = runner.invoke(app, ["demo"])
    assert second.exit_code == 0, second.output
    assert "already" in second.output
    assert "crk_" not in second.output

    other_seed = runner.invoke(app, ["demo", "--seed", "7"])
    assert other_seed.exit_code == 1, other_seed.output


def test_reset_deletes_only_the_default_sqlite_file(tmp_path):
    for name in ("chanrong.db", "chanrong.db-wal", "chanrong.db-shm"):
        (tmp_path / name).write_bytes(b"x")
    demo_cli._reset(Settings(data_dir=tmp_path, database_url=""), confirmed=False)
    assert not list(tmp_path.iterdir())


def test_reset_elsewhere_needs_yes(tmp_path, monkeypatch):
    target = tmp_path / "custom.db"
    target.write_bytes(b"")
    monkeypatch.setenv("CHANRONG_DATABASE_URL", f"sqlite:///{target}")
    get_settings.cache_clear()
    try:
        from chanrong.cli import app

        result = CliRunner().invoke(app, ["demo", "--reset"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2
    assert "--yes" in result.output
    assert target.exists()
