"""Importing parties from CSV/XLSX, through the service and through ``chanrong parties``."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from chanrong.cli import app as cli
from chanrong.errors import RoleRequired
from chanrong.kit import tabular
from chanrong.parties import service
from chanrong.parties.models import Party
from chanrong.settings import get_settings
from tests.factories import SYSTEM, create_party, principal_of, xlsx_bytes

ZH_HEADER = "名称,统一社会信用代码,省份,城市,行业,规模,角色"
ZH_GOOD = [
    "华为技术有限公司,914403001922038216,广东省,深圳市,C39,大型,核心企业",
    "深圳市腾讯计算机系统有限公司,91440300708461136T,广东,深圳市,I65,大型,platform",
    "小米科技有限责任公司,91110108551385082Q,北京市,北京市,C39,large,采购商;供应商",
]
ZH_FILE = "\n".join(
    [
        ZH_HEADER,
        ZH_GOOD[0],
        "错误校验码有限公司,91330100799655058C,浙江省,杭州市,C34,小型,供应商",  # line 3
        ZH_GOOD[1],
        "无名省有限公司,91330108MA27Y5XH5G,火星,杭州市,C34,小型,供应商",  # line 5
        ZH_GOOD[2],
    ]
)


def csv_rows(text: str, encoding: str = "utf-8"):
    return tabular.read_rows(io.BytesIO(text.encode(encoding)), filename="parties.csv")


def import_text(session, text: str, encoding: str = "utf-8") -> service.ImportResult:
    return service.import_parties(session, actor=SYSTEM, rows=csv_rows(text, encoding))


def codes(session) -> set[str]:
    return set(session.scalars(select(Party.uscc)))


def refusals(result: service.ImportResult) -> dict[int, set[tuple[str, str]]]:
    return {line: {(e.field, e.rule) for e in errors} for line, errors in result.refused}


def test_good_rows_land_and_bad_rows_are_reported_with_their_line(session):
    result = import_text(session, ZH_FILE)
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    assert refusals(result) == {3: {("uscc", "check_character")}, 5: {("province", "province")}}
    (line3,) = result.refused[0][1]
    assert "should be 'B'" in line3.message
    assert codes(session) == {"914403001922038216", "91440300708461136T", "91110108551385082Q"}
    xiaomi = service.get_party_by_uscc(session, actor=SYSTEM, code="91110108551385082Q")
    assert (xiaomi.province, xiaomi.size_class, xiaomi.roles) == (
        "11",
        "large",
        ["buyer", "supplier"],
    )


def test_reimporting_the_same_file_changes_nothing(session):
    import_text(session, ZH_FILE)
    again = import_text(session, ZH_FILE)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert len(again.refused) == 2


def test_changed_rows_update_the_party(session):
    import_text(session, "\n".join([ZH_HEADER, *ZH_GOOD]))
    changed = ZH_GOOD[2].replace("采购商;供应商", "供应商").replace("large", "中型")
    result = import_text(session, "\n".join([ZH_HEADER, ZH_GOOD[0], changed]))
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    xiaomi = service.get_party_by_uscc(session, actor=SYSTEM, code="91110108551385082Q")
    session.expire_all()
    assert (xiaomi.size_class, xiaomi.roles) == ("medium", ["supplier"])


def test_english_headers(session):
    text = (
        "name,USCC,Province,city,industry,size,roles,kind,license_code\n"
        "Alibaba (China) Co. Ltd,91330100799655058B,Zhejiang,Hangzhou,I64,large,core enterprise,,\n"
        "Ningbo Bank,91330108MA27Y5XH5G,33,Ningbo,J66,,bank,financial institution,B0152H233020001\n"
    )
    result = import_text(session, text)
    assert (result.created, result.refused) == (2, [])
    bank = service.get_party_by_uscc(session, actor=SYSTEM, code="91330108MA27Y5XH5G")
    assert (bank.kind, bank.roles, bank.license_code) == (
        "institution",
        ["bank"],
        "B0152H233020001",
    )


def test_kind_follows_institution_roles_when_not_given(session):
    text = "名称,统一社会信用代码,省份,城市,角色\n某银行股份有限公司,91440300MA5FMKMK8N,广东,深圳市,银行\n"
    result = import_text(session, text)
    assert result.refused == []
    assert service.get_party_by_uscc(session, actor=SYSTEM, code="91440300MA5FMKMK8N").kind == (
        "institution"
    )


def test_gb18030_csv(session):
    result = import_text(session, "\r\n".join([ZH_HEADER, *ZH_GOOD]) + "\r\n", "gb18030")
    assert (result.created, result.refused) == (3, [])
    names = set(session.scalars(select(Party.name)))
    assert "深圳市腾讯计算机系统有限公司" in names


def test_xlsx(session):
    data = xlsx_bytes(
        [
            ZH_HEADER.split(","),
            ZH_GOOD[0].split(","),
            [None] * 7,
            ["坏行有限公司", "91440300MA5H0HLK5W", "广东", "深圳市", "C39", "小型", "供应商"],
            ZH_GOOD[1].split(","),
        ]
    )
    rows = tabular.read_rows(io.BytesIO(data), filename="parties.xlsx")
    result = service.import_parties(session, actor=SYSTEM, rows=rows)
    assert result.created == 2
    assert refusals(result) == {4: {("uscc", "check_character")}}


def test_a_code_twice_in_one_file(session):
    other = ZH_GOOD[0].replace("华为技术有限公司", "华为(冒名)有限公司")
    text = "\n".join([ZH_HEADER, ZH_GOOD[0], ZH_GOOD[0], other])
    result = import_text(session, text)
    assert (result.created, result.unchanged) == (1, 1)
    assert refusals(result) == {4: {("uscc", "duplicate_in_file")}}
    assert "line 2" in result.refused[0][1][0].message
    assert service.get_party_by_uscc(session, actor=SYSTEM, code="914403001922038216").name == (
        "华为技术有限公司"
    )


def test_a_row_with_more_cells_than_the_header_is_refused(session):
    shifted = "华为技术有限公司,914403001922038216,广东省,深圳市,C39,大型,核心企业,多余"
    result = import_text(session, "\n".join([ZH_HEADER, shifted, ZH_GOOD[1]]))
    assert result.created == 1
    assert refusals(result) == {2: {("row", "extra_cells")}}
    assert "多余" in result.refused[0][1][0].message
    assert "914403001922038216" not in codes(session)


def test_every_broken_rule_of_a_row_is_reported(session):
    result = import_text(session, f"{ZH_HEADER}\n,123,火星,,X,巨型,飞行员\n")
    assert refusals(result) == {
        2: {
            ("name", "required"),
            ("uscc", "length"),
            ("province", "province"),
            ("city", "required"),
            ("industry", "gb_t_4754"),
            ("size", "enum"),
            ("roles", "enum"),
        }
    }


def test_over_long_values_are_refused_not_crashing_the_import(session):
    long_city = "市" * 65
    long_licence = "B" * 33
    text = "\n".join(
        [
            "名称,统一社会信用代码,省份,城市,行业,角色,金融许可证编码",
            f"长城市有限公司,91350206MA2XN2XQ4A,福建,{long_city},C39,供应商,",
            f"长许可银行,91440115MAKBG4HD6A,广东,广州市,J66,银行,{long_licence}",
            "浏阳德塔软件开发有限公司,91430181MA4Q3REH6K,湖南,长沙市,I65,供应商,",
        ]
    )
    result = import_text(session, text)
    assert refusals(result) == {2: {("city", "max_length")}, 3: {("license_code", "max_length")}}
    assert codes(session) == {"91430181MA4Q3REH6K"}


def test_only_platform_admins_import(session):
    actor = principal_of(create_party(session), "admin")
    with pytest.raises(RoleRequired):
        service.import_parties(session, actor=actor, rows=csv_rows(ZH_FILE))


@pytest.fixture
def cli_env(tmp_path, monkeypatch):
    """Point the CLI at a throwaway SQLite file (settings are cached, so clear the cache)."""
    monkeypatch.setenv("CHANRONG_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_cli_import_writes_a_report_and_exits_1_on_refused_rows(cli_env):
    source = cli_env / "parties.csv"
    source.write_text(ZH_FILE, encoding="utf-8")
    report = cli_env / "out.json"
    result = run("parties", "import", str(source), "--report", str(report))
    assert result.exit_code == 1, result.output
    assert "created 3" in result.output and "refused 2" in result.output
    body = json.loads(report.read_text(encoding="utf-8"))
    assert (body["created"], body["updated"], body["unchanged"]) == (3, 0, 0)
    assert [r["line"] for r in body["refused"]] == [3, 5]
    assert body["refused"][0]["errors"][0]["rule"] == "check_character"
    assert body["refused"][1]["errors"][0] == {
        "field": "province", "rule": "province", "message": "unknown province '火星'",
    }  # fmt: skip

    again = run("parties", "import", str(source), "--report", str(report))
    assert again.exit_code == 1
    body = json.loads(report.read_text(encoding="utf-8"))
    assert (body["created"], body["unchanged"]) == (0, 3)

    listed = run("parties", "list")
    assert listed.exit_code == 0
    assert "华为技术有限公司" in listed.output and "3 parties" in listed.output


def test_cli_import_of_a_clean_file_exits_0(cli_env):
    source = cli_env / "clean.csv"
    source.write_text("\n".join([ZH_HEADER, *ZH_GOOD]), encoding="utf-8")
    result = run("parties", "import", str(source))
    assert result.exit_code == 0, result.output
    assert "created 3" in result.output


def test_cli_import_refuses_a_missing_file(cli_env):
    assert run("parties", "import", str(cli_env / "nope.csv")).exit_code == 2


@pytest.mark.parametrize("name", ["template.xlsx", "template.csv"])
def test_template_imports_cleanly_after_filling(cli_env, name):
    template = cli_env / name
    result = run("parties", "template", str(template))
    assert result.exit_code == 0, result.output
    rows = list(tabular.read_path(template))
    assert list(rows[0][1]) == service.TEMPLATE_HEADERS
    filled = [list(r.values()) for _, r in rows] + [row.split(",") for row in ZH_GOOD[1:]]
    writer = tabular.write_xlsx if name.endswith(".xlsx") else tabular.write_csv
    writer(template, service.TEMPLATE_HEADERS, filled)
    result = run("parties", "import", str(template))
    assert result.exit_code == 0, result.output
    assert "created 3" in result.output and "refused 0" in result.output
