"""Who is calling: FastAPI dependencies that turn an API key or console cookie into a Principal.

API calls send ``Authorization: Bearer crk_...`` (or ``X-API-Key``); console pages send the
``chanrong_session`` cookie. Either works on either, so the console's htmx calls can use the API.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, TypeAdapter
from sqlalchemy.orm import Session

from chanrong.http import Tx, run_read_then_write, run_unit
from chanrong.kit import idempotency
from chanrong.parties import access
from chanrong.parties.errors import BadCredentials
from chanrong.parties.models import User
from chanrong.principal import Principal

SESSION_COOKIE = "chanrong_session"
T = TypeVar("T")
D = TypeVar("D")


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

    async def decide(self, read: Callable[[Session, Principal], D],
                     write_many: Callable[[Session, Sequence[D]], list[T]]) -> T:  # fmt: skip
        """``read(session, caller)`` (reads only, a decision), then its result recorded by
        ``write_many`` (``http.run_read_then_write``), committed on return."""
        request = self.request
        return await run_read_then_write(
            request, lambda session: read(session, current_principal(request, session)), write_many
        )

    async def once(self, key: str | None, body: BaseModel | None, status: int, out: Any,
                   action: Callable[[Session, Principal], Any]) -> JSONResponse:  # fmt: skip
        """``action(session, caller)`` once per ``Idempotency-Key`` (``kit.idempotency``: a
        repeat answers the stored result with ``Idempotency-Replayed: true``), as the request's
        one unit; its result as ``out`` in JSON with ``status``."""
        request = self.request

        def work(session: Session, caller: Principal) -> idempotency.Answer:
            def run() -> idempotency.Answer:
                adapter = _adapter(out)
                result = adapter.validate_python(action(session, caller), from_attributes=True)
                return idempotency.Answer(status, adapter.dump_python(result, mode="json"))

            return idempotency.run(
                session, party_id=caller.party_id, key=key,
                scope=f"{request.method} {request.url.path}",
                request=None if body is None else body.model_dump(mode="json"), action=run,
            )  # fmt: skip

        answer = await self.run(work)
        headers = {"Idempotency-Replayed": "true"} if answer.replayed else {}
        return JSONResponse(answer.body, status_code=answer.status_code, headers=headers)


@cache
def _adapter(out: Any) -> TypeAdapter[Any]:
    # building a TypeAdapter compiles a validator: once per answer type, not per request
    return TypeAdapter(out)


async def _caller_unit(request: Request) -> CallerUnit:
    # async: a plain class as the dependency would be built in a worker thread (one more hop)
    return CallerUnit(request)


Caller = Annotated[Principal, Depends(current_principal)]
ConsoleUser = Annotated[tuple[Principal, User], Depends(console_user)]
Unit = Annotated[CallerUnit, Depends(_caller_unit)]
IdempotencyKeyHeader = Annotated[str | None, Header(alias="Idempotency-Key")]
"""The optional ``Idempotency-Key`` header of a mutating endpoint (``CallerUnit.once``)."""
