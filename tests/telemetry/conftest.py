"""Fixtures for ingest tests that commit: a site (a fresh database of each backend with
registered devices, a telemetry directory, worker subprocesses pointed at it), a private
Mosquitto with persistence that a test may kill and restart, and a QoS 1 publisher."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import orjson
import pytest
from paho.mqtt import client as mqtt
from sqlalchemy import func, select

from chanrong import db as db_module
from chanrong.telemetry.models import SeriesState
from chanrong.telemetry.payloads import topic_of
from chanrong.telemetry.store import ParquetStore
from tests.factories import create_device, create_device_owner

MOSQUITTO = "/usr/sbin/mosquitto"
WAIT_SECONDS = 30


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(condition: Callable[[], bool], seconds: float = WAIT_SECONDS) -> bool:
    """Poll ``condition`` until it holds or ``seconds`` pass; whether it held."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


@dataclass
class Broker:
    """A private Mosquitto on ``port`` keeping its persistence file in ``directory``."""

    port: int
    directory: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start it (again, with the same persistence) and wait until it accepts connections."""
        config = self.directory / "mosquitto.conf"
        config.write_text(
            f"listener {self.port} 127.0.0.1\nallow_anonymous true\nuser root\n"
            f"persistence true\npersistence_location {self.directory}/\n"
            "max_queued_messages 0\nautosave_interval 1800\n"
            f"log_dest file {self.directory}/mosquitto.log\n"
        )
        self.process = subprocess.Popen([MOSQUITTO, "-c", str(config)])

        def listening() -> bool:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return True
            except OSError:
                return False

        assert wait_for(listening, 10), "the private broker did not start"

    def stop(self) -> None:
        """Stop it as a service manager would (SIGTERM: it writes its persistence file)."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(10)
        self.process = None


@pytest.fixture
def private_broker(tmp_path: Path) -> Iterator[Broker]:
    """A private Mosquitto with persistence in a temporary directory."""
    directory = tmp_path / "broker"
    directory.mkdir()
    broker = Broker(free_port(), directory)
    broker.start()
    try:
        yield broker
    finally:
        if broker.process is not None:
            broker.process.kill()
            broker.process.wait()


