"""Console pages of trade: a supplier's receivables (with the XLSX statement), a buyer's payables
with 确权 (confirm) and reject per open receivable, and a party's orders, deliveries and invoices.

Each page shows the logged-in user's own party; the platform may name another with
``party_id``. Anyone else is refused by the trade services (404, default deny)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from chanrong.errors import ChanrongError, Invalid
from chanrong.http import Tx
from chanrong.parties import service as parties
from chanrong.parties.auth import ConsoleUser
from chanrong.principal import Principal
from chanrong.trade import documents, receivables
from chanrong.trade.models import Delivery, Invoice, Order, Receivable
from chanrong.web.i18n import pick, translate
from chanrong.web.pages import language, render, sign_in

router = APIRouter(include_in_schema=False)
LIMIT = 100  # rows shown per table, newest first
MAX_ID = 2**63 - 1
STATUSES = ("registered", "confirmed", "rejected", "withdrawn")
PartyId = Annotated[int | None, Query(ge=1, le=MAX_ID)]
Status = Annotated[str, Query(pattern="^(|registered|confirmed|rejected|withdrawn)$")]

LABELS: dict[str, tuple[str, str]] = {
    "tr_nav": ("应收应付", "Trade"),
    "tr_receivables": ("我的应收账款", "My receivables"),
    "tr_receivables_intro": (
        "本机构作为供应商登记在买方名下的应收账款；买方确权后不可再变更。",
        "Receivables your party registered on its buyers as supplier; once the buyer confirms "
        "one it never changes.",
    ),
    "tr_payables": ("我的应付账款", "My payables"),
    "tr_payables_intro": (
        "供应商登记在本机构名下的应收账款：核对单据后确权或拒绝。确权记入账本，之后不可变更。",
        "Receivables suppliers registered on your party: check the documents, then confirm "
        "(确权) or reject. A confirmation is logged in the ledger and never changes.",
    ),
    "tr_documents": ("订单、送货单与发票", "Orders, deliveries and invoices"),
    "tr_documents_intro": (
        "本机构作为卖方或买方的贸易单据（只读）。",
        "Trade documents your party is the seller or the buyer of (read-only).",
    ),
    "tr_of_party": ("主体", "Party"),
    "tr_statement_xlsx": ("下载对账单（XLSX）", "Download the statement (XLSX)"),
    "tr_receivable": ("应收账款", "Receivable"),
    "tr_buyer": ("买方", "Buyer"),
    "tr_supplier": ("供应商", "Supplier"),
    "tr_seller": ("卖方", "Seller"),
    "tr_counterparty": ("交易对手", "Counterparty"),
    "tr_role": ("本方角色", "Our side"),
    "tr_amount": ("金额", "Amount"),
    "tr_due_on": ("到期日", "Due on"),
    "tr_status": ("状态", "Status"),
    "tr_docs": ("单据", "Documents"),
    "tr_registered_at": ("登记时间", "Registered"),
    "tr_decided_at": ("处理时间", "Decided"),
    "tr_actions": ("操作", "Actions"),
    "tr_all_statuses": ("全部状态", "All statuses"),
    "tr_filter": ("筛选", "Filter"),
    "tr_status_registered": ("待确权", "Awaiting confirmation"),
    "tr_status_confirmed": ("已确权", "Confirmed"),
    "tr_status_rejected": ("已拒绝", "Rejected"),
    "tr_status_withdrawn": ("已撤回", "Withdrawn"),
    "tr_confirm": ("确权", "Confirm"),
    "tr_confirm_question": (
        "确认本机构欠付应收账款 {handle}（{amount}）？确权后不可撤销。",
        "Confirm that your party owes receivable {handle} ({amount})? This cannot be undone.",
    ),
    "tr_reject": ("拒绝", "Reject"),
    "tr_reject_reason": ("拒绝理由", "Reason for rejecting"),
    "tr_refused": ("操作未完成", "Not done"),
    "tr_no_receivables": ("暂无应收账款。", "No receivables yet."),
    "tr_no_payables": ("暂无应付账款。", "No payables yet."),
    "tr_open_count": ("待确权", "Awaiting confirmation"),
    "tr_open_total": ("待确权金额", "Amount awaiting confirmation"),
    "tr_confirmed_total": ("已确权金额", "Amount confirmed"),
    "tr_orders": ("采购订单", "Purchase orders"),
    "tr_deliveries": ("送货单", "Delivery notes"),
    "tr_invoices": ("发票", "Invoices"),
    "tr_order": ("订单", "Order"),
    "tr_delivery": ("送货单", "Delivery"),
    "tr_invoice": ("发票", "Invoice"),
    "tr_order_date": ("下单日期", "Order date"),
    "tr_terms": ("账期（天）", "Terms (days)"),
    "tr_description": ("说明", "Description"),
    "tr_delivered_on": ("送货日期", "Delivered on"),
    "tr_invoice_number": ("发票号码", "Invoice number"),
    "tr_issued_on": ("开票日期", "Issued on"),
    "tr_paid_on": ("付款日期", "Paid on"),
    "tr_none": ("暂无。", "None yet."),
    "tr_showing_latest": ("仅显示最近 {n} 条。", "Showing the latest {n} only."),
}


def _labels(request: Request) -> dict[str, Any]:
    """The label function of trade pages: trade's own labels, then the console's."""
    lang = language(request)

    def t(key: str, default: str | None = None) -> str:
        return pick(LABELS[key], lang) if key in LABELS else translate(key, lang, default)

    return {"t": t}


def _party_of(principal: Principal, party_id: int | None) -> int:
    """The party a page shows: the caller's own, or (the platform only, checked by the
    services) the one named."""
    return principal.party_id if party_id is None else party_id


def _head(session: Session, principal: Principal, party_id: int) -> dict[str, Any]:
    """What every trade page shows at the top: whose page it is and the link suffix."""
    return {
        "party_id": party_id,
        "party_name": parties.party_name(session, party_id),
        "party_query": "" if party_id == principal.party_id else f"party_id={party_id}",
        "limit": LIMIT,
    }


def _rows(session: Session, principal: Principal, party_id: int, side: str, status: str) -> Any:
    """The receivables of one side with their counterparty names and document identifiers."""
    found = receivables.list_receivables(
        session, actor=principal, party_id=party_id, side=side, status=status or None, limit=LIMIT
    )
    statement = receivables.statement_rows(session, actor=principal, party_id=party_id, side=side)
    docs = {row[0]: row[3:6] for row in statement}
    names = parties.party_names(
        session, {r.debtor_party_id for r in found} | {r.supplier_party_id for r in found}
    )
    return found, docs, names


def _totals(rows: list[Receivable]) -> dict[str, int]:
    """Counts and sums (fen) of the open and the confirmed receivables among ``rows``."""
    open_rows = [r for r in rows if r.status == "registered"]
    return {
        "open_count": len(open_rows),
        "open_fen": sum(r.amount_fen for r in open_rows),
        "confirmed_fen": sum(r.amount_fen for r in rows if r.status == "confirmed"),
    }


@router.get("/trade/receivables", response_class=HTMLResponse)
def receivables_page(
    request: Request, session: Tx, who: ConsoleUser, party_id: PartyId = None, status: Status = ""
) -> Response:
    """我的应收账款: the party's receivables as supplier (status, amount in 元/万元, due date,
    buyer, documents), newest first, with the XLSX statement."""
    principal = sign_in(request, who)
    party = _party_of(principal, party_id)
    rows, docs, names = _rows(session, principal, party, "supplier", status)
    context = {
        **_head(session, principal, party), **_labels(request), **_totals(rows),
        "rows": rows, "docs": docs, "names": names, "status": status, "statuses": STATUSES,
    }  # fmt: skip
    return render(request, "trade/receivables.html", context)


@router.get("/trade/payables", response_class=HTMLResponse)
def payables_page(
    request: Request, session: Tx, who: ConsoleUser, party_id: PartyId = None, status: Status = ""
) -> Response:
    """我的应付账款: receivables registered on the party as buyer, newest first; its members and
    admins confirm (确权) or reject the open ones."""
    principal = sign_in(request, who)
    party = _party_of(principal, party_id)
    rows, docs, names = _rows(session, principal, party, "debtor", status)
    context = {
        **_head(session, principal, party), **_labels(request), **_totals(rows),
        "rows": rows, "docs": docs, "names": names, "status": status, "statuses": STATUSES,
        "can_decide": principal.may_write() and principal.acts_for(party),
    }  # fmt: skip
    return render(request, "trade/payables.html", context)


def _decide(
    request: Request, session: Session, who: Any, receivable_id: int, reason: str | None
) -> Response:
    """Confirm (``reason`` None) or reject a payable. htmx gets the decided row back, or the row
    with the reason it was refused (htmx swaps only 2xx answers); a plain form post goes back to
    the payables, and a refusal shows as the error page."""
    principal = sign_in(request, who)

    def decide() -> Receivable:
        if reason is None:
            return receivables.confirm_receivable(
                session, actor=principal, receivable_id=receivable_id
            )
        if not reason.strip():
            raise Invalid("give the reason for rejecting", field="reason", rule="required")
        return receivables.reject_receivable(
            session, actor=principal, receivable_id=receivable_id, reason=reason.strip()
        )

    if request.headers.get("hx-request") != "true":
        decide()
        return RedirectResponse("/trade/payables", status_code=303)
    try:
        with session.begin_nested():  # a refused decision leaves nothing behind
            row = decide()
    except ChanrongError as error:
        row = receivables.get_visible(session, actor=principal, receivable_id=receivable_id)
        refused: ChanrongError | None = error
    else:
        refused = None
    handles = [
        documents.get_document(session, actor=principal, model=model, doc_id=doc_id).handle
        for model, doc_id in ((Order, row.order_id), (Delivery, row.delivery_id),
                              (Invoice, row.invoice_id))
    ]  # fmt: skip
    context = {
        **_labels(request), "r": row, "refused": refused, "docs": {row.handle: handles},
        "names": parties.party_names(session, {row.supplier_party_id}),
        "can_decide": principal.may_write() and principal.acts_for(row.debtor_party_id),
    }  # fmt: skip
    return render(request, "trade/_payable_row.html", context)


@router.post("/trade/payables/{receivable_id}/confirm", response_class=HTMLResponse)
def confirm_payable(
    receivable_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    request: Request,
    session: Tx,
    who: ConsoleUser,
) -> Response:
    """确权: the buyer confirms it owes the receivable (logged, then immutable)."""
    return _decide(request, session, who, receivable_id, None)


@router.post("/trade/payables/{receivable_id}/reject", response_class=HTMLResponse)
def reject_payable(
    receivable_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    request: Request,
    session: Tx,
    who: ConsoleUser,
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """The buyer rejects an open receivable with its reason (logged)."""
    return _decide(request, session, who, receivable_id, reason)


@router.get("/trade/documents", response_class=HTMLResponse)
def documents_page(
    request: Request, session: Tx, who: ConsoleUser, party_id: PartyId = None
) -> Response:
    """The party's orders, deliveries and invoices as seller or buyer, newest first, read-only."""
    principal = sign_in(request, who)
    party = _party_of(principal, party_id)
    lists = {
        key: documents.list_documents(
            session, actor=principal, model=model, party_id=party, limit=LIMIT
        )
        for key, model in (("orders", Order), ("deliveries", Delivery), ("invoices", Invoice))
    }
    order_handles = {o.id: o.handle for o in lists["orders"]}
    names = parties.party_names(
        session,
        {p for rows in lists.values() for d in rows for p in (d.seller_party_id, d.buyer_party_id)},
    )
    context = {
        **_head(session, principal, party), **_labels(request), **lists,
        "names": names, "order_handles": order_handles,
    }  # fmt: skip
    return render(request, "trade/documents.html", context)
