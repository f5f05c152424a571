"""The one way to record: append events to the transparency log, and read heads and proofs.

Appends happen inside the caller's transaction, so an entry commits with the change it records
or not at all. One writer at a time: on PostgreSQL a transaction-level advisory lock; on SQLite
the database write lock that every writing transaction takes at BEGIN.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, LargeBinary, SmallInteger, Table, delete, func, select, text
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from chanrong import clock, db
from chanrong.ledger import merkle, pending, signing
from chanrong.ledger.canonical import canonical, salted_digest
from chanrong.ledger.errors import BadTreeSize, EntryNotFound
from chanrong.ledger.keys import signer
from chanrong.ledger.models import LedgerEntry, LedgerHead, LedgerNode, LedgerSalt
from chanrong.principal import Principal

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


_WRITER_LOCK = text("SELECT pg_advisory_xact_lock(:key)")
_ENTRIES: Table = LedgerEntry.__table__  # type: ignore[assignment]
_NODES: Table = LedgerNode.__table__  # type: ignore[assignment]
_HEADS: Table = LedgerHead.__table__  # type: ignore[assignment]
_SALTS: Table = LedgerSalt.__table__  # type: ignore[assignment]
_LAST_SEQ = select(func.max(_ENTRIES.c.seq))


def tree_size(session: Session) -> int:
    """The number of entries in the log (committed or appended in this transaction)."""
    _append_pending(session)
    last = db.read(session, _LAST_SEQ, {}).scalar()
    return 0 if last is None else last + 1


# Stored nodes by (level, idx), one primary-key lookup per wanted node (a scalar subquery, so
# the plan a connection keeps stays a lookup whatever size the log had when it was planned), in
# one statement of one shape whatever the count; a missing node comes back with hash NULL.
_WANTED_NODES = {
    "sqlite": "SELECT json_extract(w.value, '$[0]') AS level, json_extract(w.value, '$[1]') AS idx,"
    " (SELECT n.hash FROM ledger_nodes AS n WHERE n.level = json_extract(w.value, '$[0]')"
    " AND n.idx = json_extract(w.value, '$[1]')) AS hash, NULL FROM json_each(:wanted) AS w",
    "postgresql": "SELECT w.level, w.idx, (SELECT n.hash FROM ledger_nodes AS n"
    " WHERE n.level = w.level AND n.idx = w.idx) AS hash, NULL"
    " FROM unnest(CAST(:levels AS smallint[]), CAST(:idxs AS bigint[])) AS w (level, idx)",
}
_NODE_COLUMNS = {"level": SmallInteger(), "idx": BigInteger(), "hash": LargeBinary()}
# The same, after the log's last seq in a row of its own (level NULL): a size check and the
# nodes of a proof in one round trip.
_SIZED_NODES_QUERY = {
    dialect: text(
        "SELECT CAST(NULL AS SMALLINT) AS level, CAST(NULL AS BIGINT) AS idx, NULL AS hash,"
        f" max(seq) AS last FROM ledger_entries UNION ALL {nodes}"
    ).columns(**_NODE_COLUMNS, last=BigInteger())
    for dialect, nodes in _WANTED_NODES.items()
}


def _nodes_statement(session: Session, wanted: set[tuple[int, int]]) -> tuple[Any, dict[str, Any]]:
    keys = sorted(wanted)
    if session.get_bind().dialect.name == "postgresql":
        params = {"levels": [level for level, _ in keys], "idxs": [idx for _, idx in keys]}
        return _SIZED_NODES_QUERY["postgresql"], params
    return _SIZED_NODES_QUERY["sqlite"], {"wanted": json.dumps(keys)}


def _complete(wanted: set[tuple[int, int]], found: dict[tuple[int, int], bytes]) -> None:
    if len(found) != len(wanted):
        raise RuntimeError(f"ledger nodes missing: {sorted(wanted - found.keys())[:5]}")


def _nodes_within(
    session: Session, size: int, wanted: set[tuple[int, int]]
) -> dict[tuple[int, int], bytes]:
    """``_check_size(size)``, then the stored nodes ``wanted`` by (level, idx), in one statement."""
    if size >= 1 << 62:  # no log is that large; its node indexes would not even fit a BIGINT
        _check_size(session, size)
    rows = session.execute(*_nodes_statement(session, wanted)).all()
    last = next(row.last for row in rows if row.level is None)
    _check_size(session, size, current=0 if last is None else last + 1)
    found = {(row.level, row.idx): row.hash for row in rows if row.hash is not None}
    _complete(wanted, found)
    return found


# The log's size and its frontier, the perfect subtrees [0, size) splits into (one per set bit
# of size: at level L, node (size >> L) - 1), in one statement: the size in a row of its own
# (level NULL), then the nodes. Each node is a primary-key lookup of its own (a scalar
# subquery), not a join: PostgreSQL keeps the plan of a prepared statement, and a join planned
# while the log was small (an index scan on ``level`` alone) walks a whole level as it grows.
_FRONTIER = text(
    "WITH RECURSIVE levels (level) AS (SELECT 0 UNION ALL SELECT level + 1 FROM levels"
    " WHERE level < 62),"
    " sized (size) AS (SELECT coalesce(max(seq) + 1, 0) FROM ledger_entries)"
    " SELECT CAST(NULL AS SMALLINT) AS level, CAST(NULL AS BIGINT) AS idx, NULL AS hash,"
    " sized.size AS size FROM sized"
    " UNION ALL SELECT levels.level, (sized.size >> levels.level) - 1,"
    " (SELECT n.hash FROM ledger_nodes AS n WHERE n.level = levels.level"
    " AND n.idx = (sized.size >> levels.level) - 1), NULL"
    " FROM sized CROSS JOIN levels WHERE (sized.size >> levels.level) & 1 = 1"
).columns(**_NODE_COLUMNS, size=BigInteger())


def _locked_frontier(session: Session) -> tuple[int, list[tuple[int, int, bytes]]]:
    """Take the log's writer lock; the log's size and its frontier nodes (level, idx, hash),
    largest first. On PostgreSQL the lock and the read go in one round trip (``db.read_after``):
    the lock is held from here to the commit, and every writer on the platform waits for it."""
    if session.get_bind().dialect.name == "postgresql":
        rows = db.read_after(session, _WRITER_LOCK, {"key": WRITER_LOCK}, _FRONTIER, {})
    else:  # the database write lock, taken at BEGIN, already serialises appends
        rows = db.read(session, _FRONTIER, {})
    size = next(row.size for row in rows if row.level is None)
    found = {(row.level, row.idx): row.hash for row in rows if row.hash is not None}
    wanted = merkle.perfect_ranges(0, size)
    _complete(set(wanted), found)
    return size, [(level, idx, found[(level, idx)]) for level, idx in wanted]


def record(session: Session, event: Event) -> Receipt:
    """Append one event to the log in the caller's transaction."""
    return record_many(session, [event])[0]


