"""Use cases of parties: register, look up, list and import enterprises and institutions."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import Session

from chanrong import clock, db
from chanrong.errors import FieldError, Invalid, RoleRequired
from chanrong.ledger import service as ledger
from chanrong.parties import core
from chanrong.parties.core import PartyDraft
from chanrong.parties.errors import DuplicateParty, InvalidUscc, PartyNotFound
from chanrong.parties.models import Party, PartyRole
from chanrong.principal import Principal

# Column headers accepted by imports, Chinese and English, mapped to draft_party arguments.
IMPORT_HEADERS: dict[str, str] = {
    "name": "name", "名称": "name", "企业名称": "name",
    "uscc": "uscc_code", "统一社会信用代码": "uscc_code", "信用代码": "uscc_code",
    "province": "province", "省份": "province", "省": "province",
    "city": "city", "城市": "city", "市": "city",
    "industry": "industry", "行业": "industry",
    "size": "size", "规模": "size",
    "roles": "roles", "角色": "roles",
    "kind": "kind", "类型": "kind",
    "license_code": "license_code", "金融许可证编码": "license_code",
}  # fmt: skip
TEMPLATE_HEADERS = ["名称", "统一社会信用代码", "省份", "城市", "行业", "规模", "角色"]
TEMPLATE_EXAMPLE = [
    "宁波精工模具有限公司",
    "914403001922038216",
    "浙江省",
    "宁波市",
    "C35",
    "小型",
    "供应商;中小企业",
]


def require_platform_admin(actor: Principal) -> None:
    """Refuse unless the actor administers the platform (operator admin or the system)."""
    if not actor.is_platform_admin:
        raise RoleRequired("Only the platform operator's administrators may do this.")


def draft_or_raise(**fields: object) -> PartyDraft:
    """``core.draft_party`` that raises ``InvalidUscc`` or ``Invalid`` with every broken rule."""
    draft, errors = core.draft_party(**fields)  # type: ignore[arg-type]
    if draft is None:
        error_type = InvalidUscc if any(e.field == "uscc" for e in errors) else Invalid
        detail = errors[0].message if len(errors) == 1 else f"The party breaks {len(errors)} rules."
        raise error_type(detail, errors=errors)
    return draft


def create_party(session: Session, *, actor: Principal, draft: PartyDraft) -> Party:
    """Register a party from a checked draft. Only platform admins register parties."""
    require_platform_admin(actor)
    if party_ids_by_uscc(session, [draft.uscc]):
        raise DuplicateParty(
            f"A party with unified social credit code {draft.uscc} already exists.",
        )
    party = _new_party(draft)
    session.add(party)
    session.flush()
    ledger.record(session, party_event(actor, "party.registered", draft))
    return party


def party_event(actor: Principal, event: str, draft: PartyDraft) -> ledger.Event:
    """The log event of a party registered or changed (public registry data, logged in clear)."""
    payload = {
        "kind": draft.kind, "name": draft.name, "uscc": draft.uscc, "province": draft.province,
        "city": draft.city, "industry": f"{draft.industry_section or ''}{draft.industry_division or ''}",
        "size": draft.size_class, "license_code": draft.license_code, "roles": list(draft.roles),
    }  # fmt: skip
    return ledger.Event(actor=actor, event=event, subject=f"party:{draft.uscc}", payload=payload)


def _new_party(draft: PartyDraft) -> Party:
    party = Party(
        kind=draft.kind, name=draft.name, uscc=draft.uscc, province=draft.province,
        city=draft.city, industry_section=draft.industry_section,
        industry_division=draft.industry_division, size_class=draft.size_class,
        license_code=draft.license_code, created_at=clock.now(),
    )  # fmt: skip
    party.role_rows = [PartyRole(role=r) for r in draft.roles]
    return party


def get_party(session: Session, *, actor: Principal, party_id: int) -> Party:
    """A party's public registry information (visible to every authenticated caller)."""
    party = session.get(Party, party_id)
    if party is None:
        raise PartyNotFound(f"No party with id {party_id}.")
    return party


def get_party_by_uscc(session: Session, *, actor: Principal, code: str) -> Party:
    """A party by its unified social credit code."""
    party = session.scalar(select(Party).where(Party.uscc == code.strip().upper()))
    if party is None:
        raise PartyNotFound(f"No party with unified social credit code {code}.")
    return party


_PARTY_NAME = select(Party.name).where(Party.id == bindparam("party_id"))


def party_name(session: Session, party_id: int) -> str:
    """One party's registry name (public information), or ``PartyNotFound``."""
    name = db.read(session, _PARTY_NAME, {"party_id": party_id}).scalar()
    if name is None:
        raise PartyNotFound(f"No party with id {party_id}.")
    return name


