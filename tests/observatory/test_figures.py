"""The report's figures: their data from the indicator queries, PNG and SVG output with a CJK
font, byte-identical for the same data (on SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date

import pytest

from chanrong.observatory import figures
from tests.factories import (
    create_obs_financials,
    create_obs_investor,
    create_obs_listing,
    create_obs_organisation,
    create_obs_round,
)

YI = 10_000_000_000


@pytest.fixture
def dataset(session):
    """Rounds in 2020, 2023 and 2024; two listings in 2024, one in 2022; a state investor S
    in one 2023 round and two 2024 rounds."""
    a = create_obs_organisation(session, name="甲智能装备", province="31")
    b = create_obs_organisation(session, name="乙解决方案", province="32", sector="solutions")
    c = create_obs_organisation(session, name="丙网络", province="44", sector="network")
    s = create_obs_investor(session, name="国资S", kind="state_owned", state_level="central")
    v = create_obs_investor(session, name="风投V")
    create_obs_round(session, a, on=date(2024, 3, 5), investors=[(s, True)])
    create_obs_round(session, b, on=date(2024, 6, 1), low_fen=2 * YI, investors=[(s, False)])
    create_obs_round(session, c, on=date(2024, 7, 1), low_fen=None, investors=[(v, True)])
    create_obs_round(session, b, on=date(2024, 9, 1), low_fen=YI)
    create_obs_round(session, a, on=date(2023, 2, 1), low_fen=YI, investors=[(s, False)])
    create_obs_round(session, c, on=date(2023, 5, 1), low_fen=YI)
    create_obs_round(session, c, on=date(2020, 5, 1), low_fen=3 * YI)
    create_obs_listing(session, a, listed_on=date(2024, 6, 28), ipo_proceeds_fen=10 * YI)
    create_obs_listing(session, b, listed_on=date(2024, 8, 1), ipo_proceeds_fen=5 * YI)
    create_obs_listing(session, c, board="main", listed_on=date(2022, 1, 5), ipo_proceeds_fen=YI)
    for org, revenue in ((a, 10), (b, 20), (c, 30)):
        create_obs_financials(session, org, year=2024, revenue_fen=revenue * YI)
    create_obs_financials(session, c, year=2023, revenue_fen=25 * YI)
    return session


def test_figure_data(dataset):
    found = {f.key: f for f in figures.collect(dataset, 2024)}
    assert list(found) == ["fig1", "fig2", "fig3", "fig4", "fig5", "fig6", "table1"]
    fig1 = found["fig1"]
    assert fig1.categories == ["2020", "2021", "2022", "2023", "2024"]
    assert [s["values"] for s in fig1.series] == [[0, 0, 1, 0, 2], [0, 0, 1.0, 0, 15.0]]
    assert found["fig2"].series[0]["values"] == [0.0, 25.0, 60.0]
    assert [s["values"] for s in found["fig3"].series] == [[1, 0, 0, 2, 4], [3.0, 0, 0, 2.0, 4.0]]
    fig4 = found["fig4"]
    assert dict(zip(fig4.categories, fig4.series[0]["values"], strict=True)) == {
        "智能装备": 25.0, "网络与标识解析": 25.0, "解决方案": 50.0,
    }  # fmt: skip
    assert found["fig5"].series[0]["values"] == [0.0, 50.0, 50.0]
    assert found["fig6"].categories == ["江苏省", "上海市", "广东省"]
    assert found["fig6"].series[0]["values"] == [2, 1, 1]
    table = found["table1"]
    assert "国资S" in table.caption_zh
    assert table.rows == [["2023-02-01", "甲智能装备", "A轮"], ["2024-03-05", "甲智能装备", "A轮"],
                          ["2024-06-01", "乙解决方案", "A轮"]]  # fmt: skip
    header, rows = found["fig3"].table()
    assert len(header) == 3 and rows[-1] == ["2024", 4, 4.0]


def test_investor_of_table_one_can_be_chosen(dataset):
    name, rows = figures.investor_deals(dataset, 2024, "风投V")
    assert name == "风投V" and rows == [["2024-07-01", "丙网络", "A轮"]]
    assert figures.investor_deals(dataset, 2019) == ("", [])


def test_render_png_and_svg_deterministic(dataset, tmp_path):
    chart = figures.collect(dataset, 2024)[0]
    png, svg = figures.render(chart, tmp_path / "one")
    again = figures.render(chart, tmp_path / "two")
    assert png.read_bytes().startswith(b"\x89PNG") and svg.read_text().startswith("<?xml")
    assert png.read_bytes() == again[0].read_bytes()
    assert svg.read_bytes() == again[1].read_bytes()
    assert "<dc:date>" not in svg.read_text()


def test_no_cjk_font_is_a_clear_error(monkeypatch):
    from matplotlib import font_manager

    monkeypatch.setattr(font_manager.fontManager, "ttflist", [])
    with pytest.raises(figures.NoCjkFont, match="fonts-noto-cjk"):
        figures.cjk_font()


def test_a_cjk_font_is_installed():
    assert "CJK" in figures.cjk_font() or "Han" in figures.cjk_font()
