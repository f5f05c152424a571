"""Registering prefixes and identifiers, resolving them, and who may see or change what."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chanrong import clock
from chanrong.errors import OtherPartysData, RoleRequired
from chanrong.identifiers import service
from chanrong.identifiers.errors import (
    IdentifierNotFound,
    IdentifierTaken,
    InvalidIdentifier,
    NotPrefixOwner,
)
from chanrong.parties.errors import PartyNotFound
from tests.factories import (
    SYSTEM,
    create_identifier,
    create_party,
    create_prefix,
    principal_of,
)

FIELDS = [
    {"name": "model", "type": "string", "value": "JK-9000"},
    {"name": "rated_power_kw", "type": "decimal", "value": "7.5"},
    {"name": "purchase_price", "type": "money_fen", "value": 125_000_000, "protected": True},
    {"name": "commissioned_on", "type": "date", "value": "2024-05-01", "protected": True},
]


@pytest.fixture
def owner(session):
    party = create_party(session, name="宁波精工模具有限公司")
    create_prefix(session, party, prefix="88.1001.12")
    return party


def register(session, actor, handle="88.1001.12/SM-0001", fields=FIELDS, object_type="device"):
    return service.register_identifier(
        session, actor=actor, handle=handle, object_type=object_type, fields=fields
    )


def test_register_prefix_by_the_partys_admin(session):
    party = create_party(session)
    prefix = service.register_prefix(
        session, actor=principal_of(party), party_id=party.id, prefix="88.2001.7"
    )
    assert (prefix.prefix, prefix.party_id) == ("88.2001.7", party.id)
    assert [p.prefix for p in service.list_prefixes(session, actor=SYSTEM, party_id=party.id)] == [
        "88.2001.7"
    ]


def test_prefix_rules(session, owner):
    other = create_party(session)
    with pytest.raises(IdentifierTaken) as caught:
        create_prefix(session, other, prefix="88.1001.12")
    assert caught.value.status == 409
    with pytest.raises(InvalidIdentifier) as caught:
        create_prefix(session, other, prefix="86.1001.12")
    assert [(e.field, e.rule) for e in caught.value.errors] == [("prefix", "prefix_format")]
    with pytest.raises(OtherPartysData):
        service.register_prefix(
            session, actor=principal_of(owner), party_id=other.id, prefix="88.1001.99"
        )
    with pytest.raises(RoleRequired):
        service.register_prefix(
            session, actor=principal_of(owner, "member"), party_id=owner.id, prefix="88.1001.98"
        )
    with pytest.raises(PartyNotFound):
        service.register_prefix(session, actor=SYSTEM, party_id=other.id + 99, prefix="88.1.1")


def test_prefixes_of_another_party_are_not_listed(session, owner):
    with pytest.raises(OtherPartysData):
        service.list_prefixes(session, actor=principal_of(create_party(session)), party_id=owner.id)


def test_owner_registers_and_sees_every_field(session, owner):
    at = datetime(2025, 4, 1, 8, 0, tzinfo=UTC)
    with clock.frozen(at):
        row = register(session, principal_of(owner, "member"))
    assert row.owner_party_id == owner.id
    assert row.created_at == row.updated_at == at
    resolution = service.resolve(session, actor=principal_of(owner, "viewer"), handle=row.handle)
    assert resolution.fields == [{**f, "protected": f.get("protected", False)} for f in FIELDS]
    assert (resolution.withheld, resolution.owner_name) == (0, "宁波精工模具有限公司")


def test_others_see_public_fields_and_a_withheld_count(session, owner):
    register(session, principal_of(owner))
    stranger = principal_of(create_party(session), "admin")
    resolution = service.resolve(session, actor=stranger, handle="88.1001.12/SM-0001")
    assert [f["name"] for f in resolution.fields] == ["model", "rated_power_kw"]
    assert resolution.withheld == 2
    assert all(not f["protected"] for f in resolution.fields)
    operator_admin = principal_of(create_party(session, kind="operator"), "admin")
    assert service.resolve(session, actor=operator_admin, handle="88.1001.12/SM-0001").withheld == 2


def test_registering_under_someone_elses_prefix_is_refused(session, owner):
    stranger = principal_of(create_party(session), "admin")
    with pytest.raises(NotPrefixOwner) as caught:
        register(session, stranger)
    assert caught.value.status == 403
    assert caught.value.type_uri == "urn:chanrong:problem:not-prefix-owner"


def test_viewer_may_not_register(session, owner):
    with pytest.raises(RoleRequired):
        register(session, principal_of(owner, "viewer"))


def test_duplicate_identifier_is_a_409(session, owner):
    register(session, principal_of(owner))
    with pytest.raises(IdentifierTaken) as caught:
        register(session, principal_of(owner), fields=[])
    assert caught.value.status == 409


@pytest.mark.parametrize(
    ("kwargs", "field", "rule"),
    [
        ({"handle": "88.1001.12"}, "handle", "handle_format"),
        ({"handle": "88.1001.12/ SM"}, "handle", "handle_format"),
        ({"object_type": "spaceship"}, "object_type", "enum"),
        ({"fields": [{"name": "rate", "type": "decimal", "value": 0.5}]}, "fields.0.value", "type_decimal"),
        (
            {"fields": [{"name": "at", "type": "datetime", "value": "2025-01-01T08:00:00"}]},
            "fields.0.value",
            "type_datetime",
        ),
        ({"fields": [{"name": "a", "value": "x"}, {"name": "a", "value": "y"}]}, "fields.1.name", "unique"),
    ],
)  # fmt: skip
def test_malformed_registrations_are_refused(session, owner, kwargs, field, rule):
    with pytest.raises(InvalidIdentifier) as caught:
        register(session, principal_of(owner), **kwargs)
    assert caught.value.status == 422
    assert (field, rule) in [(e.field, e.rule) for e in caught.value.errors]


def test_unregistered_prefix_is_not_found(session, owner):
    with pytest.raises(IdentifierNotFound):
        register(session, principal_of(owner), handle="88.1001.13/SM-0001")


def test_resolving_unknown_or_malformed_handles(session, owner):
    with pytest.raises(IdentifierNotFound) as caught:
        service.resolve(session, actor=SYSTEM, handle="88.1001.12/NOPE")
    assert caught.value.status == 404
    with pytest.raises(InvalidIdentifier):
        service.resolve(session, actor=SYSTEM, handle="not-a-handle")


def test_handles_are_case_sensitive(session, owner):
    register(session, principal_of(owner), handle="88.1001.12/sm-0001")
    register(session, principal_of(owner), handle="88.1001.12/SM-0001")
    with pytest.raises(IdentifierNotFound):
        service.resolve(session, actor=SYSTEM, handle="88.1001.12/Sm-0001")


def test_owner_replaces_the_record(session, owner):
    t0 = datetime(2025, 4, 1, tzinfo=UTC)
    with clock.frozen(t0):
        row = register(session, principal_of(owner))
    new = [
        {"name": "model", "value": "JK-9100"},
        {"name": "in_service", "type": "boolean", "value": True},
    ]
    with clock.frozen(t0 + timedelta(days=1)):
        service.update_record(
            session, actor=principal_of(owner, "member"), handle=row.handle, fields=new
        )
    resolved = service.resolve(session, actor=SYSTEM, handle=row.handle)
    assert [(f["name"], f["value"]) for f in resolved.fields] == [
        ("model", "JK-9100"),
        ("in_service", True),
    ]
    assert (resolved.created_at, resolved.updated_at) == (t0, t0 + timedelta(days=1))


def test_only_the_owner_changes_a_record(session, owner):
    row = register(session, principal_of(owner))
    with pytest.raises(NotPrefixOwner):
        service.update_record(
            session, actor=principal_of(create_party(session)), handle=row.handle, fields=[]
        )
    with pytest.raises(RoleRequired):
        service.update_record(
            session, actor=principal_of(owner, "viewer"), handle=row.handle, fields=[]
        )
    with pytest.raises(IdentifierNotFound):
        service.update_record(session, actor=principal_of(owner), handle="88.1001.12/X", fields=[])
    with pytest.raises(InvalidIdentifier):
        service.update_record(
            session, actor=principal_of(owner), handle=row.handle,
            fields=[{"name": "n", "type": "integer", "value": "1"}],
        )  # fmt: skip
    assert len(service.resolve(session, actor=SYSTEM, handle=row.handle).fields) == len(FIELDS)


def test_listing_is_for_the_owner_only(session, owner):
    prefix = service.list_prefixes(session, actor=SYSTEM, party_id=owner.id)[0]
    made = [create_identifier(session, prefix) for _ in range(3)]
    create_identifier(session, prefix, object_type="invoice", fields=[])
    create_identifier(session)  # someone else's
    actor = principal_of(owner, "viewer")
    items, total = service.list_identifiers(session, actor=actor, party_id=owner.id)
    assert total == 4 and len(items) == 4
    assert [i.handle for i in items] == sorted(i.handle for i in items)
    devices, total = service.list_identifiers(
        session, actor=actor, party_id=owner.id, object_type="device", limit=2, offset=1
    )
    assert total == 3
    assert [i.handle for i in devices] == sorted(m.handle for m in made)[1:3]
    stranger = principal_of(create_party(session), "admin")
    with pytest.raises(OtherPartysData) as caught:
        service.list_identifiers(session, actor=stranger, party_id=owner.id)
    assert caught.value.status == 403
    assert service.count_identifiers(session, party_id=owner.id) == {"device": 3, "invoice": 1}
    assert service.count_identifiers(session) == {"device": 4, "invoice": 1}


def test_counts_among_some_parties(session, owner):
    prefix = service.list_prefixes(session, actor=SYSTEM, party_id=owner.id)[0]
    create_prefix(session, owner, prefix="88.1001.13")
    create_identifier(session, prefix, object_type="invoice", fields=[])
    for _ in range(2):
        create_identifier(session, prefix)
    other = create_identifier(session)  # with a prefix of its own, of another party
    stranger = create_identifier(session)
    ids = [owner.id, other.owner_party_id]
    by_type = service.count_identifiers(session, party_ids=ids)
    assert list(by_type.items()) == [("device", 3), ("invoice", 1)]
    assert service.count_identifiers(session, party_id=owner.id, party_ids=ids) == {
        "device": 2, "invoice": 1,
    }  # fmt: skip
    assert service.count_identifiers(session, party_ids=[]) == {}
    assert service.count_prefixes(session, party_ids=ids) == 3
    assert service.count_prefixes(session, party_ids=[stranger.owner_party_id]) == 1
    assert service.count_prefixes(session, party_ids=[]) == 0
