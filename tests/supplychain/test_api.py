"""The certificate API end to end: maker-checker credit line, issue, split with an idempotency
key (a repeat answers the first result, another body under the key is refused), transfer and
accept two tiers deep, finance, the trees and lists, and refusals as problem+json."""

from __future__ import annotations

from datetime import timedelta

from chanrong.parties.models import Party
from tests.factories import create_api_key, create_party, create_trade
from tests.supplychain.conftest import TODAY
from tests.supplychain.payables import payables

API = "/api/v1/supplychain"


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _setup(db):
    with db.transaction() as session:
        core = create_party(session, roles=["core_enterprise"], size="large")
        bank = create_party(session, kind="institution")
        tier1, tier2 = create_party(session), create_party(session)
        tokens = {name: _auth(create_api_key(session, party)[1])
                  for name, party in (("core", core), ("tier1", tier1), ("tier2", tier2),
                                      ("maker", bank))}  # fmt: skip
        tokens["checker"] = _auth(create_api_key(session, session.get(Party, bank.id))[1])
        rid = payables(session)(tier1.id, core.id, 1_000_000_00)
        create_trade(session, supplier=tier2, buyer=tier1)
    return core, bank, tier1, tier2, tokens, rid


def test_certificate_lifecycle_over_http(client, db, today) -> None:
    core, bank, tier1, tier2, t, rid = _setup(db)
    proposal = client.post(f"{API}/credit-lines/changes", headers=t["maker"],
                           json={"core_party_id": core.id, "limit_fen": 5_000_000_00})  # fmt: skip
    assert proposal.status_code == 201, proposal.text
    change = f"{API}/credit-lines/changes/{proposal.json()['id']}"
    assert client.post(f"{change}/maybe", headers=t["checker"]).status_code == 422
    same = client.post(f"{change}/approve", headers=t["maker"])
    assert same.status_code == 403 and same.json()["type"] == "urn:chanrong:problem:four-eyes"
    assert client.post(f"{change}/approve", headers=t["checker"]).json()["status"] == "approved"
    (line,) = client.get(f"{API}/credit-lines", headers=t["maker"]).json()

    issued = client.post(f"{API}/certificates", headers=t["core"], json={
        "credit_line_id": line["id"], "receivable_ids": [rid],
        "maturity_on": (TODAY + timedelta(days=90)).isoformat()})  # fmt: skip
    assert issued.status_code == 201, issued.text
    piece = issued.json()["piece"]
    assert piece["amount_fen"] == 1_000_000_00 and piece["holder_party_id"] == tier1.id

    split = f"{API}/pieces/{piece['id']}/split"
    key = {**t["tier1"], "Idempotency-Key": "split-1"}
    first = client.post(split, headers=key, json={"amounts": [600_000_00, 400_000_00]})
    repeat = client.post(split, headers=key, json={"amounts": [600_000_00, 400_000_00]})
    assert first.status_code == repeat.status_code == 201
    assert repeat.json() == first.json() and repeat.headers["Idempotency-Replayed"] == "true"
    other = client.post(split, headers=key, json={"amounts": [1, 1_000_000_00 - 1]})
    assert other.status_code == 422
    assert other.json()["type"] == "urn:chanrong:problem:idempotency-key-reused"
    spent = client.post(split, headers=t["tier1"], json={"amounts": [1, 1_000_000_00 - 1]})
    assert spent.status_code == 409 and spent.json()["type"] == "urn:chanrong:problem:piece-spent"

    big, small = first.json()
    bad = client.post(f"{API}/pieces/{big['id']}/split", headers=t["tier1"],
                      json={"amounts": [1, 2]})  # fmt: skip
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
    assert bad.json()["errors"][0] == {"field": "amounts", "rule": "sum",
                                       "message": bad.json()["detail"]}  # fmt: skip
    offered = client.post(f"{API}/pieces/{small['id']}/transfer", headers=t["tier1"],
                          json={"to_party_id": tier2.id})  # fmt: skip
    assert offered.json()["status"] == "pending_transfer"
    mine = client.post(f"{API}/pieces/{small['id']}/accept", headers=t["tier2"]).json()
    financed = client.post(f"{API}/pieces/{mine['id']}/finance", headers=t["tier2"], json={
        "amount_fen": 400_000_00, "bank_party_id": bank.id, "annual_rate_bp": 400,
        "day_count": "ACT/365", "registration_ref": "ZD-1"})  # fmt: skip
    assert financed.status_code == 201, financed.text
    # 400,000.00 × 4 % × 90 / 365 = 3,945.205... → 3,945.21 yuan (half-up to the fen)
    assert financed.json()["discount_fen"] == 3_945_21
    above = client.post(f"{API}/pieces/{big['id']}/finance", headers=t["tier1"], json={
        "amount_fen": 600_000_01, "bank_party_id": bank.id, "annual_rate_bp": 400,
        "day_count": "ACT/360"})  # fmt: skip
    assert above.status_code == 422 and above.json()["errors"][0]["rule"] == "above_piece"

    (tree,) = client.get(f"{API}/certificates", headers=t["tier1"]).json()
    assert tree["held_fen"] == 600_000_00
    assert [c["id"] for c in tree["pieces"][0]["children"]] == [big["id"], small["id"]]
    (payable,) = client.get(f"{API}/payables", headers=t["core"]).json()
    assert payable["financed_fen"] == 400_000_00
    assert (
        client.get(f"{API}/financings", headers=t["maker"]).json()[0]["registration_ref"] == "ZD-1"
    )
    early = client.post(f"{API}/certificates/{tree['id']}/settle", headers=t["core"])
    assert early.status_code == 409 and early.json()["type"] == "urn:chanrong:problem:not-matured"
