"""The MQTT side of device commands: one process that sends due commands down to devices and
takes their acknowledgements (docs/telemetry-commands.md).

Every tick (1 s) one transaction gives up on silent commands (``expire``), publishes each due
command at QoS 1 on ``chanrong/command/<device identifier>``, waits for the broker's PUBACKs,
records the sends (``mark_sent``) and commits; if the broker does not take every message the
transaction rolls back and the next tick sends again. Acknowledgements arrive on
``chanrong/command-ack/<device identifier>`` in a persistent session with manual MQTT acks: each
is applied in its own transaction and acknowledged to the broker only after the commit, so an
answer is never lost to a crash of this process.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from datetime import UTC, datetime
from typing import Any

import orjson
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from chanrong import clock
from chanrong.db import Database
from chanrong.settings import Settings
from chanrong.telemetry import commands
from chanrong.telemetry.models import Command

log = logging.getLogger(__name__)

COMMAND_TOPIC = "chanrong/command/"
ACK_TOPIC = "chanrong/command-ack/"
PUBACK_TIMEOUT_SECONDS = 5.0
KEEPALIVE_SECONDS = 30


class BrokerUnavailable(RuntimeError):
    """The broker did not take every command of a tick; the tick's transaction rolls back."""


def command_topic(handle: str) -> str:
    """The topic a device listens on for its commands: two levels for ``prefix/suffix``."""
    return f"{COMMAND_TOPIC}{handle}"


def rfc3339(at: datetime) -> str:
    """``at`` as an RFC 3339 UTC timestamp with milliseconds, e.g. ``2025-03-01T08:00:00.000Z``."""
    return at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def command_payload(command: Command, sent_at: datetime) -> bytes:
    """The JSON a device receives: ``{"id", "kind", "params", "sent_at"}``."""
    return orjson.dumps({
        "id": command.id, "kind": command.kind, "params": command.params,
        "sent_at": rfc3339(sent_at),
    })  # fmt: skip


def parse_ack(topic: str, payload: bytes) -> tuple[str, str, bool, str] | None:
    """(device handle, command id, ok, detail) of an acknowledgement
    ``{"id": "...", "ok": true|false, "detail"?: "..."}``, or None when it is malformed."""
    if not topic.startswith(ACK_TOPIC) or len(topic) == len(ACK_TOPIC):
        return None
    try:
        body = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(body, dict):
        return None
    command_id, ok, detail = body.get("id"), body.get("ok"), body.get("detail", "")
    if not isinstance(command_id, str) or not isinstance(ok, bool) or not isinstance(detail, str):
        return None
    return topic[len(ACK_TOPIC) :], command_id, ok, detail


def _client(settings: Settings, inbox: queue.Queue[mqtt.MQTTMessage]) -> mqtt.Client:
    # A fixed client id with a persistent session: acknowledgements sent while the dispatcher is
    # down wait at the broker. Manual acks: the broker forgets an answer only once it is stored.
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2,
        client_id=f"{settings.mqtt_client_id}-commands",
        clean_session=False,
        manual_ack=True,
    )

    def on_connect(client: mqtt.Client, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        if reason.is_failure:
            log.warning("command dispatcher: broker refused the connection: %s", reason)
            return
        client.subscribe(f"{ACK_TOPIC}#", qos=1)

    def on_message(_c: mqtt.Client, _u: Any, message: mqtt.MQTTMessage) -> None:
        inbox.put(message)

    client.on_connect = on_connect
    client.on_message = on_message
    client.reconnect_delay_set(min_delay=1, max_delay=10)
    return client


def send_due(database: Database, client: mqtt.Client, settings: Settings) -> int:
    """One tick: expire silent commands, publish the due ones and record the sends, in one
    transaction committed only once the broker acknowledged every publish. Returns the number
    of commands sent."""
    with database.transaction() as session:
        now = clock.now()
        commands.expire(session, now=now)
        if not client.is_connected():
            return 0
        due = commands.pending_to_send(session, now=now)
        handles = commands.device_handles(session, (c.device_id for c in due))
        published = []
        for command in due:
            info = client.publish(
                command_topic(handles[command.device_id]), command_payload(command, now), qos=1
            )
            published.append(info)
            commands.mark_sent(session, command_id=command.id, now=now,
                               timeout_seconds=settings.command_timeout_seconds)  # fmt: skip
        for info in published:
            try:
                info.wait_for_publish(timeout=PUBACK_TIMEOUT_SECONDS)
            except (RuntimeError, ValueError) as error:
                raise BrokerUnavailable(str(error)) from error
            if not info.is_published():
                raise BrokerUnavailable("no PUBACK from the broker in time")
        return len(due)


def take_ack(database: Database, client: mqtt.Client, message: mqtt.MQTTMessage) -> None:
    """Apply one acknowledgement in its own transaction, then acknowledge it to the broker.
    A malformed one is logged and dropped (acknowledged), never retried forever."""
    parsed = parse_ack(message.topic, message.payload)
    if parsed is None:
        log.warning("command dispatcher: malformed acknowledgement on %s: %r",
                    message.topic, message.payload[:200])  # fmt: skip
    else:
        handle, command_id, ok, detail = parsed
        with database.transaction() as session:
            found = commands.acknowledge(session, command_id=command_id, ok=ok, detail=detail,
                                         now=clock.now(), handle=handle)  # fmt: skip
        if found is None:
            log.warning("command dispatcher: %s answered unknown command %s", handle, command_id)
    client.ack(message.mid, message.qos)


def run_dispatcher(
    *, stop_event: threading.Event, settings: Settings, database: Database,
    tick_seconds: float = 1.0,
) -> None:  # fmt: skip
    """Send commands and take acknowledgements until ``stop_event`` is set (every
    ``tick_seconds`` a send round; acknowledgements as they arrive). Reconnects by itself."""
    inbox: queue.Queue[mqtt.MQTTMessage] = queue.Queue()
    client = _client(settings, inbox)
    client.connect_async(settings.mqtt_host, settings.mqtt_port, keepalive=KEEPALIVE_SECONDS)
    client.loop_start()
    try:
        next_tick = time.monotonic()
        while not stop_event.is_set():
            wait = next_tick - time.monotonic()
            if wait > 0:
                try:
                    message = inbox.get(timeout=wait)
                except queue.Empty:
                    continue
                _guarded(take_ack, database, client, message)
                continue
            _guarded(send_due, database, client, settings)
            next_tick = time.monotonic() + tick_seconds
    finally:
        client.disconnect()
        client.loop_stop()


def _guarded(step: Any, *args: Any) -> None:
    # One failed round (broker gone, database busy) must not end the process: the state in the
    # database is unchanged by the rollback and the next round tries again.
    try:
        step(*args)
    except Exception:
        log.exception("command dispatcher: %s failed; trying again next round", step.__name__)
