"""The one way to record: append events to the transparency log, and read heads and proofs.

Appends happen inside the caller's transaction, so an entry commits with the change it records
or not at all. One writer at a time: on PostgreSQL a transaction-level advisory lock; on SQLite
the database write lock that every writing transaction takes at BEGIN.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, LargeBinary, SmallInteger, delete, func, insert, select, text
from sqlalchemy.orm import Session

from chanrong import clock
from chanrong.ledger import merkle, signing
from chanrong.ledger.canonical import canonical, salted_digest
from chanrong.ledger.errors import BadTreeSize, EntryNotFound
from chanrong.ledger.keys import signer
from chanrong.ledger.models import LedgerEntry, LedgerHead, LedgerNode, LedgerSalt
from chanrong.parties.core import Principal

WRITER_LOCK = 0x6368616E726F6E67  # "chanrong" as a 64-bit advisory lock key
ENTRY_VERSION = 1


@dataclass(frozen=True)
class Event:
    """A financially relevant event to log: what happened (``event``) to which ``subject``
    (an identifier or ``<kind>:<key>``), by whom, with its JSON payload.

    ``confidential`` payloads are logged as a salted SHA-256 digest, never in clear.
    """

    actor: Principal
    event: str
    subject: str
    payload: dict[str, Any]
    confidential: bool = False


@dataclass(frozen=True)
class Receipt:
    """Where an event landed: its sequence number, leaf hash and the head that includes it."""

    seq: int
    leaf_hash: bytes
    tree_size: int


def _actor(principal: Principal) -> dict[str, Any]:
    if principal.is_system:
        return {"system": True}
    return {"party": principal.party_id, "user": principal.user_id, "api_key": principal.api_key_id}


def _timestamp_ms() -> int:
    return int(clock.now().timestamp() * 1000)


def _entry(seq: int, ts_ms: int, event: Event, salt: bytes | None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "v": ENTRY_VERSION,
        "seq": seq,
        "ts": ts_ms,
        "event": event.event,
        "actor": _actor(event.actor),
        "subject": event.subject,
    }
    if salt is None:
        entry["payload"] = event.payload
    else:
        entry["payload_digest"] = salted_digest(salt, event.payload)
    return entry


def _lock_writer(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITER_LOCK})


def tree_size(session: Session) -> int:
    """The number of entries in the log (committed or appended in this transaction)."""
    last = session.scalar(select(func.max(LedgerEntry.seq)))
    return 0 if last is None else last + 1


# Stored nodes by (level, idx), one primary-key lookup per wanted node, in one statement of one
# shape whatever the count (SQLite plans ``(level, idx) IN (VALUES ...)`` as a full table scan).
_NODE_COLUMNS = {"level": SmallInteger(), "idx": BigInteger(), "hash": LargeBinary()}
_NODES_SQLITE = text(
    "SELECT n.level, n.idx, n.hash FROM json_each(:wanted) AS w CROSS JOIN ledger_nodes AS n"
    " ON n.level = json_extract(w.value, '$[0]') AND n.idx = json_extract(w.value, '$[1]')"
).columns(**_NODE_COLUMNS)
_NODES_POSTGRESQL = text(
    "SELECT n.level, n.idx, n.hash"
    " FROM unnest(CAST(:levels AS smallint[]), CAST(:idxs AS bigint[])) AS w (level, idx)"
    " JOIN ledger_nodes AS n ON n.level = w.level AND n.idx = w.idx"
).columns(**_NODE_COLUMNS)


def _nodes(session: Session, wanted: set[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    if not wanted:
        return {}
    keys = sorted(wanted)
    if session.get_bind().dialect.name == "postgresql":
        params = {"levels": [level for level, _ in keys], "idxs": [idx for _, idx in keys]}
        rows = session.execute(_NODES_POSTGRESQL, params).all()
    else:
        rows = session.execute(_NODES_SQLITE, {"wanted": json.dumps(keys)}).all()
    found = {(level, idx): h for level, idx, h in rows}
    if len(found) != len(wanted):
        raise RuntimeError(f"ledger nodes missing: {sorted(wanted - found.keys())[:5]}")
    return found


def record(session: Session, event: Event) -> Receipt:
    """Append one event to the log in the caller's transaction."""
    return record_many(session, [event])[0]


