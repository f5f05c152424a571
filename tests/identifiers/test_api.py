"""The identifiers HTTP API: prefixes, registration, resolution and per-party visibility."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.factories import create_api_key, create_party

PROBLEM = "application/problem+json"
DEVICE = {
    "handle": "88.1001.12/SM-0001",
    "object_type": "device",
    "fields": [
        {"name": "model", "value": "JK-9000"},
        {"name": "rated_power_kw", "type": "decimal", "value": "7.5"},
        {"name": "purchase_price", "type": "money_fen", "value": 125000000, "protected": True},
    ],
}


@dataclass
class World:
    owner_id: int
    other_id: int
    admin: dict[str, str]
    viewer: dict[str, str]
    other: dict[str, str]
    operator: dict[str, str]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def world(db) -> World:
    with db.transaction() as s:
        owner = create_party(s, name="宁波精工模具有限公司")
        other = create_party(s, name="杭州趣链科技有限公司")
        operator = create_party(s, kind="operator")
        return World(
            owner_id=owner.id,
            other_id=other.id,
            admin=bearer(create_api_key(s, owner)[1]),
            viewer=bearer(create_api_key(s, owner, roles=["viewer"])[1]),
            other=bearer(create_api_key(s, other)[1]),
            operator=bearer(create_api_key(s, operator)[1]),
        )


@pytest.fixture
def device(client, world) -> dict:
    prefix = client.post(
        "/api/v1/prefixes", json={"party_id": world.owner_id, "prefix": "88.1001.12"},
        headers=world.admin,
    )  # fmt: skip
    assert prefix.status_code == 201, prefix.text
    created = client.post("/api/v1/identifiers", json=DEVICE, headers=world.admin)
    assert created.status_code == 201, created.text
    return created.json()


def assert_problem(response, status: int, slug: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["type"] == f"urn:chanrong:problem:{slug}"
    return body


def test_identifiers_need_credentials(client):
    assert_problem(client.get("/api/v1/identifiers/88.1001.12/SM-0001"), 401, "bad-credentials")
    assert_problem(client.post("/api/v1/identifiers", json=DEVICE), 401, "bad-credentials")


def test_registered_record_is_normalised_and_typed(device, world):
    assert device["owner_party_id"] == world.owner_id
    assert device["fields"][0] == {"name": "model", "type": "string", "value": "JK-9000",
                                   "protected": False}  # fmt: skip
    assert device["fields"][2]["value"] == 125000000


def test_prefixes(client, world, device):
    mine = client.get("/api/v1/prefixes", headers=world.viewer).json()
    assert [p["prefix"] for p in mine] == ["88.1001.12"]
    assert client.get("/api/v1/prefixes", headers=world.other).json() == []
    taken = client.post(
        "/api/v1/prefixes", json={"party_id": world.other_id, "prefix": "88.1001.12"},
        headers=world.operator,
    )  # fmt: skip
    assert_problem(taken, 409, "identifier-taken")
    for_other = client.post(
        "/api/v1/prefixes", json={"party_id": world.other_id, "prefix": "88.1001.13"},
        headers=world.admin,
    )  # fmt: skip
    assert_problem(for_other, 403, "other-partys-data")
    bad = client.post(
        "/api/v1/prefixes",
        json={"party_id": world.owner_id, "prefix": "88.x.1"},
        headers=world.admin,
    )
    assert assert_problem(bad, 422, "invalid-identifier")["errors"][0]["rule"] == "prefix_format"


def test_owner_resolves_every_field(client, world, device):
    body = client.get("/api/v1/identifiers/88.1001.12/SM-0001", headers=world.viewer).json()
    assert [f["name"] for f in body["fields"]] == ["model", "rated_power_kw", "purchase_price"]
    assert body["withheld"] == 0
    assert body["owner_name"] == "宁波精工模具有限公司"


@pytest.mark.parametrize("who", ["other", "operator"])
def test_others_see_public_fields_only(client, world, device, who):
    response = client.get("/api/v1/identifiers/88.1001.12/SM-0001", headers=getattr(world, who))
    assert response.status_code == 200
    body = response.json()
    assert [f["name"] for f in body["fields"]] == ["model", "rated_power_kw"]
    assert body["withheld"] == 1
    assert "125000000" not in response.text


def test_resolving_unknown_and_malformed_handles(client, world, device):
    missing = client.get("/api/v1/identifiers/88.1001.12/SM-9999", headers=world.other)
    assert_problem(missing, 404, "identifier-not-found")
    malformed = client.get("/api/v1/identifiers/88.1001/SM-0001", headers=world.other)
    assert_problem(malformed, 422, "invalid-identifier")


def test_register_under_someone_elses_prefix_is_403(client, world, device):
    response = client.post(
        "/api/v1/identifiers", json={**DEVICE, "handle": "88.1001.12/SM-0002"}, headers=world.other
    )
    assert_problem(response, 403, "not-prefix-owner")


def test_viewer_may_not_register(client, world, device):
    response = client.post(
        "/api/v1/identifiers", json={**DEVICE, "handle": "88.1001.12/SM-0002"}, headers=world.viewer
    )
    assert_problem(response, 403, "role-required")


def test_duplicate_identifier_is_409(client, world, device):
    again = client.post("/api/v1/identifiers", json=DEVICE, headers=world.admin)
    assert_problem(again, 409, "identifier-taken")


def test_record_type_errors_name_the_field(client, world, device):
    bad = {
        "handle": "88.1001.12/SM-0002",
        "object_type": "device",
        "fields": [
            {"name": "rate", "type": "decimal", "value": 0.5},
            {"name": "seen_at", "type": "datetime", "value": "2025-01-01T08:00:00"},
            {"name": "rate", "value": "x"},
        ],
    }
    body = assert_problem(
        client.post("/api/v1/identifiers", json=bad, headers=world.admin), 422, "invalid-identifier"
    )
    assert [(e["field"], e["rule"]) for e in body["errors"]] == [
        ("fields.0.value", "type_decimal"),
        ("fields.1.value", "type_datetime"),
        ("fields.2.name", "unique"),
    ]
    missing = client.post(
        "/api/v1/identifiers", json={"handle": "88.1001.12/X"}, headers=world.admin
    )
    assert [e["field"] for e in assert_problem(missing, 422, "invalid")["errors"]] == [
        "object_type"
    ]


def test_update_record_is_for_the_owner(client, world, device):
    url = "/api/v1/identifiers/88.1001.12/SM-0001"
    new = {"fields": [{"name": "model", "value": "JK-9100"}]}
    assert_problem(client.put(url, json=new, headers=world.other), 403, "not-prefix-owner")
    assert_problem(client.put(url, json=new, headers=world.viewer), 403, "role-required")
    updated = client.put(url, json=new, headers=world.admin)
    assert updated.status_code == 200, updated.text
    assert updated.json()["fields"] == [{"name": "model", "type": "string", "value": "JK-9100",
                                         "protected": False}]  # fmt: skip
    assert client.get(url, headers=world.other).json()["fields"][0]["value"] == "JK-9100"


def test_listing_another_partys_identifiers_is_403(client, world, device):
    own = client.get("/api/v1/identifiers", headers=world.viewer).json()
    assert (own["total"], [i["handle"] for i in own["items"]]) == (1, ["88.1001.12/SM-0001"])
    assert client.get("/api/v1/identifiers", headers=world.other).json()["total"] == 0
    response = client.get(f"/api/v1/identifiers?party_id={world.owner_id}", headers=world.other)
    assert_problem(response, 403, "other-partys-data")
    filtered = client.get("/api/v1/identifiers?object_type=invoice", headers=world.admin).json()
    assert filtered["total"] == 0
