"""Use cases of consent: give and revoke grants, and the one check every cross-party read passes.

``readable`` is the only way a service may reach another party's data: it needs a live grant
covering scope, purpose and object, refuses raw data under a derived-only grant, and writes an
access record into the audit table and the ledger in the caller's transaction. ``derive`` is the
only way to disclose an indicator computed inside the owner's scope.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Table, bindparam, select
from sqlalchemy.orm import Session

from chanrong import clock, db
from chanrong.consent import core
from chanrong.consent.errors import (
    DerivedOnly,
    GrantNotFound,
    GrantRevoked,
    InvalidGrant,
    NoGrant,
    UnknownIndicator,
)
from chanrong.consent.models import AccessRecord, Grant
from chanrong.errors import OtherPartysData, Problems, RoleRequired
from chanrong.ledger import service as ledger
from chanrong.parties import service as parties
from chanrong.principal import Principal


@dataclass(frozen=True)
class Access:
    """A permitted cross-party read: the grant used and where the audit entry landed (None while
    its audit is held, see ``held_audits``)."""

    grant_id: int
    ledger_seq: int | None


@dataclass(frozen=True)
class HeldAudit:
    """The audit of a permitted read, kept to be written by ``write_audits`` (or logged by the
    caller with its own entries, then stored by ``store_audits``)."""

    actor: Principal
    grant_id: int
    owner_party_id: int
    scope: str
    purpose: str
    subject: str
    kind: str
    at: datetime

    def event(self) -> ledger.Event:
        """Its ``data.accessed`` log event."""
        return ledger.Event(actor=self.actor, event="data.accessed", subject=self.subject,
                            payload={"owner_party_id": self.owner_party_id,
                                     "reader_party_id": self.actor.party_id, "scope": self.scope,
                                     "purpose": self.purpose, "grant_id": self.grant_id,
                                     "kind": self.kind})  # fmt: skip


_HELD = "chanrong.consent.held"


@contextmanager
def held_audits(session: Session) -> Iterator[list[HeldAudit]]:
    """Within this block, the reads that ``readable`` and ``derive`` permit keep their audit in
    the list given rather than writing it: for a use case that reads in one transaction (a
    snapshot beside the writers) and records what it decided from the data in another, which
    must then write them with ``write_audits`` (or ``store_audits``), so the audit commits with
    the decision."""
    held: list[HeldAudit] = []
    session.info[_HELD] = held
    try:
        yield held
    finally:
        session.info.pop(_HELD, None)


def write_audits(session: Session, held: Sequence[HeldAudit]) -> list[int]:
    """Write held audits (access records and their log entries, appended together); the log
    sequence numbers of their entries."""
    if not held:
        return []
    seqs = [r.seq for r in ledger.record_many(session, [h.event() for h in held])]
    store_audits(session, held, seqs)
    return seqs


def store_audits(session: Session, held: Sequence[HeldAudit], seqs: Sequence[int]) -> None:
    """Store the access records of held audits whose ``event()`` the caller has logged at
    ``seqs`` (for a use case that appends them with its own entries, under one signed head)."""
    if not held:
        return
    # straight to the driver in one statement: ORM objects and their flush cost more here than
    # the rest of a batch of credit decisions' writes, under the write lock
    db.insert_rows(session, [(_ACCESS, [
        {"grant_id": h.grant_id, "owner_party_id": h.owner_party_id,
         "reader_party_id": h.actor.party_id, "reader_user_id": h.actor.user_id,
         "scope": h.scope, "purpose": h.purpose, "subject": h.subject, "kind": h.kind,
         "at": h.at, "ledger_seq": seq}
        for h, seq in zip(held, seqs, strict=True)
    ])])  # fmt: skip


_ACCESS: Table = AccessRecord.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class Indicator:
    """A derived indicator: computed from ``scope`` data inside the owner's scope."""

    name: str
    scope: str
    compute: Callable[[Session, int], Any]
    label: tuple[str, str]


_INDICATORS: dict[str, Indicator] = {}


def register_indicator(indicator: Indicator) -> None:
    """Make an indicator disclosable under grants of its scope (domains call this at import)."""
    if indicator.scope not in core.SCOPES:
        raise ValueError(f"unknown scope {indicator.scope!r}")
    _INDICATORS[indicator.name] = indicator


def indicators() -> dict[str, Indicator]:
    """The registered indicators by name."""
    return dict(_INDICATORS)


def _terms(grant: Any) -> core.GrantTerms:
    return core.GrantTerms(
        grant.owner_party_id, grant.recipient_party_id, grant.scope, grant.purpose,
        tuple(grant.objects), grant.derived_only, grant.expires_at, grant.revoked_at,
    )  # fmt: skip


