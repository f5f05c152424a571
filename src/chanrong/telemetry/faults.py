"""Fault injection for the simulator, and the count of every fault injected.

``Simulation`` steps a fleet of ``simulator.DeviceModel``s and turns their readings into
payloads (``Message``: a device's list of readings, or unreadable text), injecting at the rates
of ``Faults``: duplicated payloads, gaps (intervals never sent), out-of-order payloads (held back
and sent after the device's next one), counter resets (a device restart), garbage payloads and
clock skew. ``SimulationReport`` counts each, so a test can hold what the platform stored,
counted as duplicates and quarantined against what was sent.
"""

from __future__ import annotations

import json
import math
import random
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from chanrong.telemetry.simulator import DeviceModel, Reading, make_model


@dataclass(frozen=True)
class Faults:
    """Fault rates, each a probability in [0, 1]: ``duplicate``, ``out_of_order`` and
    ``garbage`` per payload, ``gap`` (a run of 1-10 intervals not sent) and ``counter_reset``
    per device and interval, ``clock_skew`` per device (its clock then runs 2-10 minutes ahead
    or behind, ``skew_ahead`` of them ahead)."""

    duplicate: float = 0.0
    gap: float = 0.0
    out_of_order: float = 0.0
    counter_reset: float = 0.0
    garbage: float = 0.0
    clock_skew: float = 0.0
    skew_ahead: float = 0.5


FAULT_LEVELS: dict[str, Faults] = {
    "none": Faults(),
    "light": Faults(0.01, 0.002, 0.01, 0.0005, 0.005, 0.05),
    "heavy": Faults(0.1, 0.02, 0.1, 0.005, 0.05, 0.2),
}
"""The named fault levels of ``chanrong simulate --faults``."""

GARBAGE_REASONS: dict[str, str] = {
    "not_json": "malformed-payload",
    "wrong_shape": "malformed-payload",
    "nan": "non-finite",
    "unknown_metric": "unknown-metric",
    "wrong_unit": "wrong-unit",
}
"""Garbage kind -> the quarantine reason (``batch.REASONS``) the platform should give it."""

FILE_GARBAGE = ("nan", "unknown_metric", "wrong_unit")
"""The garbage kinds a CSV or Parquet row can carry (a file has no payloads to break)."""

WRONG_UNITS = {
    "1": "%", "%": "1", "s": "min", "h": "min", "kWh": "Wh", "MPa": "bar", "A": "mA",
    "mm/s": "m/s", "Cel": "[degF]", "km": "m", "deg": "rad", "m3": "L", "t": "kg", "GBy": "MBy",
}  # fmt: skip


@dataclass(frozen=True)
class Message:
    """One payload of device ``handle``: its ``readings``, or ``raw`` text when the payload is
    not a list of readings (garbage); ``garbage`` names the kind of a garbage payload."""

    handle: str
    readings: tuple[Reading, ...] = ()
    raw: str | None = None
    garbage: str = ""

    def payload(self) -> bytes:
        """The payload as published: a JSON array of readings (NaN written as the bare
        ``NaN`` token many device firmwares emit), or the raw text."""
        if self.raw is not None:
            return self.raw.encode()
        return json.dumps(list(self.readings), separators=(",", ":")).encode()


