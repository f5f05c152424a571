"""The annual report's figure set, built from the indicator queries and drawn with matplotlib.

``collect(session, year)`` gathers the data of the six figures and of table 1 (one investor's
deals); ``render(figure, directory)`` writes ``<key>.png`` and ``<key>.svg``. Text is drawn with a
CJK font installed on the machine (Debian's fonts-noto-cjk); ``cjk_font()`` raises
``NoCjkFont`` when none is found. The same data always gives byte-identical files (no dates in
the metadata, a fixed SVG hash salt).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chanrong.observatory.indicators import Filters, breakdowns_series, financing_series
from chanrong.observatory.listing_indicators import listings_series
from chanrong.observatory.models import Investor, Organisation, Round, RoundInvestor
from chanrong.parties.reference import PROVINCES

FEN_PER_YI = 10_000_000_000
TABLE_ROWS_DRAWN = 40
"""Rows a table figure draws; the rest are counted in a last row (the XLSX keeps them all)."""
SOURCE = "数据来源：产融观测库（chanrong observatory）计算 / Source: chanrong observatory dataset"
PREFERRED_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK", "Source Han Sans SC", "WenQuanYi")
SECTOR_NAMES = {
    "network": ("网络与标识解析", "Network"),
    "platform": ("平台与工业软件", "Platform & software"),
    "security": ("安全", "Security"),
    "intelligent_equipment": ("智能装备", "Intelligent equipment"),
    "automation_edge": ("自动化与边缘", "Automation & edge"),
    "solutions": ("解决方案", "Solutions"),
    "unknown": ("未分类", "Unclassified"),
}
BAR, LINE = "#2f5d8a", "#d9822b"


class NoCjkFont(RuntimeError):
    """No font able to draw Chinese is installed."""


@dataclass
class Figure:
    """One figure (or table) of the report: captions, source line and the data drawn.

    Charts have ``categories`` and ``series`` (name -> values, one per category; ``axis`` 2 for
    the right-hand axis); tables have ``columns`` and ``rows``.
    """

    key: str
    number: str
    caption_zh: str
    caption_en: str
    kind: str  # bars_line, bars, barh, table
    categories: list[str] = field(default_factory=list)
    series: list[dict[str, Any]] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    source: str = SOURCE

    @property
    def caption(self) -> str:
        return f"{self.number} {self.caption_zh} / {self.caption_en}"

    def table(self) -> tuple[list[str], list[list[Any]]]:
        """The figure's data as a table (header, rows), for the XLSX export."""
        if self.kind == "table":
            return self.columns, self.rows
        header = ["类别 / category"] + [s["name"] for s in self.series]
        rows = [[c] + [s["values"][i] for s in self.series] for i, c in enumerate(self.categories)]
        return header, rows


def cjk_font() -> str:
    """The family name of an installed CJK font matplotlib can use."""
    from matplotlib import font_manager

    names = sorted({f.name for f in font_manager.fontManager.ttflist})
    for wanted in PREFERRED_FONTS:
        for name in names:
            if name.startswith(wanted):
                return name
    for name in names:
        if "CJK" in name or "Han" in name:
            return name
    raise NoCjkFont(
        "no CJK font found: install Debian's fonts-noto-cjk (apt-get install fonts-noto-cjk) "
        "and remove matplotlib's font cache (~/.cache/matplotlib) so that it is found"
    )


def _yi(fen: int | None) -> float:
    return round((fen or 0) / FEN_PER_YI, 2)


def _years(year: int, n: int) -> list[int]:
    return list(range(year - n + 1, year + 1))


def _province(code: str) -> str:
    return PROVINCES.get(code, (code, code))[0]


