"""Console pages of the transparency log: the latest signed head with the key that signs it,
recent entries, and one entry with its inclusion proof, checked on the server.

Readable by every logged-in user, as the API is: confidential payloads are logged as digests.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from chanrong.http import Tx
from chanrong.ledger import service, signing
from chanrong.ledger.keys import signer
from chanrong.parties import service as parties
from chanrong.parties.auth import ConsoleUser
from chanrong.web.pages import render, sign_in

router = APIRouter(include_in_schema=False)
PAGE = 25
MAX_SEQ = 2**63 - 1

# Every event the platform logs (docs/ledger-format.md), in the order the filter offers them.
EVENTS = (
    "party.registered",
    "party.updated",
    "user.created",
    "api_key.issued",
    "api_key.revoked",
    "prefix.registered",
    "identifier.registered",
    "identifier.updated",
    "grant.given",
    "grant.revoked",
    "data.accessed",
    "sealing_key.registered",
    "package.sealed",
)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _head_view(head: dict[str, Any]) -> dict[str, Any]:
    """A signed head (RFC 6962 JSON) with what the page shows of it."""
    root = base64.b64decode(str(head["sha256_root_hash"]))
    return {
        **head,
        "time": datetime.fromtimestamp(int(head["timestamp"]) / 1000, UTC),
        "root_hex": root.hex(),
    }


@router.get("/ledger", response_class=HTMLResponse)
def ledger_home(
    request: Request,
    session: Tx,
    who: ConsoleUser,
    event: Annotated[str, Query(max_length=64)] = "",
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    """The latest signed tree head, the public key, how to verify offline, and recent entries."""
    sign_in(request, who)
    head = service.latest_head(session)
    key = signer()
    # The checkpoint of the very head shown (not of a head appended since).
    checkpoint = signing.checkpoint(key.key, key.name, key.origin, signing.head_from_json(head))
    items, total = service.recent_entries(session, event=event or None, limit=PAGE, offset=offset)
    names = parties.party_names(
        session, (e.actor_party_id for e in items if e.actor_party_id is not None)
    )
    base = f"/ledger?{urlencode({'event': event})}&offset=" if event else "/ledger?offset="
    return render(request, "ledger/index.html", {
        "head": _head_view(head), "checkpoint": checkpoint, "public_key_pem": key.public_pem,
        "verifier_key": key.verifier_key, "items": items, "total": total, "offset": offset,
        "page": PAGE, "page_base": base, "event": event, "events": EVENTS, "names": names,
    })  # fmt: skip


@router.get("/ledger/entries/{seq}", response_class=HTMLResponse)
def entry_page(
    seq: Annotated[int, Path(ge=0, le=MAX_SEQ)], request: Request, session: Tx, who: ConsoleUser
) -> Response:
    """One entry: its canonical JSON, leaf hash and inclusion proof in the latest signed head,
    with the server's verification of all three."""
    sign_in(request, who)
    proven = service.proven_entry(session, seq)
    row = proven.entry
    body = json.loads(row.body)
    names = parties.party_names(
        session, [row.actor_party_id] if row.actor_party_id is not None else []
    )
    return render(request, "ledger/entry.html", {
        "proven": proven, "entry": row, "body": body,
        "pretty": json.dumps(body, ensure_ascii=False, indent=2, sort_keys=True),
        "leaf_hex": row.leaf_hash.hex(), "leaf_b64": _b64(row.leaf_hash),
        "proof": [{"hex": h.hex(), "b64": _b64(h)} for h in proven.proof],
        "proof_b64": [_b64(h) for h in proven.proof],
        "head": _head_view(proven.head), "actor_name": names.get(row.actor_party_id or -1),
    })  # fmt: skip
