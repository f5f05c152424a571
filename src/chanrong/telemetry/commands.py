"""Use cases of device commands: request one, hand due ones to the dispatcher, take a device's
acknowledgement, give up on silent devices, and show a device's command history.

A command's life (docs/telemetry-commands.md): ``pending`` -> ``sent`` (retried while no
acknowledgement arrives, up to ``max_attempts`` sends) -> ``acked`` or ``failed`` (the device's
answer) or ``timed_out`` (no answer after the last send). Every step is a ``CommandEvent``.
Delivery is at least once: a device may see one command id more than once and must treat a
repeat as the same command.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from chanrong import clock
from chanrong.consent import service as consent
from chanrong.consent.errors import NoGrant
from chanrong.errors import Problems, RoleRequired
from chanrong.ledger import service as ledger
from chanrong.principal import Principal
from chanrong.settings import get_settings
from chanrong.telemetry.errors import DeviceNotFound, InvalidCommand
from chanrong.telemetry.models import COMMAND_KINDS, Command, CommandEvent, Device

CONTROL_SCOPE = "device_control"
SETTLED = ("acked", "failed", "timed_out")
LOCKING = ("lock", "unlock")
MAX_CONFIG_KEYS = 50
MAX_KEY_LENGTH = 64
MAX_TEXT_LENGTH = 200  # of a set_config string value
MAX_REASON_LENGTH = 300
MAX_DETAIL_LENGTH = 300  # column width of CommandEvent.detail and Command.error


@dataclass(frozen=True)
class CommandRecord:
    """A command with its device handle and its events, oldest event first."""

    command: Command
    handle: str
    events: list[CommandEvent]


def check_command(kind: str, params: dict[str, Any] | None, reason: str) -> Problems:
    """The broken rules of a command's ``kind``, ``params`` and ``reason`` (pure).

    lock and unlock take no parameters; set_config takes a flat, non-empty object of at most
    ``MAX_CONFIG_KEYS`` names to a finite number, a string or a boolean.
    """
    problems = Problems()
    if kind not in COMMAND_KINDS:
        problems.add("kind", "enum", f"kind must be one of {', '.join(COMMAND_KINDS)}")
    if len(reason) > MAX_REASON_LENGTH:
        problems.add("reason", "max_length", f"reason is at most {MAX_REASON_LENGTH} characters")
    if params is not None and not isinstance(params, dict):
        problems.add("params", "object", "params must be an object")
        return problems
    if kind in LOCKING and params:
        problems.add("params", "empty", f"{kind} takes no params")
    if kind == "set_config":
        if not params:
            problems.add("params", "required", "set_config needs at least one setting")
        elif len(params) > MAX_CONFIG_KEYS:
            problems.add("params", "max_items", f"at most {MAX_CONFIG_KEYS} settings at once")
        for key, value in (params or {}).items():
            _check_setting(problems, key, value)
    return problems


def _check_setting(problems: Problems, key: object, value: object) -> None:
    if not isinstance(key, str) or not key.strip() or len(key) > MAX_KEY_LENGTH:
        problems.add("params", "key", f"setting names are 1 to {MAX_KEY_LENGTH} characters")
        return
    field = f"params.{key}"
    # bool is an int in Python; either is a scalar, so no special case is needed here.
    if isinstance(value, float) and not math.isfinite(value):
        problems.add(field, "finite", f"{key} must be a finite number")
    elif isinstance(value, str) and len(value) > MAX_TEXT_LENGTH:
        problems.add(field, "max_length", f"{key} is at most {MAX_TEXT_LENGTH} characters")
    elif not isinstance(value, int | float | str):
        problems.add(field, "flat_scalar", f"{key} must be a number, a string or a boolean")


def _device(session: Session, handle: str) -> Device:
    device = session.scalars(select(Device).where(Device.handle == handle)).one_or_none()
    if device is None:
        raise DeviceNotFound(f"No device is registered as {handle}.")
    return device


def _may_control(
    session: Session, *, actor: Principal, device: Device, purpose: str | None
) -> None:
    """The device's owner, the platform, or a party whose live ``device_control`` grant from the
    owner covers ``purpose`` and the device (checked, and audited, by consent)."""
    if actor.is_platform_admin or actor.acts_for(device.owner_party_id):
        return
    if purpose is None:
        raise NoGrant(
            f"Device {device.handle} belongs to party {device.owner_party_id}: name the purpose "
            f"of your {CONTROL_SCOPE} grant."
        )
    consent.readable(session, actor=actor, owner_party_id=device.owner_party_id,
                     scope=CONTROL_SCOPE, purpose=purpose, subject=device.handle)  # fmt: skip


def _event(session: Session, command: Command, status: str, at: datetime, detail: str = "") -> None:
    session.add(CommandEvent(
        command_id=command.id, at=at, status=status, detail=detail[:MAX_DETAIL_LENGTH]
    ))  # fmt: skip


def _settle(session: Session, command: Command, status: str, at: datetime, detail: str) -> None:
    command.status = status
    command.settled_at = at
    if status != "acked":
        command.error = detail[:MAX_DETAIL_LENGTH]
    _event(session, command, status, at, detail)


def request_command(
    session: Session,
    *,
    actor: Principal,
    handle: str,
    kind: str,
    params: dict[str, Any] | None = None,
    reason: str = "",
    purpose: str | None = None,
    max_attempts: int | None = None,
) -> Command:
    """Queue a command for the device ``handle``; the dispatcher sends it.

    Allowed to the owner's members and admins, the platform, and a party with a live
    ``device_control`` grant from the owner for ``purpose`` (e.g. a lessor, ``lease_monitoring``).
    ``max_attempts`` (sends before giving up) defaults to ``CHANRONG_COMMAND_MAX_ATTEMPTS``.
    A lock or unlock supersedes the device's unsettled lock and unlock commands, so a stale
    retry never overturns the newer intent. Lock and unlock requests go into the ledger.
    """
    problems = check_command(kind, params, reason)
    if max_attempts is not None and max_attempts < 1:
        problems.add("max_attempts", "minimum", "max_attempts is at least 1")
    if problems.errors:
        raise InvalidCommand(problems.errors[0].message, errors=problems.errors)
    device = _device(session, handle)
    if not actor.may_write():
        raise RoleRequired("Only a member or admin may command a device.")
    _may_control(session, actor=actor, device=device, purpose=purpose)
    now = clock.now()
    command = Command(
        id=str(uuid.uuid4()), device_id=device.id, kind=kind, params=dict(params or {}),
        status="pending", attempts=0,
        max_attempts=max_attempts or get_settings().command_max_attempts,
        requested_by=None if actor.is_system else actor.party_id, reason=reason,
        created_at=now, error="",
    )  # fmt: skip
    if kind in LOCKING:
        for older in _unsettled_locking(session, device.id):
            _settle(session, older, "failed", now, f"superseded by {kind} {command.id}")
        ledger.record(session, ledger.Event(
            actor=actor, event=f"device.{kind}_requested", subject=device.handle,
            payload={"command_id": command.id, "owner_party_id": device.owner_party_id,
                     "reason": reason, "purpose": purpose},
        ))  # fmt: skip
    session.add(command)
    session.flush()
    _event(session, command, "created", now, reason)
    session.flush()
    return command


def _unsettled_locking(session: Session, device_id: int) -> list[Command]:
    return list(session.scalars(select(Command).where(
        Command.device_id == device_id, Command.kind.in_(LOCKING),
        Command.status.in_(("pending", "sent")),
    )))  # fmt: skip


def pending_to_send(session: Session, *, now: datetime) -> list[Command]:
    """Commands to (re)send now, oldest first: pending ones, and sent ones whose deadline has
    passed with sends left. On PostgreSQL the rows are locked (others skip them) until the
    caller's transaction ends, so two dispatchers never send the same command in one round."""
    due = select(Command).where(or_(
        Command.status == "pending",
        and_(Command.status == "sent", Command.deadline_at <= now,
             Command.attempts < Command.max_attempts),
    )).order_by(Command.created_at, Command.id).with_for_update(skip_locked=True)  # fmt: skip
    return list(session.scalars(due))


