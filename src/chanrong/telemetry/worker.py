"""The MQTT ingest worker: readings from the broker into the store, each counted once.

Worker ``n`` connects as ``<mqtt_client_id>-<n>`` with a persistent session (MQTT v5,
``clean_start`` false, a session that never expires) and subscribes at QoS 1 to the shared
subscription ``$share/chanrong-ingest/chanrong/telemetry/#``, so that N workers split the
stream. Acknowledgements are manual: messages are gathered (up to ``max_messages`` or
``max_wait_ms``), parsed into one batch, ingested in one database transaction, committed, and
only then acknowledged. A worker killed between receipt and commit has acknowledged nothing of
that batch, so the broker delivers it again and the store's key (device, metric, ts) counts it
once. docs/telemetry-ingest.md describes the worker and how it scales out.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

from chanrong import clock
from chanrong.db import Database
from chanrong.settings import Settings
from chanrong.telemetry.batch import IngestReport
from chanrong.telemetry.ingest import ingest_batch
from chanrong.telemetry.models import QuarantinedReading
from chanrong.telemetry.payloads import SHARE_GROUP, TOPIC_PREFIX, Readings, device_of
from chanrong.telemetry.store import ParquetStore

log = logging.getLogger(__name__)

SESSION_EXPIRY_SECONDS = 0xFFFFFFFF
"""MQTT v5's "never expires": the broker keeps the worker's session and queue while it is away."""
RECEIVE_MAXIMUM = 65535
"""Unacknowledged messages the broker may have in flight to a worker (the MQTT v5 maximum): a
batch waits for its commit before it is acknowledged, so the window must hold whole batches."""
KEEPALIVE_SECONDS = 30
RECONNECT_MIN_SECONDS = 0.25
RECONNECT_MAX_SECONDS = 2
RETRY_SECONDS = 1.0
SWITCH_INTERVAL_SECONDS = 0.0005
"""Longest a thread keeps the GIL while another waits for it (Python's default: 5 ms). The
network thread waits for it after every socket read while the ingest thread works; at the
default it fell behind a burst, the broker's queue for the worker filled and Mosquitto dropped
messages (``max_queued_messages``)."""
WHOLE_BATCH_ATTEMPTS = 3
"""Attempts at a batch as a whole before it is ingested message by message."""


@dataclass
class WorkerStats:
    """What a worker has done since it started: messages and the ingest reports' sums."""

    number: int
    started: float = field(default_factory=time.monotonic)
    messages: int = 0
    batches: int = 0
    connects: int = 0
    report: IngestReport = field(default_factory=IngestReport)

    def rate(self) -> float:
        """Readings received per second since the start."""
        return self.report.received / max(time.monotonic() - self.started, 1e-9)


_READ_BYTES = 1 << 16
_READ_BURST = 1_000


class _Client(mqtt.Client):
    """paho's client with cheaper reads and acknowledgements, for thousands of messages a
    second. paho reads a packet in three or more ``recv`` calls and one packet per
    ``select``, and wakes its loop with a ``send`` per queued PUBACK: every such system call
    lets go of the GIL, which the ingest thread then keeps for up to the switch interval, so
    the network thread fell behind and the broker dropped what queued up for the worker
    (Mosquitto's ``max_queued_messages``). Here the socket is read 64 KiB at a time, a loop
    turn handles up to ``_READ_BURST`` packets (and all that is buffered), and ``ack_many``
    wakes the loop once."""

    _buffer: bytes = b""
    _at = 0
    _buffered_sock: object = None

    def _sock_recv(self, bufsize: int) -> bytes:
        if self._buffered_sock is not self._sock:  # a new connection: nothing buffered
            self._buffered_sock, self._buffer, self._at = self._sock, b"", 0
        if self._at >= len(self._buffer):
            self._buffer, self._at = super()._sock_recv(_READ_BYTES), 0
            if not self._buffer:
                return b""  # the connection closed
        chunk = self._buffer[self._at : self._at + bufsize]
        self._at += len(chunk)
        return chunk

    def loop_read(self, max_packets: int = 1) -> MQTTErrorCode:
        # Stop after a burst (so acknowledgements and keepalives go out) only with nothing
        # buffered: select() cannot see bytes already read from the socket.
        count = 0
        while True:
            if self._sock is None:
                return MQTTErrorCode.MQTT_ERR_NO_CONN
            rc = self._packet_read()
            if rc > 0:
                return self._loop_rc_handle(rc)
            if rc == MQTTErrorCode.MQTT_ERR_AGAIN:
                return MQTTErrorCode.MQTT_ERR_SUCCESS
            count += 1
            if count >= _READ_BURST and self._at >= len(self._buffer):
                return MQTTErrorCode.MQTT_ERR_SUCCESS

    # Set by the worker: takes (topic, payload, mid) of a QoS 1 PUBLISH without properties.
    on_plain_publish: Callable[[str, bytes, int], None] | None = None

    def _handle_publish(self) -> MQTTErrorCode:
        # The common PUBLISH (QoS 1, valid UTF-8 topic, no MQTT v5 properties) read directly:
        # paho's Properties and MQTTMessage objects cost more than the rest of the ingest of a
        # single-reading message. Anything else takes paho's way. (Acknowledged by the worker,
        # after its commit: the client runs with manual_ack.)
        packet, handler = self._in_packet["packet"], self.on_plain_publish
        if handler is not None and (self._in_packet["command"] & 0x06) >> 1 == 1:
            end = 2 + int.from_bytes(packet[:2], "big")
            if len(packet) > end + 2 and packet[end + 2] == 0 and end > 2:
                try:
                    topic = packet[2:end].decode("utf-8")
                except UnicodeDecodeError:
                    return super()._handle_publish()
                handler(
                    topic, bytes(packet[end + 3 :]), int.from_bytes(packet[end : end + 2], "big")
                )
                return MQTTErrorCode.MQTT_ERR_SUCCESS
        return super()._handle_publish()

    def ack_many(self, mids: list[tuple[int, int]]) -> None:
        """Queue the PUBACKs of (mid, qos) pairs and wake the network loop once."""
        wake, self._sockpairW = self._sockpairW, None
        try:
            for mid, qos in mids:
                self.ack(mid, qos)
        finally:
            self._sockpairW = wake
        if wake is not None:
            with contextlib.suppress(BlockingIOError):  # the loop has wake-ups pending already
                wake.send(b"0")


@dataclass(frozen=True)
class _Message:
    topic: str
    payload: bytes
    mid: int
    qos: int
    generation: int  # the connection it came on: a mid means nothing on another one


class _Link:
    """The paho client, the messages it received and the connection generation."""

    def __init__(
        self,
        n: int,
        settings: Settings,
        max_messages: int,
        share_group: str,
        on_subscribed: Callable[[], None] | None,
    ) -> None:
        self.on_subscribed = on_subscribed
        self.subscription = f"$share/{share_group}/{TOPIC_PREFIX}#"
        self.inbox: deque[_Message] = deque()
        self.full = threading.Event()
        self.lock = threading.Lock()
        self.generation = 0
        self.max_messages = max_messages
        self.client = _Client(
            CallbackAPIVersion.VERSION2,
            client_id=f"{settings.mqtt_client_id}-{n}",
            protocol=mqtt.MQTTv5,
            manual_ack=True,
        )
        # Back soon after a broker restart: Mosquitto 2.0 does not restore shared subscriptions
        # from its persistence, so until a worker subscribes again nothing takes new readings
        # (docs/telemetry-ingest.md, "Broker restarts").
        self.client.reconnect_delay_set(
            min_delay=RECONNECT_MIN_SECONDS, max_delay=RECONNECT_MAX_SECONDS
        )
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.client.on_plain_publish = self._on_plain_publish
        self.client.on_subscribe = self._on_subscribe

    def _on_connect(
        self, client: mqtt.Client, _u: object, _f: object, reason: object, _p: object
    ) -> None:
        if getattr(reason, "is_failure", False):
            log.warning("broker refused the connection: %s", reason)
            return
        with self.lock:
            self.generation += 1
        client.subscribe(self.subscription, options=SubscribeOptions(qos=1))

    def _on_subscribe(
        self, _c: mqtt.Client, _u: object, _m: int, reasons: list, _p: object
    ) -> None:
        log.info("connected (%d), subscribed to %s: %s", self.generation, self.subscription,
                 ", ".join(str(r) for r in reasons))  # fmt: skip
        if self.on_subscribed is not None:
            self.on_subscribed()

    def _on_message(self, _c: mqtt.Client, _u: object, message: mqtt.MQTTMessage) -> None:
        self.inbox.append(
            _Message(message.topic, message.payload, message.mid, message.qos, self.generation)
        )
        if len(self.inbox) >= self.max_messages:
            self.full.set()

    def _on_plain_publish(self, topic: str, payload: bytes, mid: int) -> None:
        self.inbox.append(_Message(topic, payload, mid, 1, self.generation))
        if len(self.inbox) >= self.max_messages:
            self.full.set()

    def connect(self, settings: Settings) -> None:
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = SESSION_EXPIRY_SECONDS
        properties.ReceiveMaximum = RECEIVE_MAXIMUM
        self.client.connect_async(
            settings.mqtt_host, settings.mqtt_port, keepalive=KEEPALIVE_SECONDS,
            clean_start=False, properties=properties,
        )  # fmt: skip
        self.client.loop_start()

    def take(self) -> list[_Message]:
        taken: list[_Message] = []
        while self.inbox and len(taken) < self.max_messages:
            taken.append(self.inbox.popleft())
        self.full.clear()
        return taken

    def ack(self, messages: list[_Message]) -> None:
        """Acknowledge committed messages, in the order received; those of an earlier
        connection are left alone (the broker sends them again, and they count once)."""
        with self.lock:
            self.client.ack_many(
                [(m.mid, m.qos) for m in messages if m.qos and m.generation == self.generation]
            )

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def ingest_messages(
    database: Database, store: ParquetStore, messages: list[_Message]
) -> IngestReport:
    """Parse ``messages`` into one batch and ingest it in one committed transaction."""
    readings = Readings()
    for m in messages:
        readings.add_message(m.topic, m.payload)
    topics = {m.topic for m in messages}
    source = topics.pop() if len(topics) == 1 else f"{TOPIC_PREFIX}#"
    batch = readings.build("mqtt", source)
    with database.transaction() as session:
        return ingest_batch(session, store, batch)


def run_worker(
    n: int,
    *,
    stop_event: threading.Event,
    settings: Settings,
    database: Database | None = None,
    max_messages: int = 5_000,
    max_wait_ms: int = 200,
    on_progress: Callable[[WorkerStats], None] | None = None,
    progress_seconds: float = 5.0,
    share_group: str = SHARE_GROUP,
    on_subscribed: Callable[[], None] | None = None,
) -> WorkerStats:
    """Run ingest worker ``n`` until ``stop_event`` is set, then finish the batch in hand and
    disconnect. A batch is at most ``max_messages`` messages or what arrived within
    ``max_wait_ms`` of waiting; ``on_progress`` gets the stats every ``progress_seconds``.
    Workers of one ``share_group`` split the stream (another group gets its own copy);
    ``on_subscribed`` is called each time the subscription is confirmed. A
    failed ingest (the database away) is retried with the same messages, still unacknowledged;
    a lost broker is reconnected to by paho, and the persistent session resumes."""
    database = database or Database(settings.resolved_database_url())
    store = ParquetStore(settings.resolved_telemetry_dir())
    link = _Link(n, settings, max_messages, share_group, on_subscribed)
    stats = WorkerStats(number=n)
    sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_INTERVAL_SECONDS))
    # pyarrow imports pandas on its first array (about 0.5 s): pay that before messages wait.
    Readings().build("mqtt", TOPIC_PREFIX)
    link.connect(settings)
    last_progress = last_take = time.monotonic()
    try:
        while not stop_event.is_set():
            # Wait out what is left of the batch window since the last take: messages kept
            # arriving while the last batch was ingested.
            left = last_take + max_wait_ms / 1000 - time.monotonic()
            if left > 0 and not link.full.is_set():
                link.full.wait(left)
            messages = link.take()
            last_take = time.monotonic()
            if messages:
                _ingest_until_done(database, store, messages, stop_event, stats)
                link.ack(messages)
            stats.connects = link.generation
            if on_progress is not None and time.monotonic() - last_progress >= progress_seconds:
                on_progress(stats)
                last_progress = time.monotonic()
    finally:
        link.close()
    return stats