def give_grant(
    session: Session,
    *,
    actor: Principal,
    recipient_party_id: int,
    scope: str,
    purpose: str,
    expires_at: datetime,
    objects: list[str] | None = None,
    derived_only: bool = False,
) -> Grant:
    """The actor's party grants ``recipient`` use of its ``scope`` data for ``purpose``."""
    if actor.is_system or not actor.may_write():
        raise RoleRequired("Only a member or admin of the owner party may give a grant.")
    problems = Problems()
    if scope not in core.SCOPES:
        problems.add("scope", "enum", f"scope must be one of {', '.join(core.SCOPES)}")
    if purpose not in core.PURPOSES:
        problems.add("purpose", "enum", f"purpose must be one of {', '.join(core.PURPOSES)}")
    now = clock.now()
    if expires_at.tzinfo is None:
        problems.add("expires_at", "timezone", "expires_at must carry a time zone")
    elif expires_at <= now:
        problems.add("expires_at", "future", "expires_at must be in the future")
    elif expires_at > now + timedelta(days=core.MAX_GRANT_DAYS):
        problems.add("expires_at", "max_term", f"a grant lasts at most {core.MAX_GRANT_DAYS} days")
    if recipient_party_id == actor.party_id:
        problems.add("recipient_party_id", "other_party", "a party needs no grant for its own data")
    if problems.errors:
        raise InvalidGrant(problems.errors[0].message, errors=problems.errors)
    recipient = parties.get_party(session, actor=actor, party_id=recipient_party_id)
    clean_objects = sorted({o.strip() for o in objects or [] if o.strip()})
    receipt = ledger.record(session, ledger.Event(
        actor=actor, event="grant.given", subject=f"party:{actor.party_id}",
        payload={"recipient_party_id": recipient.id, "scope": scope, "purpose": purpose,
                 "objects": clean_objects, "derived_only": derived_only,
                 "expires_at": expires_at.isoformat()},
    ))  # fmt: skip
    grant = Grant(
        owner_party_id=actor.party_id, recipient_party_id=recipient.id, scope=scope, purpose=purpose,
        objects=clean_objects, derived_only=derived_only, created_at=now, expires_at=expires_at,
        ledger_seq=receipt.seq,
    )  # fmt: skip
    session.add(grant)
    session.flush()
    return grant


def revoke_grant(session: Session, *, actor: Principal, grant_id: int) -> Grant:
    """The owner withdraws a grant at once; later reads under it are refused."""
    grant = session.get(Grant, grant_id)
    if grant is None or not (
        actor.acts_for(grant.owner_party_id) or actor.party_id == grant.recipient_party_id
    ):
        raise GrantNotFound(f"No grant {grant_id} of yours.")
    if not actor.acts_for(grant.owner_party_id) or not actor.may_write():
        raise OtherPartysData("Only the owner party may revoke its grant.")
    if grant.revoked_at is not None:
        raise GrantRevoked(f"Grant {grant_id} was revoked at {grant.revoked_at.isoformat()}.")
    grant.revoked_at = clock.now()
    ledger.record(session, ledger.Event(
        actor=actor, event="grant.revoked", subject=f"party:{grant.owner_party_id}",
        payload={"grant_id": grant.id},
    ))  # fmt: skip
    return grant


def grants(session: Session, *, actor: Principal, direction: str) -> list[Grant]:
    """Grants the actor's party has ``given`` or ``received``, newest first."""
    column = Grant.owner_party_id if direction == "given" else Grant.recipient_party_id
    return list(
        session.scalars(select(Grant).where(column == actor.party_id).order_by(Grant.id.desc()))
    )


# Built once: every cross-party read checks its grants (see ``chanrong.db.read``). The rows
# carry the grant's terms and id, all that the check and the audit record need.
_LIVE_GRANTS = select(
    Grant.id, Grant.owner_party_id, Grant.recipient_party_id, Grant.scope, Grant.purpose,
    Grant.objects, Grant.derived_only, Grant.expires_at, Grant.revoked_at,
).where(
    Grant.recipient_party_id == bindparam("recipient"), Grant.owner_party_id == bindparam("owner"),
    Grant.scope == bindparam("scope"), Grant.purpose == bindparam("purpose"),
    Grant.revoked_at.is_(None), Grant.expires_at > bindparam("now"),
)  # fmt: skip


def _live_grants(session: Session, *, actor: Principal, owner_party_id: int, scope: str,
                 purpose: str, subject: str | None) -> list[Any]:  # fmt: skip
    rows = db.read(session, _LIVE_GRANTS, {
        "recipient": actor.party_id, "owner": owner_party_id, "scope": scope, "purpose": purpose,
        "now": clock.now(),
    })  # fmt: skip
    return [
        g for g in rows if core.covers(_terms(g), scope=scope, purpose=purpose, subject=subject)
    ]


