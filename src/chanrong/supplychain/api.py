"""HTTP API of payable certificates under /api/v1/supplychain. Every mutating endpoint takes an
``Idempotency-Key`` header (``chanrong.kit.idempotency``): a repeat returns the first answer
(header ``Idempotency-Replayed: true``), a duplicate in flight gets 409."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from chanrong.http import Tx
from chanrong.parties.auth import Caller, IdempotencyKeyHeader, Unit
from chanrong.supplychain import lines, schemas, service, statements, views
from chanrong.web.downloads import Format, StatementParty, table_download

router = APIRouter(prefix="/api/v1/supplychain", tags=["supplychain"])


@router.post("/credit-lines/changes", response_model=schemas.LineChangeOut, status_code=201)
async def propose_line(
    body: schemas.LineChangeIn, unit: Unit, idempotency_key: IdempotencyKeyHeader = None
) -> JSONResponse:
    """A bank user proposes its credit line limit for a core enterprise (maker)."""
    return await unit.once(
        idempotency_key,
        body,
        201,
        schemas.LineChangeOut,
        lambda session, caller: lines.propose_line(
            session,
            actor=caller,
            bank_party_id=caller.party_id,
            core_party_id=body.core_party_id,
            limit_fen=body.limit_fen,
        ),
    )


@router.post("/credit-lines/changes/{change_id}/{decision}", response_model=schemas.LineChangeOut)
async def decide_line(
    change_id: int,
    decision: Literal["approve", "reject"],
    unit: Unit,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    """Another user of the bank approves or rejects a proposal (checker)."""
    return await unit.once(
        idempotency_key,
        None,
        200,
        schemas.LineChangeOut,
        lambda session, caller: lines.decide_line(
            session, actor=caller, change_id=change_id, approve=decision == "approve"
        ),
    )


@router.get("/credit-lines", response_model=list[schemas.LineOut])
def credit_lines(session: Tx, caller: Caller) -> object:
    """The credit lines the caller's bank set, or its core enterprise has."""
    return lines.lines(session, actor=caller)


@router.get("/credit-lines/changes", response_model=list[schemas.LineChangeOut])
def pending_changes(session: Tx, caller: Caller) -> object:
    """The caller's bank's proposals waiting for a checker."""
    return lines.pending_changes(session, actor=caller)


@router.post("/certificates", response_model=schemas.IssuedOut, status_code=201)
async def issue(
    body: schemas.IssueIn, unit: Unit, idempotency_key: IdempotencyKeyHeader = None
) -> JSONResponse:
    """A core enterprise issues a certificate against confirmed payables within a credit line."""
    return await unit.once(
        idempotency_key,
        body,
        201,
        schemas.IssuedOut,
        lambda session, caller: service.issue_certificate(
            session,
            actor=caller,
            credit_line_id=body.credit_line_id,
            receivable_ids=body.receivable_ids,
            maturity_on=body.maturity_on,
        ),
    )


@router.get("/certificates", response_model=list[schemas.TreeOut])
def my_certificates(session: Tx, caller: Caller) -> object:
    """My certificates, each as the lineage tree of my pieces."""
    return views.my_certificates(session, actor=caller)


@router.post("/certificates/{certificate_id}/settle", response_model=list[schemas.PieceOut])
async def settle(
    certificate_id: int, unit: Unit, idempotency_key: IdempotencyKeyHeader = None
) -> JSONResponse:
    """At maturity the issuer pays each live piece's holder (or the financing bank)."""
    return await unit.once(
        idempotency_key,
        None,
        200,
        list[schemas.PieceOut],
        lambda session, caller: service.settle_certificate(
            session, actor=caller, certificate_id=certificate_id
        ),
    )


@router.post("/pieces/{piece_id}/split", response_model=list[schemas.PieceOut], status_code=201)
async def split(
    piece_id: int, body: schemas.SplitIn, unit: Unit, idempotency_key: IdempotencyKeyHeader = None
) -> JSONResponse:
    """Split a held piece into children of the given amounts (summing exactly to it)."""
    return await unit.once(
        idempotency_key,
        body,
        201,
        list[schemas.PieceOut],
        lambda session, caller: service.split_piece(
            session, actor=caller, piece_id=piece_id, amounts=body.amounts
        ),
    )


