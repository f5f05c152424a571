"""Response shapes of the ledger API."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class SignedTreeHead(BaseModel):
    """RFC 6962 signed tree head, Ed25519 signature (docs/ledger-format.md)."""

    tree_size: int
    timestamp: int
    sha256_root_hash: str
    tree_head_signature: str


class HeadOut(BaseModel):
    """The latest head in both forms, with the key that signs it."""

    sth: SignedTreeHead
    checkpoint: str
    public_key_pem: str
    verifier_key: str


class EntryOut(BaseModel):
    """An entry, its leaf hash and its inclusion proof in the tree of ``tree_size``."""

    seq: int
    leaf_hash: str
    entry: dict[str, Any]
    tree_size: int
    inclusion_proof: list[str]


class ConsistencyOut(BaseModel):
    """A consistency proof between two tree sizes."""

    first: int
    second: int
    proof: list[str]


class Receipt(BaseModel):
    """An audit receipt: where an event landed, its inclusion proof and the signed head."""

    seq: int
    leaf_hash: str
    inclusion_proof: list[str]
    sth: SignedTreeHead
