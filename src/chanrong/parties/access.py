"""Use cases of access: users, API keys, console logins, and turning a credential into a Principal."""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Collection
from datetime import timedelta

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from chanrong import clock, db
from chanrong.errors import Invalid, NotFound, OtherPartysData, Problems, RoleRequired
from chanrong.ledger import service as ledger
from chanrong.parties import core, reference
from chanrong.parties.errors import BadCredentials, DuplicateUsername
from chanrong.parties.models import ApiKey, LoginSession, Party, User
from chanrong.parties.service import get_party
from chanrong.principal import Principal

USERNAME = re.compile(r"[A-Za-z0-9_.\-]{3,64}")
_DUMMY_HASH = core.hash_password(secrets.token_urlsafe(16))


def require_admin_of(actor: Principal, party_id: int) -> None:
    """Refuse unless the actor administers ``party_id`` (or the whole platform)."""
    if actor.is_platform_admin:
        return
    if actor.party_id != party_id:
        raise OtherPartysData("You may only manage your own party.")
    if "admin" not in actor.roles:
        raise RoleRequired("This needs the admin role of your party.")


def _check_roles(roles: list[str], field: str) -> list[str]:
    unknown = [r for r in roles if r not in reference.USER_ROLES]
    if unknown or not roles:
        raise Invalid(
            f"roles must be a non-empty subset of {list(reference.USER_ROLES)}",
            field=field,
            rule="enum",
        )
    return sorted(set(roles))


def create_user(
    session: Session,
    *,
    actor: Principal,
    party_id: int,
    username: str,
    display_name: str,
    password: str,
    roles: list[str],
    language: str = "zh",
) -> User:
    """Create a user of ``party_id``. Needs the party's admin role or platform admin."""
    require_admin_of(actor, party_id)
    _check_user_fields(
        username=username, display_name=display_name, password=password, language=language
    )
    get_party(session, actor=actor, party_id=party_id)
    if username_taken(session, username):
        raise DuplicateUsername(f"Username {username!r} is taken.")
    user = User(
        party_id=party_id,
        username=username,
        display_name=display_name,
        password_hash=core.hash_password(password),
        roles=_check_roles(roles, "roles"),
        language=language,
        is_active=True,
        created_at=clock.now(),
    )
    session.add(user)
    session.flush()
    ledger.record(session, ledger.Event(
        actor=actor, event="user.created", subject=f"user:{username}",
        payload={"party_id": party_id, "roles": user.roles},
    ))  # fmt: skip
    return user


def username_taken(session: Session, username: str) -> bool:
    """Whether a user (of any party, active or not) already has ``username``."""
    return session.scalar(select(User.id).where(User.username == username)) is not None


def count_users(session: Session, *, party_ids: Collection[int] | None = None) -> int:
    """How many users (active or not) the parties ``party_ids`` have (every party's, if not
    given)."""
    query = db.among(select(func.count(User.id)), User.party_id, party_ids)
    return session.scalar(query) or 0


def count_api_keys(session: Session, *, party_ids: Collection[int] | None = None) -> int:
    """How many API keys (revoked ones too) were issued to the parties ``party_ids`` (to every
    party, if not given)."""
    query = db.among(select(func.count(ApiKey.id)), ApiKey.party_id, party_ids)
    return session.scalar(query) or 0


def _check_user_fields(*, username: str, display_name: str, password: str, language: str) -> None:
    problems = Problems()
    if not USERNAME.fullmatch(username):
        problems.add("username", "pattern", "username: 3-64 of letters, digits and _ . -")
    if not 1 <= len(display_name.strip()) <= 100:
        problems.add("display_name", "length", "display name: 1-100 characters")
    if not 8 <= len(password) <= 200:
        problems.add("password", "length", "password: 8-200 characters")
    if language not in ("zh", "en"):
        problems.add("language", "enum", "language must be zh or en")
    problems.raise_if_any()


def list_users(session: Session, *, actor: Principal, party_id: int) -> list[User]:
    """The users of a party: only its own members (or platform admins) may list them."""
    if not actor.acts_for(party_id) and not actor.is_platform_admin:
        raise OtherPartysData("The users of another party are not visible to you.")
    return list(session.scalars(select(User).where(User.party_id == party_id).order_by(User.id)))


def issue_api_key(
    session: Session, *, actor: Principal, party_id: int, name: str, roles: list[str]
) -> tuple[ApiKey, str]:
    """Issue an API key for ``party_id``; returns the stored key and the token (shown once)."""
    require_admin_of(actor, party_id)
    get_party(session, actor=actor, party_id=party_id)
    token, key_id, secret_hash = core.new_api_key()
    key = ApiKey(
        party_id=party_id,
        name=name,
        key_id=key_id,
        secret_hash=secret_hash,
        roles=_check_roles(roles, "roles"),
        created_at=clock.now(),
    )
    session.add(key)
    session.flush()
    ledger.record(session, ledger.Event(
        actor=actor, event="api_key.issued", subject=f"api_key:{key_id}",
        payload={"party_id": party_id, "name": name, "roles": key.roles},
    ))  # fmt: skip
    return key, token


