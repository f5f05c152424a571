"""The annual observatory report: ``build_report(session, year=Y, out=DIR)`` writes

- ``report.html`` (Jinja2 template ``web/templates/observatory/report.html``, Chinese first),
- ``report.pdf`` (WeasyPrint; when WeasyPrint cannot load, a figures-and-tables PDF drawn with
  matplotlib's PdfPages, and ``ReportFiles.pdf_engine`` says so),
- ``figures/<key>.png|svg`` for the six figures and table 1 (``figures.py``),
- ``report.xlsx``: every table of the report, one sheet per table.

The report holds the indicators with their year-on-year change, the figures with captions and
data-source lines, the reconciliation against the reference (gaps over 10% flagged) and a methods
appendix: indicator definitions, the normalisation rule tables, merged duplicates and the review
list.
"""

from __future__ import annotations

import csv
from collections import OrderedDict
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

from sqlalchemy import String, func, select
from sqlalchemy.orm import Session

from chanrong.money import format_cny
from chanrong.observatory import figures as figs
from chanrong.observatory.errors import ReferenceNotFound
from chanrong.observatory.indicators import compute_indicators
from chanrong.observatory.models import Organisation, Round
from chanrong.observatory.reconciliation import reconcile
from chanrong.observatory.service import list_review

# Indicator labels and definitions, condensed from docs/observatory-indicators.md.
DEFINITIONS: dict[str, tuple[str, str]] = {
    "events": ("融资事件数", "rounds of the year; duplicate reports merged, each round once"),
    "companies_financed": ("获融资企业数", "distinct organisations with a round in the year"),
    "disclosed_sum_fen": ("披露金额合计", "sum of the rounds with an exact amount"),
    "estimated_fen": ("估计融资总额", "sum of range midpoints; an open band counts its low end"),
    "estimated_low_fen": ("估计总额下限", "sum of the low ends of the amount ranges"),
    "estimated_high_fen": ("估计总额上限", "sum of the closed high ends; none if a band is open"),
    "open_ended_events": ("开口区间事件数", "rounds whose amount band has no upper end"),
    "events_with_amount": ("有金额事件数", "rounds with an exact or band amount"),
    "undisclosed_events": ("未披露金额事件数", "events - events with an amount"),
    "average_amount_fen": ("平均单笔金额", "estimated total // events with an amount"),
    "early_stage_events": ("早期轮次事件数", "seed, angel, pre-A, A and A+ rounds"),
    "early_stage_share": ("早期轮次占比", "early-stage events / events"),
    "state_owned_events": ("国资参与事件数", "rounds with at least one state-owned investor"),
    "state_owned_share": ("国资参与占比", "state-owned events / events"),
    "listed_companies": ("年末上市企业数", "listed on or before 31 Dec and not delisted by then"),
    "new_listings": ("新上市企业数", "listings dated in the year"),
    "new_listings_by_board": ("分板块新上市", "new listings per board"),
    "ipo_proceeds_fen": ("首发募资总额", "IPO proceeds of the year's listings"),
    "ipo_proceeds_average_fen": ("平均首发募资", "proceeds // listings with known proceeds"),
    "listed_with_financials": ("有财务数据的上市企业", "listed at year end with results"),
    "listed_revenue_fen": ("上市企业营业收入", "revenue of companies listed at year end"),
    "listed_profit_fen": ("上市企业净利润", "net profit of companies listed at year end"),
    "listed_turned_profitable": ("扭亏为盈企业数", "profit > 0 this year and <= 0 the year before"),
}
RULE_FILES = ("amount_rules.csv", "rounds.csv", "currencies.csv", "fx_rates.csv")
MERGED_SHOWN = 50
RECONCILIATION_KEYS = ("indicator", "reference", "unit", "qualifier", "computed", "gap", "status")
RECONCILIATION_COLUMNS = ["指标 / indicator", "公开值 / reference", "单位 / unit",
                          "限定 / qualifier", "计算值 / computed", "差距 / gap", "状态 / status"]  # fmt: skip


@dataclass
class ReportFiles:
    """What ``build_report`` wrote."""

    html: Path
    pdf: Path
    xlsx: Path
    figures: dict[str, tuple[Path, Path]]
    pdf_engine: str  # "weasyprint" or "matplotlib"
    pdf_pages: int


def show(key: str, value: Any) -> str:
    """A value for people: money in 亿元/万元, shares in percent, dicts as ``k: v`` lists."""
    if value is None:
        return "—"
    if isinstance(value, dict):
        return "；".join(f"{k}: {v}" for k, v in value.items()) or "—"
    if key.endswith("_fen"):
        return format_cny(int(value))
    if key.endswith("_share"):
        return f"{value * 100:.1f}%"
    return str(value)


