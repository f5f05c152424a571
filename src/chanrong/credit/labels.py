"""Labels of the instant-credit console pages (秒审批): each key with its Chinese and English text,
Chinese first, looked up before the console's own labels (``chanrong.web.i18n``)."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from chanrong.web.i18n import pick, translate
from chanrong.web.pages import language

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
    "cr_statement_loans": ("下载贷款明细（XLSX）", "Download the loans statement (XLSX)"),
    "cr_statement_portfolio": (
        "下载贷款组合明细（XLSX）",
        "Download the portfolio statement (XLSX)",
    ),
    "cr_statement_csv": ("CSV 格式", "as CSV"),
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
    "cr_product_choice": ("融资产品", "Product"),
    "cr_piece": ("云证段", "Certificate piece"),
    "cr_choose_piece": ("选择可融资的云证段", "Choose a piece to finance"),
    "cr_no_pieces": ("暂无可融资的云证段。", "No certificate piece to finance."),
    "cr_piece_option": (
        "云证 #{c} · 段 #{p} · {issuer} · {amount} · 到期 {maturity}",
        "Certificate #{c} · piece #{p} · {issuer} · {amount} · due {maturity}",
    ),
    "cr_piece_unavailable": (
        "该云证段不可融资（非本方持有、已融资、已转让或已到期）。",
        "That piece cannot be financed (not held by you, financed, transferred or past maturity).",
    ),
    "cr_certificate": ("云证", "Certificate"),
    "cr_issuer": ("签发方", "Issuer"),
    "cr_apply_piece_intro": (
        "以持有的云证段向银行申请融资：金额（元）默认为整段，可少于本段；按到期日一次还本付息。",
        "Finance a certificate piece you hold: the amount (yuan) is the whole piece unless you "
        "ask for less; repaid in one sum at maturity.",
    ),
    "cr_working_capital_only": ("仅适用于流动资金贷款", "Working capital only"),
    "cr_amount_piece_hint": (
        "云证融资留空即为整段金额",
        "Certificate: leave empty for the whole piece",
    ),
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


def labels(request: Request) -> dict[str, Any]:
    """The template context entry ``t(key, default)`` of credit pages in the request's language:
    their own labels, then the console's."""
    lang = language(request)

    def t(key: str, default: str | None = None) -> str:
        return pick(LABELS[key], lang) if key in LABELS else translate(key, lang, default)

    return {"t": t}
