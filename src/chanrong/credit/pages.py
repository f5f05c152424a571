"""Console pages of instant credit (秒审批): an SME applies for a working-capital line and sees
the decision at once (outcome, reasons explained, the offer with its schedule), accepts the
offer, and follows its applications and loans; a bank sees its applications queue with
reasons, its portfolio, an SME's features or score only under the SME's grant, and its rule
sets and limits under maker-checker (one admin proposes, a second approves).

Every section shows only the logged-in user's own party (default deny: ``credit.service``
scopes by the principal); the actions call ``credit.service`` and ``credit.rulesets``."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chanrong.consent.errors import DerivedOnly
from chanrong.credit import rulesets, service, sharing
from chanrong.credit.errors import InvalidApplication, InvalidRuleSet
from chanrong.credit.models import Application, Instalment, Loan
from chanrong.errors import ChanrongError
from chanrong.http import Tx
from chanrong.money import Money
from chanrong.parties import service as parties
from chanrong.parties.auth import ConsoleUser
from chanrong.principal import Principal
from chanrong.web.i18n import pick, translate
from chanrong.web.pages import language, render, sign_in

router = APIRouter(include_in_schema=False)
MAX_ID = 2**63 - 1
LIMIT = 100  # rows shown per table, newest first
OUTCOMES = ("approve", "refer", "decline")
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
Outcome = Annotated[str, Query(pattern="^(|approve|refer|decline)$")]
_SEPARATORS = re.compile(r"[\s,，;；、]+")
# Rule parameters a bank may change from the console: form field → (parameter, in yuan?).
RULE_FIELDS = {
    "max_amount": ("max_amount_fen", True), "per_sme_limit": ("per_sme_limit_fen", True),
    "bank_limit": ("bank_limit_fen", True), "approve_points": ("approve_points", False),
    "refer_points": ("refer_points", False), "fee_bp": ("fee_bp", False),
}  # fmt: skip

LABELS: dict[str, tuple[str, str]] = {
    "cr_title": ("秒审批", "Instant credit"),
    "cr_intro": (
        "依据平台上的经营数据（贸易、确权应收、按时付款，经授权的设备数据）即时审批：先过规则，"
        "再算评分卡，当场给出通过、转人工或拒绝及原因；通过即给出报价。每笔决定记入账本，可复算。",
        "Decided at once from your operating data on the platform (trade, confirmed "
        "receivables, payment punctuality, device data where granted): rules first, then the "
        "scorecard; approve, refer or decline with the reasons, and an offer when approved. "
        "Every decision is logged and can be recomputed.",
    ),
    "cr_apply": ("申请融资", "Apply for financing"),
    "cr_apply_intro": (
        "无抵押流动资金贷款：选择银行、金额（元）、期限与还款方式。",
        "An unsecured working-capital line: choose the bank, the amount (yuan), the term and "
        "the repayment.",
    ),
    "cr_bank": ("银行", "Bank"),
    "cr_choose_bank": ("选择银行", "Choose the bank"),
    "cr_amount_yuan": ("金额（元）", "Amount (yuan)"),
    "cr_term": ("期限（月）", "Term (months)"),
    "cr_repayment": ("还款方式", "Repayment"),
    "cr_repayment_equal_principal": ("等额本金", "Equal principal"),
    "cr_repayment_bullet": ("按月付息、到期还本", "Monthly interest, principal at the end"),
    "cr_submit": ("提交申请", "Apply"),
    "cr_decision": ("审批结果", "Decision"),
    "cr_application": ("申请", "Application"),
    "cr_outcome": ("结果", "Outcome"),
    "cr_outcome_approve": ("通过", "Approved"),
    "cr_outcome_refer": ("转人工审核", "Referred"),
    "cr_outcome_decline": ("拒绝", "Declined"),
    "cr_all_outcomes": ("全部结果", "All outcomes"),
    "cr_filter": ("筛选", "Filter"),
    "cr_points": ("评分", "Points"),
    "cr_reasons": ("原因", "Reasons"),
    "cr_no_reasons": ("无（全部规则通过，评分达标）。", "None (every rule passed, score met)."),
    "cr_offer": ("报价", "Offer"),
    "cr_amount": ("金额", "Amount"),
    "cr_rate": ("年化利率", "Annual rate"),
    "cr_fees": ("费用（一次性）", "Fees (once)"),
    "cr_interest": ("利息", "Interest"),
    "cr_total_cost": ("融资总成本", "Total cost"),
    "cr_proceeds": ("到账金额", "Paid out"),
    "cr_maturity": ("到期日", "Maturity"),
    "cr_schedule": ("还款计划", "Repayment schedule"),
    "cr_number": ("期数", "No."),
    "cr_due_on": ("应还日", "Due on"),
    "cr_principal": ("本金", "Principal"),
    "cr_instalment": ("本期合计", "Instalment"),
    "cr_paid_on": ("已还日", "Paid on"),
    "cr_accept": ("接受报价", "Accept the offer"),
    "cr_accepted": ("已接受，贷款已发放并记入账本。", "Accepted: the loan is paid out and logged."),
    "cr_refused": ("操作未完成", "Not done"),
    "cr_status": ("状态", "Status"),
    "cr_status_decided": ("已决定", "Decided"),
    "cr_status_accepted": ("已接受", "Accepted"),
    "cr_status_active": ("还款中", "Active"),
    "cr_status_repaid": ("已结清", "Repaid"),
    "cr_decided_at": ("决定时间", "Decided"),
    "cr_rules_version": ("规则版本", "Rules version"),
    "cr_mine": ("我的申请", "My applications"),
    "cr_none_mine": ("暂无申请。", "No applications yet."),
    "cr_loans": ("我的贷款", "My loans"),
    "cr_none_loans": ("暂无贷款。", "No loans yet."),
    "cr_loan": ("贷款", "Loan"),
    "cr_product_working_capital": ("流动资金贷款", "Working capital"),
    "cr_product_certificate": ("云证融资", "Certificate financing"),
    "cr_queue": ("审批队列", "Applications queue"),
    "cr_queue_intro": (
        "向本行提交的申请及其决定与原因，最新在前。",
        "Applications made to your bank with their decisions and reasons, newest first.",
    ),
    "cr_none_queue": ("暂无申请。", "No applications."),
    "cr_applicant": ("申请企业", "Applicant"),
    "cr_portfolio": ("贷款组合", "Portfolio"),
    "cr_loans_count": ("笔数", "Loans"),
    "cr_outstanding": ("未还本金", "Outstanding principal"),
    "cr_by_outcome": ("按结果统计的申请", "Applications by outcome"),
    "cr_by_product": ("按产品", "By product"),
    "cr_product": ("产品", "Product"),
    "cr_borrower": ("借款企业", "Borrower"),
    "cr_start_on": ("起息日", "Start"),
    "cr_none_portfolio": ("暂无贷款。", "No loans."),
    "cr_sme_data": ("企业经营数据（需企业授权）", "An SME's operating data (under its grant)"),
    "cr_sme_data_intro": (
        "仅在企业授予本行“贸易”范围、用途为信用评估的有效授权时可见；仅授权衍生指标时只显示评分。",
        "Shown only under the SME's live grant of its trade data for credit assessment; under "
        "a derived-only grant, only its score.",
    ),
    "cr_sme_id": ("企业编号", "Party id"),
    "cr_show": ("查看", "Show"),
    "cr_feature": ("指标", "Feature"),
    "cr_value": ("数值", "Value"),
    "cr_window": ("窗口", "Window"),
    "cr_score_only": ("仅评分（衍生授权）", "Score only (derived-only grant)"),
    "cr_pd": ("违约概率", "Probability of default"),
    "cr_rules": ("规则与限额", "Rules and limits"),
    "cr_rules_intro": (
        "本行的审批规则与限额：一名管理员提议，另一名管理员复核通过后生效（双人复核），均记入账本。",
        "Your bank's rules and limits: one admin proposes, a second admin approves "
        "(maker-checker); both steps are logged.",
    ),
    "cr_active_rules": ("生效版本", "Active version"),
    "cr_version": ("版本", "Version"),
    "cr_max_amount": ("单笔上限（元）", "Maximum per loan (yuan)"),
    "cr_per_sme_limit": ("单户限额（元）", "Limit per SME (yuan)"),
    "cr_bank_limit": ("总限额（元）", "Bank limit (yuan)"),
    "cr_approve_points": ("通过分数线", "Approve from (points)"),
    "cr_refer_points": ("转人工分数线", "Refer from (points)"),
    "cr_fee_bp": ("费率（基点）", "Fee (bp)"),
    "cr_blacklist": ("黑名单（统一社会信用代码）", "Blacklist (credit codes)"),
    "cr_propose": ("提交提议", "Propose"),
    "cr_propose_hint": ("只填需要修改的项。", "Fill in only what changes."),
    "cr_proposed_by": ("提议人", "Proposed by"),
    "cr_decided_by": ("复核人", "Decided by"),
    "cr_approve": ("复核通过", "Approve"),
    "cr_reject": ("驳回", "Reject"),
    "cr_own_proposal": ("本人提议，须由另一名管理员复核", "Your proposal: another admin decides"),
    "cr_rs_proposed": ("待复核", "Awaiting a checker"),
    "cr_rs_active": ("生效", "Active"),
    "cr_rs_superseded": ("已被替代", "Superseded"),
    "cr_rs_rejected": ("已驳回", "Rejected"),
    "cr_none_versions": (
        "尚无自定义版本，使用平台默认规则。",
        "No versions of your own: the platform's default rules apply.",
    ),
    "cr_done": ("已完成，已记入账本。", "Done and logged in the ledger."),
    "cr_not_applicable": ("本页面面向企业与金融机构。", "This page is for enterprises and banks."),
    # reason codes (docs/credit-decisions.md §3)
    "cr_reason_IDENTITY_INCOMPLETE": ("登记信息不完整", "Registration incomplete"),
    "cr_reason_HOLDER_INVALID": ("不是该云证的有效持有方", "Not a valid holder of the piece"),
    "cr_reason_MATURITY_TOO_SHORT": ("距到期日太近", "Too close to maturity"),
    "cr_reason_MATURITY_TOO_LONG": ("距到期日太远", "Maturity too far away"),
    "cr_reason_ABOVE_PIECE": ("申请金额超过云证金额", "More than the piece holds"),
    "cr_reason_TERM_NOT_OFFERED": ("不提供该期限", "Term not offered"),
    "cr_reason_AMOUNT_BELOW_MIN": ("低于单笔最低金额", "Below the minimum amount"),
    "cr_reason_AMOUNT_ABOVE_MAX": ("超过单笔最高金额", "Above the maximum amount"),
    "cr_reason_AMOUNT_ABOVE_SALES": (
        "超过近12个月销售额的可贷比例",
        "Above the share of the last 12 months' sales",
    ),
    "cr_reason_SME_LIMIT": ("超过单户限额", "Above the limit per SME"),
    "cr_reason_BANK_LIMIT": ("超过本行总限额", "Above the bank's limit"),
    "cr_reason_BLACKLISTED": ("在本行黑名单中", "On the bank's blacklist"),
    "cr_reason_BUYER_CONCENTRATION": (
        "销售过于集中于单一买方",
        "Sales too concentrated on one buyer",
    ),
    "cr_reason_SCORE_BELOW_CUTOFF": ("评分低于拒绝线", "Score below the cut-off"),
    "cr_reason_SCORE_REFER": ("评分低于通过线，转人工审核", "Score below approval: referred"),
    "cr_reason_LOW_SALES_12M_FEN": ("不利因素：近12个月销售额", "Adverse: sales in 12 months"),
    "cr_reason_LOW_SALES_GROWTH_BP": ("不利因素：销售增长", "Adverse: sales growth"),
    "cr_reason_LOW_BUYER_HHI_BP": ("不利因素：买方集中度", "Adverse: buyer concentration"),
    "cr_reason_LOW_ON_TIME_BP": ("不利因素：按时付款率", "Adverse: on-time payment"),
    "cr_reason_LOW_RECEIVABLES_TO_SALES_BP": (
        "不利因素：确权应收占销售比",
        "Adverse: confirmed receivables to sales",
    ),
    "cr_reason_LOW_DEVICE_UTILISATION_BP": ("不利因素：设备利用率", "Adverse: device utilisation"),
    "cr_severity_decline": ("拒绝", "declines"),
    "cr_severity_refer": ("转人工", "refers"),
}


def _labels(request: Request) -> dict[str, Any]:
    """The label function of credit pages: their own labels, then the console's."""
    lang = language(request)

    def t(key: str, default: str | None = None) -> str:
        return pick(LABELS[key], lang) if key in LABELS else translate(key, lang, default)

    return {"t": t}


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


