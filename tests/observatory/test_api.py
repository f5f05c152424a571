"""The observatory over HTTP: reads need a key, imports a platform admin; filters apply."""

from __future__ import annotations

from tests.factories import create_api_key, create_party

CSV = "日期,公司,轮次,金额,投资方,省份,赛道,来源\n2024-03-05,上海板石智能科技有限公司,A轮,3亿元,深创投,上海,智能装备,x\n"


def test_observatory_api(client, db):
    with db.transaction() as session:
        operator = create_party(session, kind="operator")
        _, admin_token = create_api_key(session, party=operator, roles=["admin"])
        _, member_token = create_api_key(session, party=create_party(session), roles=["member"])
    admin = {"Authorization": f"Bearer {admin_token}"}
    member = {"Authorization": f"Bearer {member_token}"}
    assert client.get("/api/v1/observatory/indicators?year=2024").status_code == 401
    upload = {"file": ("deals.csv", CSV.encode("utf-8"), "text/csv")}
    refused = client.post("/api/v1/observatory/imports", files=upload, headers=member)
    assert refused.status_code == 403
    report = client.post("/api/v1/observatory/imports", files=upload, headers=admin).json()
    assert report["created"] == 1 and report["refused"] == []
    body = client.get(
        "/api/v1/observatory/indicators", params={"year": 2024, "province": "上海"}, headers=member
    ).json()
    assert body["values"]["events"] == 1 and body["values"]["estimated_fen"] == 3 * 10**10
    deals = client.get(
        "/api/v1/observatory/deals", params={"sector": "intelligent_equipment"}, headers=member
    ).json()
    assert deals["total"] == 1 and deals["items"][0]["investors"][0]["name"] == "深创投"
    bad = client.get("/api/v1/observatory/deals", params={"stage": "z"}, headers=member)
    assert bad.status_code == 422
    assert bad.json()["type"] == "urn:chanrong:problem:unknown-indicator-filter"
    rec = client.get("/api/v1/observatory/reconciliation", headers=member).json()
    events = next(r for r in rec["rows"] if r["indicator"] == "financing_events")
    assert (events["computed"], events["status"]) == ("1", "gap")
    assert client.get("/api/v1/observatory/review", headers=member).json() == {"items": []}
