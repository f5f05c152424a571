"""HTTP API of consent under /api/v1/consent: grants, access history, indicators, packages."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, UploadFile

from chanrong.consent import schemas, sealing, service
from chanrong.http import Tx
from chanrong.parties.auth import Caller

router = APIRouter(prefix="/api/v1/consent", tags=["consent"])


@router.post("/grants", response_model=schemas.GrantOut, status_code=201)
def give_grant(body: schemas.GrantIn, session: Tx, caller: Caller) -> object:
    """Grant another party use of a scope of your data for a purpose, until an expiry."""
    return service.give_grant(
        session, actor=caller, recipient_party_id=body.recipient_party_id, scope=body.scope,
        purpose=body.purpose, expires_at=body.expires_at, objects=body.objects,
        derived_only=body.derived_only,
    )  # fmt: skip


@router.get("/grants", response_model=list[schemas.GrantOut])
def list_grants(
    session: Tx,
    caller: Caller,
    direction: Annotated[str, Query(pattern="^(given|received)$")] = "given",
) -> object:
    """Grants you gave or received."""
    return service.grants(session, actor=caller, direction=direction)


@router.post("/grants/{grant_id}/revoke", response_model=schemas.GrantOut)
def revoke_grant(grant_id: int, session: Tx, caller: Caller) -> object:
    """Revoke a grant you gave, at once."""
    return service.revoke_grant(session, actor=caller, grant_id=grant_id)


@router.get("/access", response_model=list[schemas.AccessOut])
def access_history(session: Tx, caller: Caller) -> object:
    """Who read your data, when, for what purpose, under which grant."""
    return service.access_history(session, actor=caller)


@router.get("/indicators/{owner_party_id}/{name}", response_model=schemas.IndicatorOut)
def indicator(owner_party_id: int, name: str, purpose: str, session: Tx, caller: Caller) -> object:
    """A derived indicator of a party, computed inside its scope, under a grant."""
    value, access = service.derive(
        session, actor=caller, owner_party_id=owner_party_id, purpose=purpose, indicator=name
    )
    receipt: dict[str, Any] | None = None if access is None else service.receipt(session, access)
    return {
        "owner_party_id": owner_party_id,
        "indicator": name,
        "value": value,
        "audit_receipt": receipt,
    }


@router.post("/sealing-keys", response_model=schemas.SealingKeyOut, status_code=201)
def register_sealing_key(body: schemas.SealingKeyIn, session: Tx, caller: Caller) -> object:
    """Register your party's X25519 public key; packages will be sealed to it."""
    return sealing.register_key(
        session, actor=caller, public_key=sealing.parse_public_key(body.public_key)
    )


@router.post("/packages", response_model=schemas.PackageOut, status_code=201)
def seal_package(
    file: UploadFile, session: Tx, caller: Caller, grant_id: Annotated[int, Form()],
    label: Annotated[str, Form(min_length=1, max_length=200)],
) -> object:  # fmt: skip
    """Seal a file to the recipient of one of your grants; only ciphertext is stored."""
    return sealing.seal_package(
        session, actor=caller, grant_id=grant_id, label=label,
        content_type=file.content_type or "application/octet-stream", plaintext=file.file.read(),
    )  # fmt: skip


@router.get("/packages", response_model=list[schemas.PackageOut])
def list_packages(session: Tx, caller: Caller) -> object:
    """Packages you sent or received."""
    return sealing.packages(session, actor=caller)


@router.get("/packages/{package_id}")
def package_document(package_id: int, session: Tx, caller: Caller) -> dict[str, Any]:
    """A package addressed to you, as a document to open with `chanrong consent open`."""
    return sealing.package_document(session, actor=caller, package_id=package_id)