def record_many(session: Session, events: Sequence[Event]) -> list[Receipt]:
    """Append events in order, store the new subtree hashes and sign the new head."""
    if not events:
        return []
    _lock_writer(session)
    start = tree_size(session)
    known = _nodes(session, set(merkle.perfect_ranges(0, start)))
    frontier = [(level, idx, known[(level, idx)]) for level, idx in merkle.perfect_ranges(0, start)]
    ts = _timestamp_ms()
    entry_rows: list[dict[str, Any]] = []
    node_rows: list[dict[str, Any]] = []
    salt_rows: list[dict[str, Any]] = []
    receipts: list[Receipt] = []
    now = clock.now()
    for offset, event in enumerate(events):
        seq = start + offset
        salt = secrets.token_bytes(32) if event.confidential else None
        body = canonical(_entry(seq, ts, event, salt))
        leaf = merkle.leaf_hash(body)
        entry_rows.append({
            "seq": seq, "created_at": now, "event": event.event,
            "actor_party_id": None if event.actor.is_system else event.actor.party_id,
            "subject": event.subject, "body": body.decode(), "leaf_hash": leaf,
        })  # fmt: skip
        if salt is not None:
            salt_rows.append({"seq": seq, "salt": salt})
        frontier.append((0, seq, leaf))
        node_rows.append({"level": 0, "idx": seq, "hash": leaf})
        while len(frontier) > 1 and frontier[-1][0] == frontier[-2][0]:
            level, _, right = frontier.pop()
            _, left_idx, left = frontier.pop()
            parent = (level + 1, left_idx // 2, merkle.node_hash(left, right))
            frontier.append(parent)
            node_rows.append({"level": parent[0], "idx": parent[1], "hash": parent[2]})
        receipts.append(Receipt(seq, leaf, start + len(events)))
    session.execute(insert(LedgerEntry), entry_rows)
    session.execute(insert(LedgerNode), node_rows)
    if salt_rows:
        session.execute(insert(LedgerSalt), salt_rows)
    root = _fold(frontier)
    _sign_head(session, signing.TreeHead(start + len(events), ts, root))
    return receipts


def _fold(frontier: list[tuple[int, int, bytes]]) -> bytes:
    result = frontier[-1][2]
    for _level, _idx, h in reversed(frontier[:-1]):
        result = merkle.node_hash(h, result)
    return result


def _sign_head(session: Session, head: signing.TreeHead) -> None:
    signed = signing.sign_head(signer().key, head)
    session.execute(
        insert(LedgerHead),
        [{"tree_size": head.tree_size, "timestamp": head.timestamp, "root": head.root,
          "signature": signed["tree_head_signature"]}],
    )  # fmt: skip


def latest_head(session: Session) -> dict[str, Any]:
    """The latest signed tree head as RFC 6962 JSON (an unsigned empty head before any entry)."""
    row = session.scalars(select(LedgerHead).order_by(LedgerHead.tree_size.desc()).limit(1)).first()
    if row is None:
        return signing.sign_head(
            signer().key, signing.TreeHead(0, _timestamp_ms(), merkle.EMPTY_ROOT)
        )
    return head_json(row)


def head_json(row: LedgerHead) -> dict[str, Any]:
    """A stored head as RFC 6962 JSON."""
    return {
        "tree_size": row.tree_size,
        "timestamp": row.timestamp,
        "sha256_root_hash": base64.b64encode(row.root).decode(),
        "tree_head_signature": row.signature,
    }


def checkpoint(session: Session) -> str:
    """The latest head as a C2SP signed-note checkpoint."""
    head = signing.head_from_json(latest_head(session))
    s = signer()
    return signing.checkpoint(s.key, s.name, s.origin, head)


def _check_size(session: Session, size: int) -> None:
    current = tree_size(session)
    if not 0 < size <= current:
        raise BadTreeSize(
            f"tree size {size} is outside the log (1..{current})", field="tree_size", rule="range"
        )


def root_at(session: Session, size: int) -> bytes:
    """The root hash of the log's first ``size`` entries."""
    if size == 0:
        return merkle.EMPTY_ROOT
    _check_size(session, size)
    nodes = _nodes(session, set(merkle.perfect_ranges(0, size)))
    return merkle.range_hash(0, size, lambda level, idx: nodes[(level, idx)])


def _proof(session: Session, ranges: list[tuple[int, int]]) -> list[bytes]:
    nodes = _nodes(session, merkle.perfect_nodes(ranges))
    return [merkle.range_hash(s, e, lambda level, idx: nodes[(level, idx)]) for s, e in ranges]


def inclusion_proof(session: Session, seq: int, size: int) -> list[bytes]:
    """The inclusion proof of entry ``seq`` in the tree of ``size`` entries."""
    _check_size(session, size)
    if not 0 <= seq < size:
        raise EntryNotFound(f"entry {seq} is not within a tree of size {size}")
    return _proof(session, merkle.inclusion_ranges(seq, size))


def consistency_proof(session: Session, old: int, new: int) -> list[bytes]:
    """The consistency proof from the tree of ``old`` entries to that of ``new`` entries."""
    if not 0 < old <= new:
        raise BadTreeSize(
            f"no consistency proof from size {old} to size {new}", field="first", rule="range"
        )
    _check_size(session, new)
    return _proof(session, merkle.consistency_ranges(old, new))


def entry(session: Session, seq: int) -> LedgerEntry:
    """One log entry by sequence number."""
    row = session.get(LedgerEntry, seq)
    if row is None:
        raise EntryNotFound(f"no log entry {seq}")
    return row


def entries(session: Session, *, subject: str | None = None, event: str | None = None,
            after: int = -1, limit: int = 100) -> list[LedgerEntry]:  # fmt: skip
    """Entries in order, optionally about one subject or of one event kind."""
    query = select(LedgerEntry).where(LedgerEntry.seq > after)
    if subject:
        query = query.where(LedgerEntry.subject == subject)
    if event:
        query = query.where(LedgerEntry.event == event)
    return list(session.scalars(query.order_by(LedgerEntry.seq).limit(limit)))


def shred(session: Session, seq: int) -> bool:
    """Delete the salt of a confidential entry: its payload can no longer be matched to the log."""
    return bool(session.execute(delete(LedgerSalt).where(LedgerSalt.seq == seq)).rowcount)


def salt_of(session: Session, seq: int) -> bytes | None:
    """The salt of a confidential entry, or None (not confidential, or shredded)."""
    return session.scalar(select(LedgerSalt.salt).where(LedgerSalt.seq == seq))
