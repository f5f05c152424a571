"""MQTT payloads and HTTP batches of readings parsed into ``RawBatch``es (docs/telemetry-ingest.md).

An MQTT message on ``chanrong/telemetry/<device identifier>`` (the identifier's slash makes two
topic levels) carries one reading ``{"metric", "ts", "value", "unit"?}`` or a JSON array of
them; the device is the topic's. An HTTP batch is ``{"readings": [{"device", ...}, ...]}``.

What cannot be read becomes a ``Refusal``: an unparseable payload as one ``malformed-payload``,
a reading without a field as ``missing-field``, an unreadable ``ts`` as ``bad-timestamp``, a
value that is no number as ``bad-value``. Everything else, NaN included, goes into the table for
the one validation. Columns are built as Python lists and turned into Arrow arrays once per
batch: the worker feeds thousands of messages into one ``Readings`` before it builds.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import orjson
import pyarrow as pa

from chanrong.errors import Invalid
from chanrong.telemetry.batch import RAW_SCHEMA, RawBatch, Refusal
from chanrong.telemetry.core import parse_ts

TOPIC_PREFIX = "chanrong/telemetry/"
"""Readings of device ``<prefix>/<suffix>`` arrive on ``chanrong/telemetry/<prefix>/<suffix>``."""

SHARE_GROUP = "chanrong-ingest"
SUBSCRIPTION = f"$share/{SHARE_GROUP}/{TOPIC_PREFIX}#"
"""The shared subscription every ingest worker makes: the broker hands each message to one."""

MAX_HTTP_READINGS = 50_000
"""Most readings one HTTP batch may carry."""

_EXACT_INT = 2**53  # beyond this an integer value is not exact as float64 (pyarrow refuses it)
_INT64 = 2**63


def device_of(topic: str) -> str | None:
    """The device identifier a telemetry topic names (``88.1001.12/SM-0001``), or None when
    the topic is not ``chanrong/telemetry/<prefix>/<suffix>``."""
    if not topic.startswith(TOPIC_PREFIX):
        return None
    handle = topic[len(TOPIC_PREFIX) :]
    prefix, slash, suffix = handle.partition("/")
    if not (prefix and slash and suffix) or "/" in suffix:
        return None
    return handle


def topic_of(device: str) -> str:
    """The topic device ``device`` publishes its readings on."""
    return TOPIC_PREFIX + device


def _text(raw: bytes, limit: int = 2000) -> str:
    return raw[: limit * 4].decode("utf-8", errors="replace")[:limit]


def _dump(item: Any) -> str:
    try:
        return orjson.dumps(item).decode()
    except TypeError:  # NaN-bearing readings (from json.loads) and other odd values
        return json.dumps(item, default=str)


class Readings:
    """Readings accumulated as columns, from any number of payloads, until ``build``."""

    def __init__(self) -> None:
        self.device: list[str] = []
        self.metric: list[str] = []
        self.ts: list[int] = []
        self.value: list[float | int] = []
        self.unit: list[str | None] = []
        self.line: list[int] = []
        self.refusals: list[Refusal] = []

    def __len__(self) -> int:
        """Readings and refusals held."""
        return len(self.device) + len(self.refusals)

    def add_message(self, topic: str, payload: bytes) -> None:
        """Add one MQTT message: a reading object or an array of them, of the topic's device."""
        device = device_of(topic)
        if device is None:
            self.refusals.append(Refusal(topic, _text(payload), "malformed-payload",
                                         "topic is not chanrong/telemetry/<prefix>/<suffix>"))  # fmt: skip
            return
        try:
            body = orjson.loads(payload)
        except orjson.JSONDecodeError:
            # Standard JSON has no NaN or Infinity, but device firmwares send them; json reads
            # them so that only the reading that holds one is refused (as non-finite).
            try:
                body = json.loads(payload)
            except (ValueError, RecursionError) as error:
                self.refusals.append(Refusal(topic, _text(payload), "malformed-payload",
                                             f"not JSON: {error}"[:300], device=device))  # fmt: skip
                return
        items = body if type(body) is list else [body]
        if not items or type(body) not in (list, dict):
            self.refusals.append(Refusal(topic, _text(payload), "malformed-payload",
                                         "expected a reading object or an array of them",
                                         device=device))  # fmt: skip
            return
        self.add_items(device, items, topic)

    def add_items(self, device: str | None, items: list[Any], source: str) -> None:
        """Add reading objects; each names its ``device`` unless ``device`` is given (then a
        ``device`` field, if present, must agree). A reading's line is its position (from 1)."""
        if self._add_plain(device, items):
            return
        for line, item in enumerate(items, 1):
            self._careful(device, item, line, source)

    def _add_plain(self, device: str | None, items: list[Any]) -> bool:
        """Add readings column by column when every one has the common shape (string device
        field, or none when ``device`` is given; string metric, integer ts, number value, string
        or no unit); False, having added nothing, when any does not (the careful path then
        takes each)."""
        try:
            devices = [device] * len(items) if device else [item["device"] for item in items]
            metrics = [item["metric"] for item in items]
            tss = [item["ts"] for item in items]
            values = [item["value"] for item in items]
            units = [item.get("unit") for item in items]
        except (KeyError, TypeError, AttributeError):
            return False
        n = len(items)
        # Every item has metric, ts and value (and device when none is given): the lookups
        # above succeeded. The key count then shows that none has anything else but a unit
        # (so no device field that could disagree with ``device``).
        keys = (3 if device else 4) * n + n - units.count(None)
        if (
            not items
            or sum(map(len, items)) != keys
            or (device is None and set(map(type, devices)) != {str})
            or set(map(type, metrics)) != {str}
            or set(map(type, tss)) != {int}
            or not set(map(type, values)) <= {int, float}
            or not set(map(type, units)) <= {str, type(None)}
            or min(tss) < -_INT64
            or max(tss) >= _INT64
            or min(values) < -_EXACT_INT
            or max(values) > _EXACT_INT
        ):
            return False
        self.device.extend(devices)
        self.metric.extend(metrics)
        self.ts.extend(tss)
        self.value.extend(values)
        self.unit.extend(units)
        self.line.extend(range(1, n + 1))
        return True

    def _careful(self, device: str | None, item: Any, line: int, source: str) -> None:
        def refuse(reason: str, detail: str, dev: str = device or "") -> None:
            self.refusals.append(Refusal(source, _dump(item), reason, detail, line, dev))

        if type(item) is not dict:
            refuse("malformed-payload", "a reading must be a JSON object")
            return
        named = item.get("device")
        if device is not None and named is not None and named != device:
            refuse("malformed-payload", f"device {str(named)[:120]!r} is not the topic's device")
            return
        dev = device if device is not None else named
        # A null value is a value that is no number (bad-value); other nulls are missing.
        missing = [name for name in ("metric", "ts") if item.get(name) is None]
        missing = (["device"] if dev is None else []) + missing
        missing += [] if "value" in item else ["value"]
        if missing:
            refuse(
                "missing-field", f"missing {', '.join(missing)}", dev if type(dev) is str else ""
            )
            return
        dev = dev if type(dev) is str else str(dev)
        ts = parse_ts(item["ts"])
        if ts is None or not -_INT64 <= ts < _INT64:
            refuse("bad-timestamp", "ts is neither epoch milliseconds nor RFC 3339", dev)
            return
        value = item["value"]
        if type(value) is int:
            value = float(value) if abs(value) <= 1e308 else math.inf
        elif type(value) is not float:
            refuse("bad-value", f"value is {type(value).__name__ if value is not None else 'null'}"
                                ", not a number", dev)  # fmt: skip
            return
        metric, unit = item["metric"], item.get("unit")
        self.device.append(dev)
        self.metric.append(metric if type(metric) is str else str(metric))
        self.ts.append(ts)
        self.value.append(value)
        self.unit.append(None if unit is None else str(unit))
        self.line.append(line)

    def build(self, channel: str, source: str) -> RawBatch:
        """The accumulated readings as one ``RawBatch`` of ``channel`` and ``source``."""
        # Numbers go through numpy, about 5x faster than pyarrow's converter from Python lists
        # (both are exact here: timestamps fit int64, integer values are within 2**53).
        table = pa.Table.from_arrays(
            [
                pa.array(self.device, pa.string()),
                pa.array(self.metric, pa.string()),
                pa.array(np.array(self.ts, dtype=np.int64)),
                pa.array(np.array(self.value, dtype=np.float64)),
                pa.array(self.unit, pa.string()),
                pa.array(np.array(self.line, dtype=np.int64)),
            ],
            schema=RAW_SCHEMA,
        )
        return RawBatch(table, channel, source, self.refusals)


