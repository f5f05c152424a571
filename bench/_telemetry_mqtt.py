"""The MQTT part of ``bench/telemetry.py``: ingest workers as subprocesses, Debian's
``mosquitto_pub -l`` publishers as the load, and the clean-up of the workers' persistent
sessions on the shared broker.

Run as a script (``_telemetry_mqtt.py worker N GROUP``) it is one ingest worker: the project's
``worker.run_worker`` with a share group of its own, so that no other consumer of the shared
broker's ``$share/chanrong-ingest/...`` takes the benchmark's messages.
"""

from __future__ import annotations

import logging
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import orjson
from paho.mqtt import client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from sqlalchemy import func, select

from _common import LOOPBACK, Process, clean_env
from chanrong import db as db_module
from chanrong.telemetry.models import QuarantinedReading, SeriesState
from chanrong.telemetry.payloads import topic_of

BROKER_PORT = 1883
PUBLISH_INFLIGHT = 500  # mosquitto_pub -M: QoS 1 messages in flight per publisher
STORED_TIMEOUT_S = 60.0
FEED_TICK_S = 0.005


class Worker(Process):
    """An ingest worker subprocess (``name`` is its MQTT client id); stopping it gives it time
    to finish the batch in hand."""

    def stop(self, grace_seconds: float = 20.0) -> None:
        super().stop(grace_seconds)


def worker_env(url: str, telemetry_dir: Path, data_dir: Path, client_prefix: str) -> dict[str, str]:
    """The environment of the benchmark's ingest workers."""
    env = clean_env()
    env.update(
        CHANRONG_DATABASE_URL=url,
        CHANRONG_DATA_DIR=str(data_dir),
        CHANRONG_TELEMETRY_DIR=str(telemetry_dir),
        CHANRONG_MQTT_HOST=LOOPBACK,
        CHANRONG_MQTT_PORT=str(BROKER_PORT),
        CHANRONG_MQTT_CLIENT_ID=client_prefix,
    )
    return env


def start_workers(
    count: int, *, env: dict[str, str], group: str, workdir: Path, timeout: float = 60.0
) -> list[Worker]:
    """``count`` workers of share group ``group``, once each has subscribed."""
    workers = []
    try:
        for n in range(1, count + 1):
            log = workdir / f"worker-{group}-{n}.log"
            with log.open("wb") as out:
                proc = subprocess.Popen(
                    [sys.executable, __file__, "worker", str(n), group],
                    env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                    start_new_session=True,
                )  # fmt: skip
            workers.append(Worker(f"{env['CHANRONG_MQTT_CLIENT_ID']}-{n}", proc, log))
        deadline = time.monotonic() + timeout
        for worker in workers:
            while "subscribed to" not in worker.output():
                if worker.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"worker did not subscribe:\n{worker.output()[-3000:]}")
                time.sleep(0.05)
    except BaseException:
        for worker in workers:
            worker.stop()
        raise
    return workers


def forget_sessions(client_ids: list[str]) -> None:
    """Delete the workers' persistent sessions (and their queues) from the shared broker:
    connect once more with a clean start and a session that expires on disconnect."""
    for client_id in client_ids:
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id,
                             protocol=mqtt.MQTTv5)  # fmt: skip
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = 0
        try:
            client.connect(LOOPBACK, BROKER_PORT, clean_start=True, properties=properties)
            client.loop_start()
            deadline = time.monotonic() + 5
            while not client.is_connected() and time.monotonic() < deadline:
                time.sleep(0.02)
            client.disconnect()
            client.loop_stop()
        except OSError:
            pass


def payload_lines(
    readings_per_message: int, messages: int, start_ms: int, metrics: tuple[str, ...]
) -> bytes:
    """``messages`` lines for ``mosquitto_pub -l``, each a JSON array (or, for one reading, an
    object) of readings of one device: metrics in turn, one timestamp per round of metrics,
    counter values rising with time."""
    per_ts = len(metrics)
    lines = []
    k = 0
    for _ in range(messages):
        items = []
        for _ in range(readings_per_message):
            step, m = divmod(k, per_ts)
            value = 1 if metrics[m] == "power_state" else step * 7  # a state: on
            items.append({"metric": metrics[m], "ts": start_ms + step * 1000, "value": value})
            k += 1
        lines.append(orjson.dumps(items[0] if readings_per_message == 1 else items))
    return b"\n".join(lines) + b"\n"


