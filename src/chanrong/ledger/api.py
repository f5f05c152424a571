"""HTTP API of the transparency log under /api/v1/ledger. Readable by every authenticated caller:
entries about confidential data carry only a salted digest."""

from __future__ import annotations

import base64
import json
from typing import Annotated

from fastapi import APIRouter, Query

from chanrong.http import Tx
from chanrong.ledger import schemas, service
from chanrong.ledger.keys import signer
from chanrong.parties.auth import Caller

router = APIRouter(prefix="/api/v1/ledger", tags=["ledger"])


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@router.get("/head", response_model=schemas.HeadOut)
def head(session: Tx, caller: Caller) -> object:
    """The latest signed tree head (RFC 6962 JSON and C2SP checkpoint) and the public key."""
    s = signer()
    return {
        "sth": service.latest_head(session),
        "checkpoint": service.checkpoint(session),
        "public_key_pem": s.public_pem,
        "verifier_key": s.verifier_key,
    }


@router.get("/entries/{seq}", response_model=schemas.EntryOut)
def entry(
    seq: int, session: Tx, caller: Caller, tree_size: Annotated[int | None, Query(ge=1)] = None
) -> object:
    """One entry with its inclusion proof in the tree of ``tree_size`` (default: latest)."""
    row = service.entry(session, seq)
    size = tree_size or service.tree_size(session)
    return {
        "seq": row.seq,
        "leaf_hash": _b64(row.leaf_hash),
        "entry": json.loads(row.body),
        "tree_size": size,
        "inclusion_proof": [_b64(h) for h in service.inclusion_proof(session, seq, size)],
    }


@router.get("/consistency", response_model=schemas.ConsistencyOut)
def consistency(
    session: Tx,
    caller: Caller,
    first: Annotated[int, Query(ge=1)],
    second: Annotated[int, Query(ge=1)],
) -> object:
    """The consistency proof between tree sizes ``first`` and ``second``."""
    proof = service.consistency_proof(session, first, second)
    return {"first": first, "second": second, "proof": [_b64(h) for h in proof]}
