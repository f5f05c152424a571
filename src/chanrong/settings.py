"""The one settings object. Nothing else in chanrong reads ``os.environ``.

Every setting comes from a ``CHANRONG_<NAME>`` environment variable (or a ``.env`` file in the
working directory); docs/configuration.md lists them all and a test keeps that list complete.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Runtime configuration of chanrong."""

    model_config = SettingsConfigDict(env_prefix="CHANRONG_", env_file=".env", extra="ignore")

    data_dir: Path = Field(
        default=Path("var"),
        description="Directory for the embedded database and local files (Parquet, exports).",
    )
    database_url: str = Field(
        default="",
        description="SQLAlchemy URL of the system of record; empty means SQLite at "
        "<data_dir>/chanrong.db. PostgreSQL: postgresql+psycopg://user@host/db.",
    )
    session_hours: int = Field(
        default=12, description="Lifetime of a console login session, in hours."
    )
    cookie_secure: bool = Field(
        default=False,
        description="Mark the console session cookie Secure (set true behind HTTPS).",
    )
    default_language: str = Field(
        default="zh", description="Console language when the user has not chosen one: zh or en."
    )
    host: str = Field(default="127.0.0.1", description="Address `chanrong serve` binds to.")
    port: int = Field(default=8000, description="Port `chanrong serve` listens on.")
    workers: int = Field(default=1, description="Number of uvicorn worker processes for serve.")

    ledger_origin: str = Field(
        default="chanrong.local/ledger",
        description="Origin line of the log's checkpoints and name of its signing key.",
    )
    ledger_key_file: Path | None = Field(
        default=None,
        description="PEM file of the log's Ed25519 signing key; empty means "
        "<data_dir>/ledger/signing-key.pem, generated on first use. Share it between nodes.",
    )

    mqtt_host: str = Field(default="127.0.0.1", description="MQTT broker host (telemetry).")
    mqtt_port: int = Field(default=1883, description="MQTT broker port.")
    mqtt_client_id: str = Field(
        default="chanrong-ingest",
        description="Client id prefix of ingest workers; each worker appends its number. The "
        "broker keeps a persistent session per id, so a restarted worker gets what it missed.",
    )
    telemetry_dir: Path | None = Field(
        default=None,
        description="Root of the Parquet store of readings; empty means <data_dir>/telemetry.",
    )
    telemetry_late_hours: int = Field(
        default=168,
        description="A reading older than this many hours (behind the time it arrives) is "
        "refused as too old; younger late readings are stored and their rollups corrected.",
    )
    telemetry_future_seconds: int = Field(
        default=300,
        description="A reading stamped more than this many seconds ahead of the platform "
        "clock is refused (the device clock is wrong).",
    )
    telemetry_state_cap_seconds: int = Field(
        default=900,
        ge=1,
        le=3600,
        description="Rollups: a state lasts until the next reading of its series, but at most "
        "this many seconds (at most 3600).",
    )
    telemetry_gap_seconds: int = Field(
        default=0,
        ge=0,
        description="Rollups: an interval between consecutive readings longer than this is a "
        "gap; 0 means three times the series' median interval in that hour.",
    )
    command_timeout_seconds: int = Field(
        default=30, description="Seconds a device has to acknowledge a command before a retry."
    )
    command_max_attempts: int = Field(
        default=3, description="Sends of a command before it is given up as timed out."
    )

    def resolved_telemetry_dir(self) -> Path:
        """The Parquet store's root, defaulting to a directory under ``data_dir``."""
        return self.telemetry_dir or self.data_dir / "telemetry"

    def resolved_ledger_key_file(self) -> Path:
        """The signing key's path, defaulting to a file under ``data_dir``."""
        return self.ledger_key_file or self.data_dir / "ledger" / "signing-key.pem"

    def resolved_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file under ``data_dir``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'chanrong.db').resolve()}"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
