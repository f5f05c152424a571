"""Importing deal records: normalised, resolved, merged, reported; re-import changes nothing."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from chanrong.cli import app as cli
from chanrong.errors import RoleRequired
from chanrong.kit import tabular
from chanrong.observatory import service
from chanrong.observatory.deal_rows import sector_of, split_investors
from chanrong.observatory.errors import ImportColumnsMissing
from chanrong.observatory.importing import import_deals
from chanrong.observatory.models import Investor, Organisation, ReviewItem, Round, RoundInvestor
from chanrong.settings import get_settings
from tests.factories import create_obs_organisation, create_party, principal_of

HEADER = "日期,公司,轮次,金额,投资方,省份,赛道,来源"
FILE = "\n".join(
    [
        HEADER,
        "2024-03-05,上海板石智能科技有限公司,A轮,超亿元,深创投（领投）、红杉中国,上海,智能装备,36kr",
        "2024-03-20,板石智能,A轮,1-2亿元,深创投,上海,智能装备,投资界",  # line 3: same round
        "2024-04-01,,A轮,1亿元,,,,x",  # line 4: refused, no company
        "2024-13-01,某公司,B轮,1亿元,,,,x",  # line 5: refused, no such date
        "2024-06-01,江苏云道科技有限公司,B+轮,很多钱,,江苏,solutions,x",  # line 6: amount flagged
        "2024-07-01,火星科技有限公司,天使轮,500万美元,,火星,biotech,x",  # line 7: province, sector
    ]
)


def rows(text: str):
    return tabular.read_rows(io.BytesIO(text.encode("utf-8")), filename="deals.csv")


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_rows_are_normalised_merged_and_reported(session):
    result = import_deals(session, rows=rows(FILE))
    assert (result.created, result.merged, result.unchanged) == (3, 1, 0)
    assert [line for line, _ in result.refused] == [4, 5]
    assert result.refused[0][1][0].rule == "required"
    flagged = {line: {e.field for e in errors} for line, errors in result.flagged}
    assert flagged == {6: {"amount"}, 7: {"province", "sector"}}
    board = session.scalar(select(Round).where(Round.stage == "a"))
    assert board.sources == ["36kr", "投资界"]
    # 超亿元 [1亿, open) intersected with 1-2亿元 [1亿, 2亿)
    assert (board.amount_low_fen, board.amount_high_fen) == (10**10, 2 * 10**10)
    org = session.get(Organisation, board.organisation_id)
    assert (org.name, org.province, org.sector) == (
        "上海板石智能科技有限公司",
        "31",
        "intelligent_equipment",
    )
    assert org.aliases == ["板石智能"]
    leads = dict(
        session.execute(
            select(Investor.name, RoundInvestor.lead)
            .join(RoundInvestor)
            .where(RoundInvestor.round_id == board.id)
        ).all()
    )
    assert leads == {"深创投": True, "红杉中国": False}
    flagged_round = session.scalar(select(Round).where(Round.stage == "b_plus"))
    assert flagged_round.amount_kind == "unparsed" and flagged_round.amount_text == "很多钱"
    usd = session.scalar(select(Round).where(Round.stage == "angel"))
    assert usd.currency == "USD" and usd.fx_rate is not None and usd.amount_kind == "exact"


def test_reimporting_the_same_file_changes_nothing(session):
    import_deals(session, rows=rows(FILE))
    before = [count(session, m) for m in (Organisation, Round, Investor, RoundInvestor)]
    again = import_deals(session, rows=rows(FILE))
    assert (again.created, again.merged, again.unchanged) == (0, 0, 4)
    assert again.organisations_created == 0
    assert [count(session, m) for m in (Organisation, Round, Investor, RoundInvestor)] == before


def test_uncertain_matches_go_to_the_review_list(session):
    create_obs_organisation(session, name="板石智能科技有限公司", province="31")
    create_obs_organisation(session, name="板石电子有限公司", province="31")
    text = "\n".join([HEADER, "2024-03-05,板石,A轮,1亿元,,上海,,x"])
    result = import_deals(session, rows=rows(text))
    assert result.review_listed == 2
    assert [e.rule for e in result.flagged[0][1]] == ["review", "review"]
    assert count(session, ReviewItem) == 2
    assert len(service.list_review(session)) == 2
    again = import_deals(session, rows=rows(text))
    assert again.review_listed == 0 and count(session, ReviewItem) == 2


def test_a_column_mapping_and_missing_columns(session):
    text = "when,who,stage,how much\n2024-01-02,某某科技有限公司,A轮,3亿元"
    with pytest.raises(ImportColumnsMissing):
        import_deals(session, rows=rows(text))
    mapping = {"date": "when", "company": "who", "round": "stage", "amount": "how much"}
    assert import_deals(session, rows=rows(text), mapping=mapping).created == 1


def test_helpers():
    assert split_investors("深创投(领投), 红杉；IDG") == [
        ("深创投", True),
        ("红杉", False),
        ("IDG", False),
    ]
    assert sector_of("industrial software") == "platform" and sector_of("网络") == "network"
    assert sector_of("biotech") is None


def test_import_needs_a_platform_admin(session):
    actor = principal_of(create_party(session))
    with pytest.raises(RoleRequired):
        service.import_rows(session, actor=actor, kind="deals", rows=rows(FILE))


def test_the_named_sample_loads_once(session):
    first = service.load_sample(session)
    assert (first.created, len(first.refused), len(first.flagged)) == (19, 0, 0)
    assert first.organisations_created == 18  # 云道智造 has two rounds
    again = service.load_sample(session)
    assert (again.created, again.unchanged) == (0, 19)
    sz = session.scalar(select(Investor).where(Investor.name == "深创投"))
    assert (sz.kind, sz.state_level) == ("state_owned", "local")
    deals, total = service.list_deals(session, year=2024, filters=service.Filters(stage="b"))
    assert total == 6 and {d["company"] for d in deals} >= {"立芯软件", "焦易数科"}


@pytest.fixture
def cli_env(tmp_path, monkeypatch):
    monkeypatch.setenv("CHANRONG_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_cli_import_load_sample_and_reconcile(cli_env):
    source = cli_env / "deals.csv"
    source.write_text(FILE, encoding="utf-8")
    report = cli_env / "out.json"
    result = CliRunner().invoke(
        cli, ["observatory", "import", str(source), "--report", str(report)]
    )
    assert result.exit_code == 1, result.output
    body = json.loads(report.read_text(encoding="utf-8"))
    assert [r["line"] for r in body["refused"]] == [4, 5] and body["created"] == 3
    sample = CliRunner().invoke(cli, ["observatory", "load-sample"])
    assert sample.exit_code == 0 and "rounds created 19" in sample.output
    table = CliRunner().invoke(cli, ["observatory", "reconcile", "--year", "2024"])
    assert table.exit_code == 0 and "gaps over 10%" in table.output
    shown = CliRunner().invoke(cli, ["observatory", "indicators", "--year", "2024"])
    assert shown.exit_code == 0 and '"events"' in shown.output