def record_at_commit(session: Session, event: Event) -> None:
    """Log ``event`` when the caller's transaction commits (``ledger.pending``): for use cases
    that need no receipt, so that the log's writer lock is held only for the append and the
    commit. Reads of the log in the same transaction see it."""
    pending.leave(session, event)


def _append_pending(session: Session) -> None:
    record_many(session, [])


@sa_event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    _append_pending(session)


def record_many(session: Session, events: Sequence[Event]) -> list[Receipt]:
    """Append events in order (after any left for the commit), store the new subtree hashes
    and sign the new head; the receipts of ``events``."""
    waiting = pending.take(session)
    if not events and not waiting:
        return []
    asked = len(events)
    events = [*waiting, *events]
    start, frontier = _locked_frontier(session)
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
    head = _signed_head(signing.TreeHead(start + len(events), ts, _fold(frontier)))
    inserts = [(_ENTRIES, entry_rows), (_NODES, node_rows), (_SALTS, salt_rows), (_HEADS, [head])]
    db.insert_rows(session, [(table, rows) for table, rows in inserts if rows])
    return receipts[len(receipts) - asked :]


def _fold(frontier: list[tuple[int, int, bytes]]) -> bytes:
    result = frontier[-1][2]
    for _level, _idx, h in reversed(frontier[:-1]):
        result = merkle.node_hash(h, result)
    return result


def _signed_head(head: signing.TreeHead) -> dict[str, Any]:
    signed = signing.sign_head(signer().key, head)
    return {"tree_size": head.tree_size, "timestamp": head.timestamp, "root": head.root,
            "signature": signed["tree_head_signature"]}  # fmt: skip


def latest_head(session: Session) -> dict[str, Any]:
    """The latest signed tree head as RFC 6962 JSON (an unsigned empty head before any entry)."""
    _append_pending(session)
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


def _check_size(session: Session, size: int, current: int | None = None) -> None:
    if current is None:
        current = tree_size(session)
    if not 0 < size <= current:
        raise BadTreeSize(
            f"tree size {size} is outside the log (1..{current})", field="tree_size", rule="range"
        )


def root_at(session: Session, size: int) -> bytes:
    """The root hash of the log's first ``size`` entries."""
    _append_pending(session)
    if size == 0:
        return merkle.EMPTY_ROOT
    nodes = _nodes_within(session, size, set(merkle.perfect_ranges(0, size)))
    return merkle.range_hash(0, size, lambda level, idx: nodes[(level, idx)])


def _proof(session: Session, size: int, ranges: list[tuple[int, int]]) -> list[bytes]:
    """The hashes of ``ranges``, once the tree of ``size`` is known to exist."""
    nodes = _nodes_within(session, size, merkle.perfect_nodes(ranges))
    return [merkle.range_hash(s, e, lambda level, idx: nodes[(level, idx)]) for s, e in ranges]


def inclusion_proof(session: Session, seq: int, size: int) -> list[bytes]:
    """The inclusion proof of entry ``seq`` in the tree of ``size`` entries."""
    _append_pending(session)
    if not 0 <= seq < size:
        _check_size(session, size)  # a bad size is reported before a bad entry
        raise EntryNotFound(f"entry {seq} is not within a tree of size {size}")
    return _proof(session, size, merkle.inclusion_ranges(seq, size))


