"""Console pages of instant credit (秒审批): an SME applies for a working-capital line, or to
finance a certificate piece (云证) it holds, and sees the decision at once (outcome, reasons
explained, the offer with its schedule), accepts the offer, and follows its applications and
loans; a bank sees its applications queue with reasons, its portfolio, an SME's features or
score only under the SME's grant, and its rule sets and limits under maker-checker (one admin
proposes, a second approves).

Every section shows only the logged-in user's own party (default deny: ``credit.service``
scopes by the principal); the actions call ``credit.service`` and ``credit.rulesets``, the
sections read through ``credit.views``, the labels are ``credit.labels``."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from chanrong.credit import rulesets, service, views
from chanrong.credit.errors import InvalidApplication, InvalidRuleSet
from chanrong.credit.labels import labels
from chanrong.credit.models import Application
from chanrong.credit.rules import PRODUCTS
from chanrong.errors import ChanrongError
from chanrong.http import Tx
from chanrong.money import Money
from chanrong.parties import service as parties
from chanrong.parties.auth import ConsoleUser
from chanrong.principal import Principal
from chanrong.web.pages import render, sign_in

router = APIRouter(include_in_schema=False)
MAX_ID = 2**63 - 1
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
Outcome = Annotated[str, Query(pattern="^(|approve|refer|decline)$")]
OptionalId = Annotated[int | None, Query(ge=1, le=MAX_ID)]
_SEPARATORS = re.compile(r"[\s,，;；、]+")
# Rule parameters a bank may change from the console: form field → (parameter, in yuan?).
RULE_FIELDS = {
    "max_amount": ("max_amount_fen", True), "per_sme_limit": ("per_sme_limit_fen", True),
    "bank_limit": ("bank_limit_fen", True), "approve_points": ("approve_points", False),
    "refer_points": ("refer_points", False), "fee_bp": ("fee_bp", False),
}  # fmt: skip


def _yuan(text: str, field: str, error: type[ChanrongError] = InvalidApplication) -> int:
    """An amount typed in yuan (``"300000"``, ``"300000.50"``) as fen; refused naming ``field``."""
    try:
        return Money.parse(text.strip()).fen
    except ValueError as problem:
        raise error(str(problem) or "an amount in yuan", field=field, rule="amount") from None


def _whole(text: str, field: str) -> int:
    if not text.strip().isdigit():
        raise InvalidRuleSet("a whole number", field=field, rule="integer")
    return int(text)


@router.get("/credit", response_class=HTMLResponse)
def credit_page(request: Request, session: Tx, who: ConsoleUser, outcome: Outcome = "",
                sme: OptionalId = None, piece: OptionalId = None) -> Response:  # fmt: skip
    """秒审批: an SME's application form (with ``piece``, certificate financing of that piece
    preselected), applications and loans; a bank's queue (optionally of one ``outcome``),
    portfolio, rule sets and, with ``sme``, that SME's data under its grant. Amounts in 元/万元."""
    principal = sign_in(request, who)
    context: dict[str, Any] = {"kind": principal.party_kind}
    if principal.party_kind == "enterprise":
        context.update(views.enterprise(session, principal, piece))
    elif principal.party_kind == "institution":
        context.update(views.institution(session, principal, outcome, sme))
    return render(request, "credit/index.html", {**labels(request), **context})


def _decision(session: Session, principal: Principal, app: Application | None,
              refused: ChanrongError | None = None) -> dict[str, Any]:  # fmt: skip
    """What the decision block of one application shows (its loan and schedule once
    accepted, or why an action was refused)."""
    loan = None if app is None else views.loan_of(session, principal, app)
    names = parties.party_names(session, set() if app is None else
                                {app.bank_party_id, app.applicant_party_id})  # fmt: skip
    return {"a": app, "refused": refused, "loan": loan, "names": names,
            "can_accept": app is not None and principal.may_write()
            and principal.acts_for(app.applicant_party_id)}  # fmt: skip


