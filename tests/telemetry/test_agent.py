"""The simulated device agent: commands applied and acknowledged, on the real broker too."""

from __future__ import annotations

import json
import queue
import threading
import uuid
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from paho.mqtt import client as mqtt

from chanrong.settings import Settings
from chanrong.telemetry.agent import ACK_TOPIC, COMMAND_TOPIC, apply_command, run_agent
from chanrong.telemetry.simulator import make_model
from chanrong.telemetry.simulator_output import TELEMETRY_TOPIC

MONDAY_9AM = int(datetime(2025, 3, 3, 9, tzinfo=ZoneInfo("Asia/Shanghai")).timestamp() * 1000)
WAIT = 15  # seconds to wait for a message before the test fails


def command(kind: str, **params: object) -> tuple[str, bytes]:
    """A command's id and payload as the platform sends it."""
    command_id = str(uuid.uuid4())
    body = {"id": command_id, "kind": kind, "params": params, "sent_at": "2025-03-03T01:00:00Z"}
    return command_id, json.dumps(body).encode()


def test_lock_unlock_and_config_are_applied_and_acknowledged() -> None:
    model = make_model("88.1001.12/SM-1", "sewing_machine")
    lock_id, lock = command("lock")
    assert apply_command(model, lock) == {"id": lock_id, "ok": True, "detail": "locked"}
    assert model.locked
    unlock_id, unlock = command("unlock")
    assert apply_command(model, unlock) == {"id": unlock_id, "ok": True, "detail": "unlocked"}
    assert not model.locked
    config_id, config = command("set_config", interval_seconds=5, mode="eco")
    ack = apply_command(model, config)
    assert ack == {"id": config_id, "ok": True, "detail": "config set: interval_seconds, mode"}
    assert model.config == {"interval_seconds": 5, "mode": "eco"}


@pytest.mark.parametrize(
    ("kind", "params", "detail"),
    [
        ("reboot", {}, "unknown command kind 'reboot'"),
        ("set_config", {"interval_seconds": 0}, "interval_seconds must be a positive number"),
        ("set_config", {"interval_seconds": "often"}, "interval_seconds must be a positive number"),
    ],
)
def test_a_command_the_device_cannot_obey_is_refused(
    kind: str, params: dict[str, object], detail: str
) -> None:
    model = make_model("88.1001.12/SM-1", "sewing_machine")
    command_id, payload = command(kind, **params)
    assert apply_command(model, payload) == {"id": command_id, "ok": False, "detail": detail}
    assert not model.locked and model.config == {}


@pytest.mark.parametrize("payload", [b"not json", b"[1, 2]", b'{"kind": "lock"}'])
def test_a_payload_without_a_command_id_gets_no_answer(payload: bytes) -> None:
    model = make_model("88.1001.12/SM-1", "sewing_machine")
    assert apply_command(model, payload) is None
    assert not model.locked


class Listener:
    """A test client on the real broker collecting the device's telemetry and acks."""

    def __init__(self, settings: Settings, handle: str) -> None:
        self.telemetry: queue.Queue[list[dict]] = queue.Queue()
        self.acks: queue.Queue[dict] = queue.Queue()
        self.ack_topic = ACK_TOPIC.format(handle=handle)
        subscribed = threading.Event()
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2, client_id=f"test-{uuid.uuid4()}"
        )
        self.client.on_message = self.on_message
        self.client.on_subscribe = lambda *_: subscribed.set()
        self.client.connect(settings.mqtt_host, settings.mqtt_port)
        self.client.loop_start()
        self.client.subscribe([(TELEMETRY_TOPIC.format(handle=handle), 1), (self.ack_topic, 1)])
        assert subscribed.wait(WAIT)

    def on_message(self, _c: mqtt.Client, _u: object, message: mqtt.MQTTMessage) -> None:
        body = json.loads(message.payload)
        (self.acks if message.topic == self.ack_topic else self.telemetry).put(body)

    def stitches(self) -> int:
        """The stitches of the next telemetry payload."""
        readings = self.telemetry.get(timeout=WAIT)
        return next(r["value"] for r in readings if r["metric"] == "stitches")

    def after_ack(self) -> None:
        """Forget telemetry up to now: payloads stepped before a command was applied."""
        while not self.telemetry.empty():
            self.telemetry.get_nowait()
        self.telemetry.get(timeout=WAIT)  # may have been stepped just before the command

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def agent_handle() -> Iterator[tuple[str, Settings, Listener]]:
    settings = Settings(mqtt_host="127.0.0.1", mqtt_port=1883)
    handle = f"88.1001.12/SM-{uuid.uuid4().hex[:8]}"
    listener = Listener(settings, handle)
    stop = threading.Event()
    runner = threading.Thread(target=run_agent, args=(handle, "sewing_machine"), kwargs={
        "stop_event": stop, "settings": settings, "time_scale": 300, "interval_seconds": 30,
        "start_ms": MONDAY_9AM,
    })  # fmt: skip
    runner.start()
    try:
        yield handle, settings, listener
    finally:
        stop.set()
        runner.join(WAIT)
        listener.close()


def test_a_locked_device_acks_and_stops_counting_stitches(
    agent_handle: tuple[str, Settings, Listener],
) -> None:
    handle, _settings, listener = agent_handle
    first = listener.stitches()  # the agent publishes once it listens for commands
    assert listener.stitches() > first  # 09:00 on a Monday: it sews
    topic = COMMAND_TOPIC.format(handle=handle)

    lock_id, lock = command("lock")
    listener.client.publish(topic, lock, qos=1)
    assert listener.acks.get(timeout=WAIT) == {"id": lock_id, "ok": True, "detail": "locked"}
    listener.after_ack()
    locked = [listener.stitches() for _ in range(5)]
    assert len(set(locked)) == 1

    unlock_id, unlock = command("unlock")
    listener.client.publish(topic, unlock, qos=1)
    assert listener.acks.get(timeout=WAIT) == {"id": unlock_id, "ok": True, "detail": "unlocked"}
    listener.after_ack()
    assert listener.stitches() > locked[-1]

    bad_id, bad = command("self_destruct")
    listener.client.publish(topic, bad, qos=1)
    ack = listener.acks.get(timeout=WAIT)
    assert ack == {"id": bad_id, "ok": False, "detail": "unknown command kind 'self_destruct'"}
