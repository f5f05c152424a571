"""The simulated industrial park: pure generation, building it through the services, the CLI."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chanrong.demo import cli as demo_cli
from chanrong.demo import park
from chanrong.identifiers import service as identifiers
from chanrong.parties import access, uscc
from chanrong.parties.core import Principal
from chanrong.settings import Settings, get_settings


@pytest.fixture(scope="module")
def plan() -> park.ParkPlan:
    return park.plan_park(park.DEFAULT_SEED)


def _identity(p: park.ParkPlan) -> list[tuple[str, str, str, str]]:
    return [(s.code, s.name, s.uscc, s.city) for s in p.parties]


def test_same_seed_same_park(plan):
    again = park.plan_park(park.DEFAULT_SEED)
    assert _identity(again) == _identity(plan)
    assert again.prefixes == plan.prefixes
    assert again.identifiers == plan.identifiers
    other = park.plan_park(7)
    assert [s.name for s in other.parties] != [s.name for s in plan.parties]
    assert [s.code for s in other.parties] == [s.code for s in plan.parties]


def test_every_code_is_valid_and_unique(plan):
    codes = [s.uscc for s in plan.parties] + [link.buyer_uscc for link in plan.links]
    assert all(uscc.is_valid(code) for code in codes)
    assert len({s.uscc for s in plan.parties}) == len(plan.parties)
    assert len({s.name for s in plan.parties}) == len(plan.parties)
    for spec in plan.parties:
        division = park.CITIES[spec.city.removesuffix("市")].division
        assert spec.uscc[:8] == "91" + division


def test_the_documented_park(plan):
    kinds = Counter(s.kind for s in plan.parties)
    assert kinds == park.EXPECTED_PARTIES_BY_KIND
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


def test_build_park(session, plan):
    assert park.park_status(session) == "absent"
    summary = park.build_park(session, seed=park.DEFAULT_SEED)
    assert summary.parties_by_kind == park.EXPECTED_PARTIES_BY_KIND
    assert summary.identifiers_by_type == dict(Counter(i.object_type for i in plan.identifiers))
    assert summary.prefixes == 54
    assert summary.users == 64
    assert summary.api_keys == len(summary.issued_keys) == 7
    assert len(summary.provinces) >= 8
    assert park.park_status(session) == "present"
    assert park.park_status(session, seed=7) == "other"
    again = park.summarise(session, plan)
    assert again.parties_by_role == summary.parties_by_role
    assert again.issued_keys == []

    for username in ("op-admin", "excavator-admin", "sew01-admin", "bank1-admin"):
        user, token = access.log_in(
            session, username=username, password=park.DEMO_PASSWORD, hours=1
        )
        assert user.username == username and token

    bank_token = next(k.token for k in summary.issued_keys if k.party == "bank1")
    bank = access.authenticate_api_key(session, bank_token)
    device = summary.sample_handles["EX"]
    seen_by_bank = identifiers.resolve(session, actor=bank, handle=device)
    assert seen_by_bank.withheld == 1
    seen_by_owner = identifiers.resolve(session, actor=Principal.system(), handle=device)
    assert {f["name"] for f in seen_by_owner.fields} >= {"maker_batch", "purchase_price"}


@pytest.fixture
def demo_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("CHANRONG_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CHANRONG_DATABASE_URL", "")
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_cli_builds_then_finds_the_park(demo_env):
    from chanrong.cli import app

    runner = CliRunner()
    first = runner.invoke(app, ["demo"])
    assert first.exit_code == 0, first.output
    assert (demo_env / "chanrong.db").exists()
    assert park.DEMO_PASSWORD in first.output
    assert "op-admin" in first.output
    assert "crk_" in first.output

    second = runner.invoke(app, ["demo"])
    assert second.exit_code == 0, second.output
    assert "already" in second.output
    assert "crk_" not in second.output

    other_seed = runner.invoke(app, ["demo", "--seed", "7"])
    assert other_seed.exit_code == 1, other_seed.output


def test_reset_deletes_only_the_default_sqlite_file(tmp_path):
    for name in ("chanrong.db", "chanrong.db-wal", "chanrong.db-shm"):
        (tmp_path / name).write_bytes(b"x")
    demo_cli._reset(Settings(data_dir=tmp_path, database_url=""), confirmed=False)
    assert not list(tmp_path.iterdir())


def test_reset_elsewhere_needs_yes(tmp_path, monkeypatch):
    target = tmp_path / "custom.db"
    target.write_bytes(b"")
    monkeypatch.setenv("CHANRONG_DATABASE_URL", f"sqlite:///{target}")
    get_settings.cache_clear()
    try:
        from chanrong.cli import app

        result = CliRunner().invoke(app, ["demo", "--reset"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2
    assert "--yes" in result.output
    assert target.exists()
