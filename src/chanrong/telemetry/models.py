"""Telemetry's tables: devices, the state of each series, quarantined readings, conflicting
readings, the Parquet files of the columnar store, device-hours waiting for their rollup, and
device commands with their history.

Readings themselves live in Parquet (docs/telemetry-store.md), not here. Timestamps of readings
are integer milliseconds since the Unix epoch (UTC); values are integers in units of the
metric's resolution (``catalogue``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from chanrong.db import Base, UTCDateTime

CHANNELS = ("mqtt", "http", "file")
COMMAND_KINDS = ("lock", "unlock", "set_config")
COMMAND_STATUSES = ("pending", "sent", "acked", "failed", "timed_out")


class Device(Base):
    """A device bound to its industrial-internet identifier and its owner party."""

    __tablename__ = "tm_devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    handle: Mapped[str] = mapped_column(String(170), unique=True)  # e.g. 88.1001.12/SM-0001
    identifier_id: Mapped[int] = mapped_column(ForeignKey("identifiers.id"), unique=True)
    owner_party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    device_type: Mapped[str] = mapped_column(String(32), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    locked: Mapped[bool] = mapped_column(default=False)  # as last acknowledged by the device
    config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SeriesState(Base):
    """The newest stored reading of one series (device, metric): the watermark that tells a new
    reading from a late one or a repeat, and the counter value a new reading continues."""

    __tablename__ = "tm_series"

    device_id: Mapped[int] = mapped_column(ForeignKey("tm_devices.id"), primary_key=True)
    metric_id: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    first_ts_ms: Mapped[int] = mapped_column(BigInteger)
    last_ts_ms: Mapped[int] = mapped_column(BigInteger)
    last_value: Mapped[int] = mapped_column(BigInteger)
    readings: Mapped[int] = mapped_column(BigInteger, default=0)
    duplicates: Mapped[int] = mapped_column(BigInteger, default=0)


class QuarantinedReading(Base):
    """A reading (or a payload, or a file row) refused at ingest, with its reason and what it
    said, kept for a person to look at; ``reason`` is a code of ``validation.REASONS``."""

    __tablename__ = "tm_quarantine"
    __table_args__ = (Index("ix_tm_quarantine_reason_at", "reason", "received_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    channel: Mapped[str] = mapped_column(String(8))
    source: Mapped[str] = mapped_column(String(300), default="")  # topic, file and line, batch
    device: Mapped[str] = mapped_column(String(200), default="", index=True)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("tm_devices.id"), index=True)
    metric: Mapped[str] = mapped_column(String(100), default="")
    ts: Mapped[str] = mapped_column(String(100), default="")
    value: Mapped[str] = mapped_column(String(100), default="")
    reason: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(String(300), default="")
    payload: Mapped[str] = mapped_column(Text, default="")  # the raw text, cut at 2,000 chars


class ReadingConflict(Base):
    """A reading whose key (device, metric, timestamp) is stored with another value: never
    overwritten, kept here and reported."""

    __tablename__ = "tm_conflicts"

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("tm_devices.id"), index=True)
    metric_id: Mapped[int] = mapped_column(SmallInteger)
    ts_ms: Mapped[int] = mapped_column(BigInteger)
    stored_value: Mapped[int] = mapped_column(BigInteger)
    offered_value: Mapped[int] = mapped_column(BigInteger)
    channel: Mapped[str] = mapped_column(String(8))
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime())


class StoreFile(Base):
    """One Parquet file of the columnar store: its partition (UTC day, device type), rows and
    time span. A compaction replaces small files by one and deletes their rows here."""

    __tablename__ = "tm_files"
    __table_args__ = (Index("ix_tm_files_partition", "day", "device_type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    path: Mapped[str] = mapped_column(String(300), unique=True)  # relative to the store root
    day: Mapped[date] = mapped_column(Date)
    device_type: Mapped[str] = mapped_column(String(32))
    rows: Mapped[int] = mapped_column(BigInteger)
    min_ts_ms: Mapped[int] = mapped_column(BigInteger)
    max_ts_ms: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DirtyHour(Base):
    """A device-hour whose readings changed since its rollup was computed (the rollup job
    recomputes exactly these and deletes them)."""

    __tablename__ = "tm_dirty_hours"

    device_id: Mapped[int] = mapped_column(ForeignKey("tm_devices.id"), primary_key=True)
    hour_ms: Mapped[int] = mapped_column(BigInteger, primary_key=True)


class RollupHour(Base):
    """The rollup of one series (device, metric) over one UTC hour (docs/telemetry-rollups.md).

    Values are in units of the metric's resolution; times are epoch ms. A row with ``readings``
    0 holds only the tail of a state that began in the hour before (its value columns null)."""

    __tablename__ = "tm_rollup_hours"
    __table_args__ = (Index("ix_tm_rollup_hours_device_hour", "device_id", "hour_ms"),)

    device_id: Mapped[int] = mapped_column(ForeignKey("tm_devices.id"), primary_key=True)
    metric_id: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    hour_ms: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    readings: Mapped[int] = mapped_column(BigInteger)
    min_value: Mapped[int | None] = mapped_column(BigInteger)
    max_value: Mapped[int | None] = mapped_column(BigInteger)
    sum_value: Mapped[int | None] = mapped_column(BigInteger)  # mean = sum_value / readings
    last_ts_ms: Mapped[int | None] = mapped_column(BigInteger)
    last_value: Mapped[int | None] = mapped_column(BigInteger)
    prev_ts_ms: Mapped[int | None] = mapped_column(BigInteger)  # the reading before the hour
    counter_use: Mapped[int | None] = mapped_column(BigInteger)  # counters only
    resets: Mapped[int] = mapped_column(default=0)
    gaps: Mapped[int] = mapped_column(default=0)
    gap_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    state_ms: Mapped[dict[str, int] | None] = mapped_column(JSON)  # state code -> ms, states only


class Command(Base):
    """A command sent down to a device (lock, unlock, set_config) and where it stands."""

    __tablename__ = "tm_commands"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # UUID, also in the payload
    device_id: Mapped[int] = mapped_column(ForeignKey("tm_devices.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(12), index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=3)
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("parties.id"))
    reason: Mapped[str] = mapped_column(String(300), default="")  # why it was sent
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    error: Mapped[str] = mapped_column(String(300), default="")


class CommandEvent(Base):
    """One step in a command's history (created, sent, retried, acked, failed, timed out)."""

    __tablename__ = "tm_command_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    command_id: Mapped[str] = mapped_column(ForeignKey("tm_commands.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(12))
    detail: Mapped[str] = mapped_column(String(300), default="")