def _block(request: Request, context: dict[str, Any]) -> Response:
    return render(request, "credit/_decision.html", {**labels(request), **context})


def _terms(session: Session, principal: Principal, product: str, piece_id: str, amount: str,
           term_months: str) -> dict[str, Any]:  # fmt: skip
    """The product's arguments of ``service.apply`` from the form: a certificate piece and the
    amount (yuan; empty: the whole piece, when it is one the caller may finance), or a
    working-capital amount (yuan) and term (months)."""
    if product not in PRODUCTS:
        raise InvalidApplication(f"product is one of {PRODUCTS}", field="product", rule="enum")
    if product == "working_capital":
        if not term_months.strip().isdigit():
            raise InvalidApplication("choose the term", field="term_months", rule="required")
        return {"product": product, "amount_fen": _yuan(amount, "amount"),
                "term_months": int(term_months)}  # fmt: skip
    if not piece_id.strip().isdigit():
        raise InvalidApplication("choose the certificate piece", field="piece_id", rule="required")
    piece = int(piece_id)
    if amount.strip():
        return {"product": product, "piece_id": piece, "amount_fen": _yuan(amount, "amount")}
    held = {p["piece_id"]: p["amount_fen"] for p in views.financeable_pieces(session, principal)}
    if piece not in held:
        raise InvalidApplication("give the amount in yuan", field="amount", rule="required")
    return {"product": product, "piece_id": piece, "amount_fen": held[piece]}


@router.post("/credit/apply", response_class=HTMLResponse)
def apply(
    request: Request, session: Tx, who: ConsoleUser,
    bank_party_id: Annotated[str, Form(max_length=20)] = "",
    product: Annotated[str, Form(max_length=20)] = "working_capital",
    piece_id: Annotated[str, Form(max_length=20)] = "",
    amount: Annotated[str, Form(max_length=40)] = "",
    term_months: Annotated[str, Form(max_length=3)] = "",
    repayment: Annotated[str, Form(max_length=20)] = "equal_principal",
) -> Response:  # fmt: skip
    """申请融资: apply for a working-capital line (amount in yuan, term in months) or to finance
    a held certificate piece (product ``certificate``, ``piece_id``; amount in yuan, empty for
    the whole piece); htmx gets the decision (or the refusal) at once, a plain form post goes
    to the application's page."""
    principal = sign_in(request, who)

    def run() -> Application:
        if not bank_party_id.strip().isdigit():
            raise InvalidApplication("choose the bank", field="bank_party_id", rule="required")
        terms = _terms(session, principal, product, piece_id, amount, term_months)
        return service.apply(session, actor=principal, bank_party_id=int(bank_party_id),
                             repayment=repayment, **terms)  # fmt: skip

    if request.headers.get("hx-request") != "true":
        return RedirectResponse(f"/credit/applications/{run().id}", status_code=303)
    try:
        with session.begin_nested():  # a refused application leaves nothing behind
            app = run()
    except ChanrongError as error:
        return _block(request, _decision(session, principal, None, error))
    return _block(request, _decision(session, principal, app))


@router.get("/credit/applications/{application_id}", response_class=HTMLResponse)
def application_page(application_id: Id, request: Request, session: Tx,
                     who: ConsoleUser) -> Response:  # fmt: skip
    """One application with its decision, reasons and offer (its applicant or its bank only)."""
    principal = sign_in(request, who)
    app = service.get_application(session, actor=principal, application_id=application_id)
    context = {**labels(request), **_decision(session, principal, app)}
    return render(request, "credit/application.html", context)