def investor_deals(session: Session, year: int, investor: str | None = None) -> tuple[str, list]:
    """Table 1: the deals of ``investor`` (by default the investor with most rounds up to
    ``year``, ties by name) up to ``year``: (name, [[date, company, round], ...])."""
    if investor is None:
        investor = session.scalar(
            select(Investor.name)
            .join(RoundInvestor, RoundInvestor.investor_id == Investor.id)
            .join(Round, Round.id == RoundInvestor.round_id)
            .where(Round.year <= year)
            .group_by(Investor.id, Investor.name)
            .order_by(func.count(Round.id).desc(), Investor.name)
            .limit(1)
        )
    if investor is None:
        return "", []
    deals = session.execute(
        select(Round.date_start, Round.date_precision, Organisation.name, Round.round_label)
        .join(Organisation, Organisation.id == Round.organisation_id)
        .join(RoundInvestor, RoundInvestor.round_id == Round.id)
        .join(Investor, Investor.id == RoundInvestor.investor_id)
        .where(Investor.name == investor, Round.year <= year)
        .order_by(Round.date_start, Organisation.name)
    )
    rows = []
    for day, precision, company, label in deals:
        text = {"year": f"{day:%Y}", "month": f"{day:%Y-%m}"}.get(precision, day.isoformat())
        rows.append([text, company, label])
    return investor, rows


def collect(session: Session, year: int, investor: str | None = None) -> list[Figure]:
    """The six figures and table 1 of the report on ``year``."""
    f = Filters()
    five, three = _years(year, 5), _years(year, 3)
    fin = financing_series(session, five, f)
    lst = listings_series(session, five, f)
    now = breakdowns_series(session, [year], f)[year]
    sectors = now["by_sector"]
    total = sum(s["events"] for s in sectors.values())
    name, deals = investor_deals(session, year, investor)
    return [
        Figure(
            "fig1", "图1", f"{five[0]}—{year}年新上市企业数量与首发募资额",
            f"New listings and IPO proceeds, {five[0]}-{year}", "bars_line",
            [str(y) for y in five],
            [
                {"name": "新上市企业（家）/ new listings", "values": [lst[y]["new_listings"] for y in five]},
                {"name": "首发募资（亿元）/ IPO proceeds (100m CNY)", "axis": 2,
                 "values": [_yi(lst[y]["ipo_proceeds_fen"]) for y in five]},
            ],
        ),
        Figure(
            "fig2", "图2", f"{three[0]}—{year}年上市企业营业收入",
            f"Revenue of listed companies, {three[0]}-{year}", "bars",
            [str(y) for y in three],
            [{"name": "营业收入（亿元）/ revenue (100m CNY)",
              "values": [_yi(lst[y]["listed_revenue_fen"]) for y in three]}],
        ),
        Figure(
            "fig3", "图3", f"{five[0]}—{year}年融资事件数与融资金额",
            f"Financing events and amount, {five[0]}-{year}", "bars_line",
            [str(y) for y in five],
            [
                {"name": "融资事件（起）/ events", "values": [fin[y]["events"] for y in five]},
                {"name": "融资金额（亿元，估计）/ amount (100m CNY, estimated)", "axis": 2,
                 "values": [_yi(fin[y]["estimated_fen"]) for y in five]},
            ],
        ),
        Figure(
            "fig4", "图4", f"{year}年融资事件的赛道分布",
            f"Share of financing events by sector, {year}", "barh",
            [SECTOR_NAMES.get(k, (k, k))[0] for k in sectors],
            [{"name": "事件占比（%）/ share of events (%)",
              "values": [round(100 * s["events"] / total, 1) if total else 0.0
                         for s in sectors.values()]}],
        ),
        Figure(
            "fig5", "图5", f"{three[0]}—{year}年有国资背景投资方参与的融资事件占比",
            f"Share of events with a state-owned investor, {three[0]}-{year}", "bars",
            [str(y) for y in three],
            [{"name": "国资参与占比（%）/ state-owned share (%)",
              "values": [round(100 * (fin[y]["state_owned_share"] or 0), 1) for y in three]}],
        ),
        Figure(
            "fig6", "图6", f"{year}年融资事件数前十省份",
            f"Top 10 provinces by financing events, {year}", "barh",
            [_province(p["province"]) for p in now["by_province"]],
            [{"name": "融资事件（起）/ events",
              "values": [p["events"] for p in now["by_province"]]}],
        ),
        Figure(
            "table1", "表1", f"{name or '（无投资方）'}投资的企业",
            f"Deals of {name or '(no investor)'}", "table",
            columns=["日期 / date", "企业 / company", "轮次 / round"], rows=deals,
        ),
    ]  # fmt: skip


