"""Use cases of telemetry: the device registry (register, read, list devices; the catalogue of
device types and their metrics) and what the console shows of a device's series."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, Select, bindparam, func, select
from sqlalchemy.orm import Session

from chanrong import clock, db
from chanrong.consent import service as consent
from chanrong.consent.errors import NoGrant
from chanrong.errors import OtherPartysData, RoleRequired
from chanrong.identifiers import core as identifier_core
from chanrong.identifiers.errors import IdentifierNotFound, InvalidIdentifier
from chanrong.identifiers.models import Identifier
from chanrong.ledger import service as ledger
from chanrong.principal import Principal
from chanrong.telemetry import catalogue
from chanrong.telemetry.errors import DeviceNotFound, DeviceTaken, InvalidDevice
from chanrong.telemetry.models import Device, SeriesState

READ_SCOPE = "telemetry"
"""The consent scope under which another party reads an owner's devices and their data."""
NAME_MAX = 200


@dataclass(frozen=True)
class SeriesSummary:
    """One stored series of a device: its metric, first and last reading (epoch ms, UTC), how
    many readings are stored, how many exact duplicates were seen, and the last value (in units
    of the metric's resolution)."""

    metric: catalogue.Metric | None
    metric_id: int
    first_ts_ms: int
    last_ts_ms: int
    readings: int
    duplicates: int
    last_value: int


def register_device(
    session: Session, *, actor: Principal, handle: str, device_type: str, name: str = ""
) -> Device:
    """Register a device of ``device_type`` on the identifier ``handle`` (object type device),
    owned by the actor's party (or by anyone, for the platform); one device per identifier.
    The registration is recorded in the ledger (leasing and insurance rest on devices)."""
    handle, name = handle.strip(), name.strip()
    if device_type not in catalogue.DEVICE_TYPES:
        raise InvalidDevice(
            f"device_type must be one of {', '.join(catalogue.DEVICE_TYPES)}",
            field="device_type", rule="enum",
        )  # fmt: skip
    if len(name) > NAME_MAX:
        raise InvalidDevice(
            f"name must be at most {NAME_MAX} characters", field="name", rule="max_length"
        )
    identifier = _identifier(session, handle)
    if identifier.object_type != "device":
        raise InvalidDevice(
            f"Identifier {handle} is of object type {identifier.object_type}, not device.",
            field="handle", rule="object_type",
        )  # fmt: skip
    if not (actor.is_platform_admin or actor.acts_for(identifier.owner_party_id)):
        raise OtherPartysData(f"Identifier {handle} belongs to another party.")
    if not actor.may_write():
        raise RoleRequired("Registering devices needs the member or admin role.")
    if session.scalar(select(Device.id).where(Device.identifier_id == identifier.id)) is not None:
        raise DeviceTaken(f"A device is already registered on {handle}.")
    device = Device(
        handle=identifier.handle, identifier_id=identifier.id,
        owner_party_id=identifier.owner_party_id, device_type=device_type, name=name,
        locked=False, config={}, created_at=clock.now(),
    )  # fmt: skip
    session.add(device)
    session.flush()
    ledger.record(session, ledger.Event(
        actor=actor, event="device.registered", subject=device.handle,
        payload={"device_type": device_type, "owner_party_id": device.owner_party_id,
                 "name": name},
    ))  # fmt: skip
    return device


def _identifier(session: Session, handle: str) -> Identifier:
    row = session.scalar(select(Identifier).where(Identifier.handle == handle))
    if row is None:
        problem = identifier_core.handle_problem(handle)
        if problem:
            raise InvalidIdentifier(problem, field="handle", rule="handle_format")
        raise IdentifierNotFound(f"Identifier {handle} is not registered.")
    return row


def get_device(
    session: Session, *, actor: Principal, handle: str, purpose: str | None = None
) -> Device:
    """The device registered as ``handle``: for its owner and the platform; another party names
    the ``purpose`` of its live ``telemetry`` grant (checked and audited by consent), else 403."""
    device = session.scalar(select(Device).where(Device.handle == handle))
    if device is None:
        raise DeviceNotFound(f"No device is registered as {handle}.")
    if actor.is_platform_admin or actor.acts_for(device.owner_party_id):
        return device
    if purpose is None:
        raise NoGrant(
            f"Device {handle} belongs to party {device.owner_party_id}: name the purpose of "
            f"your {READ_SCOPE} grant."
        )
    consent.readable(session, actor=actor, owner_party_id=device.owner_party_id,
                     scope=READ_SCOPE, purpose=purpose, subject=device.handle)  # fmt: skip
    return device


def fleet_subject(owner_party_id: int) -> str:
    """The consent subject of a party's whole device list (a grant naming objects does not cover
    it: such a grant reads the devices it names, one by one, with ``get_device``)."""
    return f"devices:party/{owner_party_id}"


