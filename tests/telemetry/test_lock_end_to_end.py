"""The whole loop on the real broker (127.0.0.1:1883): a simulated sewing machine publishes
stitches, the ingest worker stores them, the owner locks the machine, the dispatcher sends the
command, the device acknowledges and stops counting — its stored stitches stay flat while its
readings keep arriving."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import select

from chanrong.db import Database, upgrade
from chanrong.parties.models import Party
from chanrong.settings import Settings
from chanrong.telemetry import catalogue, commands
from chanrong.telemetry.agent import run_agent
from chanrong.telemetry.dispatcher import run_dispatcher
from chanrong.telemetry.models import Command, Device, SeriesState
from chanrong.telemetry.worker import run_worker
from tests.factories import create_device, create_device_owner, principal_of

PATIENCE_SECONDS = 40  # an upper bound against hanging, not a speed requirement
STITCHES = catalogue.metric("sewing_machine", "stitches")


def _last_weekday_nine() -> int:
    """09:00 in Shanghai on the most recent weekday at least a day ago (a working shift, well
    inside the late window), in epoch ms."""
    shanghai = ZoneInfo("Asia/Shanghai")
    day = datetime.now(shanghai) - timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return int(day.replace(hour=9, minute=0, second=0, microsecond=0).timestamp() * 1000)


def _wait(condition: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + PATIENCE_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


def _forget(*client_ids: str) -> None:
    # The worker, dispatcher and agent keep persistent sessions; a clean connect removes them.
    for client_id in client_ids:
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=True)
        client.connect("127.0.0.1", 1883)
        client.disconnect()


@pytest.fixture
def site(fresh_database_url: str, tmp_path: Path) -> Iterator[tuple[Database, Settings, Device]]:
    database = Database(fresh_database_url)
    upgrade(database)
    with database.transaction() as session:
        owner, prefix = create_device_owner(session)
        device = create_device(session, owner, prefix, suffix=f"E2E-{uuid.uuid4().hex[:10]}")
        session.expunge(device)
    settings = Settings(data_dir=tmp_path, database_url=fresh_database_url,
                        mqtt_client_id=f"e2e-{uuid.uuid4().hex[:12]}")  # fmt: skip
    yield database, settings, device
    _forget(f"{settings.mqtt_client_id}-1", f"{settings.mqtt_client_id}-commands",
            f"chanrong-agent-{device.handle}")  # fmt: skip
    database.dispose()


def _stitches(database: Database, device_id: int) -> tuple[int, int]:
    """(readings stored, last stored value) of the device's stitches series."""
    with database.transaction(write=False) as session:
        state = session.get(SeriesState, (device_id, STITCHES.id))
        return (0, 0) if state is None else (state.readings, state.last_value)


def test_a_locked_sewing_machine_acknowledges_and_stops_counting(site) -> None:
    database, settings, device = site
    stop = threading.Event()
    threads = [
        threading.Thread(target=run_worker, args=(1,), kwargs={
            "stop_event": stop, "settings": settings, "database": database,
            "share_group": f"e2e-{uuid.uuid4().hex[:8]}", "max_wait_ms": 100}),
        threading.Thread(target=run_dispatcher, kwargs={
            "stop_event": stop, "settings": settings, "database": database,
            "tick_seconds": 0.2}),
        # one device minute per real second, a reading each device minute, during a shift
        threading.Thread(target=run_agent, args=(device.handle, "sewing_machine"), kwargs={
            "stop_event": stop, "settings": settings, "time_scale": 60.0,
            "interval_seconds": 60, "start_ms": _last_weekday_nine()}),
    ]  # fmt: skip
    for thread in threads:
        thread.start()
    try:
        assert _wait(lambda: _stitches(database, device.id)[0] >= 3), "no stitches stored"
        counted = _stitches(database, device.id)[1]
        assert counted > 0  # sewing: the counter moves

        with database.transaction() as session:
            owner = principal_of(session.get(Party, device.owner_party_id))
            command = commands.request_command(
                session, actor=owner, handle=device.handle, kind="lock", reason="e2e test"
            )
            command_id = command.id

        def locked() -> bool:
            with database.transaction(write=False) as session:
                status = session.scalar(select(Command.status).where(Command.id == command_id))
                stored = session.get(Device, device.id)
                return status == "acked" and stored is not None and stored.locked

        assert _wait(locked), "the lock was not acknowledged"
        # Readings published before the lock may still be in flight: wait for two more, then
        # the counter must not move over the next several readings.
        at_lock = _stitches(database, device.id)[0]
        assert _wait(lambda: _stitches(database, device.id)[0] >= at_lock + 2)
        frozen_readings, frozen = _stitches(database, device.id)
        assert _wait(lambda: _stitches(database, device.id)[0] >= frozen_readings + 4)
        assert _stitches(database, device.id)[1] == frozen
        assert frozen >= counted
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=PATIENCE_SECONDS)
