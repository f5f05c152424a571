"""Simulated devices: realistic, seed-deterministic readings for every type of the catalogue.

A ``DeviceModel`` keeps one device's state (lifetime counters, fuel, position, temperature ...)
and ``step(ts_ms)`` advances it to ``ts_ms`` and returns one reading per metric, as dicts
``{"metric", "ts" (epoch ms), "value", "unit"}`` in the metric's unit with no more decimals
than its scale. Counters are kept as integers of the metric's resolution, so they never
decrease except through ``restart()`` (a device restart: counters back to 0, counting on).
A ``locked`` device does no work: its usage counters stay flat and its power or run state
reports stopped (an energy meter keeps metering: it measures a site, not a machine).

Working patterns follow local time in Asia/Shanghai (UTC+8, no daylight saving): sewing
shifts 08:00-12:00 and 13:00-18:00 Monday to Saturday with tea breaks, excavators on site
07:00-12:00 and 13:00-19:00, motors in three shifts, vans on delivery 07:00-20:00, energy
meters split by the time-of-use periods of ``TOU_PERIODS``. Faults (duplicates, gaps, resets,
garbage ...) are added on top by ``faults.Simulation``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pyarrow as pa

from chanrong.telemetry.batch import RAW_SCHEMA, RawBatch
from chanrong.telemetry.devicemodels import (
    TOU_PERIODS,
    DeviceModel,
    EnergyMeter,
    Excavator,
    Motor,
    PlatformTenant,
    Reading,
    SewingMachine,
    Vehicle,
)

__all__ = ["TOU_PERIODS", "DeviceModel", "Reading"]

MODELS: dict[str, type[DeviceModel]] = {
    cls.device_type: cls
    for cls in (SewingMachine, Excavator, Motor, Vehicle, EnergyMeter, PlatformTenant)
}
"""Device type name -> its model class (one per type of ``catalogue.DEVICE_TYPES``)."""

HANDLE_CODES = {
    "sewing_machine": "SM",
    "excavator": "EX",
    "motor": "MO",
    "vehicle": "VH",
    "energy_meter": "EM",
    "platform_tenant": "PT",
}
"""Device type -> the suffix code of simulated handles (``<prefix>/SM-0001``)."""


def make_model(handle: str, device_type: str, *, seed: int = 0) -> DeviceModel:
    """A fresh model of ``device_type`` for ``handle``; the same seed gives the same series."""
    return MODELS[device_type](handle, seed=seed)


def fleet(prefix: str, devices: int, types: Sequence[str]) -> list[tuple[str, str]]:
    """``devices`` (handle, type) pairs under ``prefix``, the types taken in turn."""
    numbers = dict.fromkeys(types, 0)
    pairs = []
    for i in range(devices):
        kind = types[i % len(types)]
        numbers[kind] += 1
        pairs.append((f"{prefix}/{HANDLE_CODES[kind]}-{numbers[kind]:04d}", kind))
    return pairs


def device_series(
    handle: str, device_type: str, *, start_ms: int, hours: float, interval_seconds: int, seed: int
) -> Iterator[list[Reading]]:
    """One device's clean readings (no faults), one list per interval from ``start_ms`` on."""
    model = make_model(handle, device_type, seed=seed)
    for i in range(int(hours * 3600 // interval_seconds)):
        yield model.step(start_ms + i * interval_seconds * 1000)


def raw_batches(
    devices: Sequence[tuple[str, str]],
    *,
    start_ms: int,
    hours: float,
    interval_seconds: int,
    seed: int = 0,
    chunk_hours: int = 24,
) -> Iterator[RawBatch]:
    """Clean simulated readings as ``RawBatch``es ready for the ingest, device after device,
    each device's readings in time order and cut into batches of ``chunk_hours``."""
    steps_per_chunk = max(1, chunk_hours * 3600 // interval_seconds)
    for handle, device_type in devices:
        chunk: list[Reading] = []
        series = device_series(
            handle,
            device_type,
            start_ms=start_ms,
            hours=hours,
            interval_seconds=interval_seconds,
            seed=seed,
        )
        for i, readings in enumerate(series, start=1):
            chunk += readings
            if i % steps_per_chunk == 0:
                yield RawBatch(raw_table(handle, chunk), "file", f"simulator:{handle}")
                chunk = []
        if chunk:
            yield RawBatch(raw_table(handle, chunk), "file", f"simulator:{handle}")


def raw_table(handle: str, readings: Sequence[Reading]) -> pa.Table:
    """``readings`` of device ``handle`` as a table of ``batch.RAW_SCHEMA`` (line from 1)."""
    return pa.table(
        {
            "device": [handle] * len(readings),
            "metric": [r["metric"] for r in readings],
            "ts_ms": [r["ts"] for r in readings],
            "value": [float(r["value"]) for r in readings],
            "unit": [r["unit"] for r in readings],
            "line": list(range(1, len(readings) + 1)),
        },
        schema=RAW_SCHEMA,
    )
