"""Importing listings, yearly financials and investor types: upserts, labels, refusals, and the
listing indicators they feed; through the service, the API and the CLI."""

from __future__ import annotations

import io
import json
from datetime import date, datetime

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from chanrong.cli import app as cli
from chanrong.errors import Invalid, RoleRequired
from chanrong.kit import tabular
from chanrong.observatory import service
from chanrong.observatory.errors import ImportColumnsMissing
from chanrong.observatory.listing_rows import parse_fen
from chanrong.observatory.models import Financials, Investor, Listing, Organisation, OrgYear
from chanrong.settings import get_settings
from tests.factories import (
    SYSTEM,
    create_api_key,
    create_obs_investor,
    create_obs_organisation,
    create_obs_round,
    create_party,
    principal_of,
    xlsx_bytes,
)

LISTINGS = "\n".join(
    [
        "公司,交易所,板块,上市日期,退市日期,首发募资",
        "上海板石智能科技有限公司,上交所,科创板,2024-06-28,,12.5亿元",
        "江苏云道科技有限公司,SZSE,ChiNext,2024-03-01,,8000万元",
        "北方数联股份有限公司,,北交所,2023-11-15,,3亿",  # exchange from the board
        "旧网科技股份有限公司,SZSE,主板,2015-05-05,2023-06-30,5亿元",  # delisted
    ]
)
FINANCIALS = "\n".join(
    [
        "company,year,revenue,net_profit",
        "上海板石智能科技有限公司,2024,10亿元,-1.2亿元",
        "江苏云道科技有限公司,2024年,3.5亿元,4000万元",
        "上海板石智能科技有限公司,2023,8亿元,亏损2亿元",
    ]
)
INVESTORS = "\n".join(
    [
        "名称,类型,国资层级,所属集团",
        "深创投,国资,地方,深圳市国资委",
        "国家制造业转型升级基金,国有,政府引导基金,",
        "红杉中国,财务VC,,",
        "华为哈勃,产业资本,,华为",
    ]
)


def rows(text: str, filename: str = "rows.csv"):
    return tabular.read_rows(io.BytesIO(text.encode("utf-8")), filename=filename)


def xlsx_rows(sheet: list[list[object]]):
    return tabular.read_rows(io.BytesIO(xlsx_bytes(sheet)), filename="rows.xlsx")


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def org_named(session, name: str) -> Organisation:
    return session.scalar(select(Organisation).where(Organisation.name == name))


def test_listings_import_set_the_status_and_reimport_changes_nothing(session):
    result = service.import_rows(session, actor=SYSTEM, kind="listings", rows=rows(LISTINGS))
    assert (result.created, result.updated, result.unchanged) == (4, 0, 0)
    assert result.refused == [] and result.organisations_created == 4
    board = org_named(session, "上海板石智能科技有限公司")
    listing = session.scalar(select(Listing).where(Listing.organisation_id == board.id))
    assert (listing.exchange, listing.board, listing.listed_on) == (
        "SSE",
        "star",
        date(2024, 6, 28),
    )
    assert listing.ipo_proceeds_fen == 125_000_000_000 and board.listing_status == "listed"
    bse = org_named(session, "北方数联股份有限公司")
    assert session.scalar(select(Listing.exchange).where(Listing.organisation_id == bse.id)) == (
        "BSE"
    )
    assert org_named(session, "旧网科技股份有限公司").listing_status == "delisted"
    again = service.import_rows(session, actor=SYSTEM, kind="listings", rows=rows(LISTINGS))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    assert again.organisations_created == 0 and count(session, Listing) == 4


def test_a_changed_value_updates_the_listing(session):
    service.import_rows(session, actor=SYSTEM, kind="listings", rows=rows(LISTINGS))
    changed = LISTINGS.replace("12.5亿元", "13亿元").replace(
        "2024-03-01,,", "2024-03-01,2025-01-02,"
    )
    result = service.import_rows(session, actor=SYSTEM, kind="listings", rows=rows(changed))
    assert (result.created, result.updated, result.unchanged) == (0, 2, 2)
    assert session.scalar(select(func.sum(Listing.ipo_proceeds_fen))) == (
        130_000_000_000 + 8_000_000_000 + 30_000_000_000 + 50_000_000_000
    )
    assert org_named(session, "江苏云道科技有限公司").listing_status == "delisted"


def test_listings_resolve_known_companies_by_alias(session):
    org = create_obs_organisation(session, name="上海板石智能科技有限公司", short_name="板石智能")
    text = "company,exchange,board,listed_on,ipo_proceeds\n板石智能,SSE,star,2024-06-28,1亿元"
    result = service.import_rows(session, actor=SYSTEM, kind="listings", rows=rows(text))
    assert result.created == 1 and result.organisations_created == 0
    assert session.scalar(select(Listing.organisation_id)) == org.id


