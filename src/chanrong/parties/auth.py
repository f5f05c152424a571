"""Who is calling: FastAPI dependencies that turn an API key or console cookie into a Principal.

API calls send ``Authorization: Bearer crk_...`` (or ``X-API-Key``); console pages send the
``chanrong_session`` cookie. Either works on either, so the console's htmx calls can use the API.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from chanrong.http import Tx, run_unit
from chanrong.parties import access
from chanrong.parties.errors import BadCredentials
from chanrong.parties.models import User
from chanrong.principal import Principal

SESSION_COOKIE = "chanrong_session"
T = TypeVar("T")


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header and header[:7].lower() == "bearer ":
        return header[7:].strip()
    return request.headers.get("x-api-key")


def current_principal(request: Request, session: Tx) -> Principal:
    """The authenticated caller, or 401 problem+json."""
    token = _bearer(request)
    if token:
        return access.authenticate_api_key(session, token)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        principal, user = access.authenticate_session(session, cookie)
        request.state.user = user
        return principal
    raise BadCredentials("Send an API key (Authorization: Bearer crk_...) or log in.")


def console_user(request: Request, session: Tx) -> tuple[Principal, User]:
    """The logged-in console user; pages turn the error into a redirect to /login."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise BadCredentials("Not logged in.")
    return access.authenticate_session(session, cookie)


class CallerUnit:
    """The request's caller and transaction in one step (``http.run_unit``): for hot write
    endpoints, written ``async def`` and answering ``await unit.run(lambda session, caller:
    ...)``. Authentication runs inside the unit, so a bad credential still answers 401."""

    def __init__(self, request: Request) -> None:
        self.request = request

    async def run(self, work: Callable[[Session, Principal], T]) -> T:
        """``work(session, caller)`` as the request's one transaction, committed on return."""
        return await run_unit(
            self.request, lambda session: work(session, current_principal(self.request, session))
        )


async def _caller_unit(request: Request) -> CallerUnit:
    # async: a plain class as the dependency would be built in a worker thread (one more hop)
    return CallerUnit(request)


Caller = Annotated[Principal, Depends(current_principal)]
ConsoleUser = Annotated[tuple[Principal, User], Depends(console_user)]
Unit = Annotated[CallerUnit, Depends(_caller_unit)]