def _my_loans(session: Session, principal: Principal) -> list[dict[str, Any]]:
    """The caller's own loans, newest first, each with its schedule (``service.schedule_of``)."""
    loans = session.scalars(select(Loan).where(Loan.borrower_party_id == principal.party_id)
                            .order_by(Loan.id.desc()).limit(LIMIT))  # fmt: skip
    return [{"loan": loan, "schedule": service.schedule_of(session, actor=principal,
                                                           loan_id=loan.id)} for loan in loans]  # fmt: skip


def _enterprise(session: Session, principal: Principal) -> dict[str, Any]:
    """What an SME sees: the banks to apply to, its applications and its loans."""
    banks, _total = parties.list_parties(
        session, actor=principal, where=parties.PartyFilter(kind="institution"), limit=200
    )
    applications = service.my_applications(session, actor=principal, limit=LIMIT)
    return {
        "banks": [(b.id, b.name) for b in banks], "applications": applications,
        "loans": _my_loans(session, principal), "can_write": principal.may_write(),
        "names": parties.party_names(session, {a.bank_party_id for a in applications}),
    }  # fmt: skip


def _book(session: Session, bank_id: int) -> dict[str, Any]:
    """The bank's applications by outcome and its outstanding principal (the unpaid principal
    of active loans' instalments, fen); called after ``service.portfolio`` checked the caller
    is the bank."""
    rows = session.execute(
        select(Application.outcome, func.count()).where(Application.bank_party_id == bank_id)
        .group_by(Application.outcome)).all()  # fmt: skip
    by_outcome = {outcome: count for outcome, count in rows}
    outstanding = session.scalar(
        select(func.coalesce(func.sum(Instalment.principal_fen - Instalment.principal_paid_fen), 0))
        .join(Loan, Loan.id == Instalment.loan_id)
        .where(Loan.bank_party_id == bank_id, Loan.status == "active")
    )
    return {"by_outcome": by_outcome, "outstanding_fen": int(outstanding or 0)}


