"""Canonical JSON (RFC 8785, JCS) of ledger entries, and salted payload digests.

Anyone can recompute a leaf hash from an entry: ``SHA-256(0x00 || canonical(entry))``.
"""

from __future__ import annotations

import hashlib
from typing import Any

import rfc8785


def canonical(value: Any) -> bytes:
    """RFC 8785 bytes of a JSON value (sorted keys, no spaces, ECMAScript numbers, UTF-8)."""
    return rfc8785.dumps(value)


def salted_digest(salt: bytes, payload: Any) -> str:
    """Hex SHA-256 of ``salt || canonical(payload)``: logged instead of a confidential payload.

    Deleting the salt makes the payload unrecoverable from the log (crypto-shredding) while the
    entry, and so every proof, stays the same.
    """
    return hashlib.sha256(salt + canonical(payload)).hexdigest()
