"""Console pages of identifiers: resolve one (htmx), and list one's own."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from chanrong.consent import core as consent_core
from chanrong.errors import ChanrongError
from chanrong.http import Tx
from chanrong.identifiers import service
from chanrong.parties.auth import ConsoleUser
from chanrong.principal import Principal
from chanrong.web.pages import render, sign_in

router = APIRouter(include_in_schema=False)
PAGE = 25


@router.get("/identifiers", response_class=HTMLResponse)
def identifiers_home(
    request: Request,
    session: Tx,
    who: ConsoleUser,
    handle: str = "",
    purpose: Annotated[str, Query(max_length=32)] = "",
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    """The resolver form (with a result when ``handle`` is given) and the caller's identifiers."""
    principal = sign_in(request, who)
    items, total = service.list_identifiers(
        session, actor=principal, party_id=principal.party_id, limit=PAGE, offset=offset
    )
    context = {
        "items": items, "total": total, "offset": offset, "page": PAGE, "handle": handle,
        "purpose": purpose, "purposes": consent_core.PURPOSES,
    }  # fmt: skip
    if handle:
        context.update(_resolution(session, principal, handle, purpose))
    return render(request, "identifiers/index.html", context)


@router.get("/identifiers/resolve", response_class=HTMLResponse)
def resolve_fragment(
    request: Request,
    session: Tx,
    who: ConsoleUser,
    handle: str = "",
    purpose: Annotated[str, Query(max_length=32)] = "",
) -> Response:
    """The resolution result alone, swapped into the page by htmx (a plain visit gets the page)."""
    principal = sign_in(request, who)
    if request.headers.get("hx-request") != "true":
        query = {"handle": handle.strip(), **({"purpose": purpose} if purpose else {})}
        return RedirectResponse(f"/identifiers?{urlencode(query, safe='/')}", 303)
    return render(
        request,
        "identifiers/_resolution.html",
        {"handle": handle, **_resolution(session, principal, handle, purpose)},
    )


def _resolution(
    session: Session, principal: Principal, handle: str, purpose: str = ""
) -> dict[str, object]:
    """The resolution of ``handle`` for the template, or the error to show in its place.

    With a ``purpose``, a party holding the owner's grant sees the protected fields (the read is
    audited in the ledger); without a grant the refusal shows in place.
    """
    try:
        resolution = service.resolve(
            session, actor=principal, handle=handle.strip(), purpose=purpose or None
        )
    except ChanrongError as error:
        return {"resolution": None, "resolve_error": error}
    return {"resolution": resolution}