def party_kinds(session: Session, party_ids: Iterable[int]) -> dict[int, str]:
    """Kinds (``enterprise``, ``institution``, ``platform``) of parties by id (public registry
    information); unknown ids are absent."""
    return {party_id: row.kind for party_id, row in registrations(session, party_ids).items()}


IDENTITY_FIELDS = ("name", "uscc", "province", "city", "industry_section", "industry_division")
"""The registration columns that make a party's identity complete (credit's first rule)."""
# Built once: every credit decision reads its applicant's and bank's registration.
_REGISTRATION = select(Party.id, Party.kind, *(getattr(Party, f) for f in IDENTITY_FIELDS)).where(
    Party.id == bindparam("party_id")
)


def registrations(session: Session, party_ids: Iterable[int]) -> dict[int, Any]:
    """The registry rows of parties by id: ``id``, ``kind`` and the ``IDENTITY_FIELDS`` as
    attributes (public registry information, without roles); unknown ids are absent."""
    # one prebuilt read per party: callers ask for a few, and an IN list of varying length
    # cannot be prebuilt (``db.read``)
    found = (db.read(session, _REGISTRATION, {"party_id": i}).first() for i in set(party_ids))
    return {row.id: row for row in found if row is not None}


def party_names(session: Session, party_ids: Iterable[int]) -> dict[int, str]:
    """Registry names of parties by id (public information), for display; unknown ids are absent."""
    wanted = sorted(set(party_ids))
    if not wanted:
        return {}
    rows = session.execute(select(Party.id, Party.name).where(Party.id.in_(wanted))).all()
    return {party_id: name for party_id, name in rows}


def party_ids_by_uscc(session: Session, codes: Iterable[str]) -> dict[str, int]:
    """Ids of the registered parties among unified social credit codes (normalised codes, as
    stored), by code; codes of no party are absent."""
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    rows = session.execute(select(Party.uscc, Party.id).where(Party.uscc.in_(wanted))).all()
    return {code: party_id for code, party_id in rows}


@dataclass(frozen=True)
class PartyFilter:
    """Filters of a party listing; empty fields do not filter."""

    kind: str | None = None
    role: str | None = None
    province: str | None = None
    text: str | None = None


def list_parties(
    session: Session, *, actor: Principal, where: PartyFilter, limit: int = 50, offset: int = 0
) -> tuple[list[Party], int]:
    """One page of parties matching ``where`` (by name) and the total count."""
    query = select(Party)
    if where.kind:
        query = query.where(Party.kind == where.kind)
    if where.role:
        query = query.where(
            Party.id.in_(select(PartyRole.party_id).where(PartyRole.role == where.role))
        )
    if where.province:
        query = query.where(Party.province == where.province)
    if where.text:
        # ilike: SQLite's LIKE ignores ASCII case and PostgreSQL's does not; make both ignore it.
        # The user's text is matched literally (its % and _ are not wildcards).
        text = where.text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like = f"%{text}%"
        query = query.where(
            or_(Party.name.ilike(like, escape="\\"), Party.uscc.ilike(like, escape="\\"))
        )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Party.id).limit(limit).offset(offset)).all()
    return list(rows), total


def count_parties_by_kind(
    session: Session, *, party_ids: Collection[int] | None = None
) -> dict[str, int]:
    """How many parties (among ``party_ids``, if given) of each kind are registered, largest
    first."""
    query = db.among(select(Party.kind, func.count()), Party.id, party_ids)
    rows = session.execute(query.group_by(Party.kind)).all()
    return db.largest_first((kind, count) for kind, count in rows)


def count_parties_by_role(
    session: Session, *, party_ids: Collection[int] | None = None
) -> dict[str, int]:
    """How many parties (among ``party_ids``, if given) hold each role, largest first; a party
    with several roles counts once under each."""
    query = db.among(select(PartyRole.role, func.count()), PartyRole.party_id, party_ids)
    rows = session.execute(query.group_by(PartyRole.role)).all()
    return db.largest_first((role, count) for role, count in rows)


def count_parties_by_province(
    session: Session, *, kind: str | None = None, party_ids: Collection[int] | None = None
) -> dict[str, int]:
    """How many parties (of ``kind``, among ``party_ids``, if given) are registered in each
    province (by GB/T 2260 code), largest first."""
    query = db.among(select(Party.province, func.count()), Party.id, party_ids)
    if kind:
        query = query.where(Party.kind == kind)
    rows = session.execute(query.group_by(Party.province)).all()
    return db.largest_first((province, count) for province, count in rows)


