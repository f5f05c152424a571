"""Consent end to end over HTTP: no grant 403; grant → data with a verifiable audit receipt and an
entry in the owner's access history; revoke → 403 again; a sealed package round trip."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from typer.testing import CliRunner

from chanrong import clock
from chanrong.cli import app as cli_app
from chanrong.ledger import merkle, signing
from chanrong.ledger.canonical import canonical
from chanrong.ledger.keys import signer
from chanrong.parties.models import Party
from tests.factories import create_api_key, create_identifier, create_party


def _setup(db):
    with db.transaction() as session:
        ident = create_identifier(session)
        owner = session.get(Party, ident.owner_party_id)
        bank = create_party(session, kind="institution", roles=["bank"])
        _, owner_token = create_api_key(session, party=owner)
        _, bank_token = create_api_key(session, party=bank)
    return (
        ident,
        owner,
        bank,
        {"Authorization": f"Bearer {owner_token}"},
        {"Authorization": f"Bearer {bank_token}"},
    )


def test_grant_read_audit_revoke(client, db) -> None:
    ident, _owner, bank, as_owner, as_bank = _setup(db)
    path = f"/api/v1/identifiers/{ident.handle}"
    denied = client.get(path, params={"purpose": "credit_assessment"}, headers=as_bank)
    assert denied.status_code == 403
    assert denied.headers["content-type"] == "application/problem+json"
    assert denied.json()["type"] == "urn:chanrong:problem:no-grant"

    grant = client.post("/api/v1/consent/grants", headers=as_owner, json={
        "recipient_party_id": bank.id, "scope": "identifier_records", "purpose": "credit_assessment",
        "expires_at": (clock.now() + timedelta(days=30)).isoformat(),
    })  # fmt: skip
    assert grant.status_code == 201, grant.text
    body = client.get(path, params={"purpose": "credit_assessment"}, headers=as_bank).json()
    assert body["withheld"] == 0 and len(body["fields"]) == 2
    receipt = body["audit_receipt"]
    entry = client.get(f"/api/v1/ledger/entries/{receipt['seq']}", headers=as_bank).json()["entry"]
    assert entry["event"] == "data.accessed"
    sth = signing.verify_head(signer().key.public_key(), receipt["sth"])
    merkle.verify_inclusion(
        receipt["seq"], sth.tree_size, merkle.leaf_hash(canonical(entry)),
        [base64.b64decode(p) for p in receipt["inclusion_proof"]], sth.root,
    )  # fmt: skip
    history = client.get("/api/v1/consent/access", headers=as_owner).json()
    assert [(h["reader_party_id"], h["subject"]) for h in history] == [(bank.id, ident.handle)]
    assert (
        client.get(
            "/api/v1/consent/grants", params={"direction": "received"}, headers=as_bank
        ).json()[0]["id"]
        == grant.json()["id"]
    )

    assert (
        client.post(
            f"/api/v1/consent/grants/{grant.json()['id']}/revoke", headers=as_bank
        ).status_code
        == 403
    )
    assert (
        client.post(
            f"/api/v1/consent/grants/{grant.json()['id']}/revoke", headers=as_owner
        ).status_code
        == 200
    )
    assert (
        client.get(path, params={"purpose": "credit_assessment"}, headers=as_bank).status_code
        == 403
    )


def test_sealed_package_round_trip(client, db, tmp_path) -> None:
    _ident, _owner, bank, as_owner, as_bank = _setup(db)
    runner = CliRunner()
    assert runner.invoke(cli_app, ["consent", "keygen", "--out", str(tmp_path)]).exit_code == 0
    public = (tmp_path / "sealing-key.pub.pem").read_text()
    assert (
        client.post(
            "/api/v1/consent/sealing-keys", headers=as_bank, json={"public_key": public}
        ).status_code
        == 201
    )
    grant = client.post("/api/v1/consent/grants", headers=as_owner, json={
        "recipient_party_id": bank.id, "scope": "financials", "purpose": "credit_assessment",
        "expires_at": (clock.now() + timedelta(days=30)).isoformat(),
    }).json()  # fmt: skip
    sent = client.post("/api/v1/consent/packages", headers=as_owner,
                       data={"grant_id": str(grant["id"]), "label": "资产负债表"},
                       files={"file": ("bs.csv", "科目,金额\n货币资金,100\n".encode(), "text/csv")})  # fmt: skip
    assert sent.status_code == 201, sent.text
    document = client.get(f"/api/v1/consent/packages/{sent.json()['id']}", headers=as_bank).json()
    assert (
        client.get(f"/api/v1/consent/packages/{sent.json()['id']}", headers=as_owner).status_code
        == 404
    )
    (tmp_path / "package.json").write_text(json.dumps(document))
    result = runner.invoke(cli_app, ["consent", "open", str(tmp_path / "package.json"),
                                     "--key", str(tmp_path / "sealing-key.pem"), "--out", str(tmp_path / "out.csv")])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out.csv").read_text(encoding="utf-8") == "科目,金额\n货币资金,100\n"
    other = X25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    (tmp_path / "other.pem").write_bytes(other)
    result = runner.invoke(cli_app, ["consent", "open", str(tmp_path / "package.json"),
                                     "--key", str(tmp_path / "other.pem"), "--out", str(tmp_path / "x")])  # fmt: skip
    assert result.exit_code == 1 and "cannot open" in result.output