def _rules(session: Session, principal: Principal) -> dict[str, Any]:
    """The bank's active rules and every version, for the maker-checker section."""
    return {
        "active": rulesets.active_rules(session, principal.party_id),
        "versions": rulesets.versions(session, actor=principal, bank_party_id=principal.party_id),
        "can_admin": "admin" in principal.roles,
        "me": rulesets.who(principal),
    }


def _sme_view(session: Session, principal: Principal, sme: int | None) -> dict[str, Any]:
    """An SME's features (raw grant) or only its score (derived-only grant) for the bank, or the
    refusal (no grant: nothing shown)."""
    if sme is None:
        return {}
    try:
        with session.begin_nested():
            return {"sme": sme, "sme_features": sharing.features_for(
                session, actor=principal, party_id=sme)}  # fmt: skip
    except DerivedOnly:
        pass
    except ChanrongError as error:
        return {"sme": sme, "sme_refused": error}
    try:
        with session.begin_nested():
            return {"sme": sme, "sme_score": sharing.score_for(session, actor=principal,
                                                               party_id=sme)}  # fmt: skip
    except ChanrongError as error:
        return {"sme": sme, "sme_refused": error}


def _institution(session: Session, principal: Principal, outcome: str,
                 sme: int | None) -> dict[str, Any]:  # fmt: skip
    """What a bank sees: its queue, portfolio, rule sets and a granted SME's data."""
    queue = service.queue(session, actor=principal, outcome=outcome or None, limit=LIMIT)
    book = service.portfolio(session, actor=principal)
    ids = {a.applicant_party_id for a in queue} | {x.borrower_party_id for x in book["loans"]}
    return {
        "queue": queue, "outcome": outcome, "outcomes": OUTCOMES, "book": book,
        **_book(session, principal.party_id), "rules": _rules(session, principal),
        "names": parties.party_names(session, ids | ({sme} if sme else set())),
        **_sme_view(session, principal, sme),
    }  # fmt: skip


