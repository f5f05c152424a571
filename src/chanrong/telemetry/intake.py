"""Use cases of the ingest edges that act for a caller: an HTTP batch of readings (the caller
must own every registered device it names, or be the platform) and the quarantine listing."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from chanrong.errors import Invalid, OtherPartysData, RoleRequired
from chanrong.principal import Principal
from chanrong.telemetry import quarantine
from chanrong.telemetry.batch import REASONS, IngestReport, RawBatch
from chanrong.telemetry.ingest import ingest_batch
from chanrong.telemetry.models import Device, QuarantinedReading
from chanrong.telemetry.store import ParquetStore


def ingest_readings(
    session: Session, *, actor: Principal, store: ParquetStore, batch: RawBatch
) -> IngestReport:
    """Ingest ``batch`` for ``actor`` (flushed, not committed). Refused with
    ``OtherPartysData`` when it names a registered device of another party, unless the actor
    is the platform; unknown devices are quarantined like on every channel."""
    if not actor.may_write():
        raise RoleRequired("Sending readings needs the admin or member role.")
    if not actor.is_platform_admin:
        handles = [h for h in set(batch.table.column("device").to_pylist()) if h]
        owners = _owners(session, handles)
        foreign = sorted(h for h, owner in owners.items() if owner != actor.party_id)
        if foreign:
            raise OtherPartysData(
                f"{len(foreign)} device(s) belong to another party, e.g. {foreign[0]}."
            )
    return ingest_batch(session, store, batch)


def _owners(session: Session, handles: list[str]) -> dict[str, int]:
    """Registered devices among ``handles``: handle -> owner party id."""
    owners: dict[str, int] = {}
    for i in range(0, len(handles), 500):
        query = select(Device.handle, Device.owner_party_id).where(
            Device.handle.in_(handles[i : i + 500])
        )
        owners.update({handle: owner for handle, owner in session.execute(query)})
    return owners


def list_quarantine(
    session: Session,
    *,
    actor: Principal,
    reason: str | None = None,
    device: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[QuarantinedReading], int]:
    """Quarantined readings, newest first, and their total: those of the actor's devices, or
    every one (readings of unknown devices included) for the platform; optionally of one
    ``reason`` (a code of ``batch.REASONS``) or one device handle."""
    if reason is not None and reason not in REASONS:
        raise Invalid(f"Unknown quarantine reason {reason!r}.", field="reason", rule="one_of")
    visible = None
    if not actor.is_platform_admin:
        visible = set(
            session.scalars(select(Device.id).where(Device.owner_party_id == actor.party_id))
        )
    items = quarantine.list_quarantine(
        session, reason=reason, device=device, visible=visible, limit=limit, offset=offset
    )
    total = quarantine.count_quarantine(session, reason=reason, device=device, visible=visible)
    return items, total
