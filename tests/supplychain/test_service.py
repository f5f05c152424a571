"""Certificate use cases on both databases: maker-checker credit lines, issue within the line
and term, split / transfer / finance / settle through two tiers, every refusal changing nothing,
and the ledger log replaying to the stored state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from chanrong import clock
from chanrong.supplychain import core, lines, service, views
from chanrong.supplychain import errors as e
from chanrong.supplychain.models import Piece
from tests.supplychain.conftest import LIMIT_FEN, TODAY


def _issue(session, chain, amount=1_000_000_00, days=90):
    rid = chain.payable(chain.tier1.id, chain.core.id, amount)
    return service.issue_certificate(
        session, actor=chain.of(chain.core), credit_line_id=chain.line_id,
        receivable_ids=[rid], maturity_on=TODAY + timedelta(days=days),
    )  # fmt: skip


def _state(session):
    return views.stored_book(session).snapshot()


def test_credit_line_needs_a_second_bank_user(session, chain) -> None:
    change = lines.propose_line(session, actor=chain.maker, bank_party_id=chain.bank.id,
                                core_party_id=chain.core.id, limit_fen=1)  # fmt: skip
    with pytest.raises(e.FourEyes):
        lines.decide_line(session, actor=chain.maker, change_id=change.id, approve=True)
    with pytest.raises(e.NotHolder):
        lines.decide_line(session, actor=chain.of(chain.core), change_id=change.id, approve=True)
    lines.decide_line(session, actor=chain.checker, change_id=change.id, approve=False)
    with pytest.raises(e.InvalidCreditLine) as decided:
        lines.decide_line(session, actor=chain.checker, change_id=change.id, approve=True)
    assert decided.value.errors[0].rule == "decided"
    (line,) = lines.lines(session, actor=chain.of(chain.core))
    assert line["limit_fen"] == LIMIT_FEN and line["available_fen"] == LIMIT_FEN


def test_issue_within_line_and_term(session, chain) -> None:
    issued = _issue(session, chain, days=200)
    assert issued.warnings == ["over_six_months"]
    assert (issued.piece.start_fen, issued.piece.end_fen) == (0, 1_000_000_00)
    assert issued.piece.holder_party_id == chain.tier1.id
    with pytest.raises(e.InvalidCertificate) as long:
        _issue(session, chain, days=366)
    assert long.value.errors[0].rule == "max_term"
    with pytest.raises(e.CreditLineExceeded):
        _issue(session, chain, amount=LIMIT_FEN)
    (line,) = lines.lines(session, actor=chain.maker)
    assert line["used_fen"] == 1_000_000_00
    with pytest.raises(e.InvalidCertificate) as mixed:
        service.issue_certificate(session, actor=chain.of(chain.core), credit_line_id=chain.line_id,
            receivable_ids=[chain.payable(chain.tier1.id, chain.core.id, 5),
                            chain.payable(chain.tier2.id, chain.core.id, 5)],
            maturity_on=TODAY + timedelta(days=30))  # fmt: skip
    assert mixed.value.errors[0].rule == "same_supplier"
    with pytest.raises(e.CreditLineNotFound):  # only the line's core enterprise issues on it
        service.issue_certificate(session, actor=chain.of(chain.tier1),
                                  credit_line_id=chain.line_id, receivable_ids=[1],
                                  maturity_on=TODAY + timedelta(days=30))  # fmt: skip


def test_two_tiers_finance_settle_and_replay(session, chain) -> None:
    issued = _issue(session, chain)
    t1, t2 = chain.of(chain.tier1), chain.of(chain.tier2)
    a, b, c = service.split_piece(session, actor=t1, piece_id=issued.piece.id,
                                  amounts=[500_000_00, 300_000_00, 200_000_00])  # fmt: skip
    assert [(p.start_fen, p.end_fen) for p in (a, b, c)] == [
        (0, 500_000_00), (500_000_00, 800_000_00), (800_000_00, 1_000_000_00)]  # fmt: skip
    service.offer_transfer(session, actor=t1, piece_id=b.id, to_party_id=chain.tier2.id)
    with pytest.raises(e.NotHolder):  # only the recipient accepts
        service.accept_transfer(session, actor=t1, piece_id=b.id)
    mine = service.accept_transfer(session, actor=t2, piece_id=b.id)
    assert mine.holder_party_id == chain.tier2.id and mine.parent_id == b.id
    x, y = service.split_piece(
        session, actor=t2, piece_id=mine.id, amounts=[100_000_00, 200_000_00]
    )
    financing = service.finance_piece(
        session, actor=t2, piece_id=y.id, amount_fen=200_000_00, bank_party_id=chain.bank.id,
        annual_rate_bp=350, day_count="ACT/360", fees_fen=100_00, registration_ref="ZD-2026-1",
    )  # fmt: skip
    # 200,000.00 yuan × 3.5 % × 90 / 360 = 1,750.00 yuan
    assert (financing.days, financing.discount_fen) == (90, 1_750_00)
    assert financing.proceeds_fen == 200_000_00 - 1_750_00 - 100_00
    service.offer_transfer(session, actor=t1, piece_id=c.id, to_party_id=chain.tier2.id)
    service.cancel_transfer(session, actor=t2, piece_id=c.id)  # declined: held by tier 1 again
    tree = views.my_certificates(session, actor=t2)[0]
    assert tree["held_fen"] == 300_000_00 and [n["id"] for n in tree["pieces"]] == [b.id]
    assert [n["id"] for n in tree["pieces"][0]["children"][0]["children"]] == [x.id, y.id]
    core_actor = chain.of(chain.core)
    with pytest.raises(e.NotMatured):
        service.settle_certificate(session, actor=core_actor, certificate_id=issued.certificate.id)
    payables = views.outstanding_payables(session, actor=core_actor, core_party_id=chain.core.id)
    assert payables[0]["financed_fen"] == 200_000_00
    with clock.frozen(datetime(2026, 5, 31, 4, 0, tzinfo=UTC)):  # the maturity date
        with pytest.raises(e.PastMaturity):
            service.split_piece(session, actor=t1, piece_id=a.id, amounts=[1, 500_000_00 - 1])
        paid = service.settle_certificate(session, actor=core_actor,
                                          certificate_id=issued.certificate.id)  # fmt: skip
    assert {(p.id, p.paid_to_party_id, p.amount_fen) for p in paid} == {
        (a.id, chain.tier1.id, 500_000_00), (c.id, chain.tier1.id, 200_000_00),
        (x.id, chain.tier2.id, 100_000_00), (y.id, chain.bank.id, 200_000_00)}  # fmt: skip
    stored = views.stored_book(session)
    assert core.violations(stored) == []
    assert views.replay_ledger(session).snapshot() == stored.snapshot()


def test_refusals_change_nothing(session, chain) -> None:
    issued = _issue(session, chain)
    t1, t2, pid = chain.of(chain.tier1), chain.of(chain.tier2), issued.piece.id
    before = _state(session)
    with pytest.raises(e.InvalidSplit) as bad_sum:
        service.split_piece(session, actor=t1, piece_id=pid, amounts=[1, 2])
    assert bad_sum.value.errors[0].rule == "sum"
    with pytest.raises(e.NotHolder):
        service.split_piece(session, actor=t2, piece_id=pid, amounts=[1, 1_000_000_00 - 1])
    with pytest.raises(e.InvalidFinancing) as above:
        service.finance_piece(session, actor=t1, piece_id=pid, amount_fen=1_000_000_01,
                              bank_party_id=chain.bank.id, annual_rate_bp=300,
                              day_count="ACT/365", fees_fen=0)  # fmt: skip
    assert above.value.errors[0].rule == "above_piece"
    assert _state(session) == before
    with pytest.raises(e.InvalidTransfer) as not_supplier:  # the core supplies nothing to tier 1
        service.offer_transfer(session, actor=t1, piece_id=pid, to_party_id=chain.core.id)
    assert not_supplier.value.errors[0].rule == "own_supplier"
    assert _state(session) == before
    service.offer_transfer(session, actor=t1, piece_id=pid, to_party_id=chain.tier2.id)
    with pytest.raises(e.PieceSpent):  # a pending piece cannot be spent again
        service.finance_piece(session, actor=t1, piece_id=pid, amount_fen=10,
                              bank_party_id=chain.bank.id, annual_rate_bp=300,
                              day_count="ACT/365", fees_fen=0)  # fmt: skip
    assert session.scalar(select(func.count()).select_from(Piece)
                          .where(Piece.certificate_id == issued.certificate.id)) == 1  # fmt: skip


def test_partial_financing_splits_and_is_idempotent(session, chain) -> None:
    issued = _issue(session, chain)
    t1 = chain.of(chain.tier1)
    args = dict(actor=t1, piece_id=issued.piece.id, amount_fen=400_000_00,
                bank_party_id=chain.bank.id, annual_rate_bp=365, day_count="ACT/365",
                fees_fen=0, idempotency_key="fin-1")  # fmt: skip
    first = service.finance_piece(session, **args)
    again = service.finance_piece(session, **args)
    assert again.id == first.id and first.discount_fen == 3_600_00  # 400,000 × 3.65 % × 90/365
    financed = session.get(Piece, first.piece_id)
    assert financed.status == core.FINANCED and financed.parent_id == issued.piece.id
    assert financed.amount_fen == 400_000_00
    assert service.piece_for_financing(session, financed.id + 1, chain.tier1.id).amount_fen == (
        600_000_00
    )
    with pytest.raises(e.PieceSpent):
        service.piece_for_financing(session, financed.id, chain.tier1.id)
