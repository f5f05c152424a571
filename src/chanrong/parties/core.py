"""Pure rules of the parties domain: who is acting, what a valid party looks like, secrets."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from chanrong.errors import FieldError
from chanrong.parties import reference, uscc


@dataclass(frozen=True)
class PartyDraft:
    """A checked, normalised party ready to store."""

    kind: str
    name: str
    uscc: str
    province: str
    city: str
    industry_section: str | None
    industry_division: str | None
    size_class: str | None
    license_code: str | None
    roles: tuple[str, ...]


_INDUSTRY = re.compile(r"^([A-Ta-t])?\s*(\d{2})?(\d{1,2})?$")


def parse_industry(text: str) -> tuple[str, str | None] | None:
    """Parse a GB/T 4754 industry as ``C``, ``C34``, ``34``, ``C3411`` or a section's Chinese name.

    Returns (section, division or None), or None when it is not an industry of the standard.
    """
    raw = text.strip()
    for letter, (zh, en, _lo, _hi) in reference.INDUSTRY_SECTIONS.items():
        if raw in (zh, en):
            return letter, None
    match = _INDUSTRY.match(raw)
    if not match or not (match.group(1) or match.group(2)):
        return None
    letter = match.group(1).upper() if match.group(1) else None
    division = match.group(2)
    if division is None:
        return (letter, None) if letter in reference.INDUSTRY_SECTIONS else None
    number = int(division)
    for section, (_zh, _en, lo, hi) in reference.INDUSTRY_SECTIONS.items():
        if lo <= number <= hi:
            if letter and letter != section:
                return None
            return section, f"{number:02d}"  # ASCII even when typed full-width (３４)
    return None


def draft_party(
    *,
    kind: str,
    name: str,
    uscc_code: str,
    province: str,
    city: str,
    industry: str | None = None,
    size: str | None = None,
    roles: list[str] | tuple[str, ...] = (),
    license_code: str | None = None,
) -> tuple[PartyDraft | None, list[FieldError]]:
    """Check and normalise a party's fields; returns (draft, []) or (None, every broken rule)."""
    errors: list[FieldError] = []
    if kind not in reference.PARTY_KINDS:
        errors.append(
            FieldError("kind", "enum", f"kind must be one of {list(reference.PARTY_KINDS)}")
        )
    clean_name = " ".join(name.split())
    if not clean_name:
        errors.append(FieldError("name", "required", "name is required"))
    elif len(clean_name) > 200:
        errors.append(FieldError("name", "max_length", "name is longer than 200 characters"))
    code = uscc.normalise(uscc_code)
    found = uscc.problem(code)
    if found:
        errors.append(
            FieldError("uscc", found.rule, f"unified social credit code: {found.message}")
        )
    province_key = reference.province_code(province)
    if province_key is None:
        errors.append(FieldError("province", "province", f"unknown province {province!r}"))
    clean_city = city.strip()
    if not clean_city:
        errors.append(FieldError("city", "required", "city is required"))
    elif len(clean_city) > 64:
        errors.append(FieldError("city", "max_length", "city is longer than 64 characters"))
    clean_license = (license_code or "").strip() or None
    if clean_license and len(clean_license) > 32:
        errors.append(
            FieldError("license_code", "max_length", "license_code is longer than 32 characters")
        )
    section = division = None
    if industry and industry.strip():
        parsed = parse_industry(industry)
        if parsed is None:
            errors.append(
                FieldError(
                    "industry",
                    "gb_t_4754",
                    f"{industry!r} is not a GB/T 4754-2017 industry (e.g. C34, C, 制造业)",
                )
            )
        else:
            section, division = parsed
    elif kind == "enterprise":
        errors.append(FieldError("industry", "required", "an enterprise needs its industry"))
    size_key = None
    if size and size.strip():
        size_key = reference.size_for_label(size)
        if size_key is None:
            errors.append(
                FieldError("size", "enum", f"size must be one of 大型/中型/小型/微型, got {size!r}")
            )
    role_keys: list[str] = []
    for label in roles:
        if not label.strip():
            continue
        key = reference.role_for_label(label)
        if key is None:
            errors.append(FieldError("roles", "enum", f"unknown role {label!r}"))
        elif key not in role_keys:
            role_keys.append(key)
    allowed = {
        "enterprise": reference.ENTERPRISE_ROLES,
        "institution": reference.INSTITUTION_ROLES,
        "operator": reference.OPERATOR_ROLES,
    }.get(kind, {})
    wrong = [r for r in role_keys if r not in allowed]
    if wrong and kind in reference.PARTY_KINDS:
        errors.append(
            FieldError(
                "roles", "role_for_kind", f"role(s) {wrong} do not fit a party of kind {kind}"
            )
        )
    if kind == "institution" and not any(r in reference.INSTITUTION_ROLES for r in role_keys):
        errors.append(
            FieldError(
                "roles",
                "institution_type",
                "a financial institution needs one of bank, insurer, lessor, factoring, fund",
            )
        )
    if kind == "operator" and "operator" not in role_keys:
        role_keys.append("operator")
    if errors:
        return None, errors
    return (
        PartyDraft(
            kind=kind,
            name=clean_name,
            uscc=code,
            province=province_key or "",
            city=clean_city,
            industry_section=section,
            industry_division=division,
            size_class=size_key,
            license_code=clean_license,
            roles=tuple(sorted(role_keys)),
        ),
        [],
    )


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """Hash a password with scrypt (n=2^14, r=8, p=1); the result names its parameters."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    return "scrypt$16384$8$1$" + _b64(salt) + "$" + _b64(digest)


def verify_password(password: str, stored: str) -> bool:
    """True when ``password`` matches a hash made by ``hash_password``."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    candidate = hashlib.scrypt(
        password.encode(), salt=_unb64(salt), n=int(n), r=int(r), p=int(p), dklen=32
    )
    return hmac.compare_digest(candidate, _unb64(digest))


def new_api_key() -> tuple[str, str, str]:
    """A fresh API key: (token shown once, key id stored in clear, SHA-256 of the secret)."""
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(24)
    return f"crk_{key_id}_{secret}", key_id, sha256_hex(secret)


def split_api_key(token: str) -> tuple[str, str] | None:
    """(key id, secret) from a token ``crk_<id>_<secret>``, or None when it is not one."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != "crk" or len(parts[1]) != 12:
        return None
    return parts[1], parts[2]


def sha256_hex(text: str) -> str:
    """Hex SHA-256 of a text, for secrets that are already high-entropy (keys, session tokens)."""
    return hashlib.sha256(text.encode()).hexdigest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
