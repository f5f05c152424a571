"""Canonical JSON (RFC 8785, JCS) of ledger entries, and salted payload digests.

Anyone can recompute a leaf hash from an entry: ``SHA-256(0x00 || canonical(entry))``.

Ledger entries hold strings, safe integers, booleans, nulls, lists and objects. For such values
JCS is exactly ``json.dumps`` with sorted keys, no spaces and UTF-8 output, provided object keys
sort the same by code point as by UTF-16 code unit (true below U+D800). That fast path is taken
when it provably applies; anything else (floats, large integers, keys at or above U+D800) goes
through the ``rfc8785`` reference implementation. A test checks both agree.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import rfc8785

_SAFE_INTEGER = 2**53 - 1
_dumps = json.JSONEncoder(
    ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False, check_circular=False
).encode


def _plain(value: Any) -> bool:
    kind = type(value)
    if kind is str or value is None or value is True or value is False:
        return True
    if kind is int:
        return -_SAFE_INTEGER <= value <= _SAFE_INTEGER
    if kind is dict:
        return all(
            type(k) is str and (k.isascii() or max(k) < "\ud800") and _plain(v)
            for k, v in value.items()
        )
    if kind is list:
        return all(_plain(v) for v in value)
    return False


def canonical(value: Any) -> bytes:
    """RFC 8785 bytes of a JSON value (sorted keys, no spaces, ECMAScript numbers, UTF-8)."""
    if _plain(value):
        try:
            return _dumps(value).encode()
        except UnicodeEncodeError as exc:  # a lone surrogate: not valid Unicode text
            raise rfc8785.CanonicalizationError("input contains non-UTF-8 codepoints") from exc
    return rfc8785.dumps(value)


def salted_digest(salt: bytes, payload: Any) -> str:
    """Hex SHA-256 of ``salt || canonical(payload)``: logged instead of a confidential payload.

    Deleting the salt makes the payload unrecoverable from the log (crypto-shredding) while the
    entry, and so every proof, stays the same.
    """
    return hashlib.sha256(salt + canonical(payload)).hexdigest()
