"""Request and response shapes of the consent API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class GrantIn(BaseModel):
    """A grant to give to another party."""

    recipient_party_id: int
    scope: str = Field(examples=["identifier_records"])
    purpose: str = Field(examples=["credit_assessment"])
    expires_at: datetime = Field(description="RFC 3339 with offset")
    objects: list[str] = Field(default_factory=list, description="identifiers; empty = whole scope")
    derived_only: bool = Field(default=False, description="only derived indicators, never raw data")


class GrantOut(BaseModel):
    """A grant as its owner and recipient see it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    owner_party_id: int
    recipient_party_id: int
    scope: str
    purpose: str
    objects: list[str]
    derived_only: bool
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    ledger_seq: int


class AccessOut(BaseModel):
    """One audited read of a party's data."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    grant_id: int
    owner_party_id: int
    reader_party_id: int
    reader_user_id: int | None
    scope: str
    purpose: str
    subject: str
    kind: str
    at: datetime
    ledger_seq: int


class IndicatorOut(BaseModel):
    """A derived indicator's value, disclosed under a grant, with its audit receipt."""

    owner_party_id: int
    indicator: str
    value: Any
    audit_receipt: dict[str, Any] | None


class SealingKeyIn(BaseModel):
    """An X25519 public key, PEM or base64 of the raw 32 bytes."""

    public_key: str


class SealingKeyOut(BaseModel):
    """A registered sealing key."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    party_id: int
    created_at: datetime
    retired_at: datetime | None


class PackageOut(BaseModel):
    """A sealed package's facts (never its plaintext)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    sender_party_id: int
    recipient_party_id: int
    grant_id: int
    label: str
    content_type: str
    sha256: str
    created_at: datetime
    ledger_seq: int
