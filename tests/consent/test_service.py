"""Consent: default deny, grants allow and are audited, revocation and expiry deny again,
derived-only grants never release raw data."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from chanrong import clock
from chanrong.consent import service as consent
from chanrong.consent.errors import DerivedOnly, GrantRevoked, InvalidGrant, NoGrant
from chanrong.identifiers import service as identifiers
from chanrong.ledger import service as ledger
from chanrong.principal import Principal
from tests.factories import create_identifier, create_party


def _actor(party) -> Principal:
    return Principal(party.id, party.kind, frozenset({"admin"}), user_id=None)


@pytest.fixture
def world(session):
    ident = create_identifier(session)
    owner = session.get(type(create_party(session)), ident.owner_party_id)
    bank = create_party(session, kind="institution", roles=["bank"])
    return ident, _actor(owner), _actor(bank)


def _grant(session, owner, bank, **overrides):
    fields = {
        "recipient_party_id": bank.party_id, "scope": "identifier_records",
        "purpose": "credit_assessment", "expires_at": clock.now() + timedelta(days=30),
    }  # fmt: skip
    fields.update(overrides)
    return consent.give_grant(session, actor=owner, **fields)


def test_default_deny(session, world) -> None:
    ident, _owner, bank = world
    with pytest.raises(NoGrant):
        identifiers.resolve(session, actor=bank, handle=ident.handle, purpose="credit_assessment")
    plain = identifiers.resolve(session, actor=bank, handle=ident.handle)
    assert plain.withheld == 1 and plain.access is None


def test_grant_allows_and_audits_then_revocation_denies(session, world) -> None:
    ident, owner, bank = world
    grant = _grant(session, owner, bank)
    found = identifiers.resolve(
        session, actor=bank, handle=ident.handle, purpose="credit_assessment"
    )
    assert found.withheld == 0 and len(found.fields) == 2
    assert found.access is not None and found.access.grant_id == grant.id
    entry = json.loads(ledger.entry(session, found.access.ledger_seq).body)
    assert entry["event"] == "data.accessed" and entry["subject"] == ident.handle
    assert (
        entry["payload"]["grant_id"] == grant.id
        and entry["payload"]["purpose"] == "credit_assessment"
    )
    history = consent.access_history(session, actor=owner)
    assert [(h.reader_party_id, h.subject) for h in history] == [(bank.party_id, ident.handle)]
    consent.revoke_grant(session, actor=owner, grant_id=grant.id)
    with pytest.raises(NoGrant):
        identifiers.resolve(session, actor=bank, handle=ident.handle, purpose="credit_assessment")
    with pytest.raises(GrantRevoked):
        consent.revoke_grant(session, actor=owner, grant_id=grant.id)
    events = [
        json.loads(e.body)["event"]
        for e in ledger.entries(session, subject=f"party:{owner.party_id}")
    ]
    assert events[-2:] == ["grant.given", "grant.revoked"]


def test_expired_grant_denies(session, world) -> None:
    ident, owner, bank = world
    _grant(session, owner, bank, expires_at=clock.now() + timedelta(hours=1))
    with clock.frozen(clock.now() + timedelta(hours=2)), pytest.raises(NoGrant):
        identifiers.resolve(session, actor=bank, handle=ident.handle, purpose="credit_assessment")


def test_grant_covers_only_its_purpose_scope_and_objects(session, world) -> None:
    ident, owner, bank = world
    _grant(session, owner, bank, objects=[f"{ident.handle}-other"])
    with pytest.raises(NoGrant):
        identifiers.resolve(session, actor=bank, handle=ident.handle, purpose="credit_assessment")
    _grant(session, owner, bank, purpose="insurance_pricing", objects=[ident.handle])
    with pytest.raises(NoGrant):
        identifiers.resolve(session, actor=bank, handle=ident.handle, purpose="credit_assessment")
    assert (
        identifiers.resolve(
            session, actor=bank, handle=ident.handle, purpose="insurance_pricing"
        ).withheld
        == 0
    )


def test_derived_only_never_releases_raw_data(session, world) -> None:
    ident, owner, bank = world
    _grant(session, owner, bank, derived_only=True)
    with pytest.raises(DerivedOnly):
        identifiers.resolve(session, actor=bank, handle=ident.handle, purpose="credit_assessment")
    value, access = consent.derive(
        session, actor=bank, owner_party_id=owner.party_id, purpose="credit_assessment",
        indicator="identifiers.device_count",
    )  # fmt: skip
    assert value == 1 and access is not None
    assert json.loads(ledger.entry(session, access.ledger_seq).body)["payload"]["kind"] == "derived"


def test_indicator_needs_a_grant(session, world) -> None:
    _ident, owner, bank = world
    with pytest.raises(NoGrant):
        consent.derive(session, actor=bank, owner_party_id=owner.party_id, purpose="credit_assessment",
                       indicator="identifiers.device_count")  # fmt: skip
    own_value, own_access = consent.derive(session, actor=owner, owner_party_id=owner.party_id,
                                           purpose="credit_assessment", indicator="identifiers.device_count")  # fmt: skip
    assert own_value == 1 and own_access is None


def test_only_the_owner_revokes(session, world) -> None:
    _ident, owner, bank = world
    grant = _grant(session, owner, bank)
    with pytest.raises(Exception, match="owner"):
        consent.revoke_grant(session, actor=bank, grant_id=grant.id)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"scope": "everything"}, "scope"),
        ({"purpose": "curiosity"}, "purpose"),
        ({"expires_at": "past"}, "expires_at"),
        ({"expires_at": "far"}, "expires_at"),
    ],
)
def test_bad_grants_are_refused(session, world, overrides, field) -> None:
    _ident, owner, bank = world
    if overrides.get("expires_at") == "past":
        overrides = {"expires_at": clock.now() - timedelta(seconds=1)}
    elif overrides.get("expires_at") == "far":
        overrides = {"expires_at": clock.now() + timedelta(days=5000)}
    with pytest.raises(InvalidGrant) as caught:
        _grant(session, owner, bank, **overrides)
    assert caught.value.errors[0].field == field
