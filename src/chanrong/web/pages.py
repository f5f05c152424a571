"""Console shell: templates, language choice, login/logout, the home page and error pages."""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from chanrong.errors import ChanrongError
from chanrong.http import Tx, settings
from chanrong.identifiers import core as identifier_core
from chanrong.identifiers import service as identifiers
from chanrong.money import format_cny
from chanrong.parties import access, reference
from chanrong.parties import service as parties
from chanrong.parties.auth import SESSION_COOKIE, ConsoleUser
from chanrong.parties.errors import BadCredentials
from chanrong.web.i18n import pick, translate

LANG_COOKIE = "chanrong_lang"
templates = Jinja2Templates(directory=str(files("chanrong") / "web" / "templates"))
templates.env.globals.update(
    reference=reference, object_types=identifier_core.OBJECT_TYPES, format_cny=format_cny, pick=pick
)

router = APIRouter(include_in_schema=False)


def language(request: Request) -> str:
    """The console language: the cookie, else the logged-in user's choice, else the default."""
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in ("zh", "en"):
        return chosen
    user = getattr(request.state, "user", None)
    if user is not None and user.language in ("zh", "en"):
        return user.language
    return settings(request).default_language


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status: int = 200
) -> HTMLResponse:
    """Render a console template with the language, label function and current user."""
    lang = language(request)
    ctx = {
        "lang": lang,
        "t": lambda key: translate(key, lang),
        "user": getattr(request.state, "user", None),
        **(context or {}),
    }
    return templates.TemplateResponse(request, name, ctx, status_code=status)


def error_page(request: Request, error: ChanrongError) -> Response:
    """An error as a console page; a missing login sends the browser to the login page."""
    if error.status == 401:
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
    return render(request, "error.html", {"error": error}, status=error.status)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> Response:
    """The login form."""
    return render(request, "login.html", {"next": next, "failed": False})


@router.post("/login")
def login(
    request: Request,
    session: Tx,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Check the password, set the session cookie and go on to ``next``."""
    try:
        user, token = access.log_in(
            session, username=username, password=password, hours=settings(request).session_hours
        )
    except BadCredentials:
        return render(
            request, "login.html", {"next": next, "failed": True, "username": username}, 401
        )
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE, token, httponly=True, samesite="strict",
        secure=settings(request).cookie_secure, max_age=settings(request).session_hours * 3600,
    )  # fmt: skip
    if LANG_COOKIE not in request.cookies:
        response.set_cookie(LANG_COOKIE, user.language, samesite="lax")
    return response


@router.post("/logout")
def logout(request: Request, session: Tx) -> Response:
    """End the console session."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        access.log_out(session, token=token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/lang/{lang}")
def switch_language(lang: str, request: Request, session: Tx, back: str = "/") -> Response:
    """Switch the console between Chinese (zh) and English (en)."""
    chosen = lang if lang in ("zh", "en") else "zh"
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        try:
            principal, _user = access.authenticate_session(session, cookie)
            access.set_language(session, actor=principal, language=chosen)
        except BadCredentials:
            pass
    response = RedirectResponse(
        back if back.startswith("/") and not back.startswith("//") else "/", 303
    )
    response.set_cookie(LANG_COOKIE, chosen, samesite="lax", max_age=365 * 86400)
    return response


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: Tx, who: ConsoleUser) -> Response:
    """The home page, shaped by the caller's kind of party."""
    principal, user = who
    request.state.user = user
    party = parties.get_party(session, actor=principal, party_id=principal.party_id)
    by_kind = parties.count_parties_by_kind(session)
    by_province = parties.count_parties_by_province(session)
    context: dict[str, Any] = {
        "party": party,
        "principal": principal,
        "by_kind": by_kind,
        "by_province_json": json.dumps(
            [
                [pick(reference.PROVINCES[code], language(request)), n]
                for code, n in by_province.items()
            ],
            ensure_ascii=False,
        ),
        "identifier_counts": identifiers.count_identifiers(session),
    }
    if party.kind == "enterprise":
        context["prefixes"] = identifiers.list_prefixes(session, actor=principal, party_id=party.id)
        context["my_counts"] = identifiers.count_identifiers(session, party_id=party.id)
    return render(request, "home.html", context)
