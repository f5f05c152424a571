"""The command dispatcher against the real broker on 127.0.0.1:1883: a command reaches a device
that answers, and one nobody answers is retried, then given up."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import orjson
import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import select

from chanrong.db import Database, upgrade
from chanrong.principal import Principal
from chanrong.settings import Settings
from chanrong.telemetry import commands
from chanrong.telemetry.dispatcher import parse_ack, run_dispatcher
from chanrong.telemetry.models import Command, CommandEvent, Device
from tests.factories import create_device, create_device_owner

BROKER = ("127.0.0.1", 1883)
PATIENCE_SECONDS = 30  # an upper bound against hanging, not a speed requirement


@pytest.fixture
def world(fresh_database_url: str, tmp_path: Path) -> Iterator[tuple[Database, Settings, str]]:
    """A migrated database holding one device (with a handle no other test uses on the shared
    broker), settings with a client id of its own, and the device's handle."""
    database = Database(fresh_database_url)
    upgrade(database)
    with database.transaction() as session:
        owner, prefix = create_device_owner(session)
        handle = create_device(session, owner, prefix, suffix=f"CMD-{uuid.uuid4().hex[:10]}").handle
    settings = Settings(data_dir=tmp_path, database_url=fresh_database_url,
                        mqtt_client_id=f"test-{uuid.uuid4().hex[:12]}")  # fmt: skip
    yield database, settings, handle
    _forget_session(f"{settings.mqtt_client_id}-commands")
    database.dispose()


def _forget_session(client_id: str) -> None:
    # The dispatcher keeps a persistent session at the broker; a clean connect removes it.
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=True)
    client.connect(*BROKER)
    client.disconnect()


def _device(handle: str, answer: bool) -> tuple[mqtt.Client, list[dict[str, object]]]:
    """A stand-in device subscribed to its command topic: records what it receives and, when
    ``answer``, first sends a malformed answer and then acknowledges."""
    received: list[dict[str, object]] = []
    subscribed = threading.Event()
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"dev-{uuid.uuid4().hex[:12]}")

    def on_connect(c: mqtt.Client, _u: object, _f: object, _rc: object, _p: object) -> None:
        c.subscribe(f"chanrong/command/{handle}", qos=1)

    def on_subscribe(*_args: object) -> None:
        subscribed.set()

    def on_message(c: mqtt.Client, _u: object, message: mqtt.MQTTMessage) -> None:
        body = orjson.loads(message.payload)
        received.append(body)
        if answer:
            c.publish(f"chanrong/command-ack/{handle}", b"{not json", qos=1)
            ack = {"id": body["id"], "ok": True, "detail": "locked"}
            c.publish(f"chanrong/command-ack/{handle}", orjson.dumps(ack), qos=1)

    client.on_connect, client.on_subscribe, client.on_message = on_connect, on_subscribe, on_message
    client.connect(*BROKER)
    client.loop_start()
    assert subscribed.wait(PATIENCE_SECONDS)
    return client, received


def _until(check: Callable[[], bool]) -> None:
    deadline = time.monotonic() + PATIENCE_SECONDS
    while not check():
        assert time.monotonic() < deadline, "the dispatcher did not get there"
        time.sleep(0.1)


def _dispatching(
    database: Database, settings: Settings
) -> tuple[threading.Thread, threading.Event]:
    stop = threading.Event()
    thread = threading.Thread(target=run_dispatcher, kwargs={
        "stop_event": stop, "settings": settings, "database": database, "tick_seconds": 0.2,
    })  # fmt: skip
    thread.start()
    return thread, stop


def _status(database: Database, command_id: str) -> str:
    with database.transaction(write=False) as session:
        return session.get(Command, command_id).status


def test_a_lock_reaches_the_device_and_its_ack_locks_it(world) -> None:
    database, settings, handle = world
    device, received = _device(handle, answer=True)
    with database.transaction() as session:
        command_id = commands.request_command(
            session, actor=Principal.system(), handle=handle, kind="lock", reason="overdue"
        ).id
    thread, stop = _dispatching(database, settings)
    try:
        _until(lambda: _status(database, command_id) == "acked")
    finally:
        stop.set()
        thread.join()
        device.loop_stop()
        device.disconnect()
    assert received[0]["id"] == command_id and received[0]["kind"] == "lock"
    assert str(received[0]["sent_at"]).endswith("Z")
    with database.transaction(write=False) as session:
        assert session.scalars(select(Device.locked).where(Device.handle == handle)).one() is True


def test_a_silent_device_gets_every_attempt_then_the_command_times_out(world) -> None:
    database, settings, handle = world
    settings = settings.model_copy(update={"command_timeout_seconds": 1})
    device, received = _device(handle, answer=False)
    with database.transaction() as session:
        command_id = commands.request_command(
            session, actor=Principal.system(), handle=handle, kind="unlock", max_attempts=2
        ).id
    thread, stop = _dispatching(database, settings)
    try:
        _until(lambda: _status(database, command_id) == "timed_out" and len(received) == 2)
    finally:
        stop.set()
        thread.join()
        device.loop_stop()
        device.disconnect()
    assert [m["id"] for m in received] == [command_id, command_id]
    with database.transaction(write=False) as session:
        steps = session.scalars(select(CommandEvent.status).where(
            CommandEvent.command_id == command_id).order_by(CommandEvent.id))  # fmt: skip
        assert list(steps) == ["created", "sent", "retried", "timed_out"]
        assert session.get(Command, command_id).attempts == 2


@pytest.mark.parametrize(
    "payload",
    [b"{not json", b"[1]", b'{"id": 7, "ok": true}', b'{"id": "x", "ok": "yes"}', b'{"id": "x"}'],
)
def test_malformed_acks_are_recognised(payload: bytes) -> None:
    assert parse_ack("chanrong/command-ack/88.1001.12/SM-1", payload) is None


def test_an_ack_names_its_device_by_topic() -> None:
    parsed = parse_ack("chanrong/command-ack/88.1001.12/SM-1", b'{"id": "c1", "ok": false}')
    assert parsed == ("88.1001.12/SM-1", "c1", False, "")