def drawn_rows(figure: Figure) -> list[list[Any]]:
    """The rows a table figure draws: at most ``TABLE_ROWS_DRAWN``, then how many more there are
    (a table of hundreds of rows took minutes to draw and to lay out in the PDF)."""
    if len(figure.rows) <= TABLE_ROWS_DRAWN:
        return figure.rows
    more = len(figure.rows) - TABLE_ROWS_DRAWN
    note = [f"… 另 {more} 条 / {more} more", "见 report.xlsx / see report.xlsx", ""]
    return [*figure.rows[:TABLE_ROWS_DRAWN], note[: len(figure.columns)]]


def _draw(fig: Any, figure: Figure) -> None:
    ax = fig.add_subplot(1, 1, 1)
    cats = figure.categories
    if figure.kind == "table":
        ax.axis("off")
        rows = drawn_rows(figure) or [["—", "—", "—"]]
        table = ax.table(cellText=rows, colLabels=figure.columns, loc="upper center",
                         cellLoc="left", colLoc="left")  # fmt: skip
        table.auto_set_font_size(False)
        table.set_fontsize(9)
        table.scale(1, 1.3)
        return
    first = figure.series[0]
    if figure.kind == "barh":
        positions = list(range(len(cats)))[::-1]
        bars = ax.barh(positions, first["values"], color=BAR)
        ax.set_yticks(positions, cats)
        ax.bar_label(bars, padding=3, fontsize=8)
        ax.set_xlabel(first["name"])
    else:
        bars = ax.bar(cats, first["values"], color=BAR, label=first["name"])
        ax.set_ylim(0, max([*first["values"], 0]) * 1.15 or 1)
        ax.bar_label(bars, padding=2, fontsize=8)
        ax.set_ylabel(first["name"])
    for extra in figure.series[1:]:
        right = ax.twinx()
        right.plot(cats, extra["values"], color=LINE, marker="o", label=extra["name"])
        right.set_ylabel(extra["name"])
        right.set_ylim(bottom=0)
        handles = ax.get_legend_handles_labels()
        more = right.get_legend_handles_labels()
        ax.legend(handles[0] + more[0], handles[1] + more[1], loc="upper left", fontsize=8)
    ax.spines[["top"]].set_visible(False)


def render(figure: Figure, directory: Path) -> tuple[Path, Path]:
    """Write ``<key>.png`` and ``<key>.svg`` of ``figure`` into ``directory``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    directory.mkdir(parents=True, exist_ok=True)
    settings = {"font.family": "sans-serif", "font.sans-serif": [cjk_font(), "DejaVu Sans"],
                "axes.unicode_minus": False, "svg.hashsalt": "chanrong-observatory",
                "font.size": 9}  # fmt: skip
    with plt.rc_context(settings):
        height = 4.2 if figure.kind != "table" else max(2.4, 1.2 + 0.24 * len(drawn_rows(figure)))
        fig = plt.figure(figsize=(7.2, height), dpi=150)
        try:
            _draw(fig, figure)
            fig.suptitle(f"{figure.number} {figure.caption_zh}\n{figure.caption_en}", fontsize=10)
            fig.text(0.01, 0.01, figure.source, fontsize=7, color="#555555")
            fig.tight_layout(rect=(0, 0.04, 1, 1))
            png, svg = directory / f"{figure.key}.png", directory / f"{figure.key}.svg"
            fig.savefig(png, format="png", dpi=200, metadata={"Software": None})
            fig.savefig(svg, format="svg", metadata={"Date": None, "Creator": None})
        finally:
            plt.close(fig)
    return png, svg