@router.get("/credit", response_class=HTMLResponse)
def credit_page(request: Request, session: Tx, who: ConsoleUser, outcome: Outcome = "",
                sme: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None) -> Response:  # fmt: skip
    """秒审批: an SME's application form, applications and loans; a bank's queue (optionally of
    one ``outcome``), portfolio, rule sets and, with ``sme``, that SME's data under its grant.
    Amounts in 元/万元."""
    principal = sign_in(request, who)
    context: dict[str, Any] = {"kind": principal.party_kind}
    if principal.party_kind == "enterprise":
        context.update(_enterprise(session, principal))
    elif principal.party_kind == "institution":
        context.update(_institution(session, principal, outcome, sme))
    return render(request, "credit/index.html", {**_labels(request), **context})


def _decision(session: Session, principal: Principal, app: Application | None,
              refused: ChanrongError | None = None) -> dict[str, Any]:  # fmt: skip
    """What the decision block of one application shows (its loan and schedule once
    accepted, or why an action was refused)."""
    loan = None
    if app is not None and app.status == "accepted":
        found = session.scalar(select(Loan).where(Loan.application_id == app.id))
        if found is not None:
            loan = {"loan": found,
                    "schedule": service.schedule_of(session, actor=principal, loan_id=found.id)}  # fmt: skip
    names = parties.party_names(session, set() if app is None else
                                {app.bank_party_id, app.applicant_party_id})  # fmt: skip
    return {"a": app, "refused": refused, "loan": loan, "names": names,
            "can_accept": app is not None and principal.may_write()
            and principal.acts_for(app.applicant_party_id)}  # fmt: skip


