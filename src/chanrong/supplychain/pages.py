"""Console pages of payable certificates (云证): a supplier's certificates as trees of pieces with
split, transfer, accept and cancel forms (htmx); a core enterprise's issued certificates and
outstanding payables; a bank's credit lines, proposals awaiting a checker and financings.

Every section shows only the logged-in user's own party (default deny: the services scope by
the principal); the actions call ``supplychain.service`` with that principal."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from chanrong import clock
from chanrong.errors import ChanrongError
from chanrong.http import Tx
from chanrong.money import Money
from chanrong.parties import service as parties
from chanrong.parties.auth import ConsoleUser
from chanrong.principal import Principal
from chanrong.supplychain import core, lines, service, views
from chanrong.supplychain.errors import InvalidSplit, InvalidTransfer
from chanrong.web.i18n import pick, translate
from chanrong.web.pages import language, render, sign_in

router = APIRouter(include_in_schema=False)
MAX_ID = 2**63 - 1
PieceId = Annotated[int, Path(ge=1, le=MAX_ID)]
_SEPARATORS = re.compile(r"[\s,，;；、+]+")

LABELS: dict[str, tuple[str, str]] = {
    "sc_nav": ("云证", "Certificates"),
    "sc_title": ("云证（应付凭证）", "Payable certificates (云证)"),
    "sc_intro": (
        "核心企业基于已确权应付账款签发的电子凭证：可拆分、向自己的供应商转让、向银行融资，"
        "到期由签发方向各持有方兑付。每项操作记入账本。",
        "Digital certificates a core enterprise issues against its confirmed payables: split "
        "them, transfer a piece to your own supplier, finance it at a bank; at maturity the "
        "issuer pays whoever holds each piece. Every operation is logged in the ledger.",
    ),
    "sc_mine": ("我的云证", "My certificates"),
    "sc_mine_intro": (
        "本机构持有或曾持有的云证，以拆分与转让的谱系树显示：每个节点是一段金额区间 [起, 止)。",
        "Certificates your party holds or held, as the lineage tree of splits and transfers: "
        "each node is a range [start, end) of the certificate's fen.",
    ),
    "sc_none_mine": ("暂无云证。", "No certificates yet."),
    "sc_certificate": ("云证", "Certificate"),
    "sc_issuer": ("签发方", "Issuer"),
    "sc_face": ("票面金额", "Face value"),
    "sc_held": ("本方持有", "Held by us"),
    "sc_issued_on": ("签发日", "Issued on"),
    "sc_maturity": ("到期日", "Maturity"),
    "sc_settled_on": ("兑付日", "Settled on"),
    "sc_range": ("区间（分）", "Range (fen)"),
    "sc_amount": ("金额", "Amount"),
    "sc_holder": ("持有方", "Holder"),
    "sc_status": ("状态", "Status"),
    "sc_status_held": ("持有", "Held"),
    "sc_status_pending_transfer": ("转让待接收", "Transfer pending"),
    "sc_status_financed": ("已融资", "Financed"),
    "sc_status_settled": ("已兑付", "Settled"),
    "sc_status_retired": ("已拆分/转让", "Split or transferred"),
    "sc_to": ("受让方", "To"),
    "sc_bank": ("融资银行", "Bank"),
    "sc_paid_to": ("兑付对象", "Paid to"),
    "sc_split": ("拆分", "Split"),
    "sc_split_amounts": (
        "拆分金额（元，以逗号分隔，合计须等于本段金额）",
        "Amounts (yuan, comma-separated, summing exactly to the piece)",
    ),
    "sc_transfer": ("转让", "Transfer"),
    "sc_choose_supplier": ("选择本方供应商", "Choose your supplier"),
    "sc_no_suppliers": (
        "两年内无向本方开票的供应商，不能转让。",
        "No supplier invoiced your party in two years: nothing to transfer to.",
    ),
    "sc_accept": ("接收", "Accept"),
    "sc_cancel": ("撤回/拒收", "Withdraw / decline"),
    "sc_apply_financing": ("申请融资", "Apply for financing"),
    "sc_done": ("已完成，已记入账本。", "Done and logged in the ledger."),
    "sc_refused": ("操作未完成", "Not done"),
    "sc_payables": ("已签发云证（未结清应付）", "Issued certificates (outstanding payables)"),
    "sc_payables_intro": (
        "本机构作为核心企业签发、尚未兑付的云证，及其中已被持有方向银行融资的金额。",
        "Certificates your party issued as core enterprise and has not yet settled, with the "
        "part their holders financed at banks.",
    ),
    "sc_none_payables": ("暂无未结清的云证。", "No outstanding certificates."),
    "sc_financed": ("已融资", "Financed"),
    "sc_outstanding_total": ("未结清合计", "Outstanding in total"),
    "sc_statement_holdings": ("下载持有明细（XLSX）", "Download the holdings statement (XLSX)"),
    "sc_statement_payables": ("下载应付明细（XLSX）", "Download the payables statement (XLSX)"),
    "sc_statement_csv": ("CSV 格式", "as CSV"),
    "sc_lines": ("授信额度", "Credit lines"),
    "sc_lines_intro": (
        "银行为核心企业设定的云证签发额度：一名银行用户提议，另一名复核后生效（双人复核）。",
        "Limits banks set for core enterprises' certificates: one bank user proposes, a second "
        "approves (maker-checker).",
    ),
    "sc_none_lines": ("暂无授信额度。", "No credit lines."),
    "sc_core": ("核心企业", "Core enterprise"),
    "sc_limit": ("额度", "Limit"),
    "sc_used": ("已用", "Used"),
    "sc_available": ("可用", "Available"),
    "sc_pending_changes": ("待复核的额度提议", "Proposals awaiting a checker"),
    "sc_proposed_by": ("提议人", "Proposed by"),
    "sc_financings": ("云证融资", "Financings"),
    "sc_none_financings": ("暂无融资。", "No financings."),
    "sc_rate": ("年化利率", "Annual rate"),
    "sc_day_count": ("计息基准", "Day count"),
    "sc_days": ("天数", "Days"),
    "sc_discount": ("贴息", "Discount"),
    "sc_fees": ("费用", "Fees"),
    "sc_proceeds": ("到账金额", "Proceeds"),
    "sc_financed_on": ("融资日", "Financed on"),
    "sc_registration": ("登记编号", "Registration"),
    "sc_borrower": ("融资方", "Borrower"),
}


def _labels(request: Request) -> dict[str, Any]:
    """The label function of certificate pages: their own labels, then the console's."""
    lang = language(request)

    def t(key: str, default: str | None = None) -> str:
        return pick(LABELS[key], lang) if key in LABELS else translate(key, lang, default)

    return {"t": t}


