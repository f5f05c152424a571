"""The parties HTTP API: authentication, roles, other parties' data and problem+json errors."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from chanrong.parties import access
from chanrong.parties.models import Party
from tests.factories import create_api_key, create_party, create_user

PROBLEM = "application/problem+json"
HUAWEI = {
    "kind": "enterprise",
    "name": "华为技术有限公司",
    "uscc": "914403001922038216",
    "province": "广东省",
    "city": "深圳市",
    "industry": "C39",
    "size": "large",
    "roles": ["core_enterprise"],
}


@dataclass
class World:
    operator: dict[str, str]
    admin: dict[str, str]
    member: dict[str, str]
    other_admin: dict[str, str]
    party_id: int
    other_party_id: int


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def world(db) -> World:
    with db.transaction() as s:
        operator = create_party(s, kind="operator", name="产融平台运营有限公司")
        mine = create_party(s, name="宁波精工模具有限公司")
        theirs = create_party(s, name="杭州趣链科技有限公司")
        tokens = {
            "operator": create_api_key(s, operator)[1],
            "admin": create_api_key(s, mine)[1],
            "member": create_api_key(s, mine, roles=["member"])[1],
            "other_admin": create_api_key(s, theirs)[1],
        }
        return World(**{k: bearer(v) for k, v in tokens.items()}, party_id=mine.id,
                     other_party_id=theirs.id)  # fmt: skip


def assert_problem(response, status: int, slug: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["type"] == f"urn:chanrong:problem:{slug}"
    assert body["status"] == status
    assert body["title"] and body["detail"]
    return body


@pytest.mark.parametrize(
    "headers",
    [{}, bearer("crk_000000000000_nope"), bearer("not-a-key"), {"X-API-Key": "crk_x_y"}],
)
def test_api_needs_credentials(client, headers):
    body = assert_problem(client.get("/api/v1/parties", headers=headers), 401, "bad-credentials")
    assert body["instance"] == "/api/v1/parties"


def test_x_api_key_header_and_console_cookie_also_authenticate(client, db, world):
    token = world.admin["Authorization"].removeprefix("Bearer ")
    me = client.get("/api/v1/parties/me", headers={"X-API-Key": token})
    assert me.status_code == 200 and me.json()["id"] == world.party_id
    with db.transaction() as s:
        user = create_user(s, s.get(Party, world.party_id))
        _, cookie = access.log_in(s, username=user.username, password="secret-pass", hours=1)
    client.cookies.set("chanrong_session", cookie)
    assert client.get("/api/v1/parties/me").json()["id"] == world.party_id


def test_operator_admin_creates_a_party(client, world):
    response = client.post("/api/v1/parties", json=HUAWEI, headers=world.operator)
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["uscc"], body["province"], body["industry_division"]) == (
        HUAWEI["uscc"],
        "44",
        "39",
    )
    assert body["roles"] == ["core_enterprise"]
    fetched = client.get(f"/api/v1/parties/{body['id']}", headers=world.member)
    assert fetched.json() == body
    again = client.post("/api/v1/parties", json=HUAWEI, headers=world.operator)
    assert_problem(again, 409, "duplicate-party")


def test_enterprise_admin_may_not_create_parties(client, world):
    response = client.post("/api/v1/parties", json=HUAWEI, headers=world.admin)
    assert_problem(response, 403, "role-required")


def test_invalid_uscc_names_the_expected_check_character(client, world):
    response = client.post(
        "/api/v1/parties", json={**HUAWEI, "uscc": "914403001922038217"}, headers=world.operator
    )
    body = assert_problem(response, 422, "invalid-uscc")
    (error,) = body["errors"]
    assert (error["field"], error["rule"]) == ("uscc", "check_character")
    assert "should be '6'" in error["message"]


def test_every_broken_party_rule_comes_back(client, world):
    bad = {**HUAWEI, "uscc": "91440300192203821", "province": "Atlantis", "industry": "Z9"}
    body = assert_problem(
        client.post("/api/v1/parties", json=bad, headers=world.operator), 422, "invalid-uscc"
    )
    assert {(e["field"], e["rule"]) for e in body["errors"]} == {
        ("uscc", "length"), ("province", "province"), ("industry", "gb_t_4754"),
    }  # fmt: skip


def test_schema_validation_errors_are_problems_naming_the_field(client, world):
    bad = {k: v for k, v in HUAWEI.items() if k != "city"} | {"name": "", "roles": "supplier"}
    body = assert_problem(
        client.post("/api/v1/parties", json=bad, headers=world.operator), 422, "invalid"
    )
    assert {e["field"] for e in body["errors"]} == {"name", "city", "roles"}
    assert body["detail"] == "3 fields are invalid."
    query = assert_problem(
        client.get("/api/v1/parties?limit=0", headers=world.admin), 422, "invalid"
    )
    assert [e["field"] for e in query["errors"]] == ["limit"]
    broken = client.post(
        "/api/v1/parties",
        content=b"{not json",
        headers={**world.operator, "Content-Type": "application/json"},
    )
    assert_problem(broken, 422, "invalid")


def test_unknown_routes_and_methods_are_problems(client, world):
    body = assert_problem(client.get("/api/v1/nowhere", headers=world.admin), 404, "http-404")
    assert body["instance"] == "/api/v1/nowhere"
    assert_problem(client.put("/api/v1/parties", headers=world.admin), 405, "http-405")
    assert_problem(
        client.get("/api/v1/parties/999999", headers=world.admin), 404, "party-not-found"
    )


def test_list_parties_with_filters(client, world):
    client.post("/api/v1/parties", json=HUAWEI, headers=world.operator)
    everyone = client.get("/api/v1/parties", headers=world.member).json()
    assert everyone["total"] == 4
    for province in ("广东", "Guangdong", "44"):
        page = client.get(f"/api/v1/parties?province={province}", headers=world.member).json()
        assert [p["name"] for p in page["items"]] == ["华为技术有限公司"]
    page = client.get("/api/v1/parties?kind=enterprise&q=宁波&limit=1", headers=world.member).json()
    assert (page["total"], page["limit"], page["items"][0]["id"]) == (1, 1, world.party_id)
    unknown = client.get("/api/v1/parties?province=Atlantis", headers=world.member)
    assert assert_problem(unknown, 422, "invalid")["errors"][0]["field"] == "province"


def test_other_partys_users_and_keys_are_forbidden(client, world):
    for what in ("users", "api-keys"):
        url = f"/api/v1/parties/{world.other_party_id}/{what}"
        assert_problem(client.get(url, headers=world.admin), 403, "other-partys-data")
        assert client.get(url, headers=world.other_admin).status_code == 200
        assert client.get(url, headers=world.operator).status_code == 200
    new_user = {"username": "intruder", "display_name": "x", "password": "long-enough"}
    url = f"/api/v1/parties/{world.other_party_id}/users"
    assert_problem(client.post(url, json=new_user, headers=world.admin), 403, "other-partys-data")


def test_users_are_created_by_their_partys_admin(client, world):
    url = f"/api/v1/parties/{world.party_id}/users"
    user = {
        "username": "li.lei",
        "display_name": "李雷",
        "password": "long-enough",
        "roles": ["viewer"],
    }
    created = client.post(url, json=user, headers=world.admin)
    assert created.status_code == 201, created.text
    assert "password" not in created.text and "long-enough" not in created.text
    assert_problem(client.post(url, json=user, headers=world.admin), 409, "duplicate-username")
    assert_problem(client.post(url, json=user, headers=world.member), 403, "role-required")
    short = assert_problem(
        client.post(url, json={**user, "password": "short"}, headers=world.admin), 422, "invalid"
    )
    assert [e["field"] for e in short["errors"]] == ["password"]
    listed = client.get(url, headers=world.member).json()
    assert [u["username"] for u in listed] == ["li.lei"]


def test_issued_key_is_shown_once_and_revocation_is_immediate(client, world):
    url = f"/api/v1/parties/{world.party_id}/api-keys"
    issued = client.post(url, json={"name": "erp", "roles": ["member"]}, headers=world.admin)
    assert issued.status_code == 201, issued.text
    key = issued.json()
    token = key["token"]
    assert token.startswith(f"crk_{key['key_id']}_")
    listed = client.get(url, headers=world.admin)
    assert all("token" not in k for k in listed.json())
    assert token.split("_", 2)[2] not in listed.text
    assert client.get("/api/v1/parties/me", headers=bearer(token)).status_code == 200

    revoked = client.delete(f"/api/v1/api-keys/{key['id']}", headers=world.admin)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    later = client.get("/api/v1/parties/me", headers=bearer(token))
    assert "revoked" in assert_problem(later, 401, "bad-credentials")["detail"]


def test_keys_of_another_party_cannot_be_revoked(client, world):
    url = f"/api/v1/parties/{world.other_party_id}/api-keys"
    key = client.get(url, headers=world.other_admin).json()[0]
    response = client.delete(f"/api/v1/api-keys/{key['id']}", headers=world.admin)
    assert_problem(response, 403, "other-partys-data")
    assert client.get("/api/v1/parties/me", headers=world.other_admin).status_code == 200


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("91330100799655058B", {"code": "91330100799655058B", "valid": True}),
        ("9133 0100 7996 5505 8b", {"code": "91330100799655058B", "valid": True}),
        ("91330100799655058C", {"valid": False, "rule": "check_character", "expected_check_character": "B"}),
        ("9133010079965505", {"valid": False, "rule": "length", "expected_check_character": None}),
        ("X1330100799655058B", {"valid": False, "rule": "registration_authority"}),
    ],
)  # fmt: skip
def test_uscc_check_endpoint(client, world, code, expected):
    response = client.get(f"/api/v1/uscc/{code}", headers=world.member)
    assert response.status_code == 200
    body = response.json()
    assert body | expected == body
    assert body["valid"] == (body["message"] is None)


def test_import_upload(client, world):
    text = (
        "名称,统一社会信用代码,省份,城市,行业,规模,角色\n"
        "华为技术有限公司,914403001922038216,广东,深圳市,C39,大型,核心企业\n"
        "坏代码有限公司,914403001922038217,广东,深圳市,C39,大型,供应商\n"
    )
    files = {"file": ("parties.csv", text.encode("gb18030"), "text/csv")}
    response = client.post("/api/v1/parties/import", files=files, headers=world.operator)
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["created"], report["updated"], report["unchanged"]) == (1, 0, 0)
    assert report["refused"][0]["line"] == 3
    assert report["refused"][0]["errors"][0]["rule"] == "check_character"
    again = client.post("/api/v1/parties/import", files=files, headers=world.operator).json()
    assert (again["created"], again["unchanged"]) == (0, 1)
    assert_problem(
        client.post("/api/v1/parties/import", files=files, headers=world.admin),
        403,
        "role-required",
    )
    wrong = {"file": ("parties.pdf", b"%PDF", "application/pdf")}
    body = assert_problem(
        client.post("/api/v1/parties/import", files=wrong, headers=world.operator), 422, "invalid"
    )
    assert body["errors"][0]["rule"] == "file_type"
    missing = assert_problem(
        client.post("/api/v1/parties/import", headers=world.operator), 422, "invalid"
    )
    assert missing["errors"][0]["field"] == "file"