def _fleet_owner(session: Session, actor: Principal, owner_party_id: int | None,
                 purpose: str | None, device_type: str | None) -> int | None:  # fmt: skip
    """The owner whose fleet ``actor`` may list (None: every party's, for the platform), once
    the read is allowed: its own, or under a live ``telemetry`` grant for ``purpose`` (audited)."""
    if owner_party_id is None and not actor.is_platform_admin:
        owner_party_id = actor.party_id
    if owner_party_id is not None and not (
        actor.is_platform_admin or actor.acts_for(owner_party_id)
    ):
        if purpose is None:
            raise OtherPartysData(
                "Another party's devices are listed only under its telemetry grant: name the "
                "grant's purpose."
            )
        consent.readable(session, actor=actor, owner_party_id=owner_party_id, scope=READ_SCOPE,
                         purpose=purpose, subject=fleet_subject(owner_party_id))  # fmt: skip
    if device_type is not None and device_type not in catalogue.DEVICE_TYPES:
        raise InvalidDevice(
            f"device_type must be one of {', '.join(catalogue.DEVICE_TYPES)}",
            field="device_type", rule="enum",
        )  # fmt: skip
    return owner_party_id


def list_devices(
    session: Session,
    *,
    actor: Principal,
    device_type: str | None = None,
    owner_party_id: int | None = None,
    purpose: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Device], int]:
    """One page of devices (by handle) and the total. An enterprise lists its own (the default
    owner); the platform lists every party's (or ``owner_party_id``'s); another party's list
    needs the ``purpose`` of a live ``telemetry`` grant from that owner covering its whole fleet."""
    owner_party_id = _fleet_owner(session, actor, owner_party_id, purpose, device_type)
    query = select(Device)
    if owner_party_id is not None:
        query = query.where(Device.owner_party_id == owner_party_id)
    if device_type is not None:
        query = query.where(Device.device_type == device_type)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Device.handle).limit(limit).offset(offset))
    return list(rows), total


def _fleet_statement(owned: bool, typed: bool) -> Select[Any]:
    query = select(Device.id, Device.device_type)
    if owned:
        query = query.where(Device.owner_party_id == bindparam("owner"))
    if typed:
        query = query.where(Device.device_type == bindparam("device_type"))
    return query.order_by(Device.handle).limit(bindparam("limit", type_=Integer))


# prebuilt (``db.read``): a credit decision sums an SME's fleet under its grant every time
_FLEET = {(owned, typed): _fleet_statement(owned, typed) for owned in (False, True)
          for typed in (False, True)}  # fmt: skip


def fleet(
    session: Session,
    *,
    actor: Principal,
    device_type: str | None = None,
    owner_party_id: int | None = None,
    purpose: str | None = None,
    limit: int = 50,
) -> list[Any]:
    """The first ``limit`` devices ``list_devices`` gives (same rules, same audit), as rows of
    ``id`` and ``device_type`` only: for sums over a fleet, without loading the devices."""
    owner_party_id = _fleet_owner(session, actor, owner_party_id, purpose, device_type)
    statement = _FLEET[owner_party_id is not None, device_type is not None]
    params = {"owner": owner_party_id, "device_type": device_type, "limit": limit}
    return db.read(session, statement, {k: v for k, v in params.items() if v is not None}).all()


def device_types() -> list[catalogue.DeviceType]:
    """The catalogue: every device type with its metrics (name, unit, kind, scale, labels,
    state codes), in catalogue order."""
    return list(catalogue.DEVICE_TYPES.values())


def last_readings(session: Session, device_ids: list[int]) -> dict[int, int]:
    """The newest stored reading time (epoch ms, UTC) of each of ``device_ids`` that has one.
    Call it only on devices the actor was allowed to list or read."""
    if not device_ids:
        return {}
    rows = session.execute(
        select(SeriesState.device_id, func.max(SeriesState.last_ts_ms))
        .where(SeriesState.device_id.in_(device_ids))
        .group_by(SeriesState.device_id)
    )
    return {device_id: int(last) for device_id, last in rows}


def series_of(session: Session, device: Device) -> list[SeriesSummary]:
    """The stored series of ``device`` (one it was read through ``get_device``), by metric id."""
    rows = session.scalars(
        select(SeriesState)
        .where(SeriesState.device_id == device.id)
        .order_by(SeriesState.metric_id)
    )
    return [_summary(row) for row in rows]


def _summary(row: SeriesState) -> SeriesSummary:
    return SeriesSummary(
        metric=catalogue.METRICS_BY_ID.get(row.metric_id), metric_id=row.metric_id,
        first_ts_ms=row.first_ts_ms, last_ts_ms=row.last_ts_ms, readings=row.readings,
        duplicates=row.duplicates, last_value=row.last_value,
    )  # fmt: skip