def _ingest_until_done(
    database: Database,
    store: ParquetStore,
    messages: list[_Message],
    stop_event: threading.Event,
    stats: WorkerStats,
) -> None:
    failures = 0
    while True:
        try:
            if failures < WHOLE_BATCH_ATTEMPTS:
                report = ingest_messages(database, store, messages)
            else:
                report = _one_by_one(database, store, messages)
        except Exception:
            # Never acknowledged, so never lost: try again unless told to stop (the broker
            # then delivers these messages again to whoever consumes the session).
            failures += 1
            log.exception("ingest of %d messages failed (%d); retrying", len(messages), failures)
            if stop_event.wait(RETRY_SECONDS):
                raise
            continue
        stats.messages += len(messages)
        stats.batches += 1
        stats.report.add(report)
        return


def _one_by_one(database: Database, store: ParquetStore, messages: list[_Message]) -> IngestReport:
    """Ingest a batch that keeps failing message by message, so that one message the ingest
    cannot take (a bug, not bad input: bad input is quarantined) does not hold up the stream:
    it is quarantined as it came, with the error. Raises when even that cannot be written
    (the database is away), so the batch stays unacknowledged."""
    report = IngestReport()
    for m in messages:
        try:
            report.add(ingest_messages(database, store, [m]))
        except Exception as error:
            log.exception("message on %s could not be ingested; quarantined", m.topic)
            with database.transaction() as session:
                session.add(QuarantinedReading(
                    received_at=clock.now(), channel="mqtt", source=m.topic[:300],
                    device=(device_of(m.topic) or "")[:200], reason="malformed-payload",
                    detail=f"ingest failed: {type(error).__name__}: {error}"[:300],
                    payload=m.payload[:8000].decode("utf-8", errors="replace")[:2000],
                ))  # fmt: skip
            report.add(IngestReport(received=1, quarantined=Counter({"malformed-payload": 1})))
    return report
