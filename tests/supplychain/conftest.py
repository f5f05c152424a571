"""A small supply chain for certificate tests: a core enterprise with a bank's approved credit
line, its tier-1 supplier and the tier-1's own supplier (tier 2), and confirmed payables."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from sqlalchemy.orm import Session

from chanrong import clock
from chanrong.parties.models import Party
from chanrong.principal import Principal
from chanrong.supplychain import lines
from tests.factories import create_party, create_trade, create_user
from tests.supplychain.payables import payables

TODAY = date(2026, 3, 2)
LIMIT_FEN = 50_000_000_00


@dataclass
class Chain:
    """Parties and principals of the test supply chain."""

    core: Party
    bank: Party
    tier1: Party
    tier2: Party
    maker: Principal
    checker: Principal
    line_id: int
    payable: Callable[..., int]

    def of(self, party: Party) -> Principal:
        """An admin principal of ``party``."""
        return Principal(party.id, party.kind, frozenset({"admin"}))


@pytest.fixture
def today() -> Iterator[date]:
    """The business date frozen at ``TODAY`` (noon in Shanghai)."""
    with clock.frozen(datetime(2026, 3, 2, 4, 0, tzinfo=UTC)):
        yield TODAY


def build_chain(session: Session, payable: Callable[..., int]) -> Chain:
    """The parties, two bank users and an approved credit line of ``LIMIT_FEN``."""
    core = create_party(session, roles=["core_enterprise", "buyer"], size="large")
    bank = create_party(session, kind="institution")
    tier1, tier2 = create_party(session), create_party(session)
    users = [create_user(session, bank) for _ in range(2)]
    maker, checker = (Principal(bank.id, "institution", frozenset({"admin"}), user_id=u.id)
                      for u in users)  # fmt: skip
    create_trade(session, supplier=tier2, buyer=tier1)  # tier 2 supplies tier 1
    change = lines.propose_line(session, actor=maker, bank_party_id=bank.id,
                                core_party_id=core.id, limit_fen=LIMIT_FEN)  # fmt: skip
    lines.decide_line(session, actor=checker, change_id=change.id, approve=True)
    line_id = lines.lines(session, actor=maker)[0]["id"]
    return Chain(core, bank, tier1, tier2, maker, checker, int(line_id), payable)


@pytest.fixture
def chain(session: Session, today: date) -> Chain:
    """The test supply chain in the test's transaction."""
    return build_chain(session, payables(session))
