"""HTTP ingest end to end: a batch through the one validation, the report as the answer,
ownership of the devices, shape errors as problem+json, and the quarantine listing."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from chanrong import clock
from tests.factories import create_api_key, create_device, create_device_owner, create_party

URL = "/api/v1/telemetry/readings"


def _headers(session: Session, party: object, roles: list[str] | None = None) -> dict[str, str]:
    _key, token = create_api_key(session, party, roles=roles)
    return {"Authorization": f"Bearer {token}"}


def _now_ms() -> int:
    return int(clock.now().timestamp() * 1000)


def test_owner_posts_a_batch_and_reads_its_quarantine(client: TestClient, session: Session) -> None:
    owner, prefix = create_device_owner(session)
    device = create_device(session, owner, prefix, suffix="SM-3001")
    headers = _headers(session, owner)
    now = _now_ms()
    readings = [{"device": device.handle, "metric": "stitches", "ts": now - 5000 + i, "value": i}
                for i in range(5)]  # fmt: skip
    readings += [
        {"device": device.handle, "metric": "stitches", "ts": now, "value": "lots"},
        {"device": device.handle, "metric": "humidity", "ts": now, "value": 1},
        {"device": device.handle, "metric": "stitches", "ts": now + 86_400_000, "value": 9},
        {"device": "88.1001.12/NOBODY", "metric": "stitches", "ts": now, "value": 1},
        {"device": device.handle, "metric": "stitches", "value": 1},
    ]
    answer = client.post(URL, headers=headers, json={"readings": readings})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "received": 10, "stored": 5, "duplicates": 0, "conflicts": 0, "late": 0,
        "quarantined": {"bad-value": 1, "future-timestamp": 1, "missing-field": 1,
                        "unknown-device": 1, "unknown-metric": 1},
    }  # fmt: skip
    again = client.post(URL, headers=headers, json={"readings": readings[:5]})
    assert again.json()["duplicates"] == 5 and again.json()["stored"] == 0

    listed = client.get("/api/v1/telemetry/quarantine", headers=headers)
    assert listed.status_code == 200
    # The unknown device is nobody's: only the platform sees it.
    assert listed.json()["total"] == 4
    assert {i["reason"] for i in listed.json()["items"]} == {
        "bad-value", "future-timestamp", "missing-field", "unknown-metric"
    }  # fmt: skip
    one = client.get("/api/v1/telemetry/quarantine?reason=bad-value&limit=1", headers=headers)
    assert one.json()["total"] == 1
    assert [i["reason"] for i in one.json()["items"]] == ["bad-value"]

    platform = _headers(session, create_party(session, kind="operator"))
    everything = client.get("/api/v1/telemetry/quarantine", headers=platform)
    assert everything.json()["total"] == 5
    other = _headers(session, create_party(session))
    assert client.get("/api/v1/telemetry/quarantine", headers=other).json()["total"] == 0


def test_another_partys_device_is_forbidden(client: TestClient, session: Session) -> None:
    owner, prefix = create_device_owner(session)
    device = create_device(session, owner, prefix, suffix="SM-3002")
    reading = {"device": device.handle, "metric": "stitches", "ts": _now_ms(), "value": 1}
    stranger = _headers(session, create_party(session))
    answer = client.post(URL, headers=stranger, json={"readings": [reading]})
    assert answer.status_code == 403
    assert answer.headers["content-type"] == "application/problem+json"
    viewer = _headers(session, owner, roles=["viewer"])
    assert client.post(URL, headers=viewer, json={"readings": [reading]}).status_code == 403
    platform = _headers(session, create_party(session, kind="operator"))
    assert client.post(URL, headers=platform, json={"readings": [reading]}).json()["stored"] == 1


def test_shape_errors_are_problems_naming_field_and_rule(
    client: TestClient, session: Session
) -> None:
    owner, _prefix = create_device_owner(session)
    headers = _headers(session, owner) | {"content-type": "application/json"}
    for body, field, rule in [
        (b"{oops", "body", "json"),
        (b'{"rows": []}', "readings", "required"),
        (b'{"readings": 5}', "readings", "type"),
    ]:
        answer = client.post(URL, headers=headers, content=body)
        assert answer.status_code == 422
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["errors"][0]["field"] == field
        assert answer.json()["errors"][0]["rule"] == rule
    bad_reason = client.get("/api/v1/telemetry/quarantine?reason=bogus", headers=headers)
    assert bad_reason.status_code == 422
    assert client.post(URL, json={"readings": []}).status_code == 401