def test_an_xlsx_file_with_date_cells_and_a_missing_column(session):
    sheet = [
        ["Company", "Exchange", "Board", "Listing date", "IPO proceeds"],
        ["上海板石智能科技有限公司", "SSE", "STAR Market", datetime(2024, 6, 28), 1_250_000_000],
    ]
    mapping = {"listed_on": "Listing date", "ipo_proceeds": "IPO proceeds"}
    result = service.import_rows(
        session, actor=SYSTEM, kind="listings", rows=xlsx_rows(sheet), mapping=mapping
    )
    assert result.created == 1 and result.refused == []
    listing = session.scalar(select(Listing))
    assert (listing.board, listing.listed_on) == ("star", date(2024, 6, 28))
    assert listing.ipo_proceeds_fen == 125_000_000_000
    with pytest.raises(ImportColumnsMissing) as raised:
        service.import_rows(session, actor=SYSTEM, kind="listings", rows=xlsx_rows(sheet))
    assert [e.field for e in raised.value.errors] == ["listed_on"]


def test_listing_refusals_come_back_with_line_and_field(session):
    text = "\n".join(
        [
            "公司,交易所,板块,上市日期,首发募资",
            "甲科技有限公司,SSE,天使板,2024-01-02,1亿元",  # line 2: unknown board
            "乙科技有限公司,SSE,科创板,2024-01-02,超亿元",  # line 3: vague proceeds
            ",SSE,科创板,2024-01-02,1亿元",  # line 4: no company
            "丙科技有限公司,SZSE,科创板,2024-01-02,1亿元",  # line 5: STAR is on SSE
            "丁科技有限公司,SSE,主板,2024年3月,1亿元",  # line 6: not a day
            "戊科技有限公司,SSE,主板,2024-01-02,-1亿元",  # line 7: negative proceeds
        ]
    )
    result = service.import_rows(session, actor=SYSTEM, kind="listings", rows=rows(text))
    refused = {line: [(e.field, e.rule) for e in errors] for line, errors in result.refused}
    assert refused == {
        2: [("board", "enum")],
        3: [("ipo_proceeds", "amount_not_exact")],
        4: [("company", "required")],
        5: [("board", "board_exchange")],
        6: [("listed_on", "date_precision")],
        7: [("ipo_proceeds", "negative")],
    }
    assert result.created == 0 and count(session, Listing) == 0
    body = result.as_dict()
    assert body["refused"][1]["errors"][0]["field"] == "ipo_proceeds"


def test_financials_import_update_and_refusals(session):
    result = service.import_rows(session, actor=SYSTEM, kind="financials", rows=rows(FINANCIALS))
    assert (result.created, result.updated, result.unchanged, result.refused) == (3, 0, 0, [])
    board = org_named(session, "上海板石智能科技有限公司")
    got = session.scalar(
        select(Financials).where(Financials.organisation_id == board.id, Financials.year == 2024)
    )
    assert (got.revenue_fen, got.net_profit_fen) == (100_000_000_000, -12_000_000_000)
    again = service.import_rows(session, actor=SYSTEM, kind="financials", rows=rows(FINANCIALS))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    changed = FINANCIALS.replace("3.5亿元", "3.6亿元")
    updated = service.import_rows(session, actor=SYSTEM, kind="financials", rows=rows(changed))
    assert (updated.created, updated.updated, updated.unchanged) == (0, 1, 2)
    assert count(session, Financials) == 3
    bad = "\n".join(
        [
            "公司,年度,营业收入,净利润",
            "甲科技有限公司,二〇二四,1亿元,1000万元",  # line 2: bad year
            "乙科技有限公司,2024,数亿元,1000万元",  # line 3: vague revenue
            "丙科技有限公司,2024,,",  # line 4: no figures
            ",2024,1亿元,1000万元",  # line 5: no company
        ]
    )
    refused = service.import_rows(session, actor=SYSTEM, kind="financials", rows=rows(bad)).refused
    assert {line: [(e.field, e.rule) for e in errs] for line, errs in refused} == {
        2: [("year", "year")],
        3: [("revenue", "amount_not_exact")],
        4: [("revenue", "required")],
        5: [("company", "required")],
    }


def test_investor_types_come_from_files_through_set_investor(session):
    org = create_obs_organisation(session)
    sz = create_obs_investor(session, name="深创投", kind="unknown")
    create_obs_round(session, org, investors=[(sz, True)])
    assert session.get(OrgYear, (org.id, 2024)).state == 0
    result = service.import_rows(session, actor=SYSTEM, kind="investors", rows=rows(INVESTORS))
    assert (result.created, result.updated, result.unchanged, result.refused) == (3, 1, 0, [])
    kinds = {
        i.name: (i.kind, i.state_level, i.parent_group) for i in session.scalars(select(Investor))
    }
    assert kinds == {
        "深创投": ("state_owned", "local", "深圳市国资委"),
        "国家制造业转型升级基金": ("state_owned", "guidance_fund", None),
        "红杉中国": ("financial_vc", None, None),
        "华为哈勃": ("corporate", None, "华为"),
    }
    session.expire_all()
    assert session.get(OrgYear, (org.id, 2024)).state == 1  # the rollup was refreshed
    again = service.import_rows(session, actor=SYSTEM, kind="investors", rows=rows(INVESTORS))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    english = "name,type,state_level\n红杉中国,corporate,\n某机构,angel investor,\n,vc,"
    mixed = service.import_rows(session, actor=SYSTEM, kind="investors", rows=rows(english))
    assert mixed.updated == 1
    assert {line: [(e.field, e.rule) for e in errs] for line, errs in mixed.refused} == {
        3: [("type", "enum")],
        4: [("name", "required")],
    }