@router.post("/credit/applications/{application_id}/accept", response_class=HTMLResponse)
def accept(application_id: Id, request: Request, session: Tx, who: ConsoleUser) -> Response:
    """The applicant accepts an approved offer: the loan, its disbursement and schedule."""
    principal = sign_in(request, who)
    if request.headers.get("hx-request") != "true":
        service.accept(session, actor=principal, application_id=application_id)
        return RedirectResponse(f"/credit/applications/{application_id}", status_code=303)
    refused: ChanrongError | None = None
    try:
        with session.begin_nested():
            service.accept(session, actor=principal, application_id=application_id)
    except ChanrongError as error:
        refused = error
    app = service.get_application(session, actor=principal, application_id=application_id)
    return _block(request, _decision(session, principal, app, refused))


def _rules_act(request: Request, session: Session, who: Any, action: Any) -> Response:
    """Run a maker-checker ``action(principal)``; htmx gets the rule-set section back (with
    the reason when refused, which changes nothing), a plain post goes back to the page."""
    principal = sign_in(request, who)
    if request.headers.get("hx-request") != "true":
        action(principal)
        return RedirectResponse("/credit#rule-sets", status_code=303)
    refused: ChanrongError | None = None
    try:
        with session.begin_nested():
            action(principal)
    except ChanrongError as error:
        refused = error
    context = {**labels(request), "rules": views.rules(session, principal), "refused": refused,
               "done": refused is None}  # fmt: skip
    return render(request, "credit/_rules.html", context)


def _params(form: dict[str, str]) -> dict[str, Any]:
    """The rule parameters filled in on the proposal form (amounts typed in yuan)."""
    params: dict[str, Any] = {}
    for name, (param, in_yuan) in RULE_FIELDS.items():
        text = form.get(name, "").strip()
        if text:
            params[param] = _yuan(text, name, InvalidRuleSet) if in_yuan else _whole(text, name)
    blacklist = form.get("blacklist", "").strip()
    if blacklist:
        params["blacklist"] = [c for c in _SEPARATORS.split(blacklist) if c]
    if not params:
        raise InvalidRuleSet("change at least one parameter", field="params", rule="required")
    return params


@router.post("/credit/rule-sets", response_class=HTMLResponse)
def propose(
    request: Request, session: Tx, who: ConsoleUser,
    max_amount: Annotated[str, Form(max_length=40)] = "",
    per_sme_limit: Annotated[str, Form(max_length=40)] = "",
    bank_limit: Annotated[str, Form(max_length=40)] = "",
    approve_points: Annotated[str, Form(max_length=10)] = "",
    refer_points: Annotated[str, Form(max_length=10)] = "",
    fee_bp: Annotated[str, Form(max_length=10)] = "",
    blacklist: Annotated[str, Form(max_length=2_000)] = "",
) -> Response:  # fmt: skip
    """A bank admin proposes new limits (yuan), cut-offs or blacklist (maker); a second admin
    must approve."""
    form = {"max_amount": max_amount, "per_sme_limit": per_sme_limit, "bank_limit": bank_limit,
            "approve_points": approve_points, "refer_points": refer_points, "fee_bp": fee_bp,
            "blacklist": blacklist}  # fmt: skip
    return _rules_act(request, session, who, lambda p: rulesets.propose(
        session, actor=p, bank_party_id=p.party_id, params=_params(form)))  # fmt: skip


@router.post("/credit/rule-sets/{rule_set_id}/approve", response_class=HTMLResponse)
def approve(rule_set_id: Id, request: Request, session: Tx, who: ConsoleUser) -> Response:
    """A second bank admin approves a proposal (checker): it becomes the active rules."""
    return _rules_act(request, session, who, lambda p: rulesets.decide(
        session, actor=p, rule_set_id=rule_set_id, approve=True))  # fmt: skip


@router.post("/credit/rule-sets/{rule_set_id}/reject", response_class=HTMLResponse)
def reject(rule_set_id: Id, request: Request, session: Tx, who: ConsoleUser) -> Response:
    """A second bank admin rejects a proposal (checker)."""
    return _rules_act(request, session, who, lambda p: rulesets.decide(
        session, actor=p, rule_set_id=rule_set_id, approve=False))  # fmt: skip
