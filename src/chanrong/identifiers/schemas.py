"""Request and response shapes of the identifiers API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class PrefixIn(BaseModel):
    """A prefix to register for a party."""

    party_id: int
    prefix: str = Field(examples=["88.1001.12"])


class PrefixOut(BaseModel):
    """A registered prefix."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    prefix: str
    party_id: int
    created_at: datetime


class RecordFieldIn(BaseModel):
    """One typed field of a record (the service checks the value against the type)."""

    name: str = Field(examples=["model"])
    type: str = Field(default="string", examples=["string"])
    value: Any = Field(examples=["JK-9000"])
    protected: bool = False


class IdentifierIn(BaseModel):
    """An identifier to register under one of the caller's prefixes."""

    handle: str = Field(examples=["88.1001.12/SM-0001"])
    object_type: str = Field(examples=["device"])
    fields: list[RecordFieldIn] = Field(default_factory=list)


class RecordIn(BaseModel):
    """A replacement record."""

    fields: list[RecordFieldIn]


class IdentifierOut(BaseModel):
    """A registered identifier as its owner sees it."""

    model_config = ConfigDict(from_attributes=True)

    handle: str
    object_type: str
    owner_party_id: int
    fields: list[dict[str, Any]]
    created_at: datetime
    updated_at: datetime


class IdentifierPage(BaseModel):
    """One page of the caller's identifiers."""

    items: list[IdentifierOut]
    total: int
    limit: int
    offset: int


class ResolutionOut(BaseModel):
    """The answer to a resolution: protected fields only for the owner; ``withheld`` counts the rest."""

    model_config = ConfigDict(from_attributes=True)

    handle: str
    object_type: str
    owner_party_id: int
    owner_name: str
    fields: list[dict[str, Any]]
    withheld: int
    created_at: datetime
    updated_at: datetime
    audit_receipt: dict[str, Any] | None = None
