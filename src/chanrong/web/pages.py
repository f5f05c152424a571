"""Console shell: templates, language choice, login/logout, the home page and error pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from importlib.resources import files
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from chanrong import clock
from chanrong.errors import ChanrongError
from chanrong.http import Tx, TxWrite, settings
from chanrong.identifiers import core as identifier_core
from chanrong.identifiers import service as identifiers
from chanrong.money import format_cny, format_cny_en
from chanrong.parties import access, reference
from chanrong.parties import service as parties
from chanrong.parties.auth import SESSION_COOKIE, ConsoleUser
from chanrong.parties.errors import BadCredentials
from chanrong.principal import Principal
from chanrong.web.i18n import pick, translate

if TYPE_CHECKING:
    from chanrong.parties.models import Party, User

LANG_COOKIE = "chanrong_lang"
LANGUAGES = ("zh", "en")
RECENT = 5

templates = Jinja2Templates(directory=str(files("chanrong") / "web" / "templates"))


def local_time(value: datetime | None) -> str:
    """An aware instant as business time (Asia/Shanghai), minutes precision."""
    if value is None:
        return "—"
    return value.astimezone(clock.BUSINESS_TZ).strftime("%Y-%m-%d %H:%M")


def cap(text: str) -> str:
    """First letter upper-case, for English labels standing alone (Chinese is unchanged)."""
    return text[:1].upper() + text[1:]


def industry_label(code: str | None, lang: str) -> str:
    """``C35`` → ``C35 专用设备制造业`` (division name when known, else the section's)."""
    if not code:
        return "—"
    section, division = code[:1], code[1:]
    if division in reference.DIVISION_NAMES:
        return f"{code} {pick(reference.DIVISION_NAMES[division], lang)}"
    if section in reference.INDUSTRY_SECTIONS:
        return f"{code} {pick(reference.INDUSTRY_SECTIONS[section][:2], lang)}"
    return code


templates.env.globals.update(
    reference=reference,
    object_types=identifier_core.OBJECT_TYPES,
    pick=pick,
    industry_label=industry_label,
)
templates.env.filters["local_time"] = local_time
templates.env.filters["cap"] = cap

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Viewer:
    """The logged-in user as templates see it: plain values, still readable after a rollback."""

    username: str
    display_name: str
    language: str


def sign_in(request: Request, who: tuple[Principal, User]) -> Principal:
    """Remember the console user for rendering (and for the language); returns the principal."""
    principal, user = who
    request.state.user = Viewer(user.username, user.display_name, user.language)
    return principal


def _viewer(request: Request) -> Viewer | None:
    user = getattr(request.state, "user", None)
    if user is None or isinstance(user, Viewer):
        return user
    try:  # an ORM user set elsewhere: copy it while it is still loaded
        viewer = Viewer(user.username, user.display_name, user.language)
    except SQLAlchemyError:
        return None
    request.state.user = viewer
    return viewer


def language(request: Request) -> str:
    """The console language: the cookie, else the logged-in user's choice, else the default."""
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    user = _viewer(request)
    if user is not None and user.language in LANGUAGES:
        return user.language
    return settings(request).default_language


def safe_target(target: str | None, default: str = "/") -> str:
    """``target`` when it is a path on this site, else ``default`` (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    if urlsplit(target).netloc:
        return default
    return target


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status: int = 200
) -> HTMLResponse:
    """Render a console template with the language, label function and current user."""
    lang = language(request)
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    ctx = {
        "lang": lang,
        "t": lambda key, default=None: translate(key, lang, default),
        "money": format_cny_en if lang == "en" else format_cny,
        "user": _viewer(request),
        "here": here,
        "section": request.url.path.strip("/").split("/", 1)[0] or "home",
        **(context or {}),
    }
    return templates.TemplateResponse(request, name, ctx, status_code=status)


def error_page(request: Request, error: ChanrongError) -> Response:
    """An error as a console page; a missing login sends the browser to the login page."""
    if error.status == 401:
        page = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if request.headers.get("hx-request") == "true":
            # htmx would swap a redirected login form into the page: send the whole page there.
            current = urlsplit(request.headers.get("hx-current-url", ""))
            page = current.path + (f"?{current.query}" if current.query else "") or "/"
            login = f"/login?next={quote(safe_target(page), safe='/')}"
            return Response(status_code=200, headers={"HX-Redirect": login})
        return RedirectResponse(f"/login?next={quote(page, safe='/')}", status_code=303)
    return render(request, "error.html", {"error": error}, status=error.status)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> Response:
    """The login form."""
    return render(request, "login.html", {"next": safe_target(next), "failed": False})


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
            request,
            "login.html",
            {"next": safe_target(next), "failed": True, "username": username},
            401,
        )
    response = RedirectResponse(safe_target(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE, token, httponly=True, samesite="strict",
        secure=settings(request).cookie_secure, max_age=settings(request).session_hours * 3600,
    )  # fmt: skip
    if LANG_COOKIE not in request.cookies:
        response.set_cookie(LANG_COOKIE, user.language, samesite="lax", max_age=365 * 86400)
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
def switch_language(lang: str, request: Request, session: TxWrite, back: str = "/") -> Response:
    """Switch the console between Chinese (zh) and English (en)."""
    chosen = lang if lang in LANGUAGES else "zh"
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        try:
            principal, _user = access.authenticate_session(session, cookie)
            access.set_language(session, actor=principal, language=chosen)
        except BadCredentials:
            pass
    response = RedirectResponse(safe_target(back), status_code=303)
    response.set_cookie(LANG_COOKIE, chosen, samesite="lax", max_age=365 * 86400)
    return response


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: Tx, who: ConsoleUser) -> Response:
    """The home page, shaped by the caller's kind of party."""
    principal = sign_in(request, who)
    lang = language(request)
    party = parties.get_party(session, actor=principal, party_id=principal.party_id)
    context: dict[str, Any] = {"party": party, "principal": principal}
    if party.kind == "enterprise":
        context.update(_enterprise_home(session, principal, party, lang))
    elif party.kind == "institution":
        context.update(_institution_home(session, lang))
    else:
        context.update(_operator_home(session, lang))
    return render(request, "home.html", context)


def _province_series(counts: dict[str, int], lang: str, link: str) -> list[dict[str, Any]]:
    """Chart points of a by-province count; a click on a bar opens the filtered party list."""
    return [
        {
            "name": pick(reference.PROVINCES[code], lang) if code in reference.PROVINCES else code,
            "value": n,
            "href": f"{link}province={code}",
        }
        for code, n in counts.items()
    ]


def _type_rows(counts: dict[str, int], lang: str) -> list[dict[str, Any]]:
    """Identifier counts by object type, in the reference order, with their labels."""
    return [
        {"key": key, "name": cap(pick(pair, lang)), "value": counts[key]}
        for key, pair in identifier_core.OBJECT_TYPES.items()
        if counts.get(key)
    ]


def _operator_home(session: Session, lang: str) -> dict[str, Any]:
    by_kind = parties.count_parties_by_kind(session)
    by_province = parties.count_parties_by_province(session)
    by_type = identifiers.count_identifiers(session)
    return {
        "by_kind": by_kind,
        "party_total": sum(by_kind.values()),
        "province_total": len(by_province),
        "identifier_total": sum(by_type.values()),
        "identifier_types": _type_rows(by_type, lang),
        "province_series": _province_series(by_province, lang, "/parties?"),
    }


def _institution_home(session: Session, lang: str) -> dict[str, Any]:
    by_province = parties.count_parties_by_province(session, kind="enterprise")
    by_industry = parties.count_parties_by_industry(session, kind="enterprise")
    total = sum(by_province.values())
    top = max(by_industry.values(), default=0)
    return {
        "enterprise_total": total,
        "province_total": len(by_province),
        "industry_total": len(by_industry),
        "province_series": _province_series(by_province, lang, "/parties?kind=enterprise&"),
        "industries": [
            {
                "code": code,
                "name": industry_label(code, lang),
                "value": n,
                "share": round(100 * n / total) if total else 0,
                "width": round(100 * n / top) if top else 0,
            }
            for code, n in by_industry.items()
        ],
    }


def _enterprise_home(
    session: Session, principal: Principal, party: Party, lang: str
) -> dict[str, Any]:
    by_type = identifiers.count_identifiers(session, party_id=party.id)
    recent, total = identifiers.list_identifiers(
        session, actor=principal, party_id=party.id, limit=RECENT
    )
    types = _type_rows(by_type, lang)
    return {
        "prefixes": identifiers.list_prefixes(session, actor=principal, party_id=party.id),
        "my_total": total,
        "my_types": types,
        "type_series": [{"name": row["name"], "value": row["value"]} for row in types],
        "recent": recent,
    }
