"""Credit over HTTP: apply -> decision in one request, maker-checker rule sets, accept, queue,
portfolio, recompute, features and score under grants, problem+json for bad input."""

from __future__ import annotations

from datetime import date, timedelta

from chanrong import clock
from tests.credit.conftest import build_scene
from tests.factories import create_api_key


def _tokens(db):
    with db.transaction() as session:
        scene = build_scene(session)
        tokens = [create_api_key(session, party=p)[1] for p in (scene.sme, scene.bank, scene.bank)]
    return scene, [{"Authorization": f"Bearer {t}"} for t in tokens]


def test_apply_accept_queue_portfolio(client, db, today: date) -> None:
    scene, (as_sme, as_maker, as_checker) = _tokens(db)
    bad = client.post("/api/v1/credit/applications", headers=as_sme, json={
        "bank_party_id": scene.bank.id, "amount_fen": 100_000_00, "term_months": 6,
        "repayment": "balloon"})  # fmt: skip
    assert bad.status_code == 422
    assert bad.json()["type"] == "urn:chanrong:problem:invalid-credit-application"
    assert bad.json()["errors"][0]["field"] == "repayment"

    proposed = client.post("/api/v1/credit/rule-sets", headers=as_maker, json={"params": {
        "approve_points": 300, "refer_points": 200, "bands": [[300, 700]]}})  # fmt: skip
    assert proposed.status_code == 201, proposed.text
    rule_set_id = proposed.json()["id"]
    same = client.post(f"/api/v1/credit/rule-sets/{rule_set_id}/approve", headers=as_maker)
    assert same.status_code == 403
    assert same.json()["type"] == "urn:chanrong:problem:rule-set-four-eyes"
    ok = client.post(f"/api/v1/credit/rule-sets/{rule_set_id}/approve", headers=as_checker)
    assert ok.status_code == 200 and ok.json()["status"] == "active"

    applied = client.post("/api/v1/credit/applications", headers=as_sme, json={
        "bank_party_id": scene.bank.id, "amount_fen": 300_000_00, "term_months": 3})  # fmt: skip
    assert applied.status_code == 201, applied.text
    body = applied.json()
    assert body["outcome"] == "approve" and body["result"]["offer"]["annual_rate_bp"] == 700
    declined = client.post("/api/v1/credit/applications", headers=as_sme, json={
        "bank_party_id": scene.bank.id, "amount_fen": 5_000_000_00, "term_months": 3}).json()  # fmt: skip
    assert declined["outcome"] == "decline" and declined["reasons"]

    same_result = client.get(
        f"/api/v1/credit/applications/{body['id']}/recompute", headers=as_maker
    )
    assert same_result.json()["same"] is True

    accepted = client.post(f"/api/v1/credit/applications/{body['id']}/accept", headers=as_sme)
    assert accepted.status_code == 201, accepted.text
    loan = accepted.json()
    assert sum(i["principal_fen"] for i in loan["schedule"]) == 300_000_00
    again = client.post(f"/api/v1/credit/applications/{body['id']}/accept", headers=as_sme)
    assert again.status_code == 409

    queue = client.get("/api/v1/credit/queue", headers=as_maker, params={"outcome": "decline"})
    assert [a["id"] for a in queue.json()] == [declined["id"]]
    assert client.get("/api/v1/credit/queue", headers=as_sme).status_code == 403
    book = client.get("/api/v1/credit/portfolio", headers=as_maker).json()
    assert book["totals"]["working_capital"]["principal_fen"] == 300_000_00


def test_features_and_score_need_the_smes_grant(client, db, today: date) -> None:
    scene, (as_sme, as_bank, _) = _tokens(db)
    path = f"/api/v1/credit/parties/{scene.sme.id}"
    params = {"purpose": "credit_assessment"}
    denied = client.get(f"{path}/features", headers=as_bank, params=params)
    assert denied.status_code == 403 and denied.json()["type"] == "urn:chanrong:problem:no-grant"
    grant = client.post("/api/v1/consent/grants", headers=as_sme, json={
        "recipient_party_id": scene.bank.id, "scope": "trade", "purpose": "credit_assessment",
        "expires_at": (clock.now() + timedelta(days=30)).isoformat(), "derived_only": True})  # fmt: skip
    assert grant.status_code == 201, grant.text
    only_score = client.get(f"{path}/features", headers=as_bank, params=params)
    assert only_score.json()["type"] == "urn:chanrong:problem:derived-only"
    score = client.get(f"{path}/score", headers=as_bank, params=params)
    assert score.status_code == 200 and isinstance(score.json()["points"], int)
    via_consent = client.get(f"/api/v1/consent/indicators/{scene.sme.id}/credit.sme_score",
                             headers=as_bank, params=params)  # fmt: skip
    assert via_consent.json()["value"]["points"] == score.json()["points"]
