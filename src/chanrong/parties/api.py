"""HTTP API of parties, users and API keys under /api/v1."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, UploadFile

from chanrong.errors import Invalid
from chanrong.http import Tx
from chanrong.kit import tabular
from chanrong.parties import access, reference, schemas, service, uscc
from chanrong.parties.auth import Caller

router = APIRouter(prefix="/api/v1", tags=["parties"])


@router.get("/parties/me", response_model=schemas.PartyOut)
def my_party(session: Tx, caller: Caller) -> object:
    """The caller's own party."""
    return service.get_party(session, actor=caller, party_id=caller.party_id)


@router.get("/parties", response_model=schemas.PartyPage)
def list_parties(
    session: Tx,
    caller: Caller,
    kind: str | None = None,
    role: str | None = None,
    province: str | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> object:
    """Parties in the registry, filtered by kind, role, province (code or name) and text."""
    province_key = reference.province_code(province) if province else None
    if province and province_key is None:
        # an unknown province must not silently drop the filter and list every party
        raise Invalid(f"unknown province {province!r}", field="province", rule="province")
    where = service.PartyFilter(kind=kind, role=role, province=province_key, text=q)
    items, total = service.list_parties(
        session, actor=caller, where=where, limit=limit, offset=offset
    )
    return {"items": items, "total": total, "limit": limit, "offset": offset}


@router.post("/parties", response_model=schemas.PartyOut, status_code=201)
def create_party(body: schemas.PartyIn, session: Tx, caller: Caller) -> object:
    """Register a party (platform administrators only)."""
    draft = service.draft_or_raise(
        kind=body.kind, name=body.name, uscc_code=body.uscc, province=body.province,
        city=body.city, industry=body.industry, size=body.size, roles=body.roles,
        license_code=body.license_code,
    )  # fmt: skip
    return service.create_party(session, actor=caller, draft=draft)


@router.post("/parties/import", response_model=schemas.ImportReport)
def import_parties(file: UploadFile, session: Tx, caller: Caller) -> object:
    """Import parties from a CSV or XLSX upload; refused rows come back with line and reasons."""
    rows = tabular.read_rows(file.file, filename=file.filename or "upload.csv")
    result = service.import_parties(session, actor=caller, rows=rows)
    return import_report(result)


def import_report(result: service.ImportResult) -> dict[str, object]:
    """The JSON report of an import (also written by the CLI)."""
    return {
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "refused": [
            {"line": line, "errors": [e.as_dict() for e in errors]}
            for line, errors in result.refused
        ],
    }


@router.get("/parties/{party_id}", response_model=schemas.PartyOut)
def get_party(party_id: int, session: Tx, caller: Caller) -> object:
    """A party's registry information."""
    return service.get_party(session, actor=caller, party_id=party_id)


@router.get("/uscc/{code}", response_model=schemas.UsccCheck)
def check_uscc(code: str, caller: Caller) -> object:
    """Check a unified social credit code and say which rule fails."""
    normal = uscc.normalise(code)
    found = uscc.problem(normal)
    if found is None:
        return {"code": normal, "valid": True}
    return {
        "code": normal,
        "valid": False,
        "rule": found.rule,
        "message": found.message,
        "expected_check_character": found.expected_check,
    }


@router.get("/parties/{party_id}/users", response_model=list[schemas.UserOut])
def list_users(party_id: int, session: Tx, caller: Caller) -> object:
    """A party's users (own party only)."""
    return access.list_users(session, actor=caller, party_id=party_id)


@router.post("/parties/{party_id}/users", response_model=schemas.UserOut, status_code=201)
def create_user(party_id: int, body: schemas.UserIn, session: Tx, caller: Caller) -> object:
    """Create a user in a party (its admin, or a platform admin)."""
    return access.create_user(
        session, actor=caller, party_id=party_id, username=body.username,
        display_name=body.display_name, password=body.password, roles=body.roles,
        language=body.language,
    )  # fmt: skip


@router.get("/parties/{party_id}/api-keys", response_model=list[schemas.ApiKeyOut])
def list_api_keys(party_id: int, session: Tx, caller: Caller) -> object:
    """A party's API keys, without secrets (own party only)."""
    return access.list_api_keys(session, actor=caller, party_id=party_id)


@router.post("/parties/{party_id}/api-keys", response_model=schemas.ApiKeyIssued, status_code=201)
def issue_api_key(party_id: int, body: schemas.ApiKeyIn, session: Tx, caller: Caller) -> object:
    """Issue an API key; the token in the answer is shown only this once."""
    key, token = access.issue_api_key(
        session, actor=caller, party_id=party_id, name=body.name, roles=body.roles
    )
    return {**schemas.ApiKeyOut.model_validate(key).model_dump(), "token": token}


@router.delete("/api-keys/{key_id}", response_model=schemas.ApiKeyOut)
def revoke_api_key(key_id: int, session: Tx, caller: Caller) -> object:
    """Revoke an API key at once."""
    return access.revoke_api_key(session, actor=caller, key_id=key_id)
