"""Idempotency keys for mutating requests (the ``Idempotency-Key`` header, as Apache Fineract
and Stripe do it).

A key belongs to the calling party. The first request with a key runs and its answer (status
and JSON body) is stored with the key, in the request's own transaction, so the answer and the
change commit together or not at all. A repeat with the same request returns the stored answer
without running again; a repeat while the first is still in flight gets ``IdempotencyInFlight``
(409); the same key with a different request (method, path or body) gets
``IdempotencyKeyReused`` (422). A request that fails stores nothing: the key stays free.

On PostgreSQL the first request holds a transaction-level advisory lock on the key, which a
duplicate tries without waiting (in flight → 409). On SQLite writers are serialised, so a
duplicate only ever sees the first request finished.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, Table, bindparam, func, select
from sqlalchemy.orm import Session

from chanrong import clock, db
from chanrong.errors import Conflict, Invalid
from chanrong.kit.models import IdempotencyKey

MAX_KEY_LENGTH = 200


class IdempotencyInFlight(Conflict):
    """A request with the same idempotency key is still being processed; retry later."""

    slug = "idempotency-in-flight"
    title = "Request with this idempotency key in flight"


class IdempotencyKeyReused(Invalid):
    """The idempotency key was used before for a different request (method, path or body)."""

    slug = "idempotency-key-reused"
    title = "Idempotency key reused"


@dataclass(frozen=True)
class Answer:
    """A request's answer: HTTP status, JSON body, and whether it is a stored one (a repeat)."""

    status_code: int
    body: Any
    replayed: bool = False


def fingerprint(scope: str, body: Any) -> str:
    """SHA-256 (hex) of the request: ``scope`` (method and path) and its JSON body."""
    text = json.dumps({"scope": scope, "body": body}, sort_keys=True, ensure_ascii=False,
                      separators=(",", ":"), default=str)  # fmt: skip
    return hashlib.sha256(text.encode()).hexdigest()


def _lock_id(party_id: int, key: str) -> int:
    digest = hashlib.sha256(f"idempotency:{party_id}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _check_key(key: str) -> None:
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise Invalid(
            f"an idempotency key is 1 to {MAX_KEY_LENGTH} printable characters",
            field="Idempotency-Key",
            rule="format",
        )


_TRY_LOCK = select(func.pg_try_advisory_xact_lock(bindparam("lock", type_=BigInteger)))
_STORED = select(IdempotencyKey.fingerprint, IdempotencyKey.status_code, IdempotencyKey.body).where(
    IdempotencyKey.party_id == bindparam("party_id"), IdempotencyKey.key == bindparam("key")
)
_KEYS: Table = IdempotencyKey.__table__  # type: ignore[assignment]


def stored(session: Session, *, party_id: int, key: str, fingerprint: str) -> Answer | None:
    """The stored answer for ``key`` of ``party_id`` (None: run the request, the key is held by
    this transaction). Raises ``IdempotencyInFlight`` or ``IdempotencyKeyReused``."""
    _check_key(key)
    # prebuilt reads: every mutating request with a key comes this way (``db.read``)
    pg = session.get_bind().dialect.name == "postgresql"
    if pg and not db.read(session, _TRY_LOCK, {"lock": _lock_id(party_id, key)}).scalar():
        raise IdempotencyInFlight(f"a request with idempotency key {key!r} is in flight")
    row = db.read(session, _STORED, {"party_id": party_id, "key": key}).first()
    if row is None:
        return None
    if row.fingerprint != fingerprint:
        raise IdempotencyKeyReused(
            f"idempotency key {key!r} was used for a different request",
            field="Idempotency-Key",
            rule="same_request",
        )
    return Answer(row.status_code, row.body, replayed=True)


def remember(session: Session, *, party_id: int, key: str, fingerprint: str,
             answer: Answer) -> None:  # fmt: skip
    """Store ``answer`` under ``key`` in the caller's transaction."""
    db.insert_row(session, _KEYS, {
        "party_id": party_id, "key": key, "fingerprint": fingerprint,
        "status_code": answer.status_code, "body": answer.body, "created_at": clock.now(),
    })  # fmt: skip


def run(session: Session, *, party_id: int, key: str | None, scope: str, request: Any,
        action: Callable[[], Answer]) -> Answer:  # fmt: skip
    """Run ``action`` once per key: without a key just run it; with one, return the stored
    answer of an earlier identical request, or run it and store its answer."""
    if key is None:
        return action()
    print_ = fingerprint(scope, request)
    earlier = stored(session, party_id=party_id, key=key, fingerprint=print_)
    if earlier is not None:
        return earlier
    answer = action()
    remember(session, party_id=party_id, key=key, fingerprint=print_, answer=answer)
    return answer