def test_indicators_reflect_imported_listings_and_financials(session):
    service.import_rows(session, actor=SYSTEM, kind="listings", rows=rows(LISTINGS))
    service.import_rows(session, actor=SYSTEM, kind="financials", rows=rows(FINANCIALS))
    values = service.compute_indicators(session, year=2024)["values"]
    assert values["listed_companies"] == 3  # 板石, 云道, 北方数联; 旧网 delisted in 2023
    assert values["new_listings_by_board"] == {"chinext": 1, "star": 1}
    assert values["ipo_proceeds_fen"] == 125_000_000_000 + 8_000_000_000
    assert values["listed_revenue_fen"] == 100_000_000_000 + 35_000_000_000
    assert values["listed_profit_fen"] == -12_000_000_000 + 4_000_000_000
    before = service.compute_indicators(session, year=2023)["values"]
    assert before["new_listings_by_board"] == {"bse": 1} and before["listed_companies"] == 1


def test_imports_need_a_platform_admin_and_a_known_kind(session):
    actor = principal_of(create_party(session))
    for kind in ("listings", "financials", "investors"):
        with pytest.raises(RoleRequired):
            service.import_rows(session, actor=actor, kind=kind, rows=rows(LISTINGS))
    with pytest.raises(Invalid) as raised:
        service.import_rows(session, actor=SYSTEM, kind="bonds", rows=rows(LISTINGS))
    assert raised.value.errors[0].field == "kind"


def test_parse_fen():
    assert parse_fen("-1.2亿元", "x", signed=True) == -12_000_000_000
    assert parse_fen("亏损3000万元", "x", signed=True) == -3_000_000_000
    assert parse_fen("", "x") is None and parse_fen("未披露", "x") is None
    assert parse_fen("约1亿元", "x").rule == "amount_not_exact"
    assert parse_fen("很多钱", "x").rule == "amount_unparsed"


def test_imports_over_http(client, db):
    with db.transaction() as session:
        operator = create_party(session, kind="operator")
        _, admin_token = create_api_key(session, party=operator, roles=["admin"])
    admin = {"Authorization": f"Bearer {admin_token}"}
    upload = {"file": ("listings.csv", LISTINGS.encode("utf-8"), "text/csv")}
    url = "/api/v1/observatory/imports"
    report = client.post(url, params={"kind": "listings"}, files=upload, headers=admin).json()
    assert (report["kind"], report["created"], report["refused"]) == ("listings", 4, [])
    upload = {"file": ("fin.csv", FINANCIALS.encode("utf-8"), "text/csv")}
    report = client.post(url, params={"kind": "financials"}, files=upload, headers=admin).json()
    assert report["created"] == 3
    body = client.get("/api/v1/observatory/indicators", params={"year": 2024}, headers=admin)
    assert body.json()["values"]["listed_revenue_fen"] == 135_000_000_000
    bad = client.post(url, params={"kind": "bonds"}, files=upload, headers=admin)
    assert bad.status_code == 422 and bad.headers["content-type"].startswith(
        "application/problem+json"
    )
    assert bad.json()["errors"][0]["field"] == "kind"


@pytest.fixture
def cli_env(tmp_path, monkeypatch):
    monkeypatch.setenv("CHANRONG_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_cli_import_of_each_kind(cli_env):
    files = {"listings": LISTINGS, "financials": FINANCIALS, "investors": INVESTORS}
    for kind, text in files.items():
        source = cli_env / f"{kind}.csv"
        source.write_text(text, encoding="utf-8")
        result = CliRunner().invoke(cli, ["observatory", "import", str(source), "--kind", kind])
        assert result.exit_code == 0, result.output
        assert f"{kind} created" in result.output
    source = cli_env / "bad.csv"
    source.write_text("公司,年度,收入\n甲科技有限公司,2024,超亿元\n", encoding="utf-8")
    report = cli_env / "out.json"
    result = CliRunner().invoke(
        cli,
        ["observatory", "import", str(source), "--kind", "financials", "--report", str(report)],
    )
    assert result.exit_code == 1, result.output
    body = json.loads(report.read_text(encoding="utf-8"))
    assert body["refused"] == [
        {
            "line": 2,
            "errors": [
                {
                    "field": "revenue",
                    "rule": "amount_not_exact",
                    "message": "'超亿元' is a range, not an exact amount; give the amount",
                }
            ],
        }
    ]
    mapped = cli_env / "mapped.csv"
    mapped.write_text("企业全称,年度,收入\n甲科技有限公司,2024,1亿元\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli,
        [
            "observatory",
            "import",
            str(mapped),
            "--kind",
            "financials",
            "--column",
            "company=企业全称",
        ],
    )
    assert result.exit_code == 0 and "financials created 1" in result.output
