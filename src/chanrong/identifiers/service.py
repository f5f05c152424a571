"""Use cases of identifiers: register prefixes and identifiers, resolve them, list one's own."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from chanrong import clock, db
from chanrong.consent import service as consent
from chanrong.errors import OtherPartysData, RoleRequired
from chanrong.identifiers import core
from chanrong.identifiers.errors import (
    IdentifierNotFound,
    IdentifierTaken,
    InvalidIdentifier,
    NotPrefixOwner,
)
from chanrong.identifiers.models import Identifier, Prefix
from chanrong.ledger import service as ledger
from chanrong.parties import access
from chanrong.parties import service as parties
from chanrong.principal import Principal


@dataclass(frozen=True)
class Resolution:
    """What resolving an identifier returns to one caller."""

    handle: str
    object_type: str
    owner_party_id: int
    owner_name: str
    fields: list[dict[str, Any]]
    withheld: int
    created_at: datetime
    updated_at: datetime
    access: consent.Access | None = None


def register_prefix(session: Session, *, actor: Principal, party_id: int, prefix: str) -> Prefix:
    """Register an enterprise prefix for ``party_id`` (its admin, or a platform admin)."""
    access.require_admin_of(actor, party_id)
    problem = core.prefix_problem(prefix)
    if problem:
        raise InvalidIdentifier(problem, field="prefix", rule="prefix_format")
    parties.get_party(session, actor=actor, party_id=party_id)
    if session.scalar(select(Prefix.id).where(Prefix.prefix == prefix)) is not None:
        raise IdentifierTaken(f"Prefix {prefix} is already registered.")
    row = Prefix(prefix=prefix, party_id=party_id, created_at=clock.now())
    session.add(row)
    session.flush()
    ledger.record(session, ledger.Event(
        actor=actor, event="prefix.registered", subject=prefix, payload={"party_id": party_id},
    ))  # fmt: skip
    return row


def first_prefix(session: Session, party_id: int) -> str | None:
    """The party's first registered prefix (public), or None."""
    return session.scalar(
        select(Prefix.prefix).where(Prefix.party_id == party_id).order_by(Prefix.id).limit(1)
    )


def list_prefixes(session: Session, *, actor: Principal, party_id: int) -> list[Prefix]:
    """The prefixes a party owns (own party only)."""
    if not actor.acts_for(party_id) and not actor.is_platform_admin:
        raise OtherPartysData("Another party's prefixes are not listed to you.")
    return list(
        session.scalars(select(Prefix).where(Prefix.party_id == party_id).order_by(Prefix.prefix))
    )


