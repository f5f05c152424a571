"""Write the log to a directory that ``verify.py`` (or anyone's verifier) can check offline."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from chanrong.ledger import merkle, service, signing
from chanrong.ledger.keys import signer
from chanrong.ledger.models import LedgerEntry, LedgerNode
from chanrong.ledger.verify import FORMAT, entry_file

BATCH = 2000


def export_log(
    session: Session, out: Path, *, progress: Callable[[int], None] | None = None
) -> int:
    """Export entries, latest signed head, checkpoint, public key and one inclusion proof per
    entry into ``out``; returns the tree size exported."""
    head_json = service.latest_head(session)
    head = signing.head_from_json(head_json)
    s = signer()
    (out / "entries").mkdir(parents=True, exist_ok=True)
    (out / "public-key.pem").write_text(s.public_pem)
    (out / "head.json").write_text(json.dumps(head_json, indent=2) + "\n")
    (out / "checkpoint.txt").write_text(signing.checkpoint(s.key, s.name, s.origin, head))
    manifest = {
        "format": FORMAT, "origin": s.origin, "key_name": s.name, "verifier_key": s.verifier_key,
        "tree_size": head.tree_size, "hash": "sha256", "leaf": "SHA-256(0x00 || RFC 8785 entry)",
    }  # fmt: skip
    (out / "log.json").write_text(json.dumps(manifest, indent=2) + "\n")
    nodes = _all_nodes(session, head.tree_size)
    subtree = lambda start, end: merkle.range_hash(start, end, lambda lv, ix: nodes[(lv, ix)])  # noqa: E731
    for first in range(0, head.tree_size, BATCH):
        rows = session.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.seq >= first, LedgerEntry.seq < min(first + BATCH, head.tree_size))
            .order_by(LedgerEntry.seq)
        )
        for row in rows:
            record = {
                "seq": row.seq,
                "leaf_hash": base64.b64encode(row.leaf_hash).decode(),
                "entry": json.loads(row.body),
                "tree_size": head.tree_size,
                "inclusion_proof": [
                    base64.b64encode(h).decode()
                    for h in merkle.inclusion_proof(row.seq, head.tree_size, subtree)
                ],
            }
            entry_file(out, row.seq).write_text(
                json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8"
            )
        if progress:
            progress(min(first + BATCH, head.tree_size))
    return head.tree_size


def _all_nodes(session: Session, size: int) -> dict[tuple[int, int], bytes]:
    # An export touches every perfect subtree inside the head anyway: read them in one pass.
    rows = session.execute(select(LedgerNode.level, LedgerNode.idx, LedgerNode.hash))
    return {(lv, ix): h for lv, ix, h in rows if (ix + 1) << lv <= size}