def _party_ids(node: dict[str, Any]) -> set[int]:
    found = {node["holder_party_id"]} | {
        p for p in (node["pending_to_party_id"], node["bank_party_id"], node["paid_to_party_id"])
        if p is not None
    }  # fmt: skip
    for child in node["children"]:
        found |= _party_ids(child)
    return found


def _suppliers(session: Session, principal: Principal) -> list[tuple[int, str]]:
    """The caller's own suppliers (they invoiced it within the transfer window), by name."""
    from chanrong.trade import service as trade  # the trade domain, loaded when used

    today = clock.today()
    history = trade.trade_history(
        session, principal.party_id,
        start=today - timedelta(days=service.SUPPLIER_WINDOW_DAYS), end=today + timedelta(days=1),
    )  # fmt: skip
    ids = {f.counterparty_party_id for f in history if f.role == "buyer"}
    names = parties.party_names(session, ids)
    return sorted(((i, names.get(i, f"#{i}")) for i in ids), key=lambda pair: pair[1])


def _tree(session: Session, principal: Principal) -> dict[str, Any]:
    """The caller's certificates as lineage trees, the names they mention, and its suppliers."""
    certificates = views.my_certificates(session, actor=principal)
    ids = {c["issuer_party_id"] for c in certificates}
    for c in certificates:
        for root in c["pieces"]:
            ids |= _party_ids(root)
    return {
        "certificates": certificates, "tree_names": parties.party_names(session, ids),
        "me": principal.party_id, "can_write": principal.may_write(),
        "suppliers": _suppliers(session, principal) if principal.may_write() else [],
        "today": clock.today(), "LIVE": core.LIVE,
    }  # fmt: skip


def _page(session: Session, principal: Principal) -> dict[str, Any]:
    """Everything the certificates page shows to the caller's party, by its kind."""
    context: dict[str, Any] = {"kind": principal.party_kind, "payables": [], "financings": [],
                               "credit_lines": [], "pending": []}  # fmt: skip
    credit_lines = lines.lines(session, actor=principal)
    context["credit_lines"] = credit_lines
    ids = {int(str(x["bank_party_id"])) for x in credit_lines}
    ids |= {int(str(x["core_party_id"])) for x in credit_lines}
    if principal.party_kind == "enterprise":
        context.update(_tree(session, principal))
        payables = views.outstanding_payables(
            session, actor=principal, core_party_id=principal.party_id
        )
        context["payables"] = payables
        context["outstanding_fen"] = sum(p["face_fen"] for p in payables)
    if principal.party_kind == "institution":
        context["pending"] = lines.pending_changes(session, actor=principal)
        ids |= {c.core_party_id for c in context["pending"]}
    context["financings"] = views.financings(session, actor=principal)
    ids |= {f.holder_party_id for f in context["financings"]}
    ids |= {f.bank_party_id for f in context["financings"]}
    context["names"] = parties.party_names(session, ids)
    return context


