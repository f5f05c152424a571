"""Signed tree heads: RFC 6962 JSON and C2SP signed-note checkpoints, with Ed25519.

Pure functions on bytes and keys (``cryptography``'s Ed25519), importing nothing else of
chanrong, so an outside verifier can copy this file with ``merkle.py`` and ``verify.py``.

RFC 6962 form: the signed bytes are the TreeHeadSignature struct
``version(0) || signature_type(1) || timestamp(uint64 ms) || tree_size(uint64) || root(32)``;
``tree_head_signature`` is base64 of the DigitallySigned struct
``hash_alg(8 = intrinsic) || sig_alg(7 = ed25519) || uint16 length || signature`` (RFC 8422).

Checkpoint form (C2SP tlog-checkpoint + signed-note)::

    <origin>
    <tree size>
    <base64 root>

    — <key name> <base64(key hash[4] || signature)>

where key hash is the first 4 bytes of SHA-256(key name || "\\n" || 0x01 || public key).
"""

from __future__ import annotations

import base64
import hashlib
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ED25519_SIG_ALG = b"\x08\x07"


class SignatureError(ValueError):
    """A tree head's signature does not verify, or the head is malformed."""


@dataclass(frozen=True)
class TreeHead:
    """A tree head: size, time (ms since the epoch, UTC) and root hash."""

    tree_size: int
    timestamp: int
    root: bytes


def tbs(head: TreeHead) -> bytes:
    """The RFC 6962 TreeHeadSignature bytes that are signed."""
    return struct.pack(">BBQQ", 0, 1, head.timestamp, head.tree_size) + head.root


def sign_head(key: Ed25519PrivateKey, head: TreeHead) -> dict[str, object]:
    """The head as RFC 6962 JSON with ``tree_head_signature``."""
    signature = key.sign(tbs(head))
    signed = ED25519_SIG_ALG + struct.pack(">H", len(signature)) + signature
    return {
        "tree_size": head.tree_size,
        "timestamp": head.timestamp,
        "sha256_root_hash": base64.b64encode(head.root).decode(),
        "tree_head_signature": base64.b64encode(signed).decode(),
    }


def head_from_json(body: dict[str, object]) -> TreeHead:
    """Parse RFC 6962 JSON into a TreeHead (signature not checked), or ``SignatureError``."""
    try:
        size, timestamp = body["tree_size"], body["timestamp"]
        root = base64.b64decode(str(body["sha256_root_hash"]), validate=True)
    except (KeyError, ValueError) as exc:
        raise SignatureError(f"malformed tree head: {exc}") from exc
    if not isinstance(size, int) or not isinstance(timestamp, int) or size < 0 or timestamp < 0:
        raise SignatureError("tree_size and timestamp must be non-negative integers")
    if len(root) != 32:
        raise SignatureError(f"root hash of {len(root)} bytes, expected 32")
    return TreeHead(size, timestamp, root)


def verify_head(public_key: Ed25519PublicKey, body: dict[str, object]) -> TreeHead:
    """Check an RFC 6962 JSON head's signature; returns the head or raises ``SignatureError``."""
    head = head_from_json(body)
    try:
        signed = base64.b64decode(str(body["tree_head_signature"]), validate=True)
    except (KeyError, ValueError) as exc:
        raise SignatureError(f"malformed tree_head_signature: {exc}") from exc
    if signed[:2] != ED25519_SIG_ALG or len(signed) < 4:
        raise SignatureError("tree_head_signature is not an Ed25519 DigitallySigned struct")
    (length,) = struct.unpack(">H", signed[2:4])
    if length != len(signed) - 4:
        raise SignatureError("tree_head_signature length does not match")
    try:
        public_key.verify(signed[4:], tbs(head))
    except InvalidSignature:
        raise SignatureError("tree head signature does not verify with this key") from None
    return head


def key_hash(name: str, public_key: Ed25519PublicKey) -> bytes:
    """The 4-byte signed-note key hash of an Ed25519 key."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(name.encode() + b"\n\x01" + raw).digest()[:4]


def verifier_key(name: str, public_key: Ed25519PublicKey) -> str:
    """The signed-note verifier key string ``<name>+<hex hash>+<base64(0x01 || key)>``."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    encoded = base64.b64encode(b"\x01" + raw).decode()
    return f"{name}+{key_hash(name, public_key).hex()}+{encoded}"


def checkpoint(key: Ed25519PrivateKey, name: str, origin: str, head: TreeHead) -> str:
    """A C2SP checkpoint of ``head`` signed as a note by ``name``."""
    body = f"{origin}\n{head.tree_size}\n{base64.b64encode(head.root).decode()}\n"
    signature = key.sign(body.encode())
    stamp = base64.b64encode(key_hash(name, key.public_key()) + signature).decode()
    return f"{body}\n\u2014 {name} {stamp}\n"


def verify_checkpoint(public_key: Ed25519PublicKey, name: str, text: str) -> tuple[str, int, bytes]:
    """Check a checkpoint note's signature by ``name``; returns (origin, size, root)."""
    body, sep, signatures = text.partition("\n\n")
    if not sep:
        raise SignatureError("checkpoint has no signature block")
    body += "\n"
    lines = body.split("\n")
    if len(lines) < 4:
        raise SignatureError("checkpoint body needs origin, size and root lines")
    origin, size_text, root_text = lines[0], lines[1], lines[2]
    if not size_text.isdigit():
        raise SignatureError("checkpoint size is not a number")
    root = base64.b64decode(root_text)
    want = key_hash(name, public_key)
    for line in signatures.splitlines():
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != "\u2014" or parts[1] != name:
            continue
        stamp = base64.b64decode(parts[2])
        if stamp[:4] != want:
            continue
        try:
            public_key.verify(stamp[4:], body.encode())
        except InvalidSignature:
            raise SignatureError("checkpoint signature does not verify") from None
        return origin, int(size_text), root
    raise SignatureError(f"checkpoint carries no signature by {name}")


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    """An Ed25519 public key from PEM, or ``SignatureError``."""
    try:
        key = serialization.load_pem_public_key(pem)
    except ValueError as exc:
        raise SignatureError(f"not a PEM public key: {exc}") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise SignatureError("the public key is not Ed25519")
    return key


def public_pem(key: Ed25519PublicKey) -> bytes:
    """PEM (SubjectPublicKeyInfo) of a public key."""
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
