"""Console pages of parties: the registry with filters, and one party's page."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from chanrong.http import Tx
from chanrong.identifiers import service as identifiers
from chanrong.parties import access, service
from chanrong.parties.auth import ConsoleUser
from chanrong.web.pages import render, sign_in

router = APIRouter(include_in_schema=False)
PAGE = 25


@router.get("/parties", response_class=HTMLResponse)
def party_list(
    request: Request,
    session: Tx,
    who: ConsoleUser,
    kind: str = "",
    role: str = "",
    province: str = "",
    q: Annotated[str, Query(max_length=100)] = "",
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    """The party registry with filters by kind, role, province and name."""
    principal = sign_in(request, who)
    where = service.PartyFilter(
        kind=kind or None, role=role or None, province=province or None, text=q or None
    )
    items, total = service.list_parties(
        session, actor=principal, where=where, limit=PAGE, offset=offset
    )
    filters = {"kind": kind, "role": role, "province": province, "q": q}
    query = urlencode({key: value for key, value in filters.items() if value})
    return render(request, "parties/list.html", {
        "items": items, "total": total, "offset": offset, "page": PAGE, "filters": filters,
        "page_base": f"/parties?{query}&offset=" if query else "/parties?offset=",
    })  # fmt: skip


@router.get("/parties/{party_id}", response_class=HTMLResponse)
def party_page(party_id: int, request: Request, session: Tx, who: ConsoleUser) -> Response:
    """One party; its users and keys appear only to its own members."""
    principal = sign_in(request, who)
    party = service.get_party(session, actor=principal, party_id=party_id)
    own = principal.acts_for(party_id)
    context: dict[str, object] = {"party": party, "own": own}
    if own:
        context["users"] = access.list_users(session, actor=principal, party_id=party_id)
        context["keys"] = access.list_api_keys(session, actor=principal, party_id=party_id)
        if party.kind == "enterprise":
            context["prefixes"] = identifiers.list_prefixes(
                session, actor=principal, party_id=party_id
            )
    return render(request, "parties/detail.html", context)
