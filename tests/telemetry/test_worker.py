"""The ingest worker against the real broker on 127.0.0.1:1883: what ``mosquitto_pub``
publishes at QoS 1 is stored, counted once, and bad payloads are quarantined, not fatal."""

from __future__ import annotations

import subprocess
import threading
import uuid

import orjson
import pytest
from paho.mqtt import client as mqtt
from sqlalchemy import func, select

from chanrong import clock
from chanrong import db as db_module
from chanrong.settings import Settings
from chanrong.telemetry.models import QuarantinedReading
from chanrong.telemetry.payloads import topic_of
from chanrong.telemetry.worker import WorkerStats, run_worker
from tests.telemetry.conftest import Site, wait_for

MESSAGES = 200
PER_MESSAGE = 20


def _quarantined(url: str, handle: str) -> dict[str, int]:
    database = db_module.Database(url)
    try:
        with database.transaction(write=False) as session:
            query = (
                select(QuarantinedReading.reason, func.count())
                .where(QuarantinedReading.device == handle)
                .group_by(QuarantinedReading.reason)
            )
            return dict(session.execute(query).all())
    finally:
        database.dispose()


def _end_session(client_id: str) -> None:
    """Drop the worker's persistent session from the shared broker (a clean start ends it)."""
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id,
                         protocol=mqtt.MQTTv5)  # fmt: skip
    client.connect("127.0.0.1", 1883, clean_start=True)
    client.loop_start()
    wait_for(client.is_connected, 10)
    client.disconnect()
    client.loop_stop()


def test_worker_stores_what_the_broker_delivers(site: Site) -> None:
    settings = Settings(
        data_dir=site.data_dir, database_url=site.url, telemetry_dir=site.telemetry_dir,
        mqtt_host="127.0.0.1", mqtt_port=1883, mqtt_client_id=site.client_id,
    )  # fmt: skip
    stop = threading.Event()
    subscribed = threading.Event()
    done: list[WorkerStats] = []
    # A group of its own, so that no other ingest worker on the shared broker takes a share.
    group = f"test-{uuid.uuid4().hex[:8]}"
    worker = threading.Thread(target=lambda: done.append(run_worker(
        1, stop_event=stop, settings=settings, share_group=group,
        on_subscribed=subscribed.set)), daemon=True)  # fmt: skip
    worker.start()
    try:
        assert subscribed.wait(30)
        start = int(clock.now().timestamp() * 1000) - 600_000
        handle = site.handles[0]
        lines = [orjson.dumps([{"metric": "stitches", "ts": start + (i * PER_MESSAGE + j) * 10,
                                "value": i * PER_MESSAGE + j, "unit": "1"}
                               for j in range(PER_MESSAGE)]) for i in range(MESSAGES)]  # fmt: skip
        lines.append(b'[{"metric":"stitches","ts":' + str(start).encode() + b',"value":NaN}]')
        lines.append(b"not json")
        subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", "1883", "-q", "1",
                        "-t", topic_of(handle), "-l"],
                       input=b"\n".join(lines) + b"\n", check=True, timeout=60)  # fmt: skip
        sent = MESSAGES * PER_MESSAGE
        assert wait_for(lambda: site.counts() == (sent, sent, sent)), site.counts()
        expected = {"non-finite": 1, "malformed-payload": 1}
        assert wait_for(lambda: _quarantined(site.url, handle) == expected)
    finally:
        stop.set()
        worker.join(30)
        _end_session(f"{site.client_id}-1")
    (stats,) = done
    # Others may publish on the shared broker too (their devices are unknown here).
    assert stats.messages >= MESSAGES + 2 and stats.report.balanced


def test_a_message_the_ingest_cannot_take_is_quarantined_not_retried_forever(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chanrong.telemetry import worker as worker_module

    real = worker_module.ingest_batch

    def failing(session, store, batch):  # type: ignore[no-untyped-def]
        if "88.1001.12/POISON" in batch.table.column("device").to_pylist():
            raise IndexError("index 0 is out of bounds")
        return real(session, store, batch)

    monkeypatch.setattr(worker_module, "ingest_batch", failing)
    monkeypatch.setattr(worker_module, "RETRY_SECONDS", 0)
    now = int(clock.now().timestamp() * 1000)
    messages = [
        worker_module._Message(topic_of(handle), orjson.dumps(
            {"metric": "stitches", "ts": now - 1000, "value": 1}), mid, 1, 1)
        for mid, handle in enumerate([site.handles[0], "88.1001.12/POISON", site.handles[1]], 1)
    ]  # fmt: skip
    stats = WorkerStats(number=1)
    database = db_module.Database(site.url)
    store = worker_module.ParquetStore(site.telemetry_dir)
    worker_module._ingest_until_done(database, store, messages, threading.Event(), stats)
    database.dispose()
    assert stats.report.stored == 2
    assert stats.report.quarantined == {"malformed-payload": 1} and stats.report.balanced
    assert _quarantined(site.url, "88.1001.12/POISON") == {"malformed-payload": 1}