def list_api_keys(session: Session, *, actor: Principal, party_id: int) -> list[ApiKey]:
    """A party's API keys (never their secrets); own party only."""
    if not actor.acts_for(party_id) and not actor.is_platform_admin:
        raise OtherPartysData("The API keys of another party are not visible to you.")
    return list(
        session.scalars(select(ApiKey).where(ApiKey.party_id == party_id).order_by(ApiKey.id))
    )


def revoke_api_key(session: Session, *, actor: Principal, key_id: int) -> ApiKey:
    """Revoke a key at once; later requests with it get 401."""
    key = session.get(ApiKey, key_id)
    if key is None:
        raise NotFound(f"No API key with id {key_id}.")
    require_admin_of(actor, key.party_id)
    if key.revoked_at is None:
        key.revoked_at = clock.now()
        ledger.record(session, ledger.Event(
            actor=actor, event="api_key.revoked", subject=f"api_key:{key.key_id}",
            payload={"party_id": key.party_id},
        ))  # fmt: skip
    return key


# Built once: every API call checks its key (see ``chanrong.db.read``).
_API_KEY = (
    select(ApiKey.id, ApiKey.party_id, ApiKey.secret_hash, ApiKey.roles, ApiKey.revoked_at,
           Party.kind)
    .join(Party, Party.id == ApiKey.party_id)
    .where(ApiKey.key_id == bindparam("key_id"))
)  # fmt: skip


def authenticate_api_key(session: Session, token: str) -> Principal:
    """The principal of a valid, unrevoked API key token, else ``BadCredentials``."""
    parts = core.split_api_key(token)
    if parts is None:
        raise BadCredentials("Malformed API key: expected crk_<id>_<secret>.")
    key_id, secret = parts
    row = db.read(session, _API_KEY, {"key_id": key_id}).first()
    if row is None or not hmac.compare_digest(row.secret_hash, core.sha256_hex(secret)):
        raise BadCredentials("Unknown API key.")
    if row.revoked_at is not None:
        raise BadCredentials("This API key has been revoked.")
    return Principal(row.party_id, row.kind, frozenset(row.roles), api_key_id=row.id)


def log_in(session: Session, *, username: str, password: str, hours: int) -> tuple[User, str]:
    """Check a password and open a console session of ``hours``; returns (user, cookie token)."""
    user = session.scalar(select(User).where(User.username == username))
    # Hash even for an unknown user, so the answer's timing does not reveal which names exist.
    stored = user.password_hash if user is not None else _DUMMY_HASH
    if not core.verify_password(password, stored) or user is None or not user.is_active:
        raise BadCredentials("Wrong username or password.")
    token = secrets.token_urlsafe(32)
    now = clock.now()
    session.add(
        LoginSession(
            user_id=user.id,
            token_hash=core.sha256_hex(token),
            created_at=now,
            expires_at=now + timedelta(hours=hours),
        )
    )
    return user, token


def log_out(session: Session, *, token: str) -> None:
    """End the console session of ``token`` (no error if it is already gone)."""
    login = session.scalar(
        select(LoginSession).where(LoginSession.token_hash == core.sha256_hex(token))
    )
    if login is not None and login.ended_at is None:
        login.ended_at = clock.now()


def authenticate_session(session: Session, token: str) -> tuple[Principal, User]:
    """The principal and user of a live console session token, else ``BadCredentials``."""
    row = session.execute(
        select(LoginSession, User, Party.kind)
        .join(User, User.id == LoginSession.user_id)
        .join(Party, Party.id == User.party_id)
        .where(LoginSession.token_hash == core.sha256_hex(token))
    ).first()
    if row is None:
        raise BadCredentials("Not logged in.")
    login, user, kind = row
    if login.ended_at is not None or login.expires_at <= clock.now() or not user.is_active:
        raise BadCredentials("Your session has ended; please log in again.")
    return Principal(user.party_id, kind, frozenset(user.roles), user_id=user.id), user


def set_language(session: Session, *, actor: Principal, language: str) -> None:
    """Remember the console language (zh or en) of the acting user."""
    if language not in ("zh", "en"):
        raise Invalid("language must be zh or en", field="language", rule="enum")
    if actor.user_id is not None:
        user = session.get(User, actor.user_id)
        if user is not None:
            user.language = language