def _block(request: Request, context: dict[str, Any]) -> Response:
    return render(request, "credit/_decision.html", {**_labels(request), **context})


@router.post("/credit/apply", response_class=HTMLResponse)
def apply(
    request: Request, session: Tx, who: ConsoleUser,
    bank_party_id: Annotated[str, Form(max_length=20)] = "",
    amount: Annotated[str, Form(max_length=40)] = "",
    term_months: Annotated[str, Form(max_length=3)] = "",
    repayment: Annotated[str, Form(max_length=20)] = "equal_principal",
) -> Response:  # fmt: skip
    """申请融资: apply for a working-capital line (amount in yuan); htmx gets the decision
    (or the refusal) at once, a plain form post goes to the application's page."""
    principal = sign_in(request, who)

    def run() -> Application:
        if not bank_party_id.strip().isdigit():
            raise InvalidApplication("choose the bank", field="bank_party_id", rule="required")
        if not term_months.strip().isdigit():
            raise InvalidApplication("choose the term", field="term_months", rule="required")
        return service.apply(session, actor=principal, bank_party_id=int(bank_party_id),
                             product="working_capital", amount_fen=_yuan(amount, "amount"),
                             term_months=int(term_months), repayment=repayment)  # fmt: skip

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
    context = {**_labels(request), **_decision(session, principal, app)}
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
    context = {**_labels(request), "rules": _rules(session, principal), "refused": refused,
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
