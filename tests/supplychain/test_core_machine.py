"""Hypothesis state machine on the pure core: 10,000 random sequences of issue, split, transfer
(offer, accept, cancel), finance, settle and the passing of days never break the invariants: the
non-retired pieces partition each certificate's face value (no fen lost, none in two pieces), only
holders act, a refused operation changes nothing, and after maturity only settlement succeeds."""

from __future__ import annotations

import copy
import itertools
from datetime import date, timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from chanrong.errors import ChanrongError
from chanrong.supplychain import core

PARTIES = st.integers(min_value=1, max_value=5)
BANK = 9
START = date(2026, 1, 5)


class CertificateMachine(RuleBasedStateMachine):
    """Random operations by random parties on a ``core.Book``."""

    def __init__(self) -> None:
        super().__init__()
        self.book = core.Book()
        self.ids = itertools.count(1)
        self.today = START
        self.faces: dict[int, int] = {}

    def _piece(self, index: int) -> core.Piece | None:
        pieces = sorted(self.book.pieces)
        return self.book.pieces[pieces[index % len(pieces)]] if pieces else None

    def _attempt(self, piece: core.Piece | None, acting_party: int | None, operation) -> bool:
        """Run ``operation``; a refusal must leave the book unchanged, a success must be by the
        acting party (holder, or recipient for accept) and before maturity."""
        before = copy.deepcopy(self.book)
        try:
            operation()
        except ChanrongError:
            assert self.book == before, "a refused operation changed the state"
            return False
        if piece is not None:
            cert = before.certificates[piece.certificate_id]
            assert self.today < cert.maturity_on, "acted on a matured certificate"
            old = before.pieces[piece.id]
            assert acting_party in (old.holder, old.pending_to), "a non-holder acted"
        return True

    @rule(issuer=PARTIES, holder=PARTIES, face=st.integers(1, 10**9), term=st.integers(-5, 400))
    def issue(self, issuer: int, holder: int, face: int, term: int) -> None:
        cid, pid = next(self.ids), next(self.ids)
        ok = self._attempt(None, None, lambda: self.book.issue(
            certificate_id=cid, piece_id=pid, issuer=issuer, holder=holder, face_fen=face,
            issued_on=self.today, maturity_on=self.today + timedelta(days=term)))  # fmt: skip
        if ok:
            self.faces[cid] = face
            assert 0 < term <= 366 and holder != issuer

    @rule(index=st.integers(0, 10**6), actor=PARTIES, data=st.data())
    def split(self, index: int, actor: int, data: st.DataObject) -> None:
        piece = self._piece(index)
        if piece is None:
            return
        if data.draw(st.booleans()) and piece.amount >= 2:
            cut = data.draw(st.integers(1, piece.amount - 1))
            amounts = [cut, piece.amount - cut]
        else:
            amounts = data.draw(st.lists(st.integers(-2, piece.amount + 2), min_size=0, max_size=4))
        new_ids = [next(self.ids) for _ in amounts]
        ok = self._attempt(piece, actor, lambda: self.book.split(
            piece.id, actor=actor, amounts=amounts, new_ids=new_ids, on=self.today))  # fmt: skip
        if ok:
            assert sum(amounts) == piece.amount and all(a > 0 for a in amounts)

    @rule(index=st.integers(0, 10**6), actor=PARTIES, to=PARTIES)
    def offer(self, index: int, actor: int, to: int) -> None:
        piece = self._piece(index)
        if piece is not None:
            self._attempt(piece, actor, lambda: self.book.offer(piece.id, actor=actor, to=to,
                                                                on=self.today))  # fmt: skip

    @rule(index=st.integers(0, 10**6), actor=PARTIES)
    def accept(self, index: int, actor: int) -> None:
        piece = self._piece(index)
        if piece is None:
            return
        new_id = next(self.ids)
        if self._attempt(piece, actor, lambda: self.book.accept(
                piece.id, actor=actor, new_id=new_id, on=self.today)):  # fmt: skip
            assert self.book.pieces[new_id].holder == actor

    @rule(index=st.integers(0, 10**6), actor=PARTIES)
    def cancel(self, index: int, actor: int) -> None:
        piece = self._piece(index)
        if piece is not None:
            self._attempt(piece, actor, lambda: self.book.cancel(piece.id, actor=actor,
                                                                 on=self.today))  # fmt: skip

    @rule(index=st.integers(0, 10**6), actor=PARTIES)
    def finance(self, index: int, actor: int) -> None:
        piece = self._piece(index)
        if piece is not None:
            self._attempt(piece, actor, lambda: self.book.finance(piece.id, actor=actor, bank=BANK,
                                                                  on=self.today))  # fmt: skip

    @rule(index=st.integers(0, 10**6), actor=PARTIES)
    def settle(self, index: int, actor: int) -> None:
        if not self.book.certificates:
            return
        cid = sorted(self.book.certificates)[index % len(self.book.certificates)]
        cert = self.book.certificates[cid]
        before = {p.id: copy.copy(p) for p in self.book.live(cid)}
        ok = self._attempt(None, None, lambda: self.book.settle(cid, actor=actor, on=self.today))
        if ok:
            assert actor == cert.issuer and self.today >= cert.maturity_on
            for pid, old in before.items():
                expected = BANK if old.status == core.FINANCED else old.holder
                assert self.book.pieces[pid].paid_to == expected

    @rule(days=st.sampled_from([1, 30, 90, 200, 400]))
    def advance(self, days: int) -> None:
        self.today += timedelta(days=days)

    @invariant()
    def ranges_partition_face_value(self) -> None:
        assert core.violations(self.book) == []
        for cid, face in self.faces.items():
            live = [p for p in self.book.pieces.values()
                    if p.certificate_id == cid and p.status != core.RETIRED]  # fmt: skip
            assert sum(p.amount for p in live) == face
            fen = sorted((p.start, p.end) for p in live)
            assert all(a[1] <= b[0] for a, b in itertools.pairwise(fen))


CertificateMachine.TestCase.settings = settings(
    max_examples=10_000,
    stateful_step_count=8,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
TestCertificateMachine = CertificateMachine.TestCase
