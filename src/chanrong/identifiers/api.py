"""HTTP API of identifiers (标识解析) under /api/v1."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from chanrong.http import Tx
from chanrong.identifiers import schemas, service
from chanrong.parties.auth import Caller

router = APIRouter(prefix="/api/v1", tags=["identifiers"])


@router.post("/prefixes", response_model=schemas.PrefixOut, status_code=201)
def register_prefix(body: schemas.PrefixIn, session: Tx, caller: Caller) -> object:
    """Register an enterprise prefix (the party's admin or a platform admin)."""
    return service.register_prefix(
        session, actor=caller, party_id=body.party_id, prefix=body.prefix
    )


@router.get("/prefixes", response_model=list[schemas.PrefixOut])
def my_prefixes(session: Tx, caller: Caller) -> object:
    """The caller's own prefixes."""
    return service.list_prefixes(session, actor=caller, party_id=caller.party_id)


@router.post("/identifiers", response_model=schemas.IdentifierOut, status_code=201)
def register_identifier(body: schemas.IdentifierIn, session: Tx, caller: Caller) -> object:
    """Register an identifier with its record under one of the caller's prefixes."""
    return service.register_identifier(
        session, actor=caller, handle=body.handle, object_type=body.object_type,
        fields=[f.model_dump() for f in body.fields],
    )  # fmt: skip


@router.get("/identifiers", response_model=schemas.IdentifierPage)
def my_identifiers(
    session: Tx,
    caller: Caller,
    party_id: int | None = None,
    object_type: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> object:
    """A party's own identifiers; asking for another party's list is refused (403)."""
    items, total = service.list_identifiers(
        session, actor=caller, party_id=caller.party_id if party_id is None else party_id,
        object_type=object_type, limit=limit, offset=offset,
    )  # fmt: skip
    return {"items": items, "total": total, "limit": limit, "offset": offset}


@router.get("/identifiers/{prefix}/{suffix}", response_model=schemas.ResolutionOut)
def resolve(
    prefix: str, suffix: str, session: Tx, caller: Caller, purpose: str | None = None
) -> object:
    """Resolve ``prefix/suffix``: public fields for all; protected fields for the owner, or for a
    grantee naming the ``purpose`` of its grant (the answer then carries the audit receipt)."""
    found = service.resolve(session, actor=caller, handle=f"{prefix}/{suffix}", purpose=purpose)
    body = schemas.ResolutionOut.model_validate(found)
    body.audit_receipt = service.audit_receipt(session, found)
    return body


@router.put("/identifiers/{prefix}/{suffix}", response_model=schemas.IdentifierOut)
def update_record(
    prefix: str, suffix: str, body: schemas.RecordIn, session: Tx, caller: Caller
) -> object:
    """Replace an identifier's record (owner only)."""
    return service.update_record(
        session,
        actor=caller,
        handle=f"{prefix}/{suffix}",
        fields=[f.model_dump() for f in body.fields],
    )