def device_handles(session: Session, device_ids: Iterable[int]) -> dict[int, str]:
    """The handle (the MQTT topic's device identifier) of each device id."""
    ids = set(device_ids)
    if not ids:
        return {}
    rows = session.execute(select(Device.id, Device.handle).where(Device.id.in_(ids)))
    return {row.id: row.handle for row in rows}


def mark_sent(
    session: Session, *, command_id: str, now: datetime, timeout_seconds: int | None = None
) -> Command | None:
    """Record one more send of a command: attempts + 1, deadline ``now`` + ``timeout_seconds``
    (default ``CHANRONG_COMMAND_TIMEOUT_SECONDS``). None when the command is unknown or settled."""
    command = session.get(Command, command_id)
    if command is None or command.status in SETTLED:
        return None
    timeout = get_settings().command_timeout_seconds if timeout_seconds is None else timeout_seconds
    command.attempts += 1
    command.status = "sent"
    command.sent_at = now
    command.deadline_at = now + timedelta(seconds=timeout)
    step = "sent" if command.attempts == 1 else "retried"
    _event(session, command, step, now, f"attempt {command.attempts} of {command.max_attempts}")
    return command


def acknowledge(
    session: Session,
    *,
    command_id: str,
    ok: bool,
    detail: str = "",
    now: datetime,
    handle: str | None = None,
) -> Command | None:
    """Take a device's answer: ``acked`` when ``ok``, else ``failed`` with ``detail``.

    ``handle`` is the device the answer came from (its ack topic); an answer from another device
    is ignored. An ok lock or unlock sets ``Device.locked`` and is logged in the ledger; an ok
    set_config merges its params into ``Device.config``. An answer to an unknown command is
    ignored (None). One to a settled command leaves its status alone and is kept as an event:
    ``late_acked`` when it says ok to a command never acked (superseded, timed out) and no newer
    lock or unlock has been acknowledged since, for the device did carry it out and its effect
    applies (``Device.locked`` is what the device last acknowledged, never what was asked for);
    ``late_ack`` otherwise (a repeat, a refusal, a stale answer), changing nothing.
    """
    command = session.get(Command, command_id)
    if command is None:
        return None
    device = session.get(Device, command.device_id)
    if device is None or (handle is not None and device.handle != handle):
        return None
    if command.status in SETTLED:
        applies = ok and _late_ok_applies(session, command)
        said = f"{'ok' if ok else 'failed'} {detail}".strip()
        _event(session, command, "late_acked" if applies else "late_ack", now, said)
        if applies:
            _carry_out(session, device, command, now)
        return command
    if not ok:
        _settle(session, command, "failed", now, detail or "the device refused the command")
        return command
    _settle(session, command, "acked", now, detail)
    _carry_out(session, device, command, now)
    return command