@router.post("/pieces/{piece_id}/transfer", response_model=schemas.PieceOut)
async def transfer(
    piece_id: int,
    body: schemas.TransferIn,
    unit: Unit,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    """Offer a held piece to your own supplier (pending until it accepts)."""
    return await unit.once(
        idempotency_key,
        body,
        200,
        schemas.PieceOut,
        lambda session, caller: service.offer_transfer(
            session, actor=caller, piece_id=piece_id, to_party_id=body.to_party_id
        ),
    )


@router.post("/pieces/{piece_id}/accept", response_model=schemas.PieceOut, status_code=201)
async def accept(
    piece_id: int, unit: Unit, idempotency_key: IdempotencyKeyHeader = None
) -> JSONResponse:
    """Accept a piece offered to you; answers with your new piece."""
    return await unit.once(
        idempotency_key,
        None,
        201,
        schemas.PieceOut,
        lambda session, caller: service.accept_transfer(session, actor=caller, piece_id=piece_id),
    )


@router.post("/pieces/{piece_id}/cancel", response_model=schemas.PieceOut)
async def cancel(
    piece_id: int, unit: Unit, idempotency_key: IdempotencyKeyHeader = None
) -> JSONResponse:
    """Withdraw (holder) or decline (recipient) a pending transfer."""
    return await unit.once(
        idempotency_key,
        None,
        200,
        schemas.PieceOut,
        lambda session, caller: service.cancel_transfer(session, actor=caller, piece_id=piece_id),
    )


@router.post("/pieces/{piece_id}/finance", response_model=schemas.FinancingOut, status_code=201)
async def finance(
    piece_id: int, body: schemas.FinanceIn, unit: Unit, idempotency_key: IdempotencyKeyHeader = None
) -> JSONResponse:
    """Discount (part of) a held piece at a bank."""
    return await unit.once(
        idempotency_key,
        body,
        201,
        schemas.FinancingOut,
        lambda session, caller: service.finance_piece(
            session,
            actor=caller,
            piece_id=piece_id,
            amount_fen=body.amount_fen,
            bank_party_id=body.bank_party_id,
            annual_rate_bp=body.annual_rate_bp,
            day_count=body.day_count,
            fees_fen=body.fees_fen,
            registration_ref=body.registration_ref,
        ),
    )


@router.get("/payables", response_model=list[schemas.PayableOut])
def payables(session: Tx, caller: Caller) -> object:
    """My outstanding payables: certificates my enterprise issued and has not yet settled."""
    return views.outstanding_payables(session, actor=caller, core_party_id=caller.party_id)


@router.get("/financings", response_model=list[schemas.FinancingOut])
def financings(session: Tx, caller: Caller) -> object:
    """Financings where my party is the bank or the holder."""
    return views.financings(session, actor=caller)


@router.get("/statements/holdings")
def holdings_statement(
    session: Tx, caller: Caller, format: Format = "xlsx", party_id: StatementParty = None
) -> Response:
    """The pieces my party holds or held (held, pending transfer, financed, settled) as an XLSX
    or CSV statement; amounts in fen."""
    rows = statements.holdings_rows(session, actor=caller, party_id=party_id)
    return table_download(statements.HOLDINGS_HEADER, rows, fmt=format,
                          filename="certificate-holdings", sheet="holdings")  # fmt: skip


@router.get("/statements/payables")
def payables_statement(
    session: Tx, caller: Caller, format: Format = "xlsx", party_id: StatementParty = None
) -> Response:
    """My core enterprise's issued, unsettled certificates as an XLSX or CSV statement; amounts
    in fen."""
    rows = statements.payables_rows(session, actor=caller, party_id=party_id)
    return table_download(statements.PAYABLES_HEADER, rows, fmt=format,
                          filename="certificate-payables", sheet="payables")  # fmt: skip
