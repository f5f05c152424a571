"""HTTP API of payable certificates under /api/v1/supplychain. Every mutating endpoint takes an
``Idempotency-Key`` header (``chanrong.kit.idempotency``): a repeat returns the first answer
(header ``Idempotency-Replayed: true``), a duplicate in flight gets 409."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel, TypeAdapter

from chanrong.http import Tx
from chanrong.kit import idempotency
from chanrong.parties.auth import Caller
from chanrong.principal import Principal
from chanrong.supplychain import lines, schemas, service, views

router = APIRouter(prefix="/api/v1/supplychain", tags=["supplychain"])
Key = Annotated[str | None, Header(alias="Idempotency-Key")]


def _once(session: Tx, caller: Principal, key: str | None, request: Request,
          body: BaseModel | None, status: int, out: Any,
          action: Callable[[], Any]) -> JSONResponse:  # fmt: skip
    """Run ``action`` once per idempotency key and answer with its result as ``out`` in JSON."""

    def run() -> idempotency.Answer:
        result = TypeAdapter(out).validate_python(action(), from_attributes=True)
        return idempotency.Answer(status, jsonable_encoder(result))

    answer = idempotency.run(
        session, party_id=caller.party_id, key=key, scope=f"{request.method} {request.url.path}",
        request=None if body is None else body.model_dump(mode="json"), action=run,
    )  # fmt: skip
    headers = {"Idempotency-Replayed": "true"} if answer.replayed else {}
    return JSONResponse(answer.body, status_code=answer.status_code, headers=headers)


@router.post("/credit-lines/changes", response_model=schemas.LineChangeOut, status_code=201)
def propose_line(body: schemas.LineChangeIn, request: Request, session: Tx, caller: Caller,
                 idempotency_key: Key = None) -> JSONResponse:  # fmt: skip
    """A bank user proposes its credit line limit for a core enterprise (maker)."""
    return _once(session, caller, idempotency_key, request, body, 201, schemas.LineChangeOut,
                 lambda: lines.propose_line(session, actor=caller, bank_party_id=caller.party_id,
                                            core_party_id=body.core_party_id,
                                            limit_fen=body.limit_fen))  # fmt: skip


@router.post("/credit-lines/changes/{change_id}/{decision}", response_model=schemas.LineChangeOut)
def decide_line(change_id: int, decision: Literal["approve", "reject"], request: Request,
                session: Tx, caller: Caller, idempotency_key: Key = None) -> JSONResponse:  # fmt: skip
    """Another user of the bank approves or rejects a proposal (checker)."""
    return _once(session, caller, idempotency_key, request, None, 200, schemas.LineChangeOut,
                 lambda: lines.decide_line(session, actor=caller, change_id=change_id,
                                           approve=decision == "approve"))  # fmt: skip


@router.get("/credit-lines", response_model=list[schemas.LineOut])
def credit_lines(session: Tx, caller: Caller) -> object:
    """The credit lines the caller's bank set, or its core enterprise has."""
    return lines.lines(session, actor=caller)


@router.get("/credit-lines/changes", response_model=list[schemas.LineChangeOut])
def pending_changes(session: Tx, caller: Caller) -> object:
    """The caller's bank's proposals waiting for a checker."""
    return lines.pending_changes(session, actor=caller)


@router.post("/certificates", response_model=schemas.IssuedOut, status_code=201)
def issue(body: schemas.IssueIn, request: Request, session: Tx, caller: Caller,
          idempotency_key: Key = None) -> JSONResponse:  # fmt: skip
    """A core enterprise issues a certificate against confirmed payables within a credit line."""
    return _once(session, caller, idempotency_key, request, body, 201, schemas.IssuedOut,
                 lambda: service.issue_certificate(session, actor=caller,
                                                   credit_line_id=body.credit_line_id,
                                                   receivable_ids=body.receivable_ids,
                                                   maturity_on=body.maturity_on))  # fmt: skip


@router.get("/certificates", response_model=list[schemas.TreeOut])
def my_certificates(session: Tx, caller: Caller) -> object:
    """My certificates, each as the lineage tree of my pieces."""
    return views.my_certificates(session, actor=caller)