def publish(
    handles: list[str], payloads: list[bytes], run: str, *, rate: float
) -> list[subprocess.Popen[bytes]]:
    """Start one ``mosquitto_pub -l -q 1`` per device, each fed its payload lines on stdin at
    ``rate`` lines (messages) per second in all, spread evenly over the publishers."""
    tool = shutil.which("mosquitto_pub")
    if tool is None:
        raise FileNotFoundError("mosquitto_pub missing: apt-get install -y mosquitto-clients")
    procs = []
    for i, handle in enumerate(handles):
        proc = subprocess.Popen(
            [tool, "-h", LOOPBACK, "-p", str(BROKER_PORT), "-q", "1", "-l",
             "-M", str(PUBLISH_INFLIGHT), "-i", f"{run}-pub-{i}", "-t", topic_of(handle)],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        procs.append(proc)
    feeder = threading.Thread(
        target=_feed,
        args=(procs, [p.splitlines(keepends=True) for p in payloads], rate),
        daemon=True,
    )
    feeder.start()
    return procs


def _feed(procs: list[subprocess.Popen[bytes]], lines: list[list[bytes]], rate: float) -> None:
    """Write each publisher its lines, paced: at every tick, the lines due by then. Unpaced,
    the publishers outrun any subscriber and Mosquitto drops what queues up beyond
    ``max_queued_messages`` (1000 by default), QoS 1 or not."""
    per_second = rate / len(procs)
    started = time.perf_counter()
    sent = [0] * len(procs)
    while any(n < len(ls) for n, ls in zip(sent, lines, strict=True)):
        due = int((time.perf_counter() - started) * per_second) + 1
        for i, (proc, ls) in enumerate(zip(procs, lines, strict=True)):
            if sent[i] < min(due, len(ls)):
                chunk = b"".join(ls[sent[i] : min(due, len(ls))])
                assert proc.stdin is not None
                proc.stdin.write(chunk)
                proc.stdin.flush()
                sent[i] = min(due, len(ls))
        time.sleep(FEED_TICK_S)
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.close()


def stored_counts(
    database: db_module.Database, device_ids: list[int], handles: list[str]
) -> tuple[int, int, int]:
    """(readings stored, duplicates seen, readings quarantined) of the devices ``device_ids``
    (whose handles are ``handles``)."""
    with database.transaction(write=False) as session:
        stored, dups = session.execute(
            select(func.coalesce(func.sum(SeriesState.readings), 0),
                   func.coalesce(func.sum(SeriesState.duplicates), 0))
            .where(SeriesState.device_id.in_(device_ids))
        ).one()  # fmt: skip
        quarantined = session.scalar(
            select(func.count()).where(QuarantinedReading.device.in_(handles))
        )
    return int(stored), int(dups), int(quarantined or 0)


def wait_stored(
    database: db_module.Database,
    device_ids: list[int],
    handles: list[str],
    expected: int,
    started: float,
) -> tuple[float | None, tuple[int, int, int]]:
    """Seconds from ``started`` until ``expected`` readings of ``device_ids`` are stored (None
    on timeout) and the final counts."""
    deadline = time.perf_counter() + STORED_TIMEOUT_S
    while True:
        counts = stored_counts(database, device_ids, handles)
        now = time.perf_counter()
        if counts[0] >= expected:
            return now - started, counts
        if now > deadline:
            return None, counts
        time.sleep(0.05)


def _run_worker(number: int, group: str) -> None:
    """One ingest worker of ``group`` until SIGTERM (the project's ``run_worker``)."""
    from chanrong.settings import get_settings
    from chanrong.telemetry.worker import run_worker

    logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(message)s")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stats = run_worker(number, stop_event=stop, settings=get_settings(), share_group=group)
    print(f"worker {number}: {stats.messages} messages, {stats.report.as_dict()}", flush=True)


if __name__ == "__main__" and sys.argv[1:2] == ["worker"]:
    _run_worker(int(sys.argv[2]), sys.argv[3])
