"""A bank's credit rule sets and limits, changed under maker-checker: one bank admin proposes a
new version (``credit.rules.RuleSet`` parameters, including the limits and the blacklist),
another approves it (it becomes active, the previous version superseded) or rejects it; both
steps are logged in the ledger. Old versions stay, so a decision can be recomputed with the
version it used."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from chanrong import clock, db
from chanrong.credit.errors import ApplicationNotFound, InvalidRuleSet, NotTheBank, SameUser
from chanrong.credit.models import RuleSetVersion
from chanrong.credit.rules import DEFAULT_RULES, RuleSet
from chanrong.errors import FieldError, RoleRequired
from chanrong.ledger.service import Event, record
from chanrong.principal import Principal


def who(actor: Principal) -> str:
    """The person behind an action: ``user:<id>``, ``key:<id>`` or ``system``."""
    if actor.user_id is not None:
        return f"user:{actor.user_id}"
    if actor.api_key_id is not None:
        return f"key:{actor.api_key_id}"
    return "system" if actor.is_system else f"party:{actor.party_id}"


def _bank_admin(actor: Principal, bank_party_id: int) -> None:
    if not actor.acts_for(bank_party_id) or not (
        actor.is_system or actor.party_kind == "institution"
    ):
        raise NotTheBank("only the bank's own users change its rule set")
    if not (actor.is_system or "admin" in actor.roles):
        raise RoleRequired("changing a rule set needs the bank's admin role")


def as_rules(row: RuleSetVersion) -> RuleSet:
    """The `RuleSet` a stored version holds."""
    return RuleSet.from_params(row.version, row.params)


# Built once: every decision reads its bank's active rules (see ``chanrong.db.read``).
_ACTIVE = select(RuleSetVersion.version, RuleSetVersion.params).where(
    RuleSetVersion.bank_party_id == bindparam("bank"), RuleSetVersion.status == "active"
)


def active_rules(session: Session, bank_party_id: int) -> RuleSet:
    """The bank's active rule set, or `DEFAULT_RULES` when it has approved none."""
    row = db.read(session, _ACTIVE, {"bank": bank_party_id}).first()
    return DEFAULT_RULES if row is None else RuleSet.from_params(row.version, row.params)


def rules_by_version(session: Session, version: str) -> RuleSet:
    """The rule set named ``version`` (a stored one, or the default), for recomputing."""
    if version == DEFAULT_RULES.version:
        return DEFAULT_RULES
    row = session.scalar(select(RuleSetVersion).where(RuleSetVersion.version == version))
    if row is None:
        raise ApplicationNotFound(f"no rule set {version}")
    return as_rules(row)


def propose(session: Session, *, actor: Principal, bank_party_id: int,
            params: dict[str, Any]) -> RuleSetVersion:  # fmt: skip
    """A bank admin proposes a new version of the bank's rules: ``params`` override the active
    version's (unknown or inconsistent ones refused, each naming its parameter and rule)."""
    _bank_admin(actor, bank_party_id)
    base = active_rules(session, bank_party_id).params()
    unknown = sorted(set(params) - set(base))
    if unknown:
        raise InvalidRuleSet(f"unknown parameter {unknown[0]}", field=unknown[0], rule="unknown")
    number = (session.scalar(select(func.max(RuleSetVersion.number)).where(
        RuleSetVersion.bank_party_id == bank_party_id)) or 0) + 1  # fmt: skip
    version = f"bank{bank_party_id}-v{number}"
    try:
        rules = RuleSet.from_params(version, {**base, **params})
    except (TypeError, ValueError) as error:
        raise InvalidRuleSet(f"parameters do not fit: {error}", field="params",
                             rule="type") from error  # fmt: skip
    problems = rules.problems()
    if problems:
        raise InvalidRuleSet(
            f"{problems[0][0]} breaks {problems[0][1]}",
            errors=[FieldError(f"params.{f}", r, f"{f} breaks {r}") for f, r in problems],
        )
    row = RuleSetVersion(bank_party_id=bank_party_id, number=number, version=version,
                         params=rules.params(), digest=rules.digest(), status="proposed",
                         proposed_by=who(actor), proposed_at=clock.now())  # fmt: skip
    session.add(row)
    session.flush()
    record(session, Event(actor, "credit.rules.proposed", f"credit-rules:{version}",
                          {"bank": bank_party_id, "digest": row.digest, "params": row.params}))  # fmt: skip
    return row


def decide(session: Session, *, actor: Principal, rule_set_id: int,
           approve: bool) -> RuleSetVersion:  # fmt: skip
    """A second bank admin approves (it becomes the active version) or rejects a proposal; the
    proposer cannot (``SameUser``)."""
    row = session.execute(select(RuleSetVersion).where(RuleSetVersion.id == rule_set_id)
                          .with_for_update()).scalar_one_or_none()  # fmt: skip
    if row is None:
        raise ApplicationNotFound(f"no rule set proposal {rule_set_id}")
    _bank_admin(actor, row.bank_party_id)
    if row.status != "proposed":
        raise InvalidRuleSet(f"{row.version} is already {row.status}", field="rule_set_id",
                             rule="decided")  # fmt: skip
    if who(actor) == row.proposed_by:
        raise SameUser("the proposer of a rule set cannot decide it")
    if approve:
        for old in session.scalars(select(RuleSetVersion).where(
                RuleSetVersion.bank_party_id == row.bank_party_id,
                RuleSetVersion.status == "active")):  # fmt: skip
            old.status = "superseded"
        session.flush()
    row.status = "active" if approve else "rejected"
    row.decided_by, row.decided_at = who(actor), clock.now()
    session.flush()
    record(session, Event(actor, f"credit.rules.{'approved' if approve else 'rejected'}",
                          f"credit-rules:{row.version}", {"digest": row.digest}))  # fmt: skip
    return row


def versions(session: Session, *, actor: Principal, bank_party_id: int) -> list[RuleSetVersion]:
    """Every version of the bank's rules, newest first (the bank's own users only)."""
    if not actor.acts_for(bank_party_id):
        raise NotTheBank("only the bank's own users see its rule sets")
    return list(session.scalars(select(RuleSetVersion).where(
        RuleSetVersion.bank_party_id == bank_party_id).order_by(RuleSetVersion.number.desc())))  # fmt: skip
