"""Request and response shapes of the parties API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class PartyIn(BaseModel):
    """A party to create. Codes and labels are checked by the service (Chinese or English)."""

    kind: str = Field(description="enterprise, institution or operator", examples=["enterprise"])
    name: str = Field(min_length=1, max_length=200, examples=["宁波精工模具有限公司"])
    uscc: str = Field(
        description="统一社会信用代码, GB 32100-2015", examples=["914403001922038216"]
    )
    province: str = Field(description="code, 中文 or English name", examples=["浙江省"])
    city: str = Field(min_length=1, max_length=64, examples=["宁波市"])
    industry: str | None = Field(default=None, description="GB/T 4754-2017, e.g. C35")
    size: str | None = Field(default=None, description="large/medium/small/micro or 大型...")
    roles: list[str] = Field(default_factory=list, examples=[["supplier", "sme"]])
    license_code: str | None = Field(default=None, description="金融许可证机构编码 (institutions)")


class PartyOut(BaseModel):
    """A party as shown to any authenticated caller (public registry information)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    name: str
    uscc: str
    province: str
    city: str
    industry_section: str | None
    industry_division: str | None
    size_class: str | None
    license_code: str | None
    roles: list[str]
    created_at: datetime


class PartyPage(BaseModel):
    """One page of a party listing."""

    items: list[PartyOut]
    total: int
    limit: int
    offset: int


class UsccCheck(BaseModel):
    """The outcome of checking a unified social credit code."""

    code: str
    valid: bool
    rule: str | None = None
    message: str | None = None
    expected_check_character: str | None = None


class UserIn(BaseModel):
    """A user to create in a party."""

    username: str = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")
    display_name: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=8, max_length=200)
    roles: list[str] = Field(default_factory=lambda: ["member"])
    language: str = Field(default="zh", pattern=r"^(zh|en)$")


class UserOut(BaseModel):
    """A user, without secrets."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    party_id: int
    username: str
    display_name: str
    roles: list[str]
    language: str
    is_active: bool
    created_at: datetime


class ApiKeyIn(BaseModel):
    """An API key to issue for the caller's party."""

    name: str = Field(min_length=1, max_length=100)
    roles: list[str] = Field(default_factory=lambda: ["member"])


class ApiKeyOut(BaseModel):
    """An API key's public facts (never its secret)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    party_id: int
    name: str
    key_id: str
    roles: list[str]
    created_at: datetime
    revoked_at: datetime | None


class ApiKeyIssued(ApiKeyOut):
    """A new key: ``token`` is shown this once and never again."""

    token: str


class ImportRowError(BaseModel):
    """One refused row of an import."""

    line: int
    errors: list[dict[str, str]]


class ImportReport(BaseModel):
    """What an import did."""

    created: int
    updated: int
    unchanged: int
    refused: list[ImportRowError]