@router.post("/certificates/{certificate_id}/settle", response_model=list[schemas.PieceOut])
def settle(certificate_id: int, request: Request, session: Tx, caller: Caller,
           idempotency_key: Key = None) -> JSONResponse:  # fmt: skip
    """At maturity the issuer pays each live piece's holder (or the financing bank)."""
    return _once(session, caller, idempotency_key, request, None, 200, list[schemas.PieceOut],
                 lambda: service.settle_certificate(session, actor=caller,
                                                    certificate_id=certificate_id))  # fmt: skip


@router.post("/pieces/{piece_id}/split", response_model=list[schemas.PieceOut], status_code=201)
def split(piece_id: int, body: schemas.SplitIn, request: Request, session: Tx, caller: Caller,
          idempotency_key: Key = None) -> JSONResponse:  # fmt: skip
    """Split a held piece into children of the given amounts (summing exactly to it)."""
    return _once(session, caller, idempotency_key, request, body, 201, list[schemas.PieceOut],
                 lambda: service.split_piece(session, actor=caller, piece_id=piece_id,
                                             amounts=body.amounts))  # fmt: skip


@router.post("/pieces/{piece_id}/transfer", response_model=schemas.PieceOut)
def transfer(piece_id: int, body: schemas.TransferIn, request: Request, session: Tx,
             caller: Caller, idempotency_key: Key = None) -> JSONResponse:  # fmt: skip
    """Offer a held piece to your own supplier (pending until it accepts)."""
    return _once(session, caller, idempotency_key, request, body, 200, schemas.PieceOut,
                 lambda: service.offer_transfer(session, actor=caller, piece_id=piece_id,
                                                to_party_id=body.to_party_id))  # fmt: skip


@router.post("/pieces/{piece_id}/accept", response_model=schemas.PieceOut, status_code=201)
def accept(piece_id: int, request: Request, session: Tx, caller: Caller,
           idempotency_key: Key = None) -> JSONResponse:  # fmt: skip
    """Accept a piece offered to you; answers with your new piece."""
    return _once(
        session,
        caller,
        idempotency_key,
        request,
        None,
        201,
        schemas.PieceOut,
        lambda: service.accept_transfer(session, actor=caller, piece_id=piece_id),
    )


@router.post("/pieces/{piece_id}/cancel", response_model=schemas.PieceOut)
def cancel(piece_id: int, request: Request, session: Tx, caller: Caller,
           idempotency_key: Key = None) -> JSONResponse:  # fmt: skip
    """Withdraw (holder) or decline (recipient) a pending transfer."""
    return _once(
        session,
        caller,
        idempotency_key,
        request,
        None,
        200,
        schemas.PieceOut,
        lambda: service.cancel_transfer(session, actor=caller, piece_id=piece_id),
    )


@router.post("/pieces/{piece_id}/finance", response_model=schemas.FinancingOut, status_code=201)
def finance(piece_id: int, body: schemas.FinanceIn, request: Request, session: Tx,
            caller: Caller, idempotency_key: Key = None) -> JSONResponse:  # fmt: skip
    """Discount (part of) a held piece at a bank."""
    return _once(session, caller, idempotency_key, request, body, 201, schemas.FinancingOut,
                 lambda: service.finance_piece(
                     session, actor=caller, piece_id=piece_id, amount_fen=body.amount_fen,
                     bank_party_id=body.bank_party_id, annual_rate_bp=body.annual_rate_bp,
                     day_count=body.day_count, fees_fen=body.fees_fen,
                     registration_ref=body.registration_ref))  # fmt: skip


@router.get("/payables", response_model=list[schemas.PayableOut])
def payables(session: Tx, caller: Caller) -> object:
    """My outstanding payables: certificates my enterprise issued and has not yet settled."""
    return views.outstanding_payables(session, actor=caller, core_party_id=caller.party_id)


@router.get("/financings", response_model=list[schemas.FinancingOut])
def financings(session: Tx, caller: Caller) -> object:
    """Financings where my party is the bank or the holder."""
    return views.financings(session, actor=caller)
