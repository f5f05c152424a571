"""Console pages of identifiers: resolve one (htmx), and list one's own."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from chanrong.errors import ChanrongError
from chanrong.http import Tx
from chanrong.identifiers import service
from chanrong.parties.auth import ConsoleUser
from chanrong.web.pages import render

router = APIRouter(include_in_schema=False)
PAGE = 25


@router.get("/identifiers", response_class=HTMLResponse)
def identifiers_home(
    request: Request,
    session: Tx,
    who: ConsoleUser,
    handle: str = "",
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    """The resolver form (with a result when ``handle`` is given) and the caller's identifiers."""
    principal, request.state.user = who
    items, total = service.list_identifiers(
        session, actor=principal, party_id=principal.party_id, limit=PAGE, offset=offset
    )
    context = {"items": items, "total": total, "offset": offset, "page": PAGE, "handle": handle}
    if handle:
        context.update(_resolution(session, principal, handle))
    return render(request, "identifiers/index.html", context)


@router.get("/identifiers/resolve", response_class=HTMLResponse)
def resolve_fragment(request: Request, session: Tx, who: ConsoleUser, handle: str = "") -> Response:
    """The resolution result alone, swapped into the page by htmx."""
    principal, request.state.user = who
    return render(
        request,
        "identifiers/_resolution.html",
        {"handle": handle, **_resolution(session, principal, handle)},
    )


def _resolution(session: object, principal: object, handle: str) -> dict[str, object]:
    try:
        return {"resolution": service.resolve(session, actor=principal, handle=handle.strip())}  # type: ignore[arg-type]
    except ChanrongError as error:
        return {"resolution": None, "resolve_error": error}
