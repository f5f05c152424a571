"""Console pages of the observatory without a browser: indicator tiles with year-on-year change,
chart data for a small hand-checked dataset, filters applied to tiles, charts and the deal table,
the reconciliation with a flagged gap, and the review list. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
from datetime import date
from html import unescape
from importlib.resources import files
from typing import Any

import pytest
from fastapi.testclient import TestClient

from chanrong.db import Database
from chanrong.money import format_cny
from chanrong.observatory.models import INVESTOR_KINDS, SECTORS, ReviewItem
from chanrong.observatory.pages import amount_text
from chanrong.observatory.reconciliation import load_reference
from chanrong.observatory.stages import STAGES
from chanrong.web.i18n import LABELS
from tests import factories
from tests.web.conftest import HTML, log_in, text_of

YI = 10_000_000_000  # 1 亿元 in fen
WAN = 1_000_000  # 1 万元 in fen


@pytest.fixture
def dataset(db: Database) -> dict[str, int]:
    """Three companies; 2024: an A round of 1亿元 led by a state-owned investor (Shanghai,
    intelligent equipment), an undisclosed angel round (Guangdong, platform), a B round of
    5000万–1亿元 (Jiangsu, security); 2023: a seed round of 2000万元; 2022: an A round of
    3000万元 with the state-owned investor; 2020: 1000万元. An operator user ``ops``."""
    with db.transaction() as s:
        operator = factories.create_party(s, kind="operator", name="产融平台运营中心")
        factories.create_user(s, operator, username="ops", display_name="王运营")
        state = factories.create_obs_investor(s, name="上海国投先导基金", kind="state_owned")
        vc = factories.create_obs_investor(s, name="红杉中国", kind="financial_vc")
        sh = factories.create_obs_organisation(s, name="上海智造装备有限公司")
        gd = factories.create_obs_organisation(
            s, name="深圳云联工业软件有限公司", province="44", sector="platform"
        )
        js = factories.create_obs_organisation(
            s, name="苏州安盾网络安全有限公司", province="32", sector="security"
        )
        a = factories.create_obs_round(s, sh, investors=[(state, True), (vc, False)])
        factories.create_obs_round(
            s, gd, on=date(2024, 5, 1), low_fen=None, round_label="天使轮", stage="angel",
            amount_text="未透露", investors=[(vc, True)],
        )  # fmt: skip
        factories.create_obs_round(
            s, js, on=date(2024, 9, 9), low_fen=5_000 * WAN, amount_high_fen=YI,
            amount_kind="band", round_label="B轮", stage="b", amount_text="数千万元",
            investors=[(vc, False)],
        )  # fmt: skip
        factories.create_obs_round(
            s, sh, on=date(2023, 4, 1), low_fen=2_000 * WAN, round_label="种子轮", stage="seed",
            investors=[(vc, True)],
        )  # fmt: skip
        factories.create_obs_round(
            s, gd, on=date(2022, 6, 1), low_fen=3_000 * WAN, investors=[(state, True)]
        )
        factories.create_obs_round(s, js, on=date(2020, 2, 1), low_fen=1_000 * WAN)
        review_org = factories.create_obs_organisation(s, name="上海智造装备股份公司")
        s.add(
            ReviewItem(
                name="上海智造装备股份公司", organisation_id=review_org.id, candidate_id=sh.id,
                score=0.91, reason="legal suffix differs",
            )
        )  # fmt: skip
        return {"a_round": a.id, "sh": sh.id}


def series(html: str, chart_id: str) -> list[dict[str, Any]]:
    """The chart points the page hands to ECharts for ``chart_id``."""
    found = re.search(rf'id="{chart_id}"[^>]*data-series=\'([^\']*)\'', html)
    assert found, f"no #{chart_id} with data-series"
    return json.loads(unescape(found.group(1)))


def tile(html: str, key: str) -> str:
    """The visible text of one indicator tile."""
    found = re.search(rf'id="tile-{key}"(.*?)</div>', html, re.S)
    assert found, f"no tile {key}"
    return text_of(found.group(1).split(">", 1)[1])


def deal_companies(html: str) -> list[str]:
    table = html.split('id="deal-table"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<tr data-deal="\d+">\s*<td[^>]*>[^<]*</td>\s*<td>([^<]+)</td>', table)


def test_overview_in_chinese_shows_tiles_charts_and_deals(
    client: TestClient, dataset: dict[str, int]
) -> None:
    log_in(client, "ops", lang="zh")
    answer = client.get("/observatory", headers=HTML)
    assert answer.status_code == 200
    html = answer.text
    nav = html.split("<nav", 1)[1].split("</nav>", 1)[0]
    assert 'href="/observatory" class="active" aria-current="page">投融资观察' in nav
    # the latest year with deals is chosen
    assert '<option value="2024" selected>' in html

    assert "3" in tile(html, "events") and "1 起未披露金额" in tile(html, "events")
    # 3 events against 1 in 2023: +200%
    assert "▲ 200.0%" in tile(html, "events")
    assert "1.50亿元 – 2.00亿元" in tile(html, "total-amount")
    assert f"估算 {format_cny(17_499_999_999)}" in tile(html, "total-amount")
    assert "66.7%" in tile(html, "early-stage-share")
    state = tile(html, "state-owned-share")
    assert "33.3%" in state and "1 起" in state
    assert "无上年可比数据" in state  # 2023 had no state-owned event: no ratio

    assert series(html, "chart-obs-trend") == [
        {"name": "2020", "value": 1, "line": 0.1},
        {"name": "2021", "value": 0, "line": 0.0},
        {"name": "2022", "value": 1, "line": 0.3},
        {"name": "2023", "value": 1, "line": 0.2},
        {"name": "2024", "value": 3, "line": 1.75},
    ]
    sectors = sorted((p["name"], p["value"]) for p in series(html, "chart-obs-sectors"))
    assert sectors == sorted([("安全", 1), ("平台与工业软件", 1), ("智能装备", 1)])
    assert series(html, "chart-obs-state") == [
        {"name": "2022", "value": 100.0, "count": 1},
        {"name": "2023", "value": 0.0, "count": 0},
        {"name": "2024", "value": 33.3, "count": 1},
    ]
    provinces = series(html, "chart-obs-provinces")
    assert [(p["name"], p["value"]) for p in provinces] == [
        ("上海市", 1),
        ("江苏省", 1),
        ("广东省", 1),
    ]
    assert provinces[0]["href"] == "/observatory?year=2024&province=31"

    assert deal_companies(html) == [
        "苏州安盾网络安全有限公司", "深圳云联工业软件有限公司", "上海智造装备有限公司",
    ]  # fmt: skip
    text = text_of(html.split('id="deal-table"', 1)[1])
    assert "未披露" in text and "5,000.00万元 – 1.00亿元" in text and "1.00亿元" in text
    assert "上海国投先导基金 领投" in text
    assert 'src="/static/vendor/echarts-5.6.0.min.js"' in html
    assert not re.search(r'(src|href)="(https?:)?//', html)


def test_overview_in_english_with_filters(client: TestClient, dataset: dict[str, int]) -> None:
    log_in(client, "ops", lang="en")
    html = client.get("/observatory?year=2024&investor_type=state_owned", headers=HTML).text
    assert ">Observatory</a>" in html and "Financing events" in html
    assert '<option value="state_owned" selected>State-owned</option>' in html
    assert deal_companies(html) == ["上海智造装备有限公司"]
    assert "Events and amount over five years" in html
    assert "Total amount (range) CNY 100.00 m Estimate" in tile(html, "total-amount")
    assert "100.0%" in tile(html, "state-owned-share")
    assert [p["value"] for p in series(html, "chart-obs-trend")] == [0, 0, 1, 0, 1]
    assert "Clear filters" in html


@pytest.mark.parametrize(
    ("query", "companies"),
    [
        ("sector=platform", ["深圳云联工业软件有限公司"]),
        ("province=32", ["苏州安盾网络安全有限公司"]),
        ("stage=b", ["苏州安盾网络安全有限公司"]),
        ("year=2023", ["上海智造装备有限公司"]),
        ("year=2021", []),
    ],
)
def test_each_filter_narrows_the_deals_and_the_tiles(
    client: TestClient, dataset: dict[str, int], query: str, companies: list[str]
) -> None:
    log_in(client, "ops", lang="zh")
    html = client.get(f"/observatory?{query}", headers=HTML).text
    assert deal_companies(html) == companies
    assert tile(html, "events").startswith(f"{2024 if 'year' not in query else query[-4:]}")
    assert f"共 {len(companies)} 起" in html
    if not companies:
        assert "没有符合筛选条件的融资事件" in html


def test_an_unknown_filter_value_is_refused_on_a_page(
    client: TestClient, dataset: dict[str, int]
) -> None:
    log_in(client, "ops", lang="zh")
    answer = client.get("/observatory?sector=mining", headers=HTML)
    assert answer.status_code == 422
    assert "mining" in answer.text


def test_the_deal_table_is_paged(client: TestClient, db: Database) -> None:
    with db.transaction() as s:
        operator = factories.create_party(s, kind="operator")
        factories.create_user(s, operator, username="ops")
        org = factories.create_obs_organisation(s)
        for day in range(1, 28):
            factories.create_obs_round(s, org, on=date(2024, 1, day))
    log_in(client, "ops", lang="zh")
    html = client.get("/observatory?sector=intelligent_equipment", headers=HTML).text
    assert html.count("<tr data-deal=") == 25
    assert 'href="/observatory?year=2024&amp;sector=intelligent_equipment&amp;offset=25"' in html
    second = client.get(
        "/observatory?year=2024&sector=intelligent_equipment&offset=25", headers=HTML
    ).text
    assert second.count("<tr data-deal=") == 2


def test_reconciliation_flags_gaps(client: TestClient, dataset: dict[str, int]) -> None:
    log_in(client, "ops", lang="zh")
    html = client.get("/observatory/reconciliation", headers=HTML).text
    rows = dict(re.findall(r'<tr data-indicator="([a-z_]+)" data-status="([a-z_]+)"', html))
    assert rows["financing_events"] == "gap"  # 3 computed, 321 published
    assert rows["listed_market_turnover"] == "not_computed"
    row = html.split('data-indicator="financing_events"', 1)[1].split("</tr>", 1)[0]
    assert 'class="flagged"' in row and "偏差超过 10%" in row and "99.1%" in row
    assert 'aria-current="page">与报告对账' in html
    figures = [f for f in load_reference() if f.year == 2024]
    assert html.count("<tr data-indicator=") == len(figures)

    log_in(client, "ops", lang="en")
    english = client.get("/observatory/reconciliation?year=2024", headers=HTML).text
    assert "Gap over 10%" in english and "Financing events" in english
    assert client.get("/observatory/reconciliation?year=2019", headers=HTML).status_code == 404


def test_review_list_shows_uncertain_matches(client: TestClient, dataset: dict[str, int]) -> None:
    log_in(client, "ops", lang="zh")
    html = client.get("/observatory/review", headers=HTML).text
    text = text_of(html.split('id="review-table"', 1)[1])
    assert "上海智造装备股份公司" in text and f"#{dataset['sh']}" in text and "0.91" in text
    log_in(client, "ops", lang="en")
    assert "Name matches to review" in client.get("/observatory/review", headers=HTML).text


def test_pages_need_a_login(client: TestClient) -> None:
    answer = client.get("/observatory", headers=HTML, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=/observatory"


def test_amount_text() -> None:
    item = {"amount_kind": "band", "amount_low_fen": YI, "amount_high_fen": None}
    assert amount_text(item, "zh") == "≥ 1.00亿元"
    assert amount_text(item | {"amount_low_fen": None}, "zh") == "未披露"
    assert amount_text(item | {"amount_low_fen": None}, "en") == "undisclosed"
    exact = {"amount_kind": "exact", "amount_low_fen": 3 * YI, "amount_high_fen": 3 * YI + 1}
    assert amount_text(exact, "en") == "CNY 300.00 m"


def test_every_observatory_label_exists_in_both_languages() -> None:
    folder = files("chanrong") / "web" / "templates" / "observatory"
    used: set[str] = {"observatory"}
    for template in folder.iterdir():
        if template.name.endswith(".html"):
            used |= set(re.findall(r"\bt\('([a-z0-9_]+)'[,)]", template.read_text("utf-8")))
    used |= {f"obs_sector_{k}" for k in (*SECTORS, "unknown")}
    used |= {f"obs_stage_{k}" for k in STAGES} | {f"obs_investor_{k}" for k in INVESTOR_KINDS}
    used |= {f"obs_ref_{f.indicator}" for f in load_reference()}
    used |= {f"obs_unit_{f.unit}" for f in load_reference()}
    used |= {f"obs_status_{s}" for s in ("ok", "gap", "not_computed")}
    used |= {f"obs_tile_{k}" for k in ("events", "companies_financed", "total_amount",
                                       "average_amount", "early_stage_share", "state_owned_share")}  # fmt: skip
    missing = sorted(used - set(LABELS))
    assert not missing, f"labels used but not defined: {missing}"
    for key in used:
        zh, en = LABELS[key]
        assert zh.strip() and en.strip(), key
