"""The log over HTTP: head, entry with proof, consistency; and `chanrong ledger consistency`."""

from __future__ import annotations

import base64
import json

from typer.testing import CliRunner

from chanrong.cli import app as cli_app
from chanrong.ledger import merkle, signing
from chanrong.ledger.canonical import canonical
from chanrong.ledger.keys import signer
from tests.factories import create_api_key, create_party

runner = CliRunner()


def _auth(db) -> dict[str, str]:
    with db.transaction() as session:
        for _ in range(3):
            create_party(session)
        _, token = create_api_key(session)
    return {"Authorization": f"Bearer {token}"}


def test_head_entry_and_consistency(client, db) -> None:
    headers = _auth(db)
    head = client.get("/api/v1/ledger/head", headers=headers).json()
    sth = signing.verify_head(signing.load_public_key(head["public_key_pem"].encode()), head["sth"])
    assert sth.tree_size >= 5
    assert head["checkpoint"].startswith(signer().origin + "\n")

    entry = client.get(f"/api/v1/ledger/entries/{sth.tree_size - 1}", headers=headers).json()
    assert entry["entry"]["event"] == "api_key.issued"

    leaf = merkle.leaf_hash(canonical(entry["entry"]))
    assert base64.b64encode(leaf).decode() == entry["leaf_hash"]
    merkle.verify_inclusion(
        entry["seq"],
        entry["tree_size"],
        leaf,
        [base64.b64decode(p) for p in entry["inclusion_proof"]],
        sth.root,
    )

    proof = client.get(
        "/api/v1/ledger/consistency", params={"first": 2, "second": sth.tree_size}, headers=headers
    ).json()["proof"]
    assert isinstance(proof, list) and proof


def test_bad_sizes_are_problems(client, db) -> None:
    headers = _auth(db)
    response = client.get(
        "/api/v1/ledger/consistency", params={"first": 5, "second": 10_000}, headers=headers
    )
    assert response.status_code == 422
    assert response.json()["type"] == "urn:chanrong:problem:bad-tree-size"
    assert client.get("/api/v1/ledger/entries/999999", headers=headers).status_code == 404
    assert client.get("/api/v1/ledger/head").status_code == 401


def test_consistency_cli_with_files(client, db, tmp_path) -> None:
    headers = _auth(db)
    old = client.get("/api/v1/ledger/head", headers=headers).json()["sth"]
    _auth(db)
    new = client.get("/api/v1/ledger/head", headers=headers).json()["sth"]
    proof = client.get(
        "/api/v1/ledger/consistency", params={"first": old["tree_size"], "second": new["tree_size"]},
        headers=headers,
    ).json()["proof"]  # fmt: skip
    (tmp_path / "old.json").write_text(json.dumps(old))
    (tmp_path / "new.json").write_text(json.dumps(new))
    (tmp_path / "proof.json").write_text(json.dumps(proof))
    (tmp_path / "key.pem").write_text(signer().public_pem)
    args = ["ledger", "consistency", str(tmp_path / "old.json"), str(tmp_path / "new.json"),
            "--key", str(tmp_path / "key.pem"), "--proof", str(tmp_path / "proof.json")]  # fmt: skip
    result = runner.invoke(cli_app, args)
    assert result.exit_code == 0, result.output
    bad = list(proof)
    bad[0] = base64.b64encode(b"\x00" * 32).decode()
    (tmp_path / "proof.json").write_text(json.dumps(bad))
    result = runner.invoke(cli_app, args)
    assert result.exit_code == 1 and "FAILED" in result.output
