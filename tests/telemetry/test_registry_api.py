"""The device registry over HTTP (catalogue, register, list, read; problem+json refusals) and on
the command line."""

from __future__ import annotations

from datetime import timedelta

import pytest
from typer.testing import CliRunner

from chanrong import clock
from chanrong.cli import app as cli
from chanrong.consent import service as consent
from chanrong.db import Database, upgrade
from chanrong.ledger import service as ledger
from chanrong.settings import get_settings
from chanrong.telemetry.errors import DeviceTaken
from tests.factories import (
    DEVICE_HANDLE,
    create_api_key,
    create_device,
    create_device_owner,
    create_party,
    principal_of,
)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def keys(db):
    """API keys of the device owner (no device registered yet), a stranger and a lender who
    holds the owner's telemetry grant for credit assessment."""
    with db.transaction() as session:
        owner, _prefix = create_device_owner(session)
        stranger = create_party(session)
        lender = create_party(session, kind="institution", roles=["bank"])
        consent.give_grant(
            session, actor=principal_of(owner), recipient_party_id=lender.id, scope="telemetry",
            purpose="credit_assessment", expires_at=clock.now() + timedelta(days=30),
        )  # fmt: skip
        tokens = [create_api_key(session, party=p)[1] for p in (owner, stranger, lender)]
    return [_bearer(t) for t in tokens]


def test_types(client, keys) -> None:
    answer = client.get("/api/v1/telemetry/types", headers=keys[0])
    assert answer.status_code == 200
    kinds = {k["name"]: k for k in answer.json()}
    assert len(kinds) == 6
    power = next(m for m in kinds["sewing_machine"]["metrics"] if m["name"] == "power_state")
    assert power == {
        "id": 4, "name": "power_state", "unit": "1", "kind": "state", "scale": 0,
        "label_zh": "电源状态", "label_en": "power state",
        "states": [{"code": 0, "label_zh": "关机", "label_en": "off"},
                   {"code": 1, "label_zh": "开机", "label_en": "on"}],
    }  # fmt: skip
    assert client.get("/api/v1/telemetry/types").status_code == 401


def test_register_list_and_read(client, db, keys) -> None:
    owner, stranger, lender = keys
    body = {"handle": DEVICE_HANDLE, "device_type": "sewing_machine", "name": "1号机"}
    made = client.post("/api/v1/telemetry/devices", headers=owner, json=body)
    assert made.status_code == 201, made.text
    assert made.json() | {"created_at": ""} == {
        "handle": DEVICE_HANDLE, "device_type": "sewing_machine", "name": "1号机",
        "owner_party_id": made.json()["owner_party_id"], "locked": False, "created_at": "",
    }  # fmt: skip
    with db.transaction() as session:
        assert ledger.entries(session, subject=DEVICE_HANDLE, event="device.registered")

    again = client.post("/api/v1/telemetry/devices", headers=owner, json=body)
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"
    assert again.json()["type"] == "urn:chanrong:problem:device-taken"

    listed = client.get("/api/v1/telemetry/devices", headers=owner).json()
    assert [d["handle"] for d in listed["items"]] == [DEVICE_HANDLE] and listed["total"] == 1
    assert client.get("/api/v1/telemetry/devices", headers=stranger).json()["total"] == 0
    filtered = client.get("/api/v1/telemetry/devices?device_type=motor", headers=owner)
    assert filtered.json()["total"] == 0

    path = f"/api/v1/telemetry/devices/{DEVICE_HANDLE}"
    assert client.get(path, headers=owner).json()["name"] == "1号机"
    refused = client.get(path, headers=stranger)
    assert refused.status_code == 403
    assert refused.json()["type"] == "urn:chanrong:problem:no-grant"
    granted = client.get(f"{path}?purpose=credit_assessment", headers=lender)
    assert granted.status_code == 200 and granted.json()["handle"] == DEVICE_HANDLE
    fleet = client.get(
        "/api/v1/telemetry/devices",
        params={"owner_party_id": listed["items"][0]["owner_party_id"],
                "purpose": "credit_assessment"},
        headers=lender,
    )  # fmt: skip
    assert fleet.json()["total"] == 1
    missing = client.get("/api/v1/telemetry/devices/88.1001.12/NOPE", headers=owner)
    assert missing.status_code == 404
    assert missing.json()["type"] == "urn:chanrong:problem:device-not-found"


def test_registration_refusals(client, keys) -> None:
    owner, stranger, _lender = keys
    unknown = client.post("/api/v1/telemetry/devices", headers=owner,
                          json={"handle": DEVICE_HANDLE, "device_type": "toaster"})  # fmt: skip
    assert unknown.status_code == 422
    assert unknown.json()["type"] == "urn:chanrong:problem:invalid-device"
    assert unknown.json()["errors"][0] | {"message": ""} == {
        "field": "device_type", "rule": "enum", "message": "",
    }  # fmt: skip
    theirs = client.post("/api/v1/telemetry/devices", headers=stranger,
                         json={"handle": DEVICE_HANDLE, "device_type": "motor"})  # fmt: skip
    assert theirs.status_code == 403


def test_command_routes_are_not_shadowed_by_the_device_route(client, db) -> None:
    with db.transaction() as session:
        owner, prefix = create_device_owner(session)
        device = create_device(session, owner, prefix)
        _, token = create_api_key(session, party=owner)
    history = client.get(
        f"/api/v1/telemetry/devices/{device.handle}/commands", headers=_bearer(token)
    )
    assert history.status_code == 200 and history.json() == []


@pytest.fixture
def cli_db(tmp_path, monkeypatch):
    """The CLI on a throwaway SQLite file with the device owner's identifier (settings are
    cached: cleared)."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("CHANRONG_DATABASE_URL", url)
    get_settings.cache_clear()
    database = Database(url)
    upgrade(database)
    with database.transaction() as session:
        create_device_owner(session)
    yield database
    database.dispose()
    get_settings.cache_clear()


def test_cli_register_list_and_types(cli_db) -> None:
    runner = CliRunner()
    made = runner.invoke(cli, ["telemetry", "devices", "register", DEVICE_HANDLE,
                               "--type", "energy_meter", "--name", "总表"])  # fmt: skip
    assert made.exit_code == 0, made.output
    assert f"registered {DEVICE_HANDLE} (energy_meter)" in made.output
    twice = runner.invoke(cli, ["telemetry", "devices", "register", DEVICE_HANDLE,
                                "--type", "energy_meter"])  # fmt: skip
    assert isinstance(twice.exception, DeviceTaken)  # main() prints it and exits with 2
    listed = runner.invoke(cli, ["telemetry", "devices", "list"])
    assert listed.exit_code == 0, listed.output
    assert DEVICE_HANDLE in listed.output and "总表" in listed.output
    assert "1 of 1" in listed.output
    types = runner.invoke(cli, ["telemetry", "types"])
    assert types.exit_code == 0, types.output
    assert "kwh_valley" in types.output and "hydraulic_pressure" in types.output
