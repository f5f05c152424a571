"""A simulated device on the broker: it publishes its telemetry and obeys commands.

The agent subscribes (QoS 1, persistent session) to ``chanrong/command/<handle>``, applies each
command ``{"id", "kind", "params", "sent_at"}`` to its ``DeviceModel`` (``lock``: it stops
working, ``unlock``: it resumes, ``set_config``: the params are kept, ``interval_seconds``
changes the report interval) and answers on ``chanrong/command-ack/<handle>`` with
``{"id", "ok", "detail"}``. Every report interval it publishes its readings as one JSON array to
``chanrong/telemetry/<handle>`` (QoS 1). It publishes only once its command subscription is
acknowledged, so a first reading seen means it is listening.

``time_scale`` runs the device's clock faster than the wall clock (tests): at 3600 one real
second is one simulated hour, and readings are stamped in simulated time from ``start_ms``.
"""

from __future__ import annotations

import json
import math
import threading
import time
from typing import Any

from paho.mqtt import client as mqtt

from chanrong.settings import Settings
from chanrong.telemetry.faults import Message
from chanrong.telemetry.simulator import DeviceModel, make_model
from chanrong.telemetry.simulator_output import TELEMETRY_TOPIC, mqtt_client

COMMAND_TOPIC = "chanrong/command/{handle}"
ACK_TOPIC = "chanrong/command-ack/{handle}"
DEFAULT_INTERVAL_SECONDS = 60


def apply_command(model: DeviceModel, payload: bytes) -> dict[str, Any] | None:
    """Apply one command payload to ``model``; the acknowledgement ``{"id", "ok", "detail"}``
    to send back, or None when the payload carries no command id (there is nothing to answer)."""
    try:
        command = json.loads(payload)
    except ValueError:
        return None
    if not isinstance(command, dict) or not isinstance(command.get("id"), str):
        return None
    kind, params = command.get("kind"), command.get("params") or {}
    ack: dict[str, Any] = {"id": command["id"], "ok": True}
    if kind == "lock":
        model.locked = True
        ack["detail"] = "locked"
    elif kind == "unlock":
        model.locked = False
        ack["detail"] = "unlocked"
    elif kind == "set_config" and isinstance(params, dict):
        interval = params.get("interval_seconds", DEFAULT_INTERVAL_SECONDS)
        if (
            isinstance(interval, bool)
            or not isinstance(interval, int | float)
            or not math.isfinite(interval)
            or interval <= 0
        ):
            return ack | {"ok": False, "detail": "interval_seconds must be a positive number"}
        model.config.update(params)
        ack["detail"] = "config set: " + ", ".join(sorted(params))
    else:
        return ack | {"ok": False, "detail": f"unknown command kind {kind!r}"}
    return ack


def run_agent(
    handle: str,
    device_type: str,
    *,
    stop_event: threading.Event,
    settings: Settings,
    time_scale: float = 1.0,
    interval_seconds: float = DEFAULT_INTERVAL_SECONDS,
    start_ms: int | None = None,
    seed: int = 0,
) -> DeviceModel:
    """Run device ``handle`` of ``device_type`` against ``settings``' broker until ``stop_event``
    is set: publish readings every ``interval_seconds`` of device time (``time_scale`` device
    seconds per real second, clock starting at ``start_ms``, default now) and obey commands.
    Returns the model as it was left (locked or not, its config)."""
    model = make_model(handle, device_type, seed=seed)
    model.config["interval_seconds"] = interval_seconds
    guard = threading.Lock()  # the network thread applies commands while this one steps
    subscribed = threading.Event()
    command_topic = COMMAND_TOPIC.format(handle=handle)

    def on_connect(client: mqtt.Client, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        if not reason.is_failure:
            client.subscribe(command_topic, qos=1)

    def on_message(client: mqtt.Client, _u: Any, message: mqtt.MQTTMessage) -> None:
        with guard:
            ack = apply_command(model, message.payload)
        if ack is not None:
            client.publish(ACK_TOPIC.format(handle=handle), json.dumps(ack), qos=1)

    client = mqtt_client(settings, f"chanrong-agent-{handle}", clean=False)
    client.on_connect = on_connect
    client.on_subscribe = lambda *_: subscribed.set()
    client.on_message = on_message
    client.connect(settings.mqtt_host, settings.mqtt_port, keepalive=30)
    client.loop_start()
    try:
        while not subscribed.wait(0.1):
            if stop_event.is_set():
                return model
        origin_ms = int(time.time() * 1000) if start_ms is None else start_ms
        started = time.monotonic()
        while not stop_event.is_set():
            device_ms = origin_ms + int((time.monotonic() - started) * 1000 * time_scale)
            with guard:
                message = Message(handle, tuple(model.step(device_ms)))
                interval = float(model.config["interval_seconds"])
            client.publish(TELEMETRY_TOPIC.format(handle=handle), message.payload(), qos=1)
            stop_event.wait(interval / time_scale)
    finally:
        client.disconnect()
        client.loop_stop()
    return model
