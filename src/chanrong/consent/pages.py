"""Console pages of consent: the grants a party gave and received, the form to give one, revoke,
and the access history of its data (with its own reads of others' data)."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from chanrong import clock
from chanrong.consent import core, service
from chanrong.consent.models import Grant
from chanrong.errors import ChanrongError, Invalid
from chanrong.http import Tx
from chanrong.parties import service as parties
from chanrong.parties.auth import ConsoleUser
from chanrong.principal import Principal
from chanrong.web.pages import render, sign_in

router = APIRouter(include_in_schema=False)
HISTORY = 100  # access records shown per table
RECIPIENTS = 1000  # parties offered as recipients
CHART_DAYS = 30
DEFAULT_TERM_DAYS = 365
MAX_ID = 2**63 - 1
KIND_ORDER = ("institution", "enterprise", "operator")
_SEPARATORS = re.compile(r"[\s,，;；]+")


def _status(grant: Grant, now: datetime) -> str:
    """live, revoked or expired."""
    if grant.revoked_at is not None:
        return "revoked"
    return "live" if now < grant.expires_at else "expired"


def _recipients(session: Session, principal: Principal) -> list[dict[str, Any]]:
    """Parties a grant may go to, grouped by kind (institutions first), the caller's own left out."""
    found, _total = parties.list_parties(
        session, actor=principal, where=parties.PartyFilter(), limit=RECIPIENTS
    )
    groups = []
    for kind in KIND_ORDER:
        members = [p for p in found if p.kind == kind and p.id != principal.party_id]
        if members:
            groups.append({"kind": kind, "parties": sorted(members, key=lambda p: p.name)})
    return groups


def _page(
    session: Session, principal: Principal, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Everything the consent page shows to ``principal``'s party."""
    now = clock.now()
    given = service.grants(session, actor=principal, direction="given")
    received = service.grants(session, actor=principal, direction="received")
    history = service.access_history(session, actor=principal, limit=HISTORY)
    reads = service.my_reads(session, actor=principal, limit=HISTORY)
    per_day = service.accesses_per_day(session, actor=principal, days=CHART_DAYS)
    names = parties.party_names(session, [
        *(g.recipient_party_id for g in given), *(g.owner_party_id for g in received),
        *(a.reader_party_id for a in history), *(a.owner_party_id for a in reads),
    ])  # fmt: skip
    status = {g.id: _status(g, now) for g in [*given, *received]}
    default_expiry = clock.today() + timedelta(days=DEFAULT_TERM_DAYS)
    context: dict[str, Any] = {
        "principal": principal, "can_write": principal.may_write(),
        "given": given, "received": received, "history": history, "reads": reads,
        "names": names, "status": status, "history_limit": HISTORY,
        "live_given": sum(1 for g in given if status[g.id] == "live"),
        "live_received": sum(1 for g in received if status[g.id] == "live"),
        "reads_30d": sum(per_day.values()),
        "day_series": [{"name": day.strftime("%m-%d"), "value": n} for day, n in per_day.items()],
        "recipients": _recipients(session, principal) if principal.may_write() else [],
        "scopes": core.SCOPES, "purposes": core.PURPOSES,
        "today": clock.today().isoformat(),
        "max_expiry": (clock.today() + timedelta(days=core.MAX_GRANT_DAYS - 1)).isoformat(),
        "form": {"recipient_party_id": "", "scope": "identifier_records",
                 "purpose": "credit_assessment", "expires_on": default_expiry.isoformat(),
                 "objects": "", "derived_only": False},
    }  # fmt: skip
    context.update(extra or {})
    return context


@router.get("/consent", response_class=HTMLResponse)
def consent_home(
    request: Request,
    session: Tx,
    who: ConsoleUser,
    given: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    revoked: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Response:
    """Grants given and received, the grant form, and who read whose data."""
    principal = sign_in(request, who)
    extra: dict[str, Any] = {}
    if given is not None:  # just given through the form: say where it was logged
        extra["given_notice"] = service.grant_visible(session, actor=principal, grant_id=given)
    if revoked is not None:
        extra["revoked_notice"] = service.grant_visible(session, actor=principal, grant_id=revoked)
    return render(request, "consent/index.html", _page(session, principal, extra))


def _expiry(text: str) -> datetime:
    """The end (23:59:59 Beijing time) of the date ``text`` (YYYY-MM-DD)."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise Invalid(
            "expires_on must be a date (YYYY-MM-DD)", field="expires_on", rule="date"
        ) from None
    return datetime.combine(day, time(23, 59, 59), clock.BUSINESS_TZ)


def _recipient(text: str) -> int:
    if not text.strip().isdigit():
        raise Invalid("choose the party to grant to", field="recipient_party_id", rule="required")
    return int(text)


@router.post("/consent/grants")
def give_grant(
    request: Request,
    session: Tx,
    who: ConsoleUser,
    scope: Annotated[str, Form(max_length=32)],
    purpose: Annotated[str, Form(max_length=32)],
    recipient_party_id: Annotated[str, Form(max_length=20)] = "",
    expires_on: Annotated[str, Form(max_length=20)] = "",
    objects: Annotated[str, Form(max_length=20_000)] = "",
    derived_only: Annotated[bool, Form()] = False,
) -> Response:
    """Give a grant from the form; a refused one comes back in the form with the reason."""
    principal = sign_in(request, who)
    try:
        with session.begin_nested():  # a refused grant leaves nothing behind
            grant = service.give_grant(
                session, actor=principal, recipient_party_id=_recipient(recipient_party_id),
                scope=scope, purpose=purpose, expires_at=_expiry(expires_on),
                objects=[o for o in _SEPARATORS.split(objects) if o], derived_only=derived_only,
            )  # fmt: skip
    except ChanrongError as error:
        form = {"recipient_party_id": recipient_party_id, "scope": scope, "purpose": purpose,
                "expires_on": expires_on, "objects": objects, "derived_only": derived_only}  # fmt: skip
        context = _page(session, principal, {"form": form, "form_error": error})
        return render(request, "consent/index.html", context, status=error.status)
    return RedirectResponse(f"/consent?given={grant.id}#grants-given", status_code=303)


@router.post("/consent/grants/{grant_id}/revoke")
def revoke_grant(
    grant_id: Annotated[int, Path(ge=1, le=MAX_ID)], request: Request, session: Tx, who: ConsoleUser
) -> Response:
    """Revoke a grant the caller's party gave; errors show as the error page."""
    principal = sign_in(request, who)
    service.revoke_grant(session, actor=principal, grant_id=grant_id)
    return RedirectResponse(f"/consent?revoked={grant_id}#grants-given", status_code=303)
