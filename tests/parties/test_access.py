"""Users, API keys, console sessions and who may manage a party (parties/access.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chanrong import clock
from chanrong.errors import Invalid, NotFound, OtherPartysData, RoleRequired
from chanrong.parties import access, core
from chanrong.parties.errors import BadCredentials, DuplicateUsername
from tests.factories import SYSTEM, create_api_key, create_party, create_user, principal_of

T0 = datetime(2025, 3, 3, 1, 0, tzinfo=UTC)


def test_create_user_hashes_the_password_and_sorts_roles(session):
    party = create_party(session)
    user = access.create_user(
        session, actor=principal_of(party, "admin"), party_id=party.id, username="li.lei",
        display_name="李雷", password="correct horse", roles=["member", "admin", "member"],
    )  # fmt: skip
    assert user.roles == ["admin", "member"]
    assert "correct horse" not in user.password_hash
    assert user.password_hash.startswith("scrypt$16384$8$1$")
    assert core.verify_password("correct horse", user.password_hash)
    assert not core.verify_password("correct horse!", user.password_hash)


def test_verify_password_refuses_a_malformed_hash():
    assert not core.verify_password("x", "not-a-hash")
    assert not core.verify_password("x", "bcrypt$1$2$3$c2FsdA$ZGlnZXN0")


def test_username_taken(session):
    assert not access.username_taken(session, "han.meimei")
    create_user(session, username="han.meimei")
    assert access.username_taken(session, "han.meimei")
    assert not access.username_taken(session, "Han.Meimei2")


def test_count_users_and_api_keys_of_some_parties(session):
    first, second, third = (create_party(session) for _ in range(3))
    for party in (first, first, second, third):
        create_user(session, party)
    key, _token = create_api_key(session, first)
    create_api_key(session, second)
    create_api_key(session, third)
    access.revoke_api_key(session, actor=SYSTEM, key_id=key.id)
    ids = [first.id, second.id]
    assert access.count_users(session, party_ids=ids) == 3
    assert access.count_api_keys(session, party_ids=ids) == 2  # the revoked key counts
    assert access.count_users(session, party_ids=[]) == 0
    assert access.count_users(session) >= 4


def test_duplicate_username_is_a_409(session):
    create_user(session, username="han.meimei")
    with pytest.raises(DuplicateUsername) as caught:
        create_user(session, username="han.meimei")
    assert caught.value.status == 409


@pytest.mark.parametrize("roles", [[], ["owner"], ["admin", "root"]])
def test_user_roles_must_be_known(session, roles):
    with pytest.raises(Invalid) as caught:
        create_user(session, roles=roles)
    assert [(e.field, e.rule) for e in caught.value.errors] == [("roles", "enum")]


def test_listing_users_of_another_party_is_refused(session):
    mine, theirs = create_party(session), create_party(session)
    own_user = create_user(session, mine, roles=["viewer"])
    create_user(session, theirs)
    viewer = principal_of(mine, "viewer")
    assert [u.id for u in access.list_users(session, actor=viewer, party_id=mine.id)] == [
        own_user.id
    ]
    with pytest.raises(OtherPartysData) as caught:
        access.list_users(session, actor=principal_of(mine, "admin"), party_id=theirs.id)
    assert caught.value.status == 403
    assert caught.value.type_uri == "urn:chanrong:problem:other-partys-data"
    operator_admin = principal_of(create_party(session, kind="operator"), "admin")
    assert len(access.list_users(session, actor=operator_admin, party_id=theirs.id)) == 1


@pytest.mark.parametrize("role", ["member", "viewer"])
def test_members_and_viewers_cannot_manage_their_party(session, role):
    party = create_party(session)
    actor = principal_of(party, role)
    with pytest.raises(RoleRequired):
        access.require_admin_of(actor, party.id)
    with pytest.raises(RoleRequired):
        access.create_user(
            session, actor=actor, party_id=party.id, username=f"new-{role}", display_name="x",
            password="secret-pass", roles=["member"],
        )  # fmt: skip
    with pytest.raises(RoleRequired):
        access.issue_api_key(session, actor=actor, party_id=party.id, name="k", roles=["member"])


def test_admins_manage_only_their_own_party_unless_platform_admins(session):
    mine, theirs = create_party(session), create_party(session)
    access.require_admin_of(principal_of(mine, "admin"), mine.id)
    with pytest.raises(OtherPartysData):
        access.require_admin_of(principal_of(mine, "admin"), theirs.id)
    operator = create_party(session, kind="operator")
    access.require_admin_of(principal_of(operator, "admin"), theirs.id)
    access.require_admin_of(SYSTEM, theirs.id)
    with pytest.raises(OtherPartysData):
        access.require_admin_of(principal_of(operator, "member"), theirs.id)


def test_issued_key_authenticates_as_its_party(session):
    party = create_party(session, kind="institution")
    key, token = access.issue_api_key(
        session, actor=principal_of(party), party_id=party.id, name="erp", roles=["member"]
    )
    assert token.startswith(f"crk_{key.key_id}_")
    assert len(key.key_id) == 12
    secret = token.split("_", 2)[2]
    assert secret not in key.secret_hash
    assert key.secret_hash == core.sha256_hex(secret)
    principal = access.authenticate_api_key(session, token)
    assert principal.party_id == party.id
    assert principal.party_kind == "institution"
    assert principal.roles == frozenset({"member"})
    assert principal.api_key_id == key.id
    assert principal.user_id is None


def test_revoked_key_is_refused(session):
    key, token = create_api_key(session)
    revoked = access.revoke_api_key(session, actor=SYSTEM, key_id=key.id)
    assert revoked.revoked_at is not None
    first = revoked.revoked_at
    assert access.revoke_api_key(session, actor=SYSTEM, key_id=key.id).revoked_at == first
    with pytest.raises(BadCredentials, match="revoked") as caught:
        access.authenticate_api_key(session, token)
    assert caught.value.status == 401


def test_revoking_is_for_the_keys_party_admin(session):
    key, _ = create_api_key(session)
    with pytest.raises(OtherPartysData):
        access.revoke_api_key(session, actor=principal_of(create_party(session)), key_id=key.id)
    with pytest.raises(NotFound):
        access.revoke_api_key(session, actor=SYSTEM, key_id=key.id + 1000)


def test_wrong_secret_or_unknown_key_is_refused(session):
    _key, token = create_api_key(session)
    with pytest.raises(BadCredentials, match="Unknown"):
        access.authenticate_api_key(session, token[:-1] + ("A" if token[-1] != "A" else "B"))
    with pytest.raises(BadCredentials, match="Unknown"):
        access.authenticate_api_key(session, f"crk_{'0' * 12}_{token.split('_', 2)[2]}")


@pytest.mark.parametrize(
    "token", ["", "crk", "crk_abc", "crk_0123456789a_secret", "key_0123456789ab_secret", "Bearer"]
)
def test_malformed_token_is_refused(session, token):
    with pytest.raises(BadCredentials, match="Malformed"):
        access.authenticate_api_key(session, token)


def test_api_keys_are_listed_to_their_own_party_only(session):
    mine, theirs = create_party(session), create_party(session)
    key, _ = create_api_key(session, mine)
    create_api_key(session, theirs)
    listed = access.list_api_keys(session, actor=principal_of(mine, "viewer"), party_id=mine.id)
    assert [k.id for k in listed] == [key.id]
    with pytest.raises(OtherPartysData):
        access.list_api_keys(session, actor=principal_of(mine), party_id=theirs.id)


def test_log_in_opens_a_session_that_authenticates(session):
    user = create_user(session, roles=["member"])
    logged, token = access.log_in(session, username=user.username, password="secret-pass", hours=12)
    assert logged is user
    principal, who = access.authenticate_session(session, token)
    assert who is user
    assert principal.user_id == user.id
    assert principal.party_id == user.party_id
    assert principal.roles == frozenset({"member"})


@pytest.mark.parametrize(("username", "password"), [("known", "wrong-pass"), ("nobody", "x")])
def test_wrong_username_or_password_is_refused(session, username, password):
    create_user(session, username="known")
    with pytest.raises(BadCredentials, match="Wrong username or password"):
        access.log_in(session, username=username, password=password, hours=12)


def test_inactive_user_cannot_log_in_and_loses_open_sessions(session):
    user = create_user(session)
    _, token = access.log_in(session, username=user.username, password="secret-pass", hours=1)
    user.is_active = False
    with pytest.raises(BadCredentials):
        access.authenticate_session(session, token)
    with pytest.raises(BadCredentials):
        access.log_in(session, username=user.username, password="secret-pass", hours=1)


def test_session_expires_after_its_hours(session):
    user = create_user(session)
    with clock.frozen(T0):
        _, token = access.log_in(session, username=user.username, password="secret-pass", hours=2)
    with clock.frozen(T0 + timedelta(hours=2) - timedelta(seconds=1)):
        access.authenticate_session(session, token)
    with clock.frozen(T0 + timedelta(hours=2)), pytest.raises(BadCredentials, match="ended"):
        access.authenticate_session(session, token)


def test_log_out_ends_the_session(session):
    user = create_user(session)
    _, token = access.log_in(session, username=user.username, password="secret-pass", hours=12)
    _, other = access.log_in(session, username=user.username, password="secret-pass", hours=12)
    access.log_out(session, token=token)
    with pytest.raises(BadCredentials, match="ended"):
        access.authenticate_session(session, token)
    access.authenticate_session(session, other)
    access.log_out(session, token=token)
    access.log_out(session, token="never-issued")


def test_unknown_session_token_is_refused(session):
    with pytest.raises(BadCredentials, match="Not logged in"):
        access.authenticate_session(session, "never-issued")


def test_set_language_of_the_acting_user(session):
    party = create_party(session)
    user = create_user(session, party)
    access.set_language(session, actor=principal_of(party), language="en")
    assert user.language == "zh"  # a principal without a user (an API key) changes nothing
    _, token = access.log_in(session, username=user.username, password="secret-pass", hours=1)
    principal, _ = access.authenticate_session(session, token)
    access.set_language(session, actor=principal, language="en")
    assert user.language == "en"
    with pytest.raises(Invalid):
        access.set_language(session, actor=principal, language="fr")
