"""Small factories: ``create_<thing>(session, **overrides)`` builds valid data for tests."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy.orm import Session

from chanrong.identifiers import service as identifiers
from chanrong.identifiers.models import Identifier, Prefix
from chanrong.parties import access, service, uscc
from chanrong.parties.models import ApiKey, Party, User
from chanrong.principal import Principal

_serial = itertools.count(1)
SYSTEM = Principal.system()


def make_uscc(n: int | None = None, *, division: str = "330200") -> str:
    """A valid enterprise code (authority 9, type 1) with a serial number in it."""
    number = next(_serial) if n is None else n
    return uscc.complete(f"91{division}{number:09d}"[:17])


def create_party(session: Session, **overrides: Any) -> Party:
    """An enterprise (by default a small supplier in Ningbo)."""
    fields: dict[str, Any] = {
        "kind": "enterprise",
        "name": f"测试企业{next(_serial)}有限公司",
        "uscc_code": make_uscc(),
        "province": "33",
        "city": "宁波市",
        "industry": "C35",
        "size": "small",
        "roles": ["supplier", "sme"],
    }
    fields.update(overrides)
    if fields["kind"] == "institution" and "roles" not in overrides:
        fields["roles"] = ["bank"]
    if fields["kind"] == "operator" and "roles" not in overrides:
        fields["roles"] = ["operator"]
    if fields["kind"] != "enterprise" and "industry" not in overrides:
        fields["industry"] = "J66"
    draft = service.draft_or_raise(**fields)
    return service.create_party(session, actor=SYSTEM, draft=draft)


def principal_of(party: Party, *roles: str) -> Principal:
    """A principal acting for ``party`` with ``roles`` (admin when none are given)."""
    return Principal(party.id, party.kind, frozenset(roles or ("admin",)))


def create_user(session: Session, party: Party | None = None, **overrides: Any) -> User:
    """A user (admin by default) of ``party`` (a new enterprise by default); password 'secret-pass'."""
    party = party or create_party(session)
    fields: dict[str, Any] = {
        "username": f"user{next(_serial)}",
        "display_name": "测试用户",
        "password": "secret-pass",
        "roles": ["admin"],
    }
    fields.update(overrides)
    return access.create_user(session, actor=SYSTEM, party_id=party.id, **fields)


def create_api_key(
    session: Session, party: Party | None = None, roles: list[str] | None = None
) -> tuple[ApiKey, str]:
    """An API key of ``party``; returns (key, token)."""
    party = party or create_party(session)
    return access.issue_api_key(
        session, actor=SYSTEM, party_id=party.id, name="test", roles=roles or ["admin"]
    )


def create_prefix(
    session: Session, party: Party | None = None, prefix: str | None = None
) -> Prefix:
    """A prefix for ``party``."""
    party = party or create_party(session)
    return identifiers.register_prefix(
        session, actor=SYSTEM, party_id=party.id, prefix=prefix or f"88.1001.{next(_serial)}"
    )


def create_identifier(
    session: Session, prefix: Prefix | None = None, **overrides: Any
) -> Identifier:
    """A device identifier with one public and one protected field."""
    prefix = prefix or create_prefix(session)
    fields: dict[str, Any] = {
        "handle": f"{prefix.prefix}/DEV-{next(_serial):05d}",
        "object_type": "device",
        "fields": [
            {"name": "model", "type": "string", "value": "JK-9000"},
            {
                "name": "purchase_price",
                "type": "money_fen",
                "value": 1_250_000_00,
                "protected": True,
            },
        ],
    }
    fields.update(overrides)
    owner = Principal(prefix.party_id, "enterprise", frozenset({"admin"}))
    return identifiers.register_identifier(session, actor=owner, **fields)
