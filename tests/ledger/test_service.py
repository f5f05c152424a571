"""The log as stored: appends, roots, proofs and heads agree with the pure definitions."""

from __future__ import annotations

import base64

import pytest

from chanrong.ledger import merkle, service, signing
from chanrong.ledger.canonical import canonical, salted_digest
from chanrong.ledger.errors import BadTreeSize, EntryNotFound
from chanrong.ledger.keys import signer
from chanrong.principal import Principal

SYSTEM = Principal.system()


def _event(i: int, **overrides) -> service.Event:
    fields = {"actor": SYSTEM, "event": "test.event", "subject": f"thing:{i}", "payload": {"n": i}}
    fields.update(overrides)
    return service.Event(**fields)


def _leaves(session) -> list[bytes]:
    return [e.leaf_hash for e in service.entries(session, limit=10_000)]


def test_appends_match_the_recursive_definition(session) -> None:
    for batch in (1, 2, 3, 1, 5, 8, 13):
        start = service.tree_size(session)
        service.record_many(session, [_event(start + i) for i in range(batch)])
    leaves = _leaves(session)
    assert len(leaves) == service.tree_size(session) == 33
    for size in range(1, 34):
        assert service.root_at(session, size) == merkle.root_of(leaves[:size])
    head = signing.verify_head(signer().key.public_key(), service.latest_head(session))
    assert head.tree_size == 33 and head.root == merkle.root_of(leaves)


def test_proofs_verify(session) -> None:
    service.record_many(session, [_event(i) for i in range(21)])
    leaves = _leaves(session)
    for size in (1, 2, 7, 16, 21):
        root = service.root_at(session, size)
        for seq in range(size):
            proof = service.inclusion_proof(session, seq, size)
            merkle.verify_inclusion(seq, size, leaves[seq], proof, root)
    for old in range(1, 22):
        proof = service.consistency_proof(session, old, 21)
        merkle.verify_consistency(
            old, 21, service.root_at(session, old), service.root_at(session, 21), proof
        )


def test_entry_is_canonical_json_and_hash_recomputes(session) -> None:
    receipt = service.record(session, _event(1, payload={"b": "二", "a": 1}))
    row = service.entry(session, receipt.seq)
    assert row.body == canonical(
        {"v": 1, "seq": receipt.seq, "ts": _json(row.body)["ts"], "event": "test.event",
         "actor": {"system": True}, "subject": "thing:1", "payload": {"a": 1, "b": "二"}}
    ).decode()  # fmt: skip
    assert merkle.leaf_hash(row.body.encode()) == row.leaf_hash == receipt.leaf_hash


def test_confidential_payload_is_salted_and_shreddable(session) -> None:
    payload = {"revenue_fen": 123_456_78}
    receipt = service.record(session, _event(1, payload=payload, confidential=True))
    body = _json(service.entry(session, receipt.seq).body)
    assert "payload" not in body
    salt = service.salt_of(session, receipt.seq)
    assert body["payload_digest"] == salted_digest(salt, payload)
    root_before = service.root_at(session, service.tree_size(session))
    assert service.shred(session, receipt.seq)
    assert service.salt_of(session, receipt.seq) is None
    assert service.root_at(session, service.tree_size(session)) == root_before


def test_bad_sizes_are_refused(session) -> None:
    service.record_many(session, [_event(i) for i in range(3)])
    with pytest.raises(BadTreeSize):
        service.inclusion_proof(session, 0, 4)
    with pytest.raises(EntryNotFound):
        service.inclusion_proof(session, 3, 3)
    with pytest.raises(BadTreeSize):
        service.consistency_proof(session, 0, 3)
    with pytest.raises(EntryNotFound):
        service.entry(session, 99)


def test_checkpoint_verifies(session) -> None:
    service.record(session, _event(1))
    s = signer()
    origin, size, root = signing.verify_checkpoint(
        s.key.public_key(), s.name, service.checkpoint(session)
    )
    assert origin == s.origin and size == service.tree_size(session)
    assert root == base64.b64decode(service.latest_head(session)["sha256_root_hash"])


def _json(body: str) -> dict:
    import json

    return json.loads(body)
