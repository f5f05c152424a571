"""HTTP API of device commands, included in the telemetry router (/api/v1/telemetry):
request a command for a device, and read its command history."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from chanrong.http import Tx
from chanrong.parties.auth import Caller
from chanrong.telemetry import commands

router = APIRouter(tags=["telemetry"])


class CommandIn(BaseModel):
    """A command to queue; kind and params are checked by the service (field and rule)."""

    kind: str = Field(description="lock, unlock or set_config")
    params: dict[str, Any] | None = Field(
        default=None, description="set_config: names to numbers, strings or booleans"
    )
    reason: str = Field(default="", description="why; kept in the history and the ledger")
    purpose: str | None = Field(
        default=None, description="the purpose of your device_control grant (another's device)"
    )


class CommandEventOut(BaseModel):
    """One step of a command's history."""

    at: datetime
    status: str
    detail: str


class CommandOut(BaseModel):
    """A command and where it stands."""

    id: str
    handle: str
    kind: str
    params: dict[str, Any]
    status: str
    attempts: int
    max_attempts: int
    requested_by: int | None
    reason: str
    created_at: datetime
    sent_at: datetime | None
    deadline_at: datetime | None
    settled_at: datetime | None
    error: str
    events: list[CommandEventOut]


def _out(record: commands.CommandRecord) -> CommandOut:
    c = record.command
    return CommandOut(
        id=c.id, handle=record.handle, kind=c.kind, params=c.params, status=c.status,
        attempts=c.attempts, max_attempts=c.max_attempts, requested_by=c.requested_by,
        reason=c.reason, created_at=c.created_at, sent_at=c.sent_at, deadline_at=c.deadline_at,
        settled_at=c.settled_at, error=c.error,
        events=[CommandEventOut(at=e.at, status=e.status, detail=e.detail) for e in record.events],
    )  # fmt: skip


@router.post("/devices/{handle:path}/commands", response_model=CommandOut, status_code=201)
def request_command(handle: str, body: CommandIn, session: Tx, caller: Caller) -> object:
    """Queue a lock, unlock or set_config command for a device (owner, platform, or a party
    with a device_control grant naming its purpose); the dispatcher delivers it."""
    command = commands.request_command(
        session, actor=caller, handle=handle, kind=body.kind, params=body.params,
        reason=body.reason, purpose=body.purpose,
    )  # fmt: skip
    return _out(commands.CommandRecord(command, handle, commands.events_of(session, command.id)))


@router.get("/devices/{handle:path}/commands", response_model=list[CommandOut])
def command_history(
    handle: str,
    session: Tx,
    caller: Caller,
    purpose: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> object:
    """A device's commands, newest first, each with its events (oldest first)."""
    history = commands.command_history(
        session, actor=caller, handle=handle, purpose=purpose, limit=limit
    )
    return [_out(record) for record in history]