def parse_message(topic: str, payload: bytes) -> RawBatch:
    """One MQTT message as a ``RawBatch`` (channel ``mqtt``, source the topic)."""
    readings = Readings()
    readings.add_message(topic, payload)
    return readings.build("mqtt", topic)


def parse_http_batch(body: bytes | dict[str, Any], *, source: str = "http") -> RawBatch:
    """An HTTP batch ``{"readings": [...]}`` (JSON text or already parsed) as a ``RawBatch``
    of channel ``http``. A body that is no such batch raises ``Invalid`` naming the field and
    rule; a reading that cannot be read becomes a refusal like any other channel's."""
    if isinstance(body, bytes | bytearray):
        try:
            body = orjson.loads(body)
        except orjson.JSONDecodeError:
            try:
                body = json.loads(body)
            except (ValueError, RecursionError) as error:
                raise Invalid(f"The body is not JSON: {error}", field="body", rule="json") from None
    if type(body) is not dict or "readings" not in body:
        raise Invalid("The body must be an object with a readings array.",
                      field="readings", rule="required")  # fmt: skip
    items = body["readings"]
    if type(items) is not list:
        raise Invalid("readings must be an array.", field="readings", rule="type")
    if len(items) > MAX_HTTP_READINGS:
        raise Invalid(f"A batch holds at most {MAX_HTTP_READINGS} readings, not {len(items)}.",
                      field="readings", rule="max_items")  # fmt: skip
    readings = Readings()
    readings.add_items(None, items, source)
    return readings.build("http", source)
