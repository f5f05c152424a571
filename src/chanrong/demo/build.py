"""Writing the park through the services, and counting it back from the database.

``build_park(session, seed=...)`` writes the plan of ``plan_park(seed)`` through the services
only (``draft_or_raise``/``create_party``, ``register_prefix``/``register_identifier``,
``create_user``/``issue_api_key``) acting as ``Principal.system()``; it never commits.
``park_status`` tells whether the park of a seed (or another seed's) is already there;
``summarise`` counts what the park holds into a ``ParkSummary``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from chanrong.demo.plan import DEFAULT_SEED, ParkPlan, plan_park
from chanrong.demo.roster import park_parties
from chanrong.identifiers import service as identifiers
from chanrong.parties import access
from chanrong.parties import service as parties
from chanrong.principal import Principal

DEMO_PASSWORD = "chanrong-demo"
"""The password of every demo login (``<code>-admin``)."""

ProgressHook = Callable[[str, int, int], None]
"""Called as ``hook(stage, done, total)`` after each write."""

Tick = Callable[[str], None]
"""Called as ``tick(stage)`` after each write of ``build_park``."""


@dataclass(frozen=True)
class IssuedKey:
    """An API key issued while building: shown once, in the summary."""

    party: str
    party_name: str
    role: str
    token: str


@dataclass(frozen=True)
class DemoLogin:
    """A demo console login of one party."""

    username: str
    party: str
    party_name: str
    kind: str
    roles: tuple[str, ...]


@dataclass
class ParkSummary:
    """What the park holds, counted in the database, plus its logins and fresh API keys."""

    seed: int
    parties_by_kind: dict[str, int]
    parties_by_role: dict[str, int]
    provinces: dict[str, int]
    industries: dict[str, int]
    identifiers_by_type: dict[str, int]
    prefixes: int
    users: int
    api_keys: int
    logins: list[DemoLogin]
    sample_handles: dict[str, str]
    issued_keys: list[IssuedKey] = field(default_factory=list)
    password: str = DEMO_PASSWORD

    @property
    def parties(self) -> int:
        """How many parties the park has."""
        return sum(self.parties_by_kind.values())

    @property
    def identifiers(self) -> int:
        """How many identifiers the park's enterprises registered."""
        return sum(self.identifiers_by_type.values())


def build_park(
    session: Session, *, seed: int = DEFAULT_SEED, on_progress: ProgressHook | None = None
) -> ParkSummary:
    """Write the park of ``seed`` through the services, as the system. Never commits."""
    plan = plan_park(seed)
    actor = Principal.system()
    done = 0

    def tick(stage: str) -> None:
        nonlocal done
        done += 1
        if on_progress is not None:
            on_progress(stage, done, plan.work_units)

    party_ids = write_parties(session, actor, plan, tick)
    write_prefixes(session, actor, plan, party_ids, tick)
    write_identifiers(session, actor, plan, tick)
    write_logins(session, actor, plan, party_ids, tick)
    keys = write_api_keys(session, actor, plan, party_ids, tick)
    return summarise(session, plan, issued_keys=keys)


def write_parties(session: Session, actor: Principal, plan: ParkPlan, tick: Tick) -> dict[str, int]:
    """Register every party; returns party id by park code."""
    ids = {}
    for spec in plan.parties:
        draft = parties.draft_or_raise(**spec.draft_fields())
        ids[spec.code] = parties.create_party(session, actor=actor, draft=draft).id
        tick("企业与机构 parties")
    return ids


def write_prefixes(
    session: Session,
    actor: Principal,
    plan: ParkPlan,
    party_ids: dict[str, int],
    tick: Tick,
) -> None:
    """Register every enterprise's prefix."""
    for code, prefix in plan.prefixes.items():
        identifiers.register_prefix(session, actor=actor, party_id=party_ids[code], prefix=prefix)
        tick("企业前缀 prefixes")


def write_identifiers(session: Session, actor: Principal, plan: ParkPlan, tick: Tick) -> None:
    """Register batches, devices and documents."""
    for spec in plan.identifiers:
        identifiers.register_identifier(
            session, actor=actor, handle=spec.handle, object_type=spec.object_type,
            fields=spec.fields,
        )  # fmt: skip
        tick("标识 identifiers")


def write_logins(
    session: Session,
    actor: Principal,
    plan: ParkPlan,
    party_ids: dict[str, int],
    tick: Tick,
) -> None:
    """Create one admin per party, each with its own salted hash of the demo password."""
    for login in plan.logins:
        access.create_user(
            session, actor=actor, party_id=party_ids[login.party], username=login.username,
            display_name=login.display_name, password=DEMO_PASSWORD, roles=list(login.roles),
        )  # fmt: skip
        tick("用户 users")


def write_api_keys(
    session: Session,
    actor: Principal,
    plan: ParkPlan,
    party_ids: dict[str, int],
    tick: Tick,
) -> list[IssuedKey]:
    """Issue one member API key per core enterprise and bank; returns the tokens."""
    keys = []
    for code in plan.api_key_holders:
        spec = plan.party(code)
        _key, token = access.issue_api_key(
            session, actor=actor, party_id=party_ids[code], name="demo", roles=["member"]
        )
        role = "bank" if "bank" in spec.roles else "core_enterprise"
        keys.append(IssuedKey(code, spec.name, role, token))
        tick("API 密钥 API keys")
    return keys


def park_status(session: Session, seed: int = DEFAULT_SEED) -> str:
    """``absent``, ``present`` (the park of ``seed`` is there) or ``other`` (another seed's)."""
    plan_operator = park_parties(seed)[0]
    if parties.party_ids_by_uscc(session, [plan_operator.uscc]):
        return "present"
    if access.username_taken(session, plan_operator.username):
        return "other"
    return "absent"


def summarise(
    session: Session, plan: ParkPlan, *, issued_keys: list[IssuedKey] | None = None
) -> ParkSummary:
    """Count the park's parties, identifiers, users and keys in the database."""
    party_ids = parties.party_ids_by_uscc(session, (p.uscc for p in plan.parties))
    ids = list(party_ids.values())
    logins = [
        DemoLogin(p.username, p.code, p.name, p.kind, p.roles)
        for p in plan.parties
        if p.uscc in party_ids
    ]
    samples = {}
    for spec in plan.devices:
        kind = spec.handle.rsplit("/", 1)[1].split("-")[0]
        samples.setdefault(kind, spec.handle)
    if plan.documents:
        samples.setdefault(
            "INV", next(d.handle for d in plan.documents if d.object_type == "invoice")
        )
    return ParkSummary(
        seed=plan.seed,
        parties_by_kind=parties.count_parties_by_kind(session, party_ids=ids),
        parties_by_role=parties.count_parties_by_role(session, party_ids=ids),
        provinces=parties.count_parties_by_province(session, party_ids=ids),
        industries=parties.count_parties_by_industry(session, party_ids=ids),
        identifiers_by_type=identifiers.count_identifiers(session, party_ids=ids),
        prefixes=identifiers.count_prefixes(session, party_ids=ids),
        users=access.count_users(session, party_ids=ids),
        api_keys=access.count_api_keys(session, party_ids=ids),
        logins=logins,
        sample_handles=samples,
        issued_keys=list(issued_keys or []),
    )
