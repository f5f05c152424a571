"""Statements of payable certificates (云证) as table rows for XLSX/CSV downloads: the pieces a
party holds or held (``holdings_rows``) and a core enterprise's outstanding payables
(``payables_rows``). Amounts are integer fen, dates ISO business dates, statuses the stored
codes; the headers are bilingual (Chinese first)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chanrong.errors import OtherPartysData
from chanrong.parties import service as parties
from chanrong.principal import Principal
from chanrong.supplychain import views
from chanrong.supplychain.models import Certificate, Piece

HOLDINGS_HEADER = (
    "云证 certificate_id", "签发方 issuer", "碎片 piece_id", "上级碎片 parent_piece_id",
    "起(分) start_fen", "止(分) end_fen", "金额(分) amount_fen", "状态 status",
    "受让方 pending_to", "签发日 issued_on", "到期日 maturity_on", "融资银行 bank",
    "兑付日 settled_on",
)  # fmt: skip
PAYABLES_HEADER = (
    "云证 certificate_id", "票面金额(分) face_fen", "已融资(分) financed_fen",
    "签发日 issued_on", "到期日 maturity_on", "授信额度 credit_line_id",
)  # fmt: skip
STATEMENT_STATUSES = ("held", "pending_transfer", "financed", "settled")
"""Piece statuses a holdings statement lists (a retired piece lives on in its children)."""


def reader(session: Session, actor: Principal, party_id: int | None) -> Principal:
    """Whom a statement is read as: the caller for its own party (``party_id`` None or its
    own), a read-only principal of the named party for the platform; else ``OtherPartysData``."""
    if party_id is None or (party_id == actor.party_id and not actor.is_system):
        return actor
    if not actor.is_platform_admin:
        raise OtherPartysData("Another party's certificate statement is not yours to read.")
    party = parties.get_party(session, actor=actor, party_id=party_id)
    return Principal(party.id, party.kind, frozenset({"viewer"}))


def _day(value: date | None) -> str:
    return "" if value is None else value.isoformat()


def holdings_rows(
    session: Session, *, actor: Principal, party_id: int | None = None
) -> list[list[Any]]:
    """Rows (``HOLDINGS_HEADER``) of the pieces the caller's party (or, for the platform,
    ``party_id``) holds or held: held, pending transfer, financed and settled, by certificate
    and piece; amounts in fen."""
    me = reader(session, actor, party_id).party_id
    found = session.execute(
        select(Piece, Certificate).join(Certificate, Certificate.id == Piece.certificate_id)
        .where(Piece.holder_party_id == me, Piece.status.in_(STATEMENT_STATUSES))
        .order_by(Certificate.id, Piece.id)
    ).all()  # fmt: skip
    ids = {c.issuer_party_id for _, c in found}
    ids |= {x for p, _ in found for x in (p.bank_party_id, p.pending_to_party_id) if x is not None}
    names = parties.party_names(session, ids)

    def name(party: int | None) -> str:
        return "" if party is None else names.get(party, f"#{party}")

    return [[
        c.id, name(c.issuer_party_id), p.id, "" if p.parent_id is None else p.parent_id,
        p.start_fen, p.end_fen, p.amount_fen, p.status, name(p.pending_to_party_id),
        _day(c.issued_on), _day(c.maturity_on), name(p.bank_party_id), _day(c.settled_on),
    ] for p, c in found]  # fmt: skip


def payables_rows(
    session: Session, *, actor: Principal, party_id: int | None = None
) -> list[list[Any]]:
    """Rows (``PAYABLES_HEADER``) of the certificates the caller's core enterprise (or, for the
    platform, ``party_id``) issued and has not settled, soonest maturity first
    (``views.outstanding_payables``); amounts in fen."""
    who = reader(session, actor, party_id)
    payables = views.outstanding_payables(session, actor=who, core_party_id=who.party_id)
    return [[p["id"], p["face_fen"], p["financed_fen"], _day(p["issued_on"]),
             _day(p["maturity_on"]), p["credit_line_id"]] for p in payables]  # fmt: skip
