"""Where simulated payloads go: the MQTT broker, or CSV / Parquet files; and the fleet's
registration (identifiers and devices) so the platform accepts what is simulated."""

from __future__ import annotations

import csv
import math
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from paho.mqtt import client as mqtt
from sqlalchemy import select
from sqlalchemy.orm import Session

from chanrong.identifiers import service as identifiers
from chanrong.identifiers.models import Identifier
from chanrong.principal import Principal
from chanrong.settings import Settings
from chanrong.telemetry import service
from chanrong.telemetry.faults import Message
from chanrong.telemetry.models import Device

TELEMETRY_TOPIC = "chanrong/telemetry/{handle}"
FILE_COLUMNS = ("device", "metric", "ts", "value", "unit")
FILE_SCHEMA = pa.schema(
    [
        ("device", pa.string()),
        ("metric", pa.string()),
        ("ts", pa.int64()),
        ("value", pa.float64()),
        ("unit", pa.string()),
    ]
)
"""Columns of simulated files (CSV and Parquet alike); ``ts`` is epoch milliseconds."""


def mqtt_client(settings: Settings, client_id: str, *, clean: bool = True) -> mqtt.Client:
    """A paho client (MQTT 3.1.1) for ``settings``' broker, not yet connected; ``clean`` False
    keeps a persistent session at the broker (QoS 1 messages wait for the client)."""
    client = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2,
        client_id=client_id,
        clean_session=clean,
        protocol=mqtt.MQTTv311,
    )
    client.max_inflight_messages_set(1000)
    return client


def publish_mqtt(
    messages: Iterable[Message],
    settings: Settings,
    *,
    client_id: str = "chanrong-simulator",
    window: int = 1000,
) -> int:
    """Publish every payload to ``chanrong/telemetry/<handle>`` at QoS 1 and wait until the
    broker has acknowledged each; at most ``window`` unacknowledged at a time. Returns the
    payloads published."""
    acked = threading.Semaphore(0)
    client = mqtt_client(settings, client_id)
    client.on_publish = lambda *_: acked.release()
    client.connect(settings.mqtt_host, settings.mqtt_port, keepalive=60)
    client.loop_start()
    sent = 0
    try:
        for message in messages:
            if sent >= window:
                acked.acquire()  # keep memory bounded: wait for the oldest acknowledgement
            client.publish(TELEMETRY_TOPIC.format(handle=message.handle), message.payload(), qos=1)
            sent += 1
        for _ in range(min(sent, window)):
            acked.acquire()
    finally:
        client.disconnect()
        client.loop_stop()
    return sent


Row = tuple[str, str, int, float, str]


def write_file(messages: Iterable[Message], path: Path, *, chunk_rows: int = 200_000) -> int:
    """Write the readings of every payload to ``path``, CSV (``.csv``, NaN written ``NaN``) or
    Parquet (any other suffix), columns ``FILE_COLUMNS``, ``chunk_rows`` at a time so any size
    fits in memory. A payload that is not a list of readings has no rows to write (files carry
    only ``faults.FILE_GARBAGE``). Returns the rows written."""
    written = 0
    with _Sink(path) as sink:
        rows: list[Row] = []
        for message in messages:
            rows += [
                (message.handle, r["metric"], r["ts"], r["value"], r["unit"])
                for r in message.readings
            ]
            if len(rows) >= chunk_rows:
                written += sink.write(rows)
                rows = []
        written += sink.write(rows)
    return written


class _Sink:
    """A CSV or Parquet file taking rows in chunks."""

    def __init__(self, path: Path) -> None:
        self.csv = path.suffix.lower() == ".csv"
        if self.csv:
            self.file = open(path, "w", newline="", encoding="utf-8")  # noqa: SIM115
            self.writer = csv.writer(self.file)
            self.writer.writerow(FILE_COLUMNS)
        else:
            self.parquet = pq.ParquetWriter(path, FILE_SCHEMA, compression="zstd")

    def __enter__(self) -> _Sink:
        return self

    def __exit__(self, *_: object) -> None:
        if self.csv:
            self.file.close()
        else:
            self.parquet.close()

    def write(self, rows: Sequence[Row]) -> int:
        if self.csv:
            self.writer.writerows(
                (d, m, t, "NaN" if isinstance(v, float) and math.isnan(v) else v, u)
                for d, m, t, v, u in rows
            )
        elif rows:
            columns = dict(zip(FILE_COLUMNS, zip(*rows, strict=True), strict=True))
            columns["value"] = [float(v) for v in columns["value"]]
            self.parquet.write_table(pa.table(columns, schema=FILE_SCHEMA))
        return len(rows)


def register_fleet(
    session: Session, *, actor: Principal, devices: Sequence[tuple[str, str]]
) -> int:
    """Register the (handle, type) ``devices`` whose prefix ``actor`` owns: an identifier of
    object type device (unless it exists) and a device on it (``service.register_device``,
    recorded in the ledger). Devices already registered are left as they are. Returns how
    many were created."""
    existing = set(
        session.scalars(select(Device.handle).where(Device.handle.in_([h for h, _ in devices])))
    )
    created = 0
    for handle, device_type in devices:
        if handle in existing:
            continue
        if session.scalar(select(Identifier.id).where(Identifier.handle == handle)) is None:
            identifiers.register_identifier(
                session,
                actor=actor,
                handle=handle,
                object_type="device",
                fields=[{"name": "device_type", "type": "string", "value": device_type}],
            )
        service.register_device(
            session,
            actor=actor,
            handle=handle,
            device_type=device_type,
            name=handle.rsplit("/", 1)[-1],
        )
        created += 1
    return created
