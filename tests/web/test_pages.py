"""Console pages without a browser: login, homes per kind of party in both languages, party
pages, the resolver fragment, error pages, languages and static files."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from html import unescape
from importlib.resources import files

import pytest
from fastapi.testclient import TestClient

from chanrong.db import Database
from chanrong.identifiers.core import FIELD_TYPES
from chanrong.money import format_cny
from chanrong.web.i18n import LABELS, translate
from tests import factories
from tests.factories import PASSWORD
from tests.web.conftest import HTML, HTMX, log_in, text_of

HANDLE = factories.DEVICE_HANDLE
PRICE_FEN = factories.DEVICE_PRICE_FEN


@dataclass(frozen=True)
class World:
    operator_id: int
    owner_id: int
    other_id: int
    bank_id: int


@pytest.fixture
def world(db: Database) -> World:
    """One party of each kind with a user each; the owner has a prefix and an identifier."""
    with db.transaction() as s:
        operator = factories.create_party(
            s, kind="operator", name="产融平台运营中心", province="11", city="北京市"
        )
        factories.create_user(s, operator, username="ops", display_name="王运营")
        owner, _prefix = factories.create_device_owner(s)
        factories.create_api_key(s, owner)
        other = factories.create_party(
            s, name="苏州华纺织造有限公司", province="32", city="苏州市", industry="C17"
        )
        factories.create_user(s, other, username="other", display_name="李采购")
        bank = factories.create_party(s, kind="institution", name="宁波通商银行")
        factories.create_user(s, bank, username="banker", display_name="陈经理")
        return World(operator.id, owner.id, other.id, bank.id)


def chart_series(html: str, element_id: str) -> list[dict[str, object]]:
    """The JSON points a chart element carries in its data-series attribute."""
    found = re.search(rf"id=\"{element_id}\"[^>]*data-series='([^']*)'", html)
    assert found, f"no chart #{element_id}"
    return json.loads(unescape(found.group(1)))


# login and logout ---------------------------------------------------------------------------


def test_login_sets_the_session_cookie_and_redirects(client: TestClient, world: World) -> None:
    answer = client.post(
        "/login", data={"username": "owner", "password": PASSWORD}, follow_redirects=False
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/"
    cookies = answer.headers.get_list("set-cookie")
    session_cookie = next(c for c in cookies if c.startswith("chanrong_session="))
    assert "httponly" in session_cookie.lower()
    assert "samesite=strict" in session_cookie.lower()
    assert any(c.startswith("chanrong_lang=zh") for c in cookies)
    home = client.get("/")
    assert home.status_code == 200
    assert "张经理" in home.text


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/parties?kind=enterprise", "/parties?kind=enterprise"),
        ("//evil.example", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
    ],
)
def test_login_goes_on_to_next_only_within_the_site(
    client: TestClient, world: World, target: str, expected: str
) -> None:
    answer = client.post(
        "/login",
        data={"username": "owner", "password": PASSWORD, "next": target},
        follow_redirects=False,
    )
    assert answer.headers["location"] == expected


def test_wrong_password_shows_the_message_and_sets_no_session(
    client: TestClient, world: World
) -> None:
    answer = client.post("/login", data={"username": "owner", "password": "wrong"})
    assert answer.status_code == 401
    assert "用户名或密码错误" in answer.text
    assert 'value="owner"' in answer.text
    assert "chanrong_session" not in client.cookies
    client.cookies.set("chanrong_lang", "en")
    answer = client.post("/login", data={"username": "nobody", "password": "wrong"})
    assert "Wrong username or password" in answer.text


def test_logout_ends_the_session(client: TestClient, world: World) -> None:
    log_in(client, "owner")
    answer = client.post("/logout", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login"
    client.cookies.clear()
    assert client.get("/", headers=HTML, follow_redirects=False).status_code == 303


def test_unauthenticated_pages_redirect_to_login_with_next(client: TestClient) -> None:
    answer = client.get("/parties", headers=HTML, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=/parties"
    answer = client.get("/parties?kind=enterprise&q=宁波", headers=HTML, follow_redirects=False)
    assert answer.headers["location"].startswith("/login?next=/parties%3Fkind%3Denterprise")
    page = client.get(answer.headers["location"])
    assert 'name="next" value="/parties?kind=enterprise&amp;q=%E5%AE%81%E6%B3%A2"' in page.text


def test_htmx_requests_without_a_session_are_sent_to_the_login_page(client: TestClient) -> None:
    answer = client.get(f"/identifiers/resolve?handle={HANDLE}", headers=HTMX)
    assert answer.status_code == 200
    assert answer.headers["hx-redirect"] == "/login?next=/identifiers"


# home pages -----------------------------------------------------------------------------------


HOME_EXPECTATIONS = {
    "ops": ("chart-provinces", ["platform_overview", "parties_by_province", "identifiers_by_type"]),
    "owner": ("chart-types", ["my_party", "prefixes", "identifiers_by_type", "my_identifiers"]),
    "banker": ("chart-provinces", ["enterprises_by_province", "enterprises_by_industry"]),
}


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("username", list(HOME_EXPECTATIONS))
def test_home_renders_for_each_kind_of_party_in_both_languages(
    client: TestClient, world: World, username: str, lang: str
) -> None:
    log_in(client, username, lang=lang)
    answer = client.get("/")
    assert answer.status_code == 200
    html = answer.text
    assert f'<html lang="{"en" if lang == "en" else "zh-CN"}">' in html
    chart, labels = HOME_EXPECTATIONS[username]
    assert f'id="{chart}"' in html
    assert "/static/vendor/echarts-5.6.0.min.js" in html
    text = text_of(html)
    for key in ["welcome", "home", "parties", "identifiers", *labels]:
        assert translate(key, lang) in text, key
    other_lang = "zh" if lang == "en" else "en"
    assert translate("platform_overview", other_lang) not in text
    assert translate("my_party", other_lang) not in text


def test_operator_home_counts_the_platform(client: TestClient, world: World) -> None:
    log_in(client, "ops", lang="en")
    html = client.get("/").text
    assert re.search(r'id="stat-parties">4<', html)
    assert re.search(r'id="stat-enterprises">2<', html)
    assert re.search(r'id="stat-institutions">1<', html)
    assert re.search(r'id="stat-identifiers">1<', html)
    series = {p["name"]: p for p in chart_series(html, "chart-provinces")}
    assert series["Zhejiang"]["value"] == 2
    assert series["Zhejiang"]["href"] == "/parties?province=33"
    assert series["Beijing"]["value"] == 1


def test_enterprise_home_shows_its_prefixes_and_identifiers_by_type(
    client: TestClient, world: World
) -> None:
    log_in(client, "owner")
    html = client.get("/").text
    assert "宁波精工模具有限公司" in html
    assert "88.1001.12" in html
    assert re.search(r'id="stat-my-identifiers">1<', html)
    assert chart_series(html, "chart-types") == [{"name": "设备", "value": 1}]
    assert HANDLE in html


def test_enterprise_without_identifiers_gets_no_empty_chart(
    client: TestClient, world: World
) -> None:
    log_in(client, "other", lang="en")
    html = client.get("/").text
    assert 'id="chart-types"' not in html
    assert "No identifiers registered yet" in text_of(html)


def test_institution_home_counts_enterprises_by_province_and_industry(
    client: TestClient, world: World
) -> None:
    log_in(client, "banker")
    html = client.get("/").text
    assert re.search(r'id="stat-enterprises">2<', html)
    series = {p["name"]: p["value"] for p in chart_series(html, "chart-provinces")}
    assert series == {"浙江省": 1, "江苏省": 1}  # enterprises only: the bank is not counted
    industries = text_of(html.split('id="industries"', 1)[1].split("</table>", 1)[0])
    assert "C35 专用设备制造业 1 50%" in industries
    assert "C17 纺织业 1 50%" in industries


# parties ------------------------------------------------------------------------------------


def party_names(html: str) -> list[str]:
    table = html.split('id="party-table"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<a href="/parties/\d+">([^<]+)</a>', table)


def test_party_list_filters(client: TestClient, world: World) -> None:
    log_in(client, "owner")
    assert len(party_names(client.get("/parties").text)) == 4
    assert party_names(client.get("/parties?kind=institution").text) == ["宁波通商银行"]
    assert party_names(client.get("/parties?province=32").text) == ["苏州华纺织造有限公司"]
    assert party_names(client.get("/parties?q=精工").text) == ["宁波精工模具有限公司"]
    assert party_names(client.get("/parties?role=bank").text) == ["宁波通商银行"]
    both = party_names(client.get("/parties?kind=enterprise&province=33").text)
    assert both == ["宁波精工模具有限公司"]
    empty = client.get("/parties?kind=enterprise&province=11").text
    assert party_names(empty) == []
    assert "没有符合条件的主体" in empty
    assert '<option value="11" selected>' in empty


def test_party_list_pages(client: TestClient, db: Database, world: World) -> None:
    with db.transaction() as s:
        for _ in range(26):
            factories.create_party(s)
    log_in(client, "owner", lang="en")
    first = client.get("/parties?kind=enterprise").text
    assert len(party_names(first)) == 25
    assert "28 parties found" in text_of(first)
    assert 'href="/parties?kind=enterprise&amp;offset=25"' in first
    second = client.get("/parties?kind=enterprise&offset=25").text
    assert len(party_names(second)) == 3
    assert "Previous" in second and "Next →" not in second


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_party_page_shows_users_and_keys_to_its_own_members_only(
    client: TestClient, world: World, lang: str
) -> None:
    log_in(client, "owner", lang=lang)
    own = client.get(f"/parties/{world.owner_id}")
    assert own.status_code == 200
    assert 'id="party-users"' in own.text and 'id="party-keys"' in own.text
    assert "<code>owner</code>" in own.text
    assert "88.1001.12" in own.text
    assert translate("your_party", lang) in own.text

    log_in(client, "other", lang=lang)
    theirs = client.get(f"/parties/{world.owner_id}")
    assert theirs.status_code == 200
    assert "宁波精工模具有限公司" in theirs.text
    assert 'id="party-users"' not in theirs.text
    assert 'id="party-keys"' not in theirs.text
    assert "<code>owner</code>" not in theirs.text
    assert translate("registry_info", lang) in theirs.text


def test_unknown_party_is_an_html_error_page_for_browsers(client: TestClient, world: World) -> None:
    log_in(client, "owner", lang="en")
    page = client.get("/parties/999999", headers=HTML)
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert 'id="error-page"' in page.text
    assert "No party with id 999999." in page.text
    assert "Back to home" in page.text
    assert "张经理" in page.text  # still logged in: the top bar shows the user
    problem = client.get("/parties/999999", headers={"accept": "application/json"})
    assert problem.status_code == 404
    assert problem.headers["content-type"].startswith("application/problem+json")
    assert problem.json()["type"] == "urn:chanrong:problem:party-not-found"


def test_unknown_path_is_an_html_error_page_in_chinese(client: TestClient) -> None:
    page = client.get("/no-such-page", headers=HTML)
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "未找到" in page.text and "返回首页" in page.text


# identifiers --------------------------------------------------------------------------------


def test_identifiers_page_lists_own_identifiers_and_resolves_inline(
    client: TestClient, world: World
) -> None:
    log_in(client, "owner")
    page = client.get("/identifiers")
    assert page.status_code == 200
    assert 'hx-get="/identifiers/resolve"' in page.text
    assert HANDLE in page.text
    with_result = client.get(f"/identifiers?handle={HANDLE}")
    assert 'id="resolution-result"' in with_result.text
    assert format_cny(PRICE_FEN) in with_result.text


def test_resolve_fragment_shows_protected_fields_to_the_owner_only(
    client: TestClient, world: World
) -> None:
    log_in(client, "owner")
    mine = client.get("/identifiers/resolve", params={"handle": HANDLE}, headers=HTMX)
    assert mine.status_code == 200
    assert "<html" not in mine.text
    assert 'data-field="purchase_price"' in mine.text
    assert format_cny(PRICE_FEN) in mine.text
    assert 'id="withheld"' not in mine.text

    log_in(client, "other", lang="en")
    theirs = client.get("/identifiers/resolve", params={"handle": HANDLE}, headers=HTMX)
    assert 'data-field="model"' in theirs.text
    assert 'data-field="purchase_price"' not in theirs.text
    assert "CNY" not in theirs.text
    assert "1 protected field(s) withheld" in text_of(theirs.text)


def test_resolve_fragment_reports_errors_in_place(client: TestClient, world: World) -> None:
    log_in(client, "other", lang="en")
    missing = client.get("/identifiers/resolve", params={"handle": "88.1001.12/X"}, headers=HTMX)
    assert missing.status_code == 200
    assert 'id="resolution-error"' in missing.text
    assert "Not found" in missing.text
    bad = client.get("/identifiers/resolve", params={"handle": "nonsense"}, headers=HTMX)
    assert "Invalid input" in bad.text


def test_resolve_fragment_visited_directly_redirects_to_the_page(
    client: TestClient, world: World
) -> None:
    log_in(client, "owner")
    answer = client.get("/identifiers/resolve", params={"handle": HANDLE}, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/identifiers?handle={HANDLE}"


# languages ----------------------------------------------------------------------------------


def test_language_switch_sets_the_cookie_and_remembers_the_choice(
    client: TestClient, world: World
) -> None:
    log_in(client, "owner")
    answer = client.get("/lang/en", params={"back": "/parties?kind=enterprise"},
                        follow_redirects=False)  # fmt: skip
    assert answer.status_code == 303
    assert answer.headers["location"] == "/parties?kind=enterprise"
    assert client.cookies["chanrong_lang"] == "en"
    assert "Parties" in client.get("/parties").text
    client.cookies.clear()  # a new browser: the user's stored choice applies after login
    client.post("/login", data={"username": "owner", "password": PASSWORD})
    assert client.cookies["chanrong_lang"] == "en"
    assert "Welcome" in client.get("/").text


def test_language_switch_link_returns_to_the_same_page(client: TestClient, world: World) -> None:
    log_in(client, "owner")
    html = client.get("/parties?kind=enterprise").text
    assert 'href="/lang/en?back=/parties%3Fkind%3Denterprise"' in html
    answer = client.get("/lang/en?back=//evil.example", follow_redirects=False)
    assert answer.headers["location"] == "/"


def test_every_label_has_chinese_and_english_and_every_used_label_exists() -> None:
    for key, (zh, en) in LABELS.items():
        assert zh.strip() and en.strip(), key
    templates = files("chanrong") / "web" / "templates"
    used: set[str] = set()
    for template in [*templates.iterdir(), *(templates / "home").iterdir(),
                     *(templates / "parties").iterdir(), *(templates / "identifiers").iterdir()]:  # fmt: skip
        if template.name.endswith(".html"):
            used |= set(re.findall(r"\bt\('([a-z0-9_]+)'[,)]", template.read_text("utf-8")))
    used |= {f"ftype_{kind}" for kind in FIELD_TYPES}  # built as t('ftype_' ~ f.type)
    missing = sorted(used - set(LABELS))
    assert not missing, f"labels used in templates but not defined: {missing}"


# static files -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "kind", "marker"),
    [
        ("/static/vendor/htmx-2.0.11.min.js", "javascript", "htmx"),
        ("/static/vendor/echarts-5.6.0.min.js", "javascript", "echarts"),
        ("/static/js/console.js", "javascript", "data-chart"),
        ("/static/css/console.css", "text/css", ".topbar"),
        ("/static/favicon.svg", "image/svg+xml", "<svg"),
    ],
)
def test_static_files_are_served_locally(
    client: TestClient, path: str, kind: str, marker: str
) -> None:
    answer = client.get(path)
    assert answer.status_code == 200
    assert kind in answer.headers["content-type"]
    assert marker in answer.text


def test_pages_reference_no_external_resources(client: TestClient, world: World) -> None:
    log_in(client, "ops")
    for path in ["/", "/parties", f"/parties/{world.owner_id}", "/identifiers", "/login"]:
        html = client.get(path).text
        assert not re.search(r'(src|href)="(https?:)?//', html), path
