"""HTTP API of trade under /api/v1/trade: orders, deliveries, invoices, receivables (确权)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from chanrong.http import Tx
from chanrong.parties.auth import Caller
from chanrong.principal import Principal
from chanrong.trade import documents, receivables, schemas
from chanrong.trade.models import Delivery, Invoice, Order
from chanrong.web.downloads import Format, table_download

router = APIRouter(prefix="/api/v1/trade", tags=["trade"])
Role = Annotated[str | None, Query(pattern="^(seller|buyer)$", description="one side only")]
PartyId = Annotated[int | None, Query(description="platform only: another party")]
Limit = Annotated[int, Query(ge=1, le=1000)]


def _party(caller: Principal, party_id: int | None) -> int:
    return caller.party_id if party_id is None else party_id


@router.post("/orders", response_model=schemas.OrderOut, status_code=201)
def create_order(body: schemas.OrderIn, session: Tx, caller: Caller) -> object:
    """Enter a purchase order (as its seller or its buyer); it gets an identifier."""
    return documents.create_order(session, actor=caller, **body.model_dump())


@router.get("/orders", response_model=list[schemas.OrderOut])
def list_orders(
    session: Tx, caller: Caller, role: Role = None, party_id: PartyId = None,
    limit: Limit = 100, offset: int = 0,
) -> object:  # fmt: skip
    """Your orders, newest first (as seller, buyer or both)."""
    return documents.list_documents(session, actor=caller, model=Order, role=role,
        party_id=_party(caller, party_id), limit=limit, offset=offset)  # fmt: skip


@router.post("/deliveries", response_model=schemas.DeliveryOut, status_code=201)
def create_delivery(body: schemas.DeliveryIn, session: Tx, caller: Caller) -> object:
    """Record goods delivered against one of your orders as its seller."""
    return documents.create_delivery(session, actor=caller, **body.model_dump())


@router.get("/deliveries", response_model=list[schemas.DeliveryOut])
def list_deliveries(
    session: Tx, caller: Caller, role: Role = None, party_id: PartyId = None,
    limit: Limit = 100, offset: int = 0,
) -> object:  # fmt: skip
    """Your deliveries, newest first."""
    return documents.list_documents(session, actor=caller, model=Delivery, role=role,
        party_id=_party(caller, party_id), limit=limit, offset=offset)  # fmt: skip


@router.post("/invoices", response_model=schemas.InvoiceOut, status_code=201)
def create_invoice(body: schemas.InvoiceIn, session: Tx, caller: Caller) -> object:
    """Invoice one of your orders as its seller, due within the order's terms."""
    return documents.create_invoice(session, actor=caller, **body.model_dump())


@router.get("/invoices", response_model=list[schemas.InvoiceOut])
def list_invoices(
    session: Tx, caller: Caller, role: Role = None, party_id: PartyId = None,
    limit: Limit = 100, offset: int = 0,
) -> object:  # fmt: skip
    """Your invoices, newest first."""
    return documents.list_documents(session, actor=caller, model=Invoice, role=role,
        party_id=_party(caller, party_id), limit=limit, offset=offset)  # fmt: skip


@router.post("/invoices/{invoice_id}/payment", response_model=schemas.InvoiceOut)
def record_payment(invoice_id: int, body: schemas.PaymentIn, session: Tx, caller: Caller) -> object:
    """As the seller, record the date an invoice was paid in full (once)."""
    return documents.record_payment(
        session, actor=caller, invoice_id=invoice_id, paid_on=body.paid_on
    )


@router.post("/receivables", response_model=schemas.ReceivableOut, status_code=201)
def register_receivable(body: schemas.ReceivableIn, session: Tx, caller: Caller) -> object:
    """Register a receivable on a buyer; refused with every rule its documents break."""
    return receivables.register_receivable(
        session, actor=caller, debtor_party_id=body.debtor_party_id, order_handle=body.order,
        delivery_handle=body.delivery, invoice_handle=body.invoice, amount_fen=body.amount_fen,
        due_on=body.due_on, supplier_party_id=body.supplier_party_id, handle=body.handle,
    )  # fmt: skip


@router.get("/receivables", response_model=list[schemas.ReceivableOut])
def list_receivables(
    session: Tx, caller: Caller, status: str | None = None, party_id: PartyId = None,
    limit: Limit = 100, offset: int = 0,
) -> object:  # fmt: skip
    """Your receivables as supplier, newest first."""
    return receivables.list_receivables(session, actor=caller, party_id=_party(caller, party_id),
        side="supplier", status=status, limit=limit, offset=offset)  # fmt: skip


@router.get("/payables", response_model=list[schemas.ReceivableOut])
def list_payables(
    session: Tx, caller: Caller, status: str | None = None, party_id: PartyId = None,
    limit: Limit = 100, offset: int = 0,
) -> object:  # fmt: skip
    """Receivables on you as buyer (your payables), newest first: what you may confirm."""
    return receivables.list_receivables(session, actor=caller, party_id=_party(caller, party_id),
        side="debtor", status=status, limit=limit, offset=offset)  # fmt: skip


@router.get("/receivables/statement")
def statement(
    session: Tx, caller: Caller, party_id: PartyId = None,
    format: Format = "xlsx",
    side: Annotated[str, Query(pattern="^(supplier|debtor)$")] = "supplier",
) -> Response:  # fmt: skip
    """Your receivables (or payables) statement as XLSX or CSV; amounts in fen."""
    rows = receivables.statement_rows(
        session, actor=caller, party_id=_party(caller, party_id), side=side
    )
    return table_download(receivables.STATEMENT_HEADER, rows, fmt=format,
                          filename=f"{side}-statement", sheet="receivables")  # fmt: skip


@router.get("/receivables/{receivable_id}", response_model=schemas.ReceivableOut)
def get_receivable(receivable_id: int, session: Tx, caller: Caller) -> object:
    """One receivable you are the supplier or the buyer of."""
    return receivables.get_visible(session, actor=caller, receivable_id=receivable_id)


@router.post("/receivables/{receivable_id}/confirm", response_model=schemas.ReceivableOut)
def confirm(receivable_id: int, session: Tx, caller: Caller) -> object:
    """As the buyer, confirm (确权) that you owe it: logged, then it never changes."""
    return receivables.confirm_receivable(session, actor=caller, receivable_id=receivable_id)


@router.post("/receivables/{receivable_id}/reject", response_model=schemas.ReceivableOut)
def reject(receivable_id: int, body: schemas.RejectIn, session: Tx, caller: Caller) -> object:
    """As the buyer, refuse an open receivable with a reason."""
    return receivables.reject_receivable(
        session, actor=caller, receivable_id=receivable_id, reason=body.reason
    )


@router.post("/receivables/{receivable_id}/withdraw", response_model=schemas.ReceivableOut)
def withdraw(receivable_id: int, session: Tx, caller: Caller) -> object:
    """As the supplier, withdraw an open receivable (never a confirmed one)."""
    return receivables.withdraw_receivable(session, actor=caller, receivable_id=receivable_id)