def _change(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:+.1f}%"


def _rules() -> list[dict[str, Any]]:
    """The normalisation rule tables, one row per rule id with its tokens joined."""
    tables = []
    for name in RULE_FILES:
        text = (files("chanrong.observatory") / "rules" / name).read_text(encoding="utf-8")
        rows = list(csv.DictReader(text.splitlines()))
        if "rule_id" in rows[0] and "token" in rows[0]:
            grouped: OrderedDict[str, dict[str, str]] = OrderedDict()
            for row in rows:
                entry = grouped.setdefault(row["rule_id"], dict(row) | {"token": ""})
                token = row["token"] or "（空）"
                entry["token"] = f"{entry['token']}, {token}" if entry["token"] else token
            rows = list(grouped.values())
        tables.append({"name": name, "columns": list(rows[0]), "rows": rows})
    return tables


def _merged(session: Session, year: int) -> tuple[int, list[list[Any]]]:
    """Rounds of ``year`` reported by more than one source (duplicates merged at import)."""
    found = [
        [day.isoformat(), company, label, " | ".join(sources)]
        for day, company, label, sources in session.execute(
            select(Round.date_start, Organisation.name, Round.round_label, Round.sources)
            .join(Organisation, Organisation.id == Round.organisation_id)
            .where(Round.year == year)
            .order_by(Round.date_start, Organisation.name)
        )
        if len(sources or []) > 1
    ]
    return len(found), found[:MERGED_SHOWN]


def _counts(group: dict[str, Any]) -> list[Any]:
    return [group["events"], group["companies"], format_cny(group["estimated_fen"])]


def _table(title: str, columns: list[str], rows: list[list[Any]]) -> dict[str, Any]:
    return {"title": title, "columns": columns, "rows": rows}


def gather(session: Session, year: int, investor: str | None = None) -> dict[str, Any]:
    """Everything the report shows, as plain data (also the XLSX's tables)."""
    ind = compute_indicators(session, year=year)
    try:
        recon = reconcile(session, year=year)
    except ReferenceNotFound:
        recon = []
    figure_set = figs.collect(session, year, investor)
    merged_count, merged = _merged(session, year)
    review = list_review(session)
    v, prev = ind["values"], ind["previous"]
    indicator_rows = [
        [DEFINITIONS[k][0], k, show(k, v[k]), show(k, prev.get(k)), _change(ind["change"][k])]
        for k in v
    ]
    tables: dict[str, dict[str, Any]] = {
        "indicators": _table(
            f"{year}年指标 / Indicators {year}",
            ["指标", "key", str(year), str(year - 1), "同比 / YoY"],
            indicator_rows,
        ),
        "raw": _table(
            "指标原值 / Raw values (fen, fractions)",
            ["key", str(year), str(year - 1), "change"],
            [[k, _raw(v[k]), _raw(prev.get(k)), ind["change"][k]] for k in v],
        ),
        "sectors": _table(
            "分赛道 / By sector",
            ["赛道 / sector", "事件 / events", "企业 / companies", "估计金额 / estimated"],
            [[figs.SECTOR_NAMES.get(k, (k,))[0], *_counts(s)] for k, s in ind["by_sector"].items()],
        ),
        "provinces": _table(
            "前十省份 / Top 10 provinces",
            ["省份 / province", "事件 / events", "企业 / companies", "估计金额 / estimated"],
            [
                [figs.PROVINCES.get(p["province"], ("",))[0], *_counts(p)]
                for p in ind["by_province"]
            ],
        ),
        "investors": _table(
            "最活跃投资方 / Most active investors",
            ["投资方 / investor", "类型 / type", "事件 / events", "领投 / led"],
            [[i["name"], i["kind"], i["events"], i["led"]] for i in ind["most_active_investors"]],
        ),
        "reconciliation": _table(
            "与公开数据核对 / Reconciliation with the published figures",
            RECONCILIATION_COLUMNS,
            [[r[k] or "—" for k in RECONCILIATION_KEYS] for r in recon],
        ),
        "merged": _table(
            "合并的重复事件 / Duplicate events merged",
            ["日期 / date", "企业 / company", "轮次 / round", "来源 / sources"],
            merged,
        ),
        "review": _table(
            "待复核名称匹配 / Review list",
            ["名称 / name", "候选 / candidate", "得分 / score", "原因 / reason"],
            [[r["name"], _candidate_name(r), r["score"], r["reason"]] for r in review],
        ),
    }
    for figure in figure_set:
        header, rows = figure.table()
        tables[figure.key] = _table(figure.caption, header, rows)
    return {
        "year": year,
        "indicators": ind,
        "figures": figure_set,
        "tables": tables,
        "reconciliation": recon,
        "gaps": sum(1 for r in recon if r["status"] == "gap"),
        "merged_count": merged_count,
        "review_count": len(review),
        "synthetic_rounds": _synthetic_rounds(session, year),
        "definitions": DEFINITIONS,
        "rules": _rules(),
    }


