"""On PostgreSQL, 32 clients (threads, each its own session and transaction) race to transfer
or finance the same piece: exactly one wins, the others are refused, nothing is spent twice; and
an idempotency key still in flight answers 409 to a duplicate."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from chanrong import db as db_module
from chanrong.errors import ChanrongError
from chanrong.kit import idempotency
from chanrong.supplychain import core, service, views
from chanrong.supplychain import errors as e
from chanrong.supplychain.models import Financing, Piece
from tests.supplychain.conftest import TODAY, build_chain
from tests.supplychain.payables import payables

CLIENTS = 32


@pytest.fixture
def pg(fresh_database_url: str, today) -> db_module.Database:
    """A migrated PostgreSQL database whose transactions really commit."""
    if not fresh_database_url.startswith("postgresql"):
        pytest.skip("the race needs PostgreSQL's row locks and concurrent writers")
    database = db_module.Database(fresh_database_url)
    db_module.upgrade(database)
    yield database
    database.dispose()


def test_32_clients_race_for_one_piece(pg: db_module.Database) -> None:
    with pg.transaction() as session:
        chain = build_chain(session, payables(session))
        rid = chain.payable(chain.tier1.id, chain.core.id, 1_000_000_00)
        issued = service.issue_certificate(
            session, actor=chain.of(chain.core), credit_line_id=chain.line_id,
            receivable_ids=[rid], maturity_on=TODAY + timedelta(days=60),
        )  # fmt: skip
    piece_id, holder = issued.piece.id, chain.of(chain.tier1)
    barrier = threading.Barrier(CLIENTS)
    outcomes: list[str] = []

    def client(n: int) -> None:
        barrier.wait()
        try:
            with pg.transaction() as s:
                if n % 2:
                    service.offer_transfer(s, actor=holder, piece_id=piece_id,
                                           to_party_id=chain.tier2.id)  # fmt: skip
                else:
                    service.finance_piece(s, actor=holder, piece_id=piece_id,
                                          amount_fen=1_000_000_00, bank_party_id=chain.bank.id,
                                          annual_rate_bp=300, day_count="ACT/360", fees_fen=0)  # fmt: skip
            outcomes.append("won")
        except e.PieceSpent:
            outcomes.append("spent")
        except ChanrongError as error:  # pragma: no cover - reported by the assertion
            outcomes.append(repr(error))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["spent"] * (CLIENTS - 1) + ["won"]
    with pg.transaction() as session:
        piece = session.get(Piece, piece_id)
        financed = session.query(Financing).count()
        assert (piece.status, financed) in {(core.PENDING, 0), (core.FINANCED, 1)}
        assert piece.version == 2  # one change after issue
        stored = views.stored_book(session)
        assert core.violations(stored) == []
        assert views.replay_ledger(session).snapshot() == stored.snapshot()


def test_duplicate_in_flight_gets_409(pg: db_module.Database) -> None:
    fp = idempotency.fingerprint("POST /x", {"a": 1})
    with pg.transaction() as first:
        assert idempotency.stored(first, party_id=7, key="k-1", fingerprint=fp) is None
        with pytest.raises(idempotency.IdempotencyInFlight), pg.transaction() as second:
            idempotency.stored(second, party_id=7, key="k-1", fingerprint=fp)
        idempotency.remember(first, party_id=7, key="k-1", fingerprint=fp,
                             answer=idempotency.Answer(201, {"id": 1}))  # fmt: skip
    with pg.transaction() as later:
        again = idempotency.stored(later, party_id=7, key="k-1", fingerprint=fp)
        assert again == idempotency.Answer(201, {"id": 1}, replayed=True)
        with pytest.raises(idempotency.IdempotencyKeyReused):
            idempotency.stored(later, party_id=7, key="k-1", fingerprint="0" * 64)
