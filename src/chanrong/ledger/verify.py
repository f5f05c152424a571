"""Verify an exported log with no database: the files alone, the public key, and math.

Imports nothing of chanrong but ``merkle``, ``signing`` and ``canonical`` (which need only
``hashlib``, ``cryptography`` and ``rfc8785``). The export format is documented in
docs/ledger-format.md so that anyone can write their own verifier.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chanrong.ledger import merkle, signing
from chanrong.ledger.canonical import canonical

FORMAT = "chanrong-ledger-export/1"
MAX_REPORTED = 50


@dataclass
class Report:
    """What a verification found: the head it checked against and every failure."""

    tree_size: int = 0
    entries_checked: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing failed and at least the head was checked."""
        return not self.failures

    def fail(self, message: str) -> None:
        """Record a failure (the first few hundred are kept verbatim)."""
        if len(self.failures) < MAX_REPORTED:
            self.failures.append(message)
        elif len(self.failures) == MAX_REPORTED:
            self.failures.append("... more failures not listed")


def entry_file(directory: Path, seq: int) -> Path:
    """Where an export keeps entry ``seq``."""
    return directory / "entries" / f"{seq:012d}.json"


def _b64(text: Any, what: str) -> bytes:
    try:
        return base64.b64decode(str(text), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"{what} is not base64: {exc}") from exc


def verify_export(directory: Path) -> Report:
    """Check an export: signed head, checkpoint, and every entry's hash and inclusion proof."""
    report = Report()
    try:
        manifest = json.loads((directory / "log.json").read_text(encoding="utf-8"))
        if manifest.get("format") != FORMAT:
            report.fail(f"log.json: unknown format {manifest.get('format')!r}, expected {FORMAT}")
            return report
        key = signing.load_public_key((directory / "public-key.pem").read_bytes())
        head = signing.verify_head(key, json.loads((directory / "head.json").read_text()))
    except (OSError, ValueError) as exc:
        report.fail(f"head: {exc}")
        return report
    report.tree_size = head.tree_size
    _check_checkpoint(directory, manifest, key, head, report)
    for seq in range(head.tree_size):
        _check_entry(directory, seq, head, report)
    extra = sorted((directory / "entries").glob("*.json"))
    if len(extra) > head.tree_size:
        report.fail(f"entries: {len(extra) - head.tree_size} file(s) beyond the signed tree size")
    return report


def _check_checkpoint(
    directory: Path, manifest: dict[str, Any], key: Any, head: signing.TreeHead, report: Report
) -> None:
    path = directory / "checkpoint.txt"
    try:
        origin, size, root = signing.verify_checkpoint(key, manifest["key_name"], path.read_text())
    except (OSError, KeyError, ValueError) as exc:
        report.fail(f"checkpoint: {exc}")
        return
    if (size, root) != (head.tree_size, head.root):
        report.fail("checkpoint: size or root differs from head.json")
    if origin != manifest.get("origin"):
        report.fail(f"checkpoint: origin {origin!r} differs from log.json")


def _check_entry(directory: Path, seq: int, head: signing.TreeHead, report: Report) -> None:
    path = entry_file(directory, seq)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        body = canonical(record["entry"])
        stated = _b64(record["leaf_hash"], "leaf_hash")
        proof = [_b64(p, "proof hash") for p in record["inclusion_proof"]]
    except FileNotFoundError:
        report.fail(f"entry {seq}: missing (export truncated?)")
        return
    except (OSError, ValueError, KeyError, TypeError) as exc:
        report.fail(f"entry {seq}: unreadable: {exc}")
        return
    report.entries_checked += 1
    leaf = merkle.leaf_hash(body)
    if record.get("seq") != seq or record["entry"].get("seq") != seq:
        report.fail(f"entry {seq}: sequence number in the file does not match its place")
    if leaf != stated:
        report.fail(f"entry {seq}: content does not hash to its leaf hash (tampered entry)")
        return
    if record.get("tree_size") != head.tree_size:
        report.fail(
            f"entry {seq}: proof is for tree size {record.get('tree_size')}, head is {head.tree_size}"
        )
        return
    try:
        merkle.verify_inclusion(seq, head.tree_size, leaf, proof, head.root)
    except merkle.ProofError as exc:
        report.fail(f"entry {seq}: inclusion proof fails: {exc}")


def verify_consistency_files(key_pem: bytes, old_head: dict[str, Any], new_head: dict[str, Any],
                             proof: list[str]) -> tuple[signing.TreeHead, signing.TreeHead]:  # fmt: skip
    """Check two signed heads and the consistency proof between them; raise on any failure."""
    key = signing.load_public_key(key_pem)
    old = signing.verify_head(key, old_head)
    new = signing.verify_head(key, new_head)
    if old.tree_size == 0:
        raise merkle.ProofError("the old head is empty: every log extends it, nothing to prove")
    merkle.verify_consistency(
        old.tree_size, new.tree_size, old.root, new.root, [_b64(p, "proof hash") for p in proof]
    )
    return old, new