def _late_ok_applies(session: Session, command: Command) -> bool:
    """Whether a late ok still tells something: the command was never acked, its late ok was
    not applied before (a repeated answer), and no newer lock or unlock of the device has been
    acknowledged since (that one is the device's current state)."""
    if command.status == "acked":
        return False
    applied = select(CommandEvent.id).where(
        CommandEvent.command_id == command.id, CommandEvent.status == "late_acked"
    )
    if session.scalars(applied.limit(1)).first() is not None:
        return False
    if command.kind not in LOCKING:
        return True
    newer = select(Command.id).where(
        Command.device_id == command.device_id, Command.kind.in_(LOCKING),
        Command.status == "acked", Command.created_at >= command.created_at,
        Command.id != command.id,
    )  # fmt: skip
    return session.scalars(newer.limit(1)).first() is None


def _carry_out(session: Session, device: Device, command: Command, now: datetime) -> None:
    if command.kind in LOCKING:
        device.locked = command.kind == "lock"
        ledger.record(session, ledger.Event(
            actor=Principal.system(), event=f"device.{command.kind}ed", subject=device.handle,
            payload={"command_id": command.id, "owner_party_id": device.owner_party_id,
                     "requested_by": command.requested_by, "reason": command.reason,
                     "acked_at": now.isoformat()},
        ))  # fmt: skip
    elif command.kind == "set_config":
        device.config = {**device.config, **command.params}


def expire(session: Session, *, now: datetime) -> list[Command]:
    """Give up on sent commands whose last send's deadline passed with no sends left:
    ``timed_out``, with an event. Returns them."""
    silent = list(session.scalars(select(Command).where(
        Command.status == "sent", Command.deadline_at <= now,
        Command.attempts >= Command.max_attempts,
    ).with_for_update(skip_locked=True)))  # fmt: skip
    for command in silent:
        _settle(session, command, "timed_out", now,
                f"no acknowledgement after {command.attempts} sends")  # fmt: skip
    return silent


def events_of(session: Session, command_id: str) -> list[CommandEvent]:
    """A command's events, oldest first."""
    found = select(CommandEvent).where(CommandEvent.command_id == command_id)
    return list(session.scalars(found.order_by(CommandEvent.id)))


def command_history(
    session: Session, *, actor: Principal, handle: str, purpose: str | None = None,
    limit: int = 100,
) -> list[CommandRecord]:  # fmt: skip
    """The device's last ``limit`` commands, newest first, each with its events (oldest first).
    Visible to whoever may command the device (a grantee's read is audited by consent)."""
    device = _device(session, handle)
    _may_control(session, actor=actor, device=device, purpose=purpose)
    newest = select(Command).where(Command.device_id == device.id)
    commands = {
        c.id: c for c in session.scalars(newest.order_by(Command.created_at.desc()).limit(limit))
    }
    events: dict[str, list[CommandEvent]] = {key: [] for key in commands}
    found = select(CommandEvent).where(CommandEvent.command_id.in_(list(commands)))
    for event in session.scalars(found.order_by(CommandEvent.id)):
        events[event.command_id].append(event)
    # Event ids are assigned in order, so a command's first event orders commands exactly even
    # when two were created within one clock tick (command ids are random UUIDs).
    order = sorted(commands, key=lambda key: events[key][0].id if events[key] else 0, reverse=True)
    return [CommandRecord(commands[key], device.handle, events[key]) for key in order]