def _audit(session: Session, *, actor: Principal, grant: Any, subject: str, kind: str) -> Access:
    audit = HeldAudit(actor, grant.id, grant.owner_party_id, grant.scope, grant.purpose, subject,
                      kind, clock.now())  # fmt: skip
    held = session.info.get(_HELD)
    if held is not None:
        held.append(audit)
        return Access(grant.id, None)
    return Access(grant.id, write_audits(session, [audit])[0])


def readable(session: Session, *, actor: Principal, owner_party_id: int, scope: str, purpose: str,
             subject: str) -> Access | None:  # fmt: skip
    """Permit a read of ``owner``'s raw ``scope`` data about ``subject`` for ``purpose``.

    Own data: None (no grant, no audit). Another party's: the live grant used and its audit
    entry, or ``NoGrant`` / ``DerivedOnly`` (403) when none allows raw data.
    """
    if actor.acts_for(owner_party_id):
        return None
    found = _live_grants(session, actor=actor, owner_party_id=owner_party_id, scope=scope,
                         purpose=purpose, subject=subject)  # fmt: skip
    raw = [g for g in found if not g.derived_only]
    if not raw:
        if found:
            raise DerivedOnly(
                f"Your grant from party {owner_party_id} for {scope} covers derived indicators only."
            )
        raise NoGrant(
            f"No live grant from party {owner_party_id} lets you read its {scope} data "
            f"for {purpose}."
        )
    return _audit(session, actor=actor, grant=raw[0], subject=subject, kind="raw")


def derive(session: Session, *, actor: Principal, owner_party_id: int, purpose: str,
           indicator: str) -> tuple[Any, Access | None]:  # fmt: skip
    """Compute a registered indicator inside the owner's scope and disclose only its value."""
    found = _INDICATORS.get(indicator)
    if found is None:
        raise UnknownIndicator(f"No indicator named {indicator!r}.")
    access = None
    if not actor.acts_for(owner_party_id):
        grants_found = _live_grants(session, actor=actor, owner_party_id=owner_party_id,
                                    scope=found.scope, purpose=purpose, subject=None)  # fmt: skip
        if not grants_found:
            raise NoGrant(
                f"No live grant from party {owner_party_id} for {found.scope} data and {purpose}."
            )
        access = _audit(session, actor=actor, grant=grants_found[0], subject=f"indicator:{indicator}",
                        kind="derived")  # fmt: skip
    return found.compute(session, owner_party_id), access


def access_history(session: Session, *, actor: Principal, limit: int = 200) -> list[AccessRecord]:
    """Reads of the actor's party's data by others, newest first."""
    return list(session.scalars(
        select(AccessRecord).where(AccessRecord.owner_party_id == actor.party_id)
        .order_by(AccessRecord.id.desc()).limit(limit)
    ))  # fmt: skip


def my_reads(session: Session, *, actor: Principal, limit: int = 200) -> list[AccessRecord]:
    """Reads the actor's party made of others' data, newest first."""
    return list(session.scalars(
        select(AccessRecord).where(AccessRecord.reader_party_id == actor.party_id)
        .order_by(AccessRecord.id.desc()).limit(limit)
    ))  # fmt: skip


def accesses_per_day(session: Session, *, actor: Principal, days: int = 30) -> dict[date, int]:
    """How many reads of the actor's party's data others made on each of the last ``days``
    business days (Asia/Shanghai), oldest first, days without reads included as 0."""
    today = clock.today()
    first = today - timedelta(days=days - 1)
    since = datetime.combine(first, time.min, clock.BUSINESS_TZ)
    counts = dict.fromkeys((first + timedelta(days=n) for n in range(days)), 0)
    instants = session.scalars(
        select(AccessRecord.at).where(
            AccessRecord.owner_party_id == actor.party_id, AccessRecord.at >= since
        )
    )
    for at in instants:
        day = at.astimezone(clock.BUSINESS_TZ).date()
        if day in counts:
            counts[day] += 1
    return counts


def receipt(session: Session, access: Access) -> dict[str, Any]:
    """The audit receipt of an access: leaf index, leaf hash, inclusion proof and signed head."""
    head = ledger.latest_head(session)
    size = int(head["tree_size"])
    row = ledger.entry(session, access.ledger_seq)
    return {
        "seq": access.ledger_seq,
        "leaf_hash": base64.b64encode(row.leaf_hash).decode(),
        "inclusion_proof": [
            base64.b64encode(h).decode()
            for h in ledger.inclusion_proof(session, access.ledger_seq, size)
        ],
        "sth": head,
    }


def grant_visible(session: Session, *, actor: Principal, grant_id: int) -> Grant:
    """A grant the actor gave or received."""
    grant = session.get(Grant, grant_id)
    if grant is None or actor.party_id not in (grant.owner_party_id, grant.recipient_party_id):
        raise GrantNotFound(f"No grant {grant_id} of yours.")
    return grant