@dataclass
class Site:
    """A committed database with ``handles`` registered (sewing machines) and a store."""

    url: str
    data_dir: Path
    handles: list[str]
    client_id: str = field(default_factory=lambda: f"test-ingest-{uuid.uuid4().hex[:8]}")
    workers: list[Worker] = field(default_factory=list)

    @property
    def telemetry_dir(self) -> Path:
        return self.data_dir / "telemetry"

    def env(self, port: int) -> dict[str, str]:
        return os.environ | {
            "CHANRONG_DATABASE_URL": self.url,
            "CHANRONG_DATA_DIR": str(self.data_dir),
            "CHANRONG_TELEMETRY_DIR": str(self.telemetry_dir),
            "CHANRONG_MQTT_HOST": "127.0.0.1",
            "CHANRONG_MQTT_PORT": str(port),
            "CHANRONG_MQTT_CLIENT_ID": self.client_id,
            "COLUMNS": "200",
        }

    def start_worker(self, number: int, port: int) -> Worker:
        """``chanrong telemetry worker --number N`` in a subprocess, once it has subscribed."""
        command = [sys.executable, "-c", "from chanrong.cli import main; main()",
                   "telemetry", "worker", "--number", str(number)]  # fmt: skip
        process = subprocess.Popen(
            command, env=self.env(port), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        worker = Worker(process)
        self.workers.append(worker)
        assert wait_for(worker.subscribed, 60), worker.output()
        return worker

    def counts(self) -> tuple[int, int, int]:
        """(rows in the store, distinct keys among them, readings in the series state)."""
        database = db_module.Database(self.url)
        try:
            with database.transaction(write=False) as session:
                store = ParquetStore(self.telemetry_dir)
                rows, keys = store.query(session, "SELECT count(*), count(DISTINCT "
                                         "(device_id, metric_id, ts_ms)) FROM readings").to_pylist()[0].values()  # fmt: skip
                series = session.scalar(select(func.coalesce(func.sum(SeriesState.readings), 0)))
                return int(rows), int(keys), int(series or 0)
        finally:
            database.dispose()


class Worker:
    """A worker subprocess and the lines it printed (read by a thread as they come)."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)

    def output(self) -> str:
        return "".join(self.lines)

    def subscribed(self) -> bool:
        return "subscribed to" in self.output()

    def kill(self) -> None:
        """SIGKILL: no chance to finish or acknowledge anything."""
        self.process.kill()
        self.process.wait()

    def stop(self) -> str:
        """SIGTERM, wait for it to finish, and return what it printed."""
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(30)
        self.reader.join(5)
        return self.output()


def messages_taken(output: str) -> int:
    """The messages a worker's final throughput line reports."""
    found = re.findall(r"worker \d+: ([\d,]+) messages", output)
    assert found, output
    return int(found[-1].replace(",", ""))


@pytest.fixture
def site(fresh_database_url: str, tmp_path: Path) -> Iterator[Site]:
    """A migrated database (SQLite file, or PostgreSQL) with three registered devices."""
    database = db_module.Database(fresh_database_url)
    db_module.upgrade(database)
    with database.transaction() as session:
        owner, prefix = create_device_owner(session)
        handles = [create_device(session, owner, prefix, suffix=f"SM-{1000 + i}").handle
                   for i in range(1, 4)]  # fmt: skip
    database.dispose()
    made = Site(fresh_database_url, tmp_path / "data", handles)
    try:
        yield made
    finally:
        for worker in made.workers:
            if worker.process.poll() is None:
                worker.kill()


class Publisher:
    """A QoS 1 publisher with a persistent session that rides out broker restarts (paho sends
    unacknowledged messages again after reconnecting); ``wait_all`` waits for every PUBACK."""

    def __init__(self, port: int) -> None:
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2,
                                  client_id=f"test-pub-{uuid.uuid4().hex[:8]}", clean_session=False)  # fmt: skip
        # Devices back off longer than the ingest worker (worker.RECONNECT_MAX_SECONDS):
        # Mosquitto 2.0 loses shared subscriptions over a restart, so readings published
        # before a worker has subscribed again would be dropped by the broker.
        self.client.reconnect_delay_set(3, 6)
        self.sent: list[tuple[int, int]] = []  # (mid, readings)
        self.acked: set[int] = set()
        self.client.on_publish = lambda _c, _u, mid, _r, _p: self.acked.add(mid)
        self.client.connect("127.0.0.1", port, keepalive=10)
        self.client.loop_start()

    def publish(self, handle: str, readings: list[dict[str, object]]) -> None:
        wait_for(self.client.is_connected)  # a device holds its readings while it is offline
        info = self.client.publish(topic_of(handle), orjson.dumps(readings), qos=1)
        self.sent.append((info.mid, len(readings)))

    def wait_all(self, seconds: float = WAIT_SECONDS) -> int:
        """Wait until the broker acknowledged every message; the readings they held."""
        assert wait_for(lambda: all(mid in self.acked for mid, _n in self.sent), seconds)
        return sum(n for _mid, n in self.sent)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def stream(
    publisher: Publisher,
    handles: list[str],
    *,
    messages: int,
    per_message: int,
    start_ms: int,
    pause: float = 0.005,
) -> threading.Thread:
    """Publish ``messages`` payloads of ``per_message`` stitches readings, round the devices,
    with increasing timestamps and counts, in a thread (started)."""

    def run() -> None:
        for i in range(messages):
            base = i * per_message
            readings = [{"metric": "stitches", "ts": start_ms + (base + j) * 10, "value": base + j}
                        for j in range(per_message)]  # fmt: skip
            publisher.publish(handles[i % len(handles)], readings)
            time.sleep(pause)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread
