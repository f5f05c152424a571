"""MQTT payloads and HTTP batches parsed into raw batches: every malformed kind is refused with
its reason, the good readings keep their position, and a NaN refuses only its reading."""

from __future__ import annotations

import json
import math

import orjson
import pytest

from chanrong.errors import Invalid
from chanrong.telemetry.payloads import (
    MAX_HTTP_READINGS,
    Readings,
    device_of,
    parse_http_batch,
    parse_message,
    topic_of,
)

DEVICE = "88.1001.12/SM-0001"
TOPIC = topic_of(DEVICE)
TS = 1_714_550_400_000


def reasons(batch) -> list[tuple[str, int | None]]:
    return [(r.reason, r.line) for r in batch.refusals]


def test_topic_names_the_device_in_two_levels() -> None:
    assert TOPIC == "chanrong/telemetry/88.1001.12/SM-0001"
    assert device_of(TOPIC) == DEVICE
    for topic in ("chanrong/telemetry/88.1001.12", "chanrong/telemetry/a/b/c", "other/88.1/x"):
        assert device_of(topic) is None


def test_one_reading_object() -> None:
    batch = parse_message(TOPIC, b'{"metric": "stitches", "ts": 1714550400000, "value": 12}')
    assert batch.channel == "mqtt" and batch.source == TOPIC and batch.refusals == []
    assert batch.table.to_pylist() == [
        {
            "device": DEVICE,
            "metric": "stitches",
            "ts_ms": TS,
            "value": 12.0,
            "unit": None,
            "line": 1,
        }
    ]


def test_array_with_rfc3339_and_units() -> None:
    payload = orjson.dumps([
        {"metric": "stitches", "ts": "2024-05-01T16:00:00.250+08:00", "value": 1.5, "unit": "1"},
        {"metric": "power_state", "ts": TS + 1000, "value": 1, "device": DEVICE},
    ])  # fmt: skip
    batch = parse_message(TOPIC, payload)
    rows = batch.table.to_pylist()
    assert [r["ts_ms"] for r in rows] == [TS + 250, TS + 1000]
    assert [r["unit"] for r in rows] == ["1", None]
    assert [r["line"] for r in rows] == [1, 2]
    assert batch.received == 2


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        ({"ts": TS, "value": 1}, "missing-field"),
        ({"metric": "stitches", "value": 1}, "missing-field"),
        ({"metric": "stitches", "ts": TS}, "missing-field"),
        ({"metric": "stitches", "ts": "yesterday", "value": 1}, "bad-timestamp"),
        ({"metric": "stitches", "ts": 1.5, "value": 1}, "bad-timestamp"),
        ({"metric": "stitches", "ts": 2**70, "value": 1}, "bad-timestamp"),
        ({"metric": "stitches", "ts": TS, "value": True}, "bad-value"),
        ({"metric": "stitches", "ts": TS, "value": "12"}, "bad-value"),
        ({"metric": "stitches", "ts": TS, "value": None}, "bad-value"),
        ({"metric": "stitches", "ts": TS, "value": 1, "device": "88.1001.12/OTHER"}, "malformed-payload"),
        ("stitches=12", "malformed-payload"),
    ],
)  # fmt: skip
def test_a_bad_reading_is_refused_alone(item: object, reason: str) -> None:
    good = {"metric": "stitches", "ts": TS, "value": 3}
    batch = parse_message(TOPIC, json.dumps([good, item, good | {"ts": TS + 1}]).encode())
    assert reasons(batch) == [(reason, 2)]
    assert batch.refusals[0].device == DEVICE and batch.refusals[0].source == TOPIC
    assert [r["line"] for r in batch.table.to_pylist()] == [1, 3]
    assert batch.received == 3


def test_nan_and_infinity_literals_are_kept_for_the_validation() -> None:
    payload = b'[{"metric":"stitches","ts":1714550400000,"value":NaN},' \
              b'{"metric":"stitches","ts":1714550401000,"value":-Infinity},' \
              b'{"metric":"stitches","ts":1714550402000,"value":7}]'  # fmt: skip
    batch = parse_message(TOPIC, payload)
    values = batch.table.column("value").to_pylist()
    assert math.isnan(values[0]) and values[1] == -math.inf and values[2] == 7.0
    assert batch.refusals == []


@pytest.mark.parametrize(
    "payload",
    [b'[{"metric":"stitches","ts":17145', b"", b"\xff\xfe", b'"stitches=12"', b"42", b"[]"],
)
def test_an_unreadable_payload_is_one_refusal(payload: bytes) -> None:
    batch = parse_message(TOPIC, payload)
    assert reasons(batch) == [("malformed-payload", None)]
    assert batch.refusals[0].payload == payload.decode("utf-8", errors="replace")
    assert batch.table.num_rows == 0 and batch.received == 1


def test_a_topic_without_a_device_refuses_the_payload() -> None:
    batch = parse_message("chanrong/telemetry/SM-0001", b'{"metric":"x","ts":1,"value":1}')
    assert reasons(batch) == [("malformed-payload", None)]


def test_many_messages_accumulate_into_one_batch() -> None:
    readings = Readings()
    for i in range(3):
        readings.add_message(topic_of(f"88.1001.12/SM-{i}"), orjson.dumps(
            [{"metric": "stitches", "ts": TS + j, "value": j} for j in range(4)]))  # fmt: skip
    readings.add_message(TOPIC, b"garbage")
    batch = readings.build("mqtt", "chanrong/telemetry/#")
    assert batch.table.num_rows == 12 and len(batch.refusals) == 1 and batch.received == 13
    assert batch.table.column("device").to_pylist()[4] == "88.1001.12/SM-1"


def test_http_batch_names_devices_per_reading() -> None:
    body = orjson.dumps({"readings": [
        {"device": DEVICE, "metric": "stitches", "ts": TS, "value": 1},
        {"device": DEVICE, "metric": "stitches", "ts": "2024-05-01T08:00:01Z", "value": 2},
        {"metric": "stitches", "ts": TS, "value": 3},
    ]})  # fmt: skip
    batch = parse_http_batch(body)
    assert batch.channel == "http"
    assert batch.table.column("ts_ms").to_pylist() == [TS, TS + 1000]
    assert reasons(batch) == [("missing-field", 3)]


@pytest.mark.parametrize(
    ("body", "field", "rule"),
    [
        (b"{not json", "body", "json"),
        (b"[]", "readings", "required"),
        (b'{"readings": {}}', "readings", "type"),
        (orjson.dumps({"readings": [{}] * (MAX_HTTP_READINGS + 1)}), "readings", "max_items"),
    ],
)
def test_http_batch_shape_errors_name_field_and_rule(body: bytes, field: str, rule: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse_http_batch(body)
    assert (caught.value.errors[0].field, caught.value.errors[0].rule) == (field, rule)
