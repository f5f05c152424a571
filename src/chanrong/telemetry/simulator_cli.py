"""``chanrong simulate`` (a fleet's telemetry to the broker or to a file) and the simulated
device agent's command."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import typer

from chanrong import clock
from chanrong.principal import Principal
from chanrong.settings import get_settings
from chanrong.shell import console, open_database, progress
from chanrong.telemetry.agent import DEFAULT_INTERVAL_SECONDS, run_agent
from chanrong.telemetry.catalogue import DEVICE_TYPES
from chanrong.telemetry.faults import FAULT_LEVELS, Message, Simulation
from chanrong.telemetry.simulator import fleet
from chanrong.telemetry.simulator_output import publish_mqtt, register_fleet, write_file

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _start_ms(start: str | None, hours: float, interval_seconds: int) -> int:
    """Epoch ms of the first reading: ``start`` (RFC 3339, or a date meaning its midnight in
    Asia/Shanghai), else ``hours`` before now, on a whole interval."""
    if start is None:
        at = clock.now() - timedelta(hours=hours)
    else:
        try:
            at = datetime.fromisoformat(start.replace("Z", "+00:00"))
        except ValueError:
            raise typer.BadParameter("use RFC 3339 or YYYY-MM-DD", param_hint="--start") from None
        if at.tzinfo is None:
            at = at.replace(tzinfo=SHANGHAI)
    step = interval_seconds * 1000
    return int(at.timestamp() * 1000) // step * step


def _stepped(simulation: Simulation, description: str) -> Iterator[Message]:
    with progress() as bar:
        task = bar.add_task(description, total=simulation.steps)
        for i in range(simulation.steps):
            yield from simulation.step(i)
            bar.advance(task)
        yield from simulation.flush()


def simulate(
    devices: int = typer.Option(12, min=1, help="Devices in the fleet, the types taken in turn."),
    types: str = typer.Option(",".join(DEVICE_TYPES), help="Comma-separated device types."),
    hours: float = typer.Option(24.0, min=0, help="Simulated hours."),
    interval_seconds: int = typer.Option(60, min=1, help="Seconds between a device's readings."),
    start: str | None = typer.Option(
        None, help="First reading, RFC 3339 or YYYY-MM-DD (Asia/Shanghai); default HOURS ago."
    ),
    seed: int = typer.Option(0, help="Same seed, same fleet, same series, same faults."),
    faults: str = typer.Option("none", help="Fault level: none, light or heavy."),
    prefix: str = typer.Option("88.1001.12", help="Enterprise prefix of the devices' handles."),
    payload_size: int | None = typer.Option(
        None, min=1, help="Readings per MQTT payload (default: one interval's readings)."
    ),
    register: bool = typer.Option(
        False, help="First register the fleet (identifiers and devices) under PREFIX."
    ),
    mqtt: bool = typer.Option(False, "--mqtt", help="Publish to the broker at QoS 1."),
    out: Path | None = typer.Option(None, "--out", help="Write FILE.csv or FILE.parquet."),
    report: Path | None = typer.Option(None, help="Also write the fault report as JSON here."),
) -> None:
    """Simulate a fleet's telemetry, with injected faults, to the broker or to a file."""
    kinds = [t.strip() for t in types.split(",") if t.strip()]
    unknown = [t for t in kinds if t not in DEVICE_TYPES]
    if unknown or not kinds:
        raise typer.BadParameter(f"known types: {', '.join(DEVICE_TYPES)}", param_hint="--types")
    if faults not in FAULT_LEVELS:
        raise typer.BadParameter("none, light or heavy", param_hint="--faults")
    if mqtt == (out is not None):
        raise typer.BadParameter("give exactly one of --mqtt and --out FILE")
    pairs = fleet(prefix, devices, kinds)
    if register:
        with open_database().transaction() as session:
            created = register_fleet(session, actor=Principal.system(), devices=pairs)
        console.print(f"{created} devices registered under {prefix}")
    simulation = Simulation(
        pairs,
        start_ms=_start_ms(start, hours, interval_seconds),
        interval_seconds=interval_seconds,
        steps=int(hours * 3600 // interval_seconds),
        seed=seed,
        faults=FAULT_LEVELS[faults],
        payload_size=payload_size,
        wire="mqtt" if mqtt else "file",
    )
    if out is not None:
        rows = write_file(_stepped(simulation, f"writing {out.name}"), out)
        console.print(f"{rows:,} readings written to {out}")
    else:
        sent = publish_mqtt(_stepped(simulation, "publishing"), get_settings())
        console.print(f"{sent:,} payloads published")
    summary = simulation.report.as_dict()
    console.print_json(data=summary)
    if report is not None:
        report.write_text(json.dumps(summary, indent=2), encoding="utf-8")


def agent(
    handle: str = typer.Argument(..., help="The device's identifier, e.g. 88.1001.12/SM-0001."),
    device_type: str = typer.Option(..., "--type", help="Its device type, e.g. sewing_machine."),
    interval_seconds: float = typer.Option(
        DEFAULT_INTERVAL_SECONDS, min=0.001, help="Seconds of device time between reports."
    ),
    time_scale: float = typer.Option(
        1.0, min=0.001, help="Device seconds per real second (3600: an hour a second)."
    ),
    seed: int = typer.Option(0, help="Seed of the device's simulated series."),
) -> None:
    """Run a simulated device: publish its telemetry and obey lock, unlock and set_config."""
    if device_type not in DEVICE_TYPES:
        raise typer.BadParameter(f"known types: {', '.join(DEVICE_TYPES)}", param_hint="--type")
    stop = threading.Event()
    runner = threading.Thread(
        target=run_agent,
        args=(handle, device_type),
        kwargs={
            "stop_event": stop,
            "settings": get_settings(),
            "time_scale": time_scale,
            "interval_seconds": interval_seconds,
            "seed": seed,
        },
        daemon=True,
    )
    runner.start()
    console.print(f"device {handle} ({device_type}) running; Ctrl-C stops it")
    try:
        while runner.is_alive():
            runner.join(0.5)
    except KeyboardInterrupt:
        stop.set()
        runner.join(5)