@router.get("/certificates", response_class=HTMLResponse)
def certificates_page(request: Request, session: Tx, who: ConsoleUser) -> Response:
    """云证: the caller's certificate trees (supplier), issued certificates (core enterprise),
    credit lines and financings (bank), amounts in 元/万元."""
    principal = sign_in(request, who)
    context = {**_labels(request), **_page(session, principal)}
    return render(request, "supplychain/index.html", context)


def _amounts(text: str) -> list[int]:
    """Amounts in yuan separated by commas, spaces or semicolons (no thousands separators), as
    fen (``"600000, 400000"`` → ``[60000000, 40000000]``)."""
    parts = [p for p in _SEPARATORS.split(text.strip()) if p]
    if not parts:
        raise InvalidSplit("give the amounts of the parts", field="amounts", rule="required")
    found = []
    for i, part in enumerate(parts):
        try:
            found.append(Money.parse(part).fen)
        except ValueError as error:
            raise InvalidSplit(str(error), field=f"amounts.{i}", rule="amount") from None
    return found


def _act(request: Request, session: Session, who: Any, action: Any) -> Response:
    """Run ``action(principal)``. htmx gets the tree back (with the reason when refused: htmx
    swaps only 2xx answers, and a refusal changes nothing); a plain form post goes back to the
    page on success, and a refusal shows as the error page."""
    principal = sign_in(request, who)
    if request.headers.get("hx-request") != "true":
        action(principal)
        return RedirectResponse("/certificates#my-certificates", status_code=303)
    refused: ChanrongError | None = None
    try:
        with session.begin_nested():  # a refused operation leaves nothing behind
            action(principal)
    except ChanrongError as error:
        refused = error
    context = {**_labels(request), **_tree(session, principal), "refused": refused,
               "done": refused is None}  # fmt: skip
    return render(request, "supplychain/_tree.html", context)


@router.post("/certificates/pieces/{piece_id}/split", response_class=HTMLResponse)
def split(
    piece_id: PieceId, request: Request, session: Tx, who: ConsoleUser,
    amounts: Annotated[str, Form(max_length=2_000)] = "",
) -> Response:  # fmt: skip
    """The holder splits a piece into parts given in yuan (summing exactly to the piece)."""
    return _act(request, session, who, lambda p: service.split_piece(
        session, actor=p, piece_id=piece_id, amounts=_amounts(amounts)))  # fmt: skip


def _recipient(text: str) -> int:
    if not text.strip().isdigit():
        raise InvalidTransfer("choose the supplier to transfer to", field="to_party_id",
                              rule="required")  # fmt: skip
    return int(text)


@router.post("/certificates/pieces/{piece_id}/transfer", response_class=HTMLResponse)
def transfer(
    piece_id: PieceId, request: Request, session: Tx, who: ConsoleUser,
    to_party_id: Annotated[str, Form(max_length=20)] = "",
) -> Response:  # fmt: skip
    """The holder offers a piece to its own supplier (pending until the supplier accepts)."""
    return _act(request, session, who, lambda p: service.offer_transfer(
        session, actor=p, piece_id=piece_id, to_party_id=_recipient(to_party_id)))  # fmt: skip


@router.post("/certificates/pieces/{piece_id}/accept", response_class=HTMLResponse)
def accept(piece_id: PieceId, request: Request, session: Tx, who: ConsoleUser) -> Response:
    """The recipient accepts a piece offered to it."""
    return _act(request, session, who,
                lambda p: service.accept_transfer(session, actor=p, piece_id=piece_id))  # fmt: skip


@router.post("/certificates/pieces/{piece_id}/cancel", response_class=HTMLResponse)
def cancel(piece_id: PieceId, request: Request, session: Tx, who: ConsoleUser) -> Response:
    """The holder withdraws, or the recipient declines, a pending transfer."""
    return _act(request, session, who,
                lambda p: service.cancel_transfer(session, actor=p, piece_id=piece_id))  # fmt: skip
