"""The park's plan (pure): one seed, one park; valid unique codes; the documented contents."""

from __future__ import annotations

from collections import Counter

import pytest

from chanrong.demo.catalogue import CITIES, EXPECTED_PARTIES_BY_KIND
from chanrong.demo.plan import DEFAULT_SEED, ParkPlan, plan_park
from chanrong.parties import uscc


@pytest.fixture(scope="module")
def plan() -> ParkPlan:
    return plan_park(DEFAULT_SEED)


def _identity(p: ParkPlan) -> list[tuple[str, str, str, str]]:
    return [(s.code, s.name, s.uscc, s.city) for s in p.parties]


def test_same_seed_same_park(plan):
    again = plan_park(DEFAULT_SEED)
    assert _identity(again) == _identity(plan)
    assert again.prefixes == plan.prefixes
    assert again.identifiers == plan.identifiers
    other = plan_park(7)
    assert [s.name for s in other.parties] != [s.name for s in plan.parties]
    assert [s.code for s in other.parties] == [s.code for s in plan.parties]


def test_every_code_is_valid_and_unique(plan):
    codes = [s.uscc for s in plan.parties] + [link.buyer_uscc for link in plan.links]
    assert all(uscc.is_valid(code) for code in codes)
    assert len({s.uscc for s in plan.parties}) == len(plan.parties)
    assert len({s.name for s in plan.parties}) == len(plan.parties)
    for spec in plan.parties:
        division = CITIES[spec.city.removesuffix("市")].division
        assert spec.uscc[:8] == "91" + division
    hospitals = [link.buyer_uscc for link in plan.links if link.buyer is None]
    assert hospitals and len(set(hospitals)) == len(hospitals)
    assert all(code.startswith("12") for code in hospitals)


def test_the_documented_park(plan):
    kinds = Counter(s.kind for s in plan.parties)
    assert kinds == EXPECTED_PARTIES_BY_KIND
    roles = Counter(r for s in plan.parties for r in s.roles)
    assert roles["core_enterprise"] == 4
    assert roles["sme"] == 50
    assert (roles["bank"], roles["insurer"], roles["lessor"]) == (3, 2, 2)
    assert (roles["factoring"], roles["fund"], roles["operator"]) == (1, 1, 1)
    smes = [s for s in plan.parties if "sme" in s.roles]
    assert len({s.province for s in smes}) >= 8
    assert len({s.industry for s in smes}) >= 6
    assert all(s.license_code for s in plan.parties if s.kind == "institution")
    enterprises = [s.code for s in plan.parties if s.kind == "enterprise"]
    assert sorted(plan.prefixes) == sorted(enterprises)
    assert len(set(plan.prefixes.values())) == len(enterprises)
    assert 300 <= len(plan.identifiers) <= 1000
    assert len({i.handle for i in plan.identifiers}) == len(plan.identifiers)
    assert [login.username for login in plan.logins][:2] == ["op-admin", "excavator-admin"]


def test_contracts_add_up_to_their_invoices(plan):
    totals: Counter[str] = Counter()
    for doc in plan.documents:
        values = {f["name"]: f["value"] for f in doc.fields}
        if doc.object_type == "invoice":
            assert values["amount_fen"] + values["tax_fen"] == values["total_fen"]
            totals[values["contract"]] += values["total_fen"]
    contracts = [d for d in plan.documents if d.object_type == "contract"]
    assert contracts
    for contract in contracts:
        amount = next(f["value"] for f in contract.fields if f["name"] == "amount_fen")
        assert amount == totals[contract.handle] > 0