def _candidate_name(item: dict[str, Any]) -> str:
    candidate = item.get("candidate")
    return candidate["name"] if candidate else str(item["candidate_id"])


def _synthetic_rounds(session: Session, year: int) -> int:
    """Rounds of ``year`` that come from the synthetic generator (sources ``synthetic:...``)."""
    query = select(func.count(Round.id)).where(
        Round.year == year, Round.sources.cast(String).like("%synthetic:%")
    )
    return int(session.scalar(query) or 0)


def _raw(value: Any) -> Any:
    return ", ".join(f"{k}={x}" for k, x in value.items()) if isinstance(value, dict) else value


def write_xlsx(path: Path, tables: dict[str, dict[str, Any]]) -> None:
    """One sheet per table, named by the table's key, with a bold header row."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    for key, table in tables.items():
        sheet = workbook.create_sheet(key[:31])
        sheet.append([table["title"]])
        sheet.append(table["columns"])
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in table["rows"]:
            sheet.append(list(row))
        for column in sheet.iter_cols(min_row=2, max_row=2):
            sheet.column_dimensions[column[0].column_letter].width = 18
    workbook.save(path)


def render_html(data: dict[str, Any], image_ext: str = "svg") -> str:
    """The report's HTML (figures linked as ``figures/<key>.<image_ext>``)."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    templates = files("chanrong.web") / "templates" / "observatory"
    env = Environment(loader=FileSystemLoader(str(templates)), autoescape=select_autoescape())
    return env.get_template("report.html").render(**data, image_ext=image_ext)


def _pdf_weasyprint(html: str, pdf: Path) -> int:
    from weasyprint import HTML

    document = HTML(string=html, base_url=str(pdf.parent)).render()
    document.write_pdf(str(pdf))
    return len(document.pages)


def _pdf_matplotlib(pdf: Path, data: dict[str, Any]) -> int:
    """Fallback: each figure on a page, then the indicator and reconciliation tables."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    tables = data["tables"]
    fonts = {"font.sans-serif": [figs.cjk_font()], "font.family": "sans-serif"}
    with plt.rc_context(fonts), PdfPages(pdf, metadata={"CreationDate": None}) as pages:
        for figure in data["figures"]:
            page = plt.figure(figsize=(8.27, 11.69))
            ax = page.add_axes((0.05, 0.35, 0.9, 0.6))
            ax.imshow(plt.imread(figure_path(pdf.parent, figure.key, "png")))
            ax.axis("off")
            pages.savefig(page)
            plt.close(page)
        for key in ("indicators", "reconciliation"):
            page = plt.figure(figsize=(8.27, 11.69))
            ax = page.add_subplot(1, 1, 1)
            ax.axis("off")
            ax.set_title(tables[key]["title"])
            if tables[key]["rows"]:
                rows, columns = tables[key]["rows"], tables[key]["columns"]
                ax.table(cellText=rows, colLabels=columns, loc="upper center", fontsize=7)
            pages.savefig(page)
            plt.close(page)
        return int(pages.get_pagecount())


def figure_path(out: Path, key: str, ext: str) -> Path:
    return out / "figures" / f"{key}.{ext}"


def build_report(
    session: Session, *, year: int, out: Path, investor: str | None = None
) -> ReportFiles:
    """Write the report of ``year`` into ``out`` (created if missing)."""
    out.mkdir(parents=True, exist_ok=True)
    data = gather(session, year, investor)
    rendered = {f.key: figs.render(f, out / "figures") for f in data["figures"]}
    html, pdf, xlsx = out / "report.html", out / "report.pdf", out / "report.xlsx"
    html.write_text(render_html(data), encoding="utf-8")
    write_xlsx(xlsx, data["tables"])
    try:
        # The PDF takes the PNG figures: WeasyPrint draws matplotlib's SVG glyph by glyph,
        # which made a report take half a minute; the PNGs print sharp at their resolution.
        pages, engine = _pdf_weasyprint(render_html(data, "png"), pdf), "weasyprint"
    except (ImportError, OSError):  # WeasyPrint or its pango libraries are missing
        pages, engine = _pdf_matplotlib(pdf, data), "matplotlib"
    return ReportFiles(html, pdf, xlsx, rendered, engine, pages)
