"""A smaller random check through the database: random sequences of split, transfer (offer,
accept, cancel), finance and settle by random parties on stored certificates, on both backends.
A refused operation changes nothing stored; afterwards the pieces still partition every
certificate and replaying the ledger log rebuilds exactly the stored state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chanrong import clock
from chanrong.errors import ChanrongError
from chanrong.principal import Principal
from chanrong.supplychain import core, service, views
from tests.supplychain.conftest import TODAY

ADMIN = frozenset({"admin"})
OPS = st.lists(
    st.tuples(st.sampled_from(["split", "offer", "accept", "cancel", "finance", "settle", "wait"]),
              st.integers(0, 1000), st.integers(0, 5), st.integers(1, 999)),
    min_size=8, max_size=16,
)  # fmt: skip


@settings(max_examples=15, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])  # fmt: skip
@given(ops=OPS)
def test_random_operations_keep_the_invariants(session, chain, ops) -> None:
    parties = [chain.tier1, chain.tier2, chain.core]
    rid = chain.payable(chain.tier1.id, chain.core.id, 1_000)
    issued = service.issue_certificate(
        session, actor=chain.of(chain.core), credit_line_id=chain.line_id, receivable_ids=[rid],
        maturity_on=TODAY + timedelta(days=30),
    )  # fmt: skip
    cert_id, day = issued.certificate.id, 0
    for op, pick, who, cut in ops:
        book = views.stored_book(session)
        cert = book.certificates[cert_id]
        pieces = sorted(p.id for p in book.pieces.values() if p.certificate_id == cert_id)
        wanted = core.PENDING if op in ("accept", "cancel") else core.HELD
        fitting = [i for i in pieces if book.pieces[i].status == wanted]
        pool = fitting if fitting and pick % 5 else pieces  # mostly a piece the op fits
        piece = book.pieces[pool[pick % len(pool)]]
        rightful = piece.pending_to if op in ("accept", "cancel") and piece.pending_to else None
        rightful = rightful or (cert.issuer if op == "settle" else piece.holder)
        piece_id = piece.id  # half the time the rightful party acts, else a random one
        actor = chain.of(parties[who]) if who < 3 else Principal(rightful, "enterprise", ADMIN)
        before = views.stored_book(session).snapshot()
        moment = datetime(2026, 3, 2, 4, 0, tzinfo=UTC) + timedelta(days=day)
        try:
            with clock.frozen(moment):
                if op == "split":
                    amount = views.stored_book(session).pieces[piece_id].amount
                    service.split_piece(session, actor=actor, piece_id=piece_id,
                                        amounts=[cut % amount or 1, amount - (cut % amount or 1)])  # fmt: skip
                elif op == "offer":
                    to = chain.tier2 if piece.holder == chain.tier1.id else chain.tier1
                    service.offer_transfer(
                        session, actor=actor, piece_id=piece_id, to_party_id=to.id
                    )
                elif op == "accept":
                    service.accept_transfer(session, actor=actor, piece_id=piece_id)
                elif op == "cancel":
                    service.cancel_transfer(session, actor=actor, piece_id=piece_id)
                elif op == "finance":
                    service.finance_piece(session, actor=actor, piece_id=piece_id, amount_fen=cut,
                                          bank_party_id=chain.bank.id, annual_rate_bp=300,
                                          day_count="ACT/360", fees_fen=0)  # fmt: skip
                elif op == "settle":
                    service.settle_certificate(session, actor=actor, certificate_id=cert_id)
                else:
                    day += 15
        except ChanrongError:
            assert views.stored_book(session).snapshot() == before
    stored = views.stored_book(session)
    assert core.violations(stored) == []
    assert views.replay_ledger(session).snapshot() == stored.snapshot()
