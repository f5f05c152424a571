"""Device commands at the service layer: who may command, validation, retries and time-outs,
acknowledgements (lock state, ledger), history."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from chanrong import clock
from chanrong.cli import app as cli
from chanrong.consent import service as consent
from chanrong.consent.errors import NoGrant
from chanrong.db import Database, upgrade
from chanrong.errors import RoleRequired
from chanrong.ledger import service as ledger
from chanrong.ledger.models import LedgerEntry
from chanrong.principal import Principal
from chanrong.settings import get_settings
from chanrong.telemetry import commands
from chanrong.telemetry.commands_cli import parse_params
from chanrong.telemetry.errors import DeviceNotFound, InvalidCommand
from chanrong.telemetry.models import CommandEvent
from tests.factories import (
    create_api_key,
    create_device,
    create_device_owner,
    create_party,
    principal_of,
)

T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
SYSTEM = Principal.system()


@pytest.fixture
def fleet(session):
    """An owner with a sewing machine, and a lessor with no grant yet."""
    with clock.frozen(T0):
        owner, prefix = create_device_owner(session)
        device = create_device(session, owner, prefix)
        lessor = create_party(session, kind="institution", roles=["lessor"])
    return device, principal_of(owner), principal_of(lessor)


def _grant(session, owner, lessor, **overrides):
    fields = {
        "recipient_party_id": lessor.party_id, "scope": "device_control",
        "purpose": "lease_monitoring", "expires_at": T0 + timedelta(days=30),
    } | overrides  # fmt: skip
    return consent.give_grant(session, actor=owner, **fields)


def _events(session, command_id):
    found = select(CommandEvent.status).where(CommandEvent.command_id == command_id)
    return list(session.scalars(found.order_by(CommandEvent.id)))


def test_owner_and_platform_may_command(session, fleet) -> None:
    device, owner, _lessor = fleet
    with clock.frozen(T0):
        mine = commands.request_command(session, actor=owner, handle=device.handle, kind="lock")
        theirs = commands.request_command(
            session, actor=SYSTEM, handle=device.handle, kind="set_config",
            params={"speed": 3000, "mode": "eco", "beeper": False, "ratio": 0.5},
        )  # fmt: skip
    assert mine.status == "pending" and mine.requested_by == owner.party_id
    assert theirs.requested_by is None and theirs.max_attempts == 3
    assert _events(session, mine.id) == ["created"]


def test_a_viewer_of_the_owner_may_not_command(session, fleet) -> None:
    device, owner, _lessor = fleet
    viewer = Principal(owner.party_id, owner.party_kind, frozenset({"viewer"}))
    with pytest.raises(RoleRequired):
        commands.request_command(session, actor=viewer, handle=device.handle, kind="lock")


def test_another_party_needs_a_live_device_control_grant(session, fleet) -> None:
    device, owner, lessor = fleet
    with clock.frozen(T0):
        with pytest.raises(NoGrant):
            commands.request_command(session, actor=lessor, handle=device.handle, kind="lock",
                                     purpose="lease_monitoring")  # fmt: skip
        with pytest.raises(NoGrant):  # no purpose named: no grant can be looked up
            commands.request_command(session, actor=lessor, handle=device.handle, kind="lock")
        _grant(session, owner, lessor, purpose="credit_assessment")
        with pytest.raises(NoGrant):  # a grant for another purpose does not cover it
            commands.request_command(session, actor=lessor, handle=device.handle, kind="lock",
                                     purpose="lease_monitoring")  # fmt: skip
        _grant(session, owner, lessor, objects=[device.handle])
        command = commands.request_command(
            session, actor=lessor, handle=device.handle, kind="lock", purpose="lease_monitoring",
            reason="instalment 3 overdue",
        )  # fmt: skip
        history = commands.command_history(session, actor=lessor, handle=device.handle,
                                           purpose="lease_monitoring")  # fmt: skip
    assert command.requested_by == lessor.party_id
    assert [r.command.id for r in history] == [command.id]
    requested = ledger.entries(session, subject=device.handle, event="device.lock_requested")
    assert json.loads(requested[-1].body)["payload"]["reason"] == "instalment 3 overdue"


def test_unknown_device_is_not_found(session, fleet) -> None:
    with pytest.raises(DeviceNotFound):
        commands.request_command(session, actor=SYSTEM, handle="88.1001.12/NONE", kind="lock")


@pytest.mark.parametrize(
    ("kind", "params", "field", "rule"),
    [
        ("reboot", None, "kind", "enum"),
        ("lock", {"force": True}, "params", "empty"),
        ("set_config", None, "params", "required"),
        ("set_config", {"speed": {"max": 3}}, "params.speed", "flat_scalar"),
        ("set_config", {"limits": [1, 2]}, "params.limits", "flat_scalar"),
        ("set_config", {"speed": None}, "params.speed", "flat_scalar"),
        ("set_config", {"speed": float("nan")}, "params.speed", "finite"),
        ("set_config", {"": 1}, "params", "key"),
    ],
)
def test_bad_kind_or_params_are_refused_with_field_and_rule(
    session, fleet, kind, params, field, rule
) -> None:
    device, owner, _lessor = fleet
    with pytest.raises(InvalidCommand) as refused:
        commands.request_command(session, actor=owner, handle=device.handle, kind=kind,
                                 params=params)  # fmt: skip
    assert refused.value.status == 422
    assert (field, rule) in [(e.field, e.rule) for e in refused.value.errors]


def test_retried_up_to_max_attempts_then_timed_out(session, fleet) -> None:
    device, owner, _lessor = fleet
    with clock.frozen(T0):
        command = commands.request_command(session, actor=owner, handle=device.handle,
                                           kind="unlock", max_attempts=2)  # fmt: skip
    assert [c.id for c in commands.pending_to_send(session, now=T0)] == [command.id]
    commands.mark_sent(session, command_id=command.id, now=T0, timeout_seconds=30)
    assert command.deadline_at == T0 + timedelta(seconds=30)
    assert commands.pending_to_send(session, now=T0 + timedelta(seconds=29)) == []
    retry_at = T0 + timedelta(seconds=30)
    assert commands.pending_to_send(session, now=retry_at) == [command]
    assert commands.expire(session, now=retry_at) == []  # a send is left
    commands.mark_sent(session, command_id=command.id, now=retry_at, timeout_seconds=30)
    assert command.attempts == 2
    give_up = retry_at + timedelta(seconds=30)
    assert commands.pending_to_send(session, now=give_up) == []
    assert commands.expire(session, now=give_up) == [command]
    assert command.status == "timed_out" and command.settled_at == give_up
    assert _events(session, command.id) == ["created", "sent", "retried", "timed_out"]
    # A late ok after giving up: the device did unlock, but the status stays timed out.
    commands.acknowledge(session, command_id=command.id, ok=True, now=give_up)
    assert command.status == "timed_out"
    assert _events(session, command.id)[-1] == "late_acked"
    commands.acknowledge(session, command_id=command.id, ok=True, now=give_up)  # a repeat
    assert _events(session, command.id)[-2:] == ["late_acked", "late_ack"]


def test_ack_of_unknown_command_or_from_another_device_is_harmless(session, fleet) -> None:
    device, owner, _lessor = fleet
    with clock.frozen(T0):
        command = commands.request_command(session, actor=owner, handle=device.handle, kind="lock")
    assert commands.acknowledge(session, command_id="no-such-id", ok=True, now=T0) is None
    assert (
        commands.acknowledge(session, command_id=command.id, ok=True, now=T0,
                             handle="88.1001.12/OTHER") is None
    )  # fmt: skip
    assert command.status == "pending" and device.locked is False


def test_lock_ack_sets_locked_and_writes_a_ledger_entry(session, fleet) -> None:
    device, owner, _lessor = fleet
    with clock.frozen(T0):
        command = commands.request_command(session, actor=owner, handle=device.handle,
                                           kind="lock", reason="overdue")  # fmt: skip
    commands.mark_sent(session, command_id=command.id, now=T0)
    before = session.scalar(select(LedgerEntry.seq).order_by(LedgerEntry.seq.desc()).limit(1))
    with clock.frozen(T0):
        commands.acknowledge(session, command_id=command.id, ok=True, now=T0,
                             handle=device.handle)  # fmt: skip
    assert command.status == "acked" and device.locked is True
    locked = ledger.entries(session, subject=device.handle, event="device.locked")
    assert len(locked) == 1 and locked[0].seq > before
    payload = json.loads(locked[0].body)["payload"]
    assert payload["command_id"] == command.id and payload["reason"] == "overdue"


def test_refused_command_is_failed_and_leaves_the_device_as_it_was(session, fleet) -> None:
    device, owner, _lessor = fleet
    with clock.frozen(T0):
        command = commands.request_command(session, actor=owner, handle=device.handle, kind="lock")
    commands.mark_sent(session, command_id=command.id, now=T0)
    commands.acknowledge(session, command_id=command.id, ok=False, detail="motor running", now=T0)
    assert command.status == "failed" and command.error == "motor running"
    assert device.locked is False
    assert ledger.entries(session, subject=device.handle, event="device.locked") == []


def test_set_config_ack_merges_into_device_config(session, fleet) -> None:
    device, owner, _lessor = fleet
    with clock.frozen(T0):
        command = commands.request_command(session, actor=owner, handle=device.handle,
                                           kind="set_config", params={"speed": 2800})  # fmt: skip
    commands.acknowledge(session, command_id=command.id, ok=True, now=T0)
    assert device.config == {"speed": 2800}


def test_a_new_lock_or_unlock_supersedes_unsettled_ones(session, fleet) -> None:
    device, owner, _lessor = fleet
    with clock.frozen(T0):
        lock = commands.request_command(session, actor=owner, handle=device.handle, kind="lock")
        unlock = commands.request_command(session, actor=owner, handle=device.handle,
                                          kind="unlock")  # fmt: skip
    assert lock.status == "failed" and lock.error.startswith("superseded by unlock")
    assert commands.pending_to_send(session, now=T0) == [unlock]
    # The device had already carried out the lock: its late ok is what it last acknowledged.
    commands.acknowledge(session, command_id=lock.id, ok=True, now=T0)
    assert lock.status == "failed" and device.locked is True
    commands.acknowledge(session, command_id=unlock.id, ok=True, now=T0)
    commands.acknowledge(session, command_id=lock.id, ok=True, now=T0)  # a repeat: no effect
    assert device.locked is False
    assert len(ledger.entries(session, subject=device.handle, event="device.locked")) == 1


def test_history_is_newest_first_with_events_in_order(session, fleet) -> None:
    device, owner, _lessor = fleet
    with clock.frozen(T0):  # one clock tick: the order must not depend on created_at alone
        first = commands.request_command(session, actor=owner, handle=device.handle,
                                         kind="set_config", params={"a": 1})  # fmt: skip
        second = commands.request_command(session, actor=owner, handle=device.handle,
                                          kind="set_config", params={"b": "x"})  # fmt: skip
    commands.mark_sent(session, command_id=first.id, now=T0)
    commands.acknowledge(session, command_id=first.id, ok=True, now=T0)
    history = commands.command_history(session, actor=owner, handle=device.handle)
    assert [r.command.id for r in history] == [second.id, first.id]
    assert [e.status for e in history[1].events] == ["created", "sent", "acked"]


def test_http_request_refusal_and_history(client, db) -> None:
    with db.transaction() as session:
        owner, prefix = create_device_owner(session)
        device = create_device(session, owner, prefix)
        _, token = create_api_key(session, party=owner)
    headers = {"Authorization": f"Bearer {token}"}
    path = f"/api/v1/telemetry/devices/{device.handle}/commands"
    bad = client.post(path, headers=headers,
                      json={"kind": "set_config", "params": {"speed": {"max": 1}}})  # fmt: skip
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
    assert bad.json()["type"] == "urn:chanrong:problem:invalid-command"
    assert bad.json()["errors"][0] | {"message": ""} == {
        "field": "params.speed", "rule": "flat_scalar", "message": "",
    }  # fmt: skip
    made = client.post(path, headers=headers, json={"kind": "lock", "reason": "overdue"})
    assert made.status_code == 201, made.text
    assert made.json()["status"] == "pending" and made.json()["handle"] == device.handle
    assert [e["status"] for e in made.json()["events"]] == ["created"]
    history = client.get(path, headers=headers)
    assert [c["id"] for c in history.json()] == [made.json()["id"]]
    missing = client.get("/api/v1/telemetry/devices/88.1001.12/NOPE/commands", headers=headers)
    assert missing.status_code == 404
    assert missing.json()["type"] == "urn:chanrong:problem:device-not-found"


@pytest.fixture
def cli_env(tmp_path, monkeypatch):
    """The CLI on a throwaway SQLite file holding one device (settings are cached: cleared)."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("CHANRONG_DATABASE_URL", url)
    get_settings.cache_clear()
    database = Database(url)
    upgrade(database)
    with database.transaction() as session:
        owner, prefix = create_device_owner(session)
        handle = create_device(session, owner, prefix).handle
    database.dispose()
    yield handle
    get_settings.cache_clear()


def test_cli_send_and_list(cli_env) -> None:
    sent = CliRunner().invoke(cli, ["telemetry", "commands", "send", cli_env, "set-config",
                                    "--param", "speed=2800", "--param", "mode=eco"])  # fmt: skip
    assert sent.exit_code == 0, sent.output
    assert "queued" in sent.output
    listed = CliRunner().invoke(cli, ["telemetry", "commands", "list", cli_env])
    assert listed.exit_code == 0, listed.output
    assert "set_config" in listed.output and "pending" in listed.output


def test_cli_params_are_json_scalars_or_strings() -> None:
    assert parse_params(["a=3000", "b=0.5", "c=true", 'd="3000"', "e=eco", "f=[1]"]) == {
        "a": 3000, "b": 0.5, "c": True, "d": "3000", "e": "eco", "f": "[1]",
    }  # fmt: skip
    with pytest.raises(InvalidCommand):
        parse_params(["speed"])
