"""Export and offline verification: a clean export verifies; every kind of tampering is caught."""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner

from chanrong.cli import app
from chanrong.ledger import service, signing
from chanrong.ledger.export import export_log
from chanrong.ledger.verify import entry_file, verify_export
from chanrong.principal import Principal

runner = CliRunner()


@pytest.fixture
def exported(session, tmp_path: Path) -> Path:
    service.record_many(
        session,
        [
            service.Event(Principal.system(), "test.event", f"thing:{i}", {"n": i, "名": "值"})
            for i in range(13)
        ],
    )
    out = tmp_path / "export"
    assert export_log(session, out) == 13
    return out


def _edit(path: Path, change) -> None:
    body = json.loads(path.read_text())
    change(body)
    path.write_text(json.dumps(body))


def test_clean_export_verifies(exported: Path) -> None:
    report = verify_export(exported)
    assert report.ok, report.failures
    assert report.entries_checked == report.tree_size == 13


def test_cli_verify_needs_no_database(exported: Path, monkeypatch) -> None:
    monkeypatch.setenv("CHANRONG_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    result = runner.invoke(app, ["ledger", "verify", str(exported)])
    assert result.exit_code == 0, result.output
    assert "OK" in result.output


def test_tampered_entry_is_caught(exported: Path) -> None:
    _edit(entry_file(exported, 4), lambda b: b["entry"]["payload"].update(n=999))
    report = verify_export(exported)
    assert not report.ok
    assert any("entry 4" in f and "tampered" in f for f in report.failures)


def test_tampered_entry_with_recomputed_leaf_hash_is_caught(exported: Path) -> None:
    from chanrong.ledger import merkle
    from chanrong.ledger.canonical import canonical

    def forge(body: dict) -> None:
        body["entry"]["payload"]["n"] = 999
        body["leaf_hash"] = base64.b64encode(merkle.leaf_hash(canonical(body["entry"]))).decode()

    _edit(entry_file(exported, 4), forge)
    report = verify_export(exported)
    assert any("entry 4: inclusion proof fails" in f for f in report.failures)


def test_wrong_proof_is_caught(exported: Path) -> None:
    def flip(body: dict) -> None:
        raw = bytearray(base64.b64decode(body["inclusion_proof"][0]))
        raw[0] ^= 1
        body["inclusion_proof"][0] = base64.b64encode(bytes(raw)).decode()

    _edit(entry_file(exported, 7), flip)
    assert any("entry 7: inclusion proof fails" in f for f in verify_export(exported).failures)


def test_truncated_export_is_caught(exported: Path) -> None:
    entry_file(exported, 12).unlink()
    assert any("entry 12: missing" in f for f in verify_export(exported).failures)


def test_removed_tail_with_old_head_is_caught(exported: Path) -> None:
    _edit(exported / "head.json", lambda b: b.update(tree_size=10))
    report = verify_export(exported)
    assert any("head:" in f for f in report.failures)


def test_wrong_key_is_caught(exported: Path) -> None:
    other = Ed25519PrivateKey.generate().public_key()
    (exported / "public-key.pem").write_bytes(signing.public_pem(other))
    report = verify_export(exported)
    assert report.failures and "does not verify" in report.failures[0]


def test_forged_head_is_caught(exported: Path) -> None:
    forger = Ed25519PrivateKey.generate()
    head = signing.head_from_json(json.loads((exported / "head.json").read_text()))
    forged = signing.sign_head(
        forger, signing.TreeHead(head.tree_size, head.timestamp, b"\x00" * 32)
    )
    (exported / "head.json").write_text(json.dumps(forged))
    assert not verify_export(exported).ok


def test_forged_checkpoint_is_caught(exported: Path) -> None:
    text = (exported / "checkpoint.txt").read_text().replace("\n13\n", "\n12\n")
    (exported / "checkpoint.txt").write_text(text)
    assert any(f.startswith("checkpoint:") for f in verify_export(exported).failures)


def test_extra_entry_is_caught(exported: Path) -> None:
    shutil.copy(entry_file(exported, 0), entry_file(exported, 13))
    assert any("beyond the signed tree size" in f for f in verify_export(exported).failures)


def test_cli_reports_failure_with_exit_1(exported: Path) -> None:
    entry_file(exported, 3).write_text("{not json")
    result = runner.invoke(app, ["ledger", "verify", str(exported)])
    assert result.exit_code == 1
    assert "entry 3: unreadable" in result.output
