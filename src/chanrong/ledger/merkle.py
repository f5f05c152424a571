"""Merkle tree hashing and proofs of RFC 9162 (Certificate Transparency 2.0, section 2.1).

Pure functions that import nothing else of chanrong, so an outside verifier can copy this file.

* leaf hash ``SHA-256(0x00 || entry)``, node hash ``SHA-256(0x01 || left || right)``;
  the empty tree's hash is ``SHA-256("")``.
* A tree of ``n`` leaves splits at ``k``, the largest power of two below ``n``.
* Proof *generation* works on any function ``subtree(start, end)`` returning the hash of leaves
  ``[start, end)``; ``perfect_nodes`` names the stored perfect-subtree hashes that a set of ranges
  needs, so a store can read them all at once (``O(log n)`` nodes per range).
* Proof *verification* follows RFC 9162 2.1.3.2 and 2.1.4.2 exactly, and rejects hashes that are
  not 32 bytes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

Subtree = Callable[[int, int], bytes]
"""hash of the leaves [start, end) of the tree."""


class ProofError(ValueError):
    """A proof does not verify; the message says which check failed."""


def leaf_hash(entry: bytes) -> bytes:
    """RFC 9162 leaf hash of an entry's bytes."""
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 interior node hash."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def split_point(n: int) -> int:
    """The largest power of two strictly less than ``n`` (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def root_of(leaf_hashes: Sequence[bytes]) -> bytes:
    """The Merkle tree hash of a list of leaf hashes (recursive definition; for small trees)."""
    n = len(leaf_hashes)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaf_hashes[0]
    k = split_point(n)
    return node_hash(root_of(leaf_hashes[:k]), root_of(leaf_hashes[k:]))


def perfect_ranges(start: int, end: int) -> list[tuple[int, int]]:
    """Decompose ``[start, end)`` into the maximal perfect subtrees, as (level, index) pairs.

    A perfect subtree at ``level`` and ``index`` covers leaves ``[index * 2^level,
    (index + 1) * 2^level)``. The pieces come left to right, and the hash of the range is the
    fold of their hashes from the right (see ``range_hash``).
    """
    nodes: list[tuple[int, int]] = []
    while start < end:
        size = start & -start if start else 1 << (end.bit_length())
        while size > end - start:
            size >>= 1
        level = size.bit_length() - 1
        nodes.append((level, start >> level))
        start += size
    return nodes


def range_hash(start: int, end: int, node: Callable[[int, int], bytes]) -> bytes:
    """Hash of leaves ``[start, end)`` from perfect-subtree hashes ``node(level, index)``.

    Valid for ranges that are themselves subtrees of the RFC's split (every range a proof uses
    is one): their perfect pieces decrease in size left to right, and the RFC hash of such a
    range folds the pieces from the right.
    """
    pieces = [node(level, index) for level, index in perfect_ranges(start, end)]
    if not pieces:
        return EMPTY_ROOT
    result = pieces[-1]
    for piece in reversed(pieces[:-1]):
        result = node_hash(piece, result)
    return result


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The leaf ranges whose hashes form the inclusion proof of ``index`` in a tree of ``size``,
    from the leaf upwards (RFC 9162 2.1.3.1)."""
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is outside a tree of size {size}")
    ranges: list[tuple[int, int]] = []
    start, end = 0, size
    while end - start > 1:
        k = split_point(end - start)
        if index - start < k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
    ranges.reverse()
    return ranges


def consistency_ranges(old: int, new: int) -> list[tuple[int, int]]:
    """The leaf ranges whose hashes form the consistency proof from ``old`` to ``new`` leaves
    (RFC 9162 2.1.4.1), in proof order."""
    if not 0 < old <= new:
        raise ValueError(f"no consistency proof from size {old} to size {new}")
    if old == new:
        return []
    ranges: list[tuple[int, int]] = []

    def subproof(m: int, start: int, end: int, complete: bool) -> None:
        n = end - start
        if m == n:
            if not complete:
                ranges.append((start, end))
            return
        k = split_point(n)
        if m <= k:
            subproof(m, start, start + k, complete)
            ranges.append((start + k, end))
        else:
            subproof(m - k, start + k, end, False)
            ranges.append((start, start + k))

    subproof(old, 0, new, True)
    return ranges


def perfect_nodes(ranges: Iterable[tuple[int, int]]) -> set[tuple[int, int]]:
    """Every (level, index) perfect-subtree hash needed to hash all ``ranges``."""
    needed: set[tuple[int, int]] = set()
    for start, end in ranges:
        needed.update(perfect_ranges(start, end))
    return needed


def inclusion_proof(index: int, size: int, subtree: Subtree) -> list[bytes]:
    """The inclusion proof of leaf ``index`` in the tree of ``size`` leaves."""
    return [subtree(s, e) for s, e in inclusion_ranges(index, size)]


def consistency_proof(old: int, new: int, subtree: Subtree) -> list[bytes]:
    """The consistency proof between the trees of ``old`` and ``new`` leaves."""
    return [subtree(s, e) for s, e in consistency_ranges(old, new)]


def _check_sizes(*hashes: bytes) -> None:
    for h in hashes:
        if len(h) != HASH_SIZE:
            raise ProofError(f"hash of {len(h)} bytes, expected {HASH_SIZE}")


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root implied by an inclusion proof (RFC 9162 2.1.3.2), or ``ProofError``."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is outside a tree of size {size}")
    _check_sizes(leaf, *proof)
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ProofError("proof is longer than the path to the root")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("proof is shorter than the path to the root")
    return r


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that ``leaf`` is at ``index`` in the tree of ``size`` with ``root``; raise otherwise."""
    _check_sizes(root)
    if root_from_inclusion(index, size, leaf, proof) != root:
        raise ProofError("inclusion proof leads to a different root")


def verify_consistency(
    old: int, new: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Check that the tree of ``new`` leaves extends the tree of ``old`` (RFC 9162 2.1.4.2).

    Hashes must be 32 bytes, except in the one vacuous claim that a non-empty tree is consistent
    with itself (equal sizes, byte-identical roots, empty proof), which holds whatever the roots
    are, as in the RFC's reference verifier.
    """
    if old < 1:
        raise ProofError("consistency from an empty tree is not provable")
    if old == new and not proof and old_root == new_root:
        return
    _check_sizes(old_root, new_root, *proof)
    if old > new:
        raise ProofError(f"old size {old} is larger than new size {new}")
    if old == new:
        if proof:
            raise ProofError("proof between equal sizes must be empty")
        if old_root != new_root:
            raise ProofError("equal sizes with different roots")
        return
    path = list(proof)
    if old & (old - 1) == 0:  # old is a power of two: its root is the first node of the path
        path.insert(0, old_root)
    if not path:
        raise ProofError("empty consistency proof")
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof is too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("consistency proof is too short")
    if fr != old_root:
        raise ProofError("consistency proof does not lead to the old root")
    if sr != new_root:
        raise ProofError("consistency proof does not lead to the new root")