def consistency_proof(session: Session, old: int, new: int) -> list[bytes]:
    """The consistency proof from the tree of ``old`` entries to that of ``new`` entries."""
    _append_pending(session)
    if not 0 < old <= new:
        raise BadTreeSize(
            f"no consistency proof from size {old} to size {new}", field="first", rule="range"
        )
    return _proof(session, new, merkle.consistency_ranges(old, new))


def entry(session: Session, seq: int) -> LedgerEntry:
    """One log entry by sequence number."""
    _append_pending(session)
    row = session.get(LedgerEntry, seq)
    if row is None:
        raise EntryNotFound(f"no log entry {seq}")
    return row


def entries(session: Session, *, subject: str | None = None, event: str | None = None,
            after: int = -1, limit: int = 100) -> list[LedgerEntry]:  # fmt: skip
    """Entries in order, optionally about one subject or of one event kind."""
    _append_pending(session)
    query = select(LedgerEntry).where(LedgerEntry.seq > after)
    if subject:
        query = query.where(LedgerEntry.subject == subject)
    if event:
        query = query.where(LedgerEntry.event == event)
    return list(session.scalars(query.order_by(LedgerEntry.seq).limit(limit)))


def logged(session: Session, events: Collection[str]) -> list[tuple[str, dict[str, Any]]]:
    """Every entry of the event kinds ``events``, in log order, as (event, payload) (the
    payload as logged: a confidential one is its digest)."""
    _append_pending(session)
    rows = session.execute(
        select(LedgerEntry.event, LedgerEntry.body)
        .where(LedgerEntry.event.in_(sorted(events)))
        .order_by(LedgerEntry.seq)
    )
    return [(event, json.loads(body)["payload"]) for event, body in rows]


def recent_entries(session: Session, *, event: str | None = None, limit: int = 25,
                   offset: int = 0) -> tuple[list[LedgerEntry], int]:  # fmt: skip
    """One page of entries, newest first (optionally of one event kind), and how many there are."""
    _append_pending(session)
    if event:
        total = session.scalar(select(func.count()).where(LedgerEntry.event == event)) or 0
        query = select(LedgerEntry).where(LedgerEntry.event == event)
    else:
        total = tree_size(session)
        query = select(LedgerEntry)
    rows = session.scalars(query.order_by(LedgerEntry.seq.desc()).limit(limit).offset(offset))
    return list(rows), total


@dataclass(frozen=True)
class ProvenEntry:
    """An entry with its inclusion proof in the latest signed head, and the outcome of checking
    both here: ``problem`` is None when the proof verifies, else why it does not."""

    entry: LedgerEntry
    head: dict[str, Any]
    proof: list[bytes]
    problem: str | None

    @property
    def verified(self) -> bool:
        """True when the head's signature, the leaf hash and the inclusion proof all check."""
        return self.problem is None


def check_inclusion(body: str, leaf: bytes, seq: int, proof: Sequence[bytes],
                    head: dict[str, Any], public_key: Any) -> str | None:  # fmt: skip
    """Why ``body`` is not proven to be entry ``seq`` under the signed ``head``, or None.

    The same checks an outside verifier makes: the head's signature with the log's public key,
    the entry's canonical JSON hashing to ``leaf``, and ``merkle.verify_inclusion`` of ``leaf``
    at ``seq`` against the signed root.
    """
    try:
        tree = signing.verify_head(public_key, head)
    except signing.SignatureError as error:
        return f"signed tree head: {error}"
    try:
        recomputed = merkle.leaf_hash(canonical(json.loads(body)))
    except ValueError as error:
        return f"entry is not JSON: {error}"
    if recomputed != leaf:
        return "the entry does not hash to its leaf hash"
    try:
        merkle.verify_inclusion(seq, tree.tree_size, recomputed, proof, tree.root)
    except merkle.ProofError as error:
        return f"inclusion proof: {error}"
    return None


def proven_entry(session: Session, seq: int) -> ProvenEntry:
    """Entry ``seq``, its inclusion proof in the latest signed head, checked with the log's key."""
    _append_pending(session)
    row = entry(session, seq)
    head = latest_head(session)
    proof = inclusion_proof(session, seq, int(head["tree_size"]))
    problem = check_inclusion(row.body, row.leaf_hash, seq, proof, head, signer().key.public_key())
    return ProvenEntry(row, head, proof, problem)


def shred(session: Session, seq: int) -> bool:
    """Delete the salt of a confidential entry: its payload can no longer be matched to the log."""
    _append_pending(session)
    return bool(session.execute(delete(LedgerSalt).where(LedgerSalt.seq == seq)).rowcount)


def salt_of(session: Session, seq: int) -> bytes | None:
    """The salt of a confidential entry, or None (not confidential, or shredded)."""
    _append_pending(session)
    return session.scalar(select(LedgerSalt.salt).where(LedgerSalt.seq == seq))