def count_parties_by_industry(
    session: Session, *, kind: str | None = None, party_ids: Collection[int] | None = None
) -> dict[str, int]:
    """How many parties (of ``kind``, among ``party_ids``, if given) are in each GB/T 4754
    industry, largest first.

    Keys are the section letter and division (``C35``), or the section alone when no division
    was given; parties without an industry are not counted.
    """
    query = db.among(
        select(Party.industry_section, Party.industry_division, func.count()).where(
            Party.industry_section.is_not(None)
        ),
        Party.id,
        party_ids,
    )
    if kind:
        query = query.where(Party.kind == kind)
    rows = session.execute(query.group_by(Party.industry_section, Party.industry_division)).all()
    return db.largest_first(
        (f"{section}{division or ''}", count) for section, division, count in rows
    )


@dataclass
class ImportResult:
    """Outcome of an import: counts and every refused row with its line and reasons."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    refused: list[tuple[int, list[FieldError]]] = field(default_factory=list)


def draft_from_row(
    row: dict[str, str], *, default_kind: str = "enterprise"
) -> tuple[PartyDraft | None, list[FieldError]]:
    """Map one import row (Chinese or English headers) to a party draft."""
    values: dict[str, str] = {}
    for header, value in row.items():
        target = IMPORT_HEADERS.get((header or "").strip().lower()) or IMPORT_HEADERS.get(
            (header or "").strip()
        )
        if target:
            values[target] = "" if value is None else str(value).strip()
    roles = [r for r in _split_roles(values.pop("roles", ""))]
    kind = _kind_from(values.pop("kind", ""), roles) or default_kind
    draft, errors = core.draft_party(
        kind=kind,
        name=values.get("name", ""),
        uscc_code=values.get("uscc_code", ""),
        province=values.get("province", ""),
        city=values.get("city", ""),
        industry=values.get("industry") or None,
        size=values.get("size") or None,
        roles=roles,
        license_code=values.get("license_code") or None,
    )
    extra = (row.get("__extra__") or "").strip()
    if extra:
        # Cells under no column (tabular keeps them aside): a shifted row, never guessed at.
        errors = [
            FieldError("row", "extra_cells",
                       f"the row has cells under no column ({extra!r}); check for a stray comma"),
            *errors,
        ]  # fmt: skip
        return None, errors
    return draft, errors


def _split_roles(text: str) -> Iterator[str]:
    for sep in "；;，,、|/":
        text = text.replace(sep, ";")
    return (part.strip() for part in text.split(";") if part.strip())


def _kind_from(text: str, roles: list[str]) -> str | None:
    raw = text.strip().lower()
    for key, (zh, en) in core.reference.PARTY_KINDS.items():
        if raw in (key, zh, en.lower()):
            return key
    if raw:
        return text.strip()  # not a kind: draft_party refuses it with the rule named
    keys = {core.reference.role_for_label(r) for r in roles}
    if keys & set(core.reference.INSTITUTION_ROLES):
        return "institution"
    if "operator" in keys:
        return "operator"
    return None


def import_parties(
    session: Session, *, actor: Principal, rows: Iterable[tuple[int, dict[str, str]]]
) -> ImportResult:
    """Import parties row by row: good rows land, bad rows are reported with line and reasons.

    A row whose code exists with the same data is unchanged (so re-importing a file is a no-op);
    with different data it updates the party. Two rows with one code in a file: the later one is
    refused unless identical.
    """
    require_platform_admin(actor)
    result = ImportResult()
    seen: dict[str, tuple[int, PartyDraft]] = {}
    events: list[ledger.Event] = []
    for line, row in rows:
        draft, errors = draft_from_row(row)
        if draft is None:
            result.refused.append((line, errors))
            continue
        if draft.uscc in seen:
            first_line, first = seen[draft.uscc]
            if first != draft:
                result.refused.append((line, [FieldError(
                    "uscc", "duplicate_in_file",
                    f"code {draft.uscc} already appears on line {first_line} with other data",
                )]))  # fmt: skip
            else:
                result.unchanged += 1
            continue
        seen[draft.uscc] = (line, draft)
        outcome = _upsert(session, draft)
        setattr(result, outcome, getattr(result, outcome) + 1)
        if outcome != "unchanged":
            events.append(
                party_event(
                    actor, f"party.{'registered' if outcome == 'created' else 'updated'}", draft
                )
            )
    session.flush()
    ledger.record_many(session, events)
    return result


def _upsert(session: Session, draft: PartyDraft) -> str:
    party = session.scalar(select(Party).where(Party.uscc == draft.uscc))
    if party is None:
        session.add(_new_party(draft))
        return "created"
    changed = False
    for name in ("kind", "name", "province", "city", "industry_section", "industry_division",
                 "size_class", "license_code"):  # fmt: skip
        value = getattr(draft, name)
        if getattr(party, name) != value:
            setattr(party, name, value)
            changed = True
    if tuple(party.roles) != draft.roles:
        party.role_rows = [PartyRole(role=r) for r in draft.roles]
        changed = True
    return "updated" if changed else "unchanged"
