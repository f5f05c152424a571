"""RFC 9162 hashing and proofs: the public test vectors, and agreement with a plain recursive
RFC 6962 implementation on every tree size up to 1,024 and every size pair up to 64."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chanrong.ledger import merkle

VECTORS = Path(__file__).resolve().parents[1] / "data" / "rfc9162"


def _b64(value: str | None) -> bytes:
    return base64.b64decode(value) if value else b""


def _cases(kind: str) -> list[tuple[str, dict]]:
    files = sorted((VECTORS / kind).rglob("*.json"))
    return [(str(f.relative_to(VECTORS)), json.loads(f.read_text())) for f in files]


INCLUSION = _cases("inclusion")
CONSISTENCY = _cases("consistency")


def test_all_196_vectors_are_present() -> None:
    assert len(INCLUSION) + len(CONSISTENCY) == 196


@pytest.mark.parametrize(("name", "case"), INCLUSION, ids=[n for n, _ in INCLUSION])
def test_inclusion_vector(name: str, case: dict) -> None:
    proof = [_b64(p) for p in case["proof"] or []]
    args = (case["leafIdx"], case["treeSize"], _b64(case["leafHash"]), proof, _b64(case["root"]))
    if case["wantErr"]:
        with pytest.raises(merkle.ProofError):
            merkle.verify_inclusion(*args)
    else:
        merkle.verify_inclusion(*args)


@pytest.mark.parametrize(("name", "case"), CONSISTENCY, ids=[n for n, _ in CONSISTENCY])
def test_consistency_vector(name: str, case: dict) -> None:
    proof = [_b64(p) for p in case["proof"] or []]
    args = (case["size1"], case["size2"], _b64(case["root1"]), _b64(case["root2"]), proof)
    if case["wantErr"]:
        with pytest.raises(merkle.ProofError):
            merkle.verify_consistency(*args)
    else:
        merkle.verify_consistency(*args)


def test_short_hashes_are_rejected() -> None:
    leaf = merkle.leaf_hash(b"a")
    with pytest.raises(merkle.ProofError, match="bytes"):
        merkle.verify_inclusion(0, 2, leaf, [b"short"], leaf)
    with pytest.raises(merkle.ProofError, match="bytes"):
        merkle.verify_consistency(1, 2, leaf[:31], leaf, [leaf])


# A plain recursive RFC 6962 implementation, written from the RFC's text, as the reference.
def _mth(leaves: list[bytes]) -> bytes:
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + _mth(leaves[:k]) + _mth(leaves[k:])).digest()


def _path(m: int, leaves: list[bytes]) -> list[bytes]:
    if len(leaves) <= 1:
        return []
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    if m < k:
        return [*_path(m, leaves[:k]), _mth(leaves[k:])]
    return [*_path(m - k, leaves[k:]), _mth(leaves[:k])]


def _subproof(m: int, leaves: list[bytes], complete: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if complete else [_mth(leaves)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return [*_subproof(m, leaves[:k], complete), _mth(leaves[k:])]
    return [*_subproof(m - k, leaves[k:], False), _mth(leaves[:k])]


LEAVES = [merkle.leaf_hash(i.to_bytes(2, "big")) for i in range(1024)]
NODES: dict[tuple[int, int], bytes] = {}
for _level in range(11):
    for _idx in range(1024 >> _level):
        NODES[(_level, _idx)] = merkle.root_of(LEAVES[_idx << _level : (_idx + 1) << _level])


def _subtree(start: int, end: int) -> bytes:
    return merkle.range_hash(start, end, lambda level, idx: NODES[(level, idx)])


def test_roots_agree_on_every_size_to_1024() -> None:
    for size in range(1, 1025):
        assert _subtree(0, size) == _mth(LEAVES[:size])
    assert merkle.root_of([]) == _mth([])


@pytest.mark.parametrize("size", [*range(1, 65), 100, 255, 256, 257, 511, 1000, 1023, 1024])
def test_inclusion_agrees_and_verifies(size: int) -> None:
    root = _mth(LEAVES[:size])
    for index in range(size) if size <= 64 else range(0, size, 7):
        proof = merkle.inclusion_proof(index, size, _subtree)
        assert proof == _path(index, LEAVES[:size])
        merkle.verify_inclusion(index, size, LEAVES[index], proof, root)


def test_consistency_agrees_on_every_pair_to_64() -> None:
    for new in range(1, 65):
        new_root = _mth(LEAVES[:new])
        for old in range(1, new + 1):
            proof = merkle.consistency_proof(old, new, _subtree)
            assert proof == _subproof(old, LEAVES[:new], True)
            merkle.verify_consistency(old, new, _mth(LEAVES[:old]), new_root, proof)


@given(st.data())
def test_random_pairs_agree_and_tampering_is_caught(data: st.DataObject) -> None:
    new = data.draw(st.integers(2, 1024))
    old = data.draw(st.integers(1, new - 1))
    proof = merkle.consistency_proof(old, new, _subtree)
    assert proof == _subproof(old, LEAVES[:new], True)
    old_root, new_root = _mth(LEAVES[:old]), _mth(LEAVES[:new])
    merkle.verify_consistency(old, new, old_root, new_root, proof)
    if proof:
        i = data.draw(st.integers(0, len(proof) - 1))
        bit = data.draw(st.integers(0, 255))
        bad = list(proof)
        bad[i] = bytes([bad[i][0] ^ (1 << (bit % 8))]) + bad[i][1:]
        with pytest.raises(merkle.ProofError):
            merkle.verify_consistency(old, new, old_root, new_root, bad)
    index = data.draw(st.integers(0, new - 1))
    inclusion = merkle.inclusion_proof(index, new, _subtree)
    merkle.verify_inclusion(index, new, LEAVES[index], inclusion, new_root)
    with pytest.raises(merkle.ProofError):
        merkle.verify_inclusion(index, new, merkle.leaf_hash(b"forged"), inclusion, new_root)
