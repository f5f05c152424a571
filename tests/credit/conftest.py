"""An SME with a year of trade, a bank with two admins, and the frozen business date."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from sqlalchemy.orm import Session

from chanrong import clock
from chanrong.parties.models import Party
from chanrong.principal import Principal
from tests.factories import create_party, create_trade, create_user

TODAY = date(2026, 3, 2)


@dataclass
class Scene:
    """The SME, its buyers, the bank and principals."""

    sme: Party
    bank: Party
    buyers: list[Party]
    sme_actor: Principal
    maker: Principal
    checker: Principal


@pytest.fixture
def today() -> Iterator[date]:
    """The business date frozen at ``TODAY``."""
    with clock.frozen(datetime(2026, 3, 2, 4, 0, tzinfo=UTC)):
        yield TODAY


def build_scene(session: Session) -> Scene:
    """An SME that sold 1,000,000.00 yuan to each of three buyers in the last year, and a bank."""
    sme = create_party(session)
    buyers = [create_party(session, roles=["core_enterprise"], size="large") for _ in range(3)]
    for i, buyer in enumerate(buyers):
        create_trade(session, supplier=sme, buyer=buyer, amount_fen=1_000_000_00,
                     age_days=40 + 30 * i)  # fmt: skip
    bank = create_party(session, kind="institution")
    maker, checker = (Principal(bank.id, "institution", frozenset({"admin"}), user_id=u.id)
                      for u in (create_user(session, bank), create_user(session, bank)))  # fmt: skip
    sme_actor = Principal(sme.id, "enterprise", frozenset({"admin"}))
    return Scene(sme, bank, buyers, sme_actor, maker, checker)


@pytest.fixture
def scene(session: Session, today: date) -> Scene:
    """The scene in the test's transaction."""
    return build_scene(session)