def register_identifier(
    session: Session,
    *,
    actor: Principal,
    handle: str,
    object_type: str,
    fields: list[dict[str, Any]],
) -> Identifier:
    """Register ``handle`` (``prefix/suffix``) with its typed record. Only the prefix owner may."""
    problem = core.handle_problem(handle)
    if problem:
        raise InvalidIdentifier(problem, field="handle", rule="handle_format")
    if object_type not in core.OBJECT_TYPES:
        raise InvalidIdentifier(
            f"object_type must be one of {', '.join(core.OBJECT_TYPES)}",
            field="object_type",
            rule="enum",
        )
    record, errors = core.check_record(fields)
    if errors:
        raise InvalidIdentifier(errors[0].message, errors=errors)
    prefix = _owned_prefix(session, actor=actor, prefix=handle.partition("/")[0])
    if session.scalar(select(Identifier.id).where(Identifier.handle == handle)) is not None:
        raise IdentifierTaken(f"Identifier {handle} is already registered.")
    now = clock.now()
    row = Identifier(
        handle=handle,
        prefix_id=prefix.id,
        owner_party_id=prefix.party_id,
        object_type=object_type,
        fields=[f.as_dict() for f in record],
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    ledger.record(session, _record_event(actor, "identifier.registered", row))
    return row


def _record_event(actor: Principal, event: str, row: Identifier) -> ledger.Event:
    # A record with protected fields is logged as a salted digest only.
    return ledger.Event(
        actor=actor,
        event=event,
        subject=row.handle,
        payload={
            "object_type": row.object_type,
            "owner_party_id": row.owner_party_id,
            "fields": row.fields,
        },
        confidential=any(f.get("protected") for f in row.fields),
    )


def _owned_prefix(session: Session, *, actor: Principal, prefix: str) -> Prefix:
    row = session.scalar(select(Prefix).where(Prefix.prefix == prefix))
    if row is None:
        raise IdentifierNotFound(f"Prefix {prefix} is not registered.")
    if not actor.acts_for(row.party_id):
        raise NotPrefixOwner(f"Prefix {prefix} belongs to another party.")
    if not actor.may_write():
        raise RoleRequired("Registering identifiers needs the member or admin role.")
    return row


def update_record(
    session: Session, *, actor: Principal, handle: str, fields: list[dict[str, Any]]
) -> Identifier:
    """Replace the record of ``handle`` (owner only)."""
    row = session.scalar(select(Identifier).where(Identifier.handle == handle))
    if row is None:
        raise IdentifierNotFound(f"Identifier {handle} is not registered.")
    if not actor.acts_for(row.owner_party_id):
        raise NotPrefixOwner(f"Identifier {handle} belongs to another party.")
    if not actor.may_write():
        raise RoleRequired("Changing identifiers needs the member or admin role.")
    record, errors = core.check_record(fields)
    if errors:
        raise InvalidIdentifier(errors[0].message, errors=errors)
    row.fields = [f.as_dict() for f in record]
    row.updated_at = clock.now()
    ledger.record(session, _record_event(actor, "identifier.updated", row))
    return row


# Built once: resolution is the hot read path (see ``chanrong.db.read``).
_RESOLVE = select(
    Identifier.handle,
    Identifier.object_type,
    Identifier.owner_party_id,
    Identifier.fields,
    Identifier.created_at,
    Identifier.updated_at,
).where(Identifier.handle == bindparam("handle"))


def resolve(
    session: Session, *, actor: Principal, handle: str, purpose: str | None = None
) -> Resolution:
    """Resolve ``handle``: public fields for everyone; protected fields for the owner, and for a
    party that names a ``purpose`` its live ``identifier_records`` grant covers (audited)."""
    row = db.read(session, _RESOLVE, {"handle": handle}).first()
    if row is None:
        problem = core.handle_problem(handle)
        if problem:
            raise InvalidIdentifier(problem, field="handle", rule="handle_format")
        raise IdentifierNotFound(f"Identifier {handle} is not registered.")
    access = None
    if purpose is not None and any(f.get("protected") for f in row.fields):
        access = consent.readable(
            session, actor=actor, owner_party_id=row.owner_party_id, scope="identifier_records",
            purpose=purpose, subject=row.handle,
        )  # fmt: skip
    see_protected = actor.acts_for(row.owner_party_id) or access is not None
    shown, withheld = core.visible_fields(row.fields, see_protected=see_protected)
    return Resolution(
        handle=row.handle,
        object_type=row.object_type,
        owner_party_id=row.owner_party_id,
        owner_name=parties.party_name(session, row.owner_party_id),
        fields=shown,
        withheld=withheld,
        created_at=row.created_at,
        updated_at=row.updated_at,
        access=access,
    )


def audit_receipt(session: Session, resolution: Resolution) -> dict[str, Any] | None:
    """The audit receipt of a grantee's resolution (leaf index, proof, signed head), if any."""
    return None if resolution.access is None else consent.receipt(session, resolution.access)


def list_identifiers(
    session: Session,
    *,
    actor: Principal,
    party_id: int,
    object_type: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Identifier], int]:
    """One page of a party's own identifiers and the total (another party's list is refused)."""
    if not actor.acts_for(party_id):
        raise OtherPartysData(
            "Another party's identifiers are not listed to you; resolve one by name."
        )
    query = select(Identifier).where(Identifier.owner_party_id == party_id)
    if object_type:
        query = query.where(Identifier.object_type == object_type)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Identifier.handle).limit(limit).offset(offset)).all()
    return list(rows), total


def count_identifiers(
    session: Session, *, party_id: int | None = None, party_ids: Collection[int] | None = None
) -> dict[str, int]:
    """How many identifiers of each object type are registered (owned by one party, or by the
    parties ``party_ids``, if given), largest first."""
    query = db.among(
        select(Identifier.object_type, func.count()), Identifier.owner_party_id, party_ids
    )
    if party_id is not None:
        query = query.where(Identifier.owner_party_id == party_id)
    rows = session.execute(query.group_by(Identifier.object_type)).all()
    return db.largest_first((kind, count) for kind, count in rows)


def count_prefixes(session: Session, *, party_ids: Collection[int] | None = None) -> int:
    """How many enterprise prefixes the parties ``party_ids`` own (every party's, if not given)."""
    query = db.among(select(func.count(Prefix.id)), Prefix.party_id, party_ids)
    return session.scalar(query) or 0


def _device_count(session: Session, party_id: int) -> int:
    return count_identifiers(session, party_id=party_id).get("device", 0)


consent.register_indicator(
    consent.Indicator(
        name="identifiers.device_count",
        scope="identifier_records",
        compute=_device_count,
        label=("登记设备数", "registered devices"),
    )
)