@dataclass
class SimulationReport:
    """What a simulation sent. ``readings``: good readings sent (a duplicated one counts once);
    ``duplicate_readings``: the extra copies; ``garbage``: bad payloads by kind, each holding
    one bad reading or being unreadable; ``missing_readings``: readings left out by ``gaps``;
    ``resets``: device restarts; ``skewed_readings``: readings stamped by a skewed clock."""

    devices: int = 0
    steps: int = 0
    payloads: int = 0
    readings: int = 0
    duplicate_payloads: int = 0
    duplicate_readings: int = 0
    delayed_payloads: int = 0  # sent after a newer payload of the same device
    delayed_readings: int = 0
    gaps: int = 0
    missing_readings: int = 0
    resets: int = 0
    skewed_devices: int = 0
    skewed_readings: int = 0
    garbage: Counter[str] = field(default_factory=Counter)

    @property
    def sent(self) -> int:
        """Readings and unreadable payloads sent, copies included (what the platform receives)."""
        return self.readings + self.duplicate_readings + sum(self.garbage.values())

    def expected_quarantine(self) -> Counter[str]:
        """Quarantine reason -> how many refusals the garbage should cause."""
        expected: Counter[str] = Counter()
        for kind, count in self.garbage.items():
            expected[GARBAGE_REASONS[kind]] += count
        return expected

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready summary."""
        out: dict[str, object] = {k: v for k, v in vars(self).items() if k != "garbage"}
        out["garbage"] = dict(sorted(self.garbage.items()))
        out["sent"] = self.sent
        return out


@dataclass
class _Device:
    model: DeviceModel
    skew_ms: int = 0
    gap_left: int = 0
    buffer: list[Reading] = field(default_factory=list)
    held: list[Reading] | None = None


class Simulation:
    """A fleet of ``devices`` ((handle, type) pairs) read every ``interval_seconds`` for
    ``steps`` intervals from ``start_ms``, sent in payloads of up to ``payload_size`` readings
    (default: one interval's readings) with ``faults`` injected; ``wire`` "mqtt" or "file"
    (a file row cannot be unreadable JSON, so only ``FILE_GARBAGE`` kinds occur there)."""

    def __init__(
        self,
        devices: Sequence[tuple[str, str]],
        *,
        start_ms: int,
        interval_seconds: int,
        steps: int,
        seed: int = 0,
        faults: Faults = FAULT_LEVELS["none"],
        payload_size: int | None = None,
        wire: str = "mqtt",
    ) -> None:
        self.start_ms, self.interval_ms, self.steps = start_ms, interval_seconds * 1000, steps
        self.faults, self.payload_size = faults, payload_size
        self.kinds = tuple(GARBAGE_REASONS) if wire == "mqtt" else FILE_GARBAGE
        self.rng = random.Random(f"{seed}:faults")
        self.report = SimulationReport(devices=len(devices), steps=steps)
        self.devices = [_Device(make_model(h, t, seed=seed)) for h, t in devices]
        for device in self.devices:
            if self.rng.random() < faults.clock_skew:
                sign = 1 if self.rng.random() < faults.skew_ahead else -1
                device.skew_ms = sign * self.rng.randrange(120, 601) * 1000
                self.report.skewed_devices += 1

    def messages(self) -> Iterator[Message]:
        """Every payload in the order it is sent (the simulation runs as it is consumed)."""
        for i in range(self.steps):
            yield from self.step(i)
        yield from self.flush()

    def step(self, i: int) -> Iterator[Message]:
        """The payloads of interval ``i``."""
        ts = self.start_ms + i * self.interval_ms
        for device in self.devices:
            if self.rng.random() < self.faults.counter_reset:
                device.model.restart()
                self.report.resets += 1
            readings = device.model.step(ts)
            if not device.gap_left and self.rng.random() < self.faults.gap:
                device.gap_left = self.rng.randint(1, 10)
                self.report.gaps += 1
            if device.gap_left:
                device.gap_left -= 1
                self.report.missing_readings += len(readings)
                continue
            if device.skew_ms:
                readings = [r | {"ts": r["ts"] + device.skew_ms} for r in readings]
                self.report.skewed_readings += len(readings)
            device.buffer += readings
            size = self.payload_size or len(readings)
            while len(device.buffer) >= size:
                yield from self._emit(device, device.buffer[:size])
                del device.buffer[:size]
        self.report.steps = i + 1

    def flush(self) -> Iterator[Message]:
        """What devices still hold: partly filled payloads and delayed ones."""
        for device in self.devices:
            if device.buffer:
                yield from self._emit(device, device.buffer)
                device.buffer = []
            if device.held:
                # Nothing newer followed it, so it arrives in order after all: not counted.
                self.report.delayed_payloads -= 1
                self.report.delayed_readings -= len(device.held)
                yield from self._send(device, device.held)
                device.held = None

    def _emit(self, device: _Device, readings: list[Reading]) -> Iterator[Message]:
        if device.held is None and self.rng.random() < self.faults.out_of_order:
            device.held = list(readings)
            self.report.delayed_payloads += 1
            self.report.delayed_readings += len(readings)
            return
        yield from self._send(device, readings)
        if device.held is not None:
            yield from self._send(device, device.held)
            device.held = None

    def _send(self, device: _Device, readings: list[Reading]) -> Iterator[Message]:
        message = Message(device.model.handle, tuple(readings))
        self.report.payloads += 1
        self.report.readings += len(readings)
        yield message
        if self.rng.random() < self.faults.duplicate:
            self.report.payloads += 1
            self.report.duplicate_payloads += 1
            self.report.duplicate_readings += len(readings)
            yield message
        if self.rng.random() < self.faults.garbage:
            kind = self.rng.choice(self.kinds)
            self.report.payloads += 1
            self.report.garbage[kind] += 1
            yield garbage(kind, device.model.handle, readings[-1], self.rng)


def garbage(kind: str, handle: str, like: Reading, rng: random.Random) -> Message:
    """A garbage payload of ``kind`` (``GARBAGE_REASONS``) for ``handle``, stamped like ``like``."""
    if kind == "not_json":
        text = json.dumps([like])
        return Message(handle, raw=text[: rng.randint(1, len(text) - 2)], garbage=kind)
    if kind == "wrong_shape":
        return Message(handle, raw=json.dumps(f"{like['metric']}={like['value']}"), garbage=kind)
    if kind == "nan":
        bad = like | {"value": math.nan}
    elif kind == "unknown_metric":
        bad = like | {"metric": rng.choice(("humidity", "rpm", "oil_quality"))}
    else:
        bad = like | {"unit": WRONG_UNITS[like["unit"]]}
    return Message(handle, (bad,), garbage=kind)
