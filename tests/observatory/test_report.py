"""The annual report: HTML, PDF, figures and an XLSX of every table, from a small factory dataset
and the shipped named deals (on SQLite and PostgreSQL), and through the CLI."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from chanrong.cli import app as cli
from chanrong.observatory import report, service
from chanrong.observatory.indicators import compute_indicators
from chanrong.settings import get_settings
from tests.factories import (
    create_obs_financials,
    create_obs_investor,
    create_obs_listing,
    create_obs_organisation,
    create_obs_round,
)

YI = 10_000_000_000
KEYS = ("fig1", "fig2", "fig3", "fig4", "fig5", "fig6", "table1")
DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.fixture
def dataset(session):
    service.load_sample(session)
    a = create_obs_organisation(session, name="甲智能装备", province="31")
    b = create_obs_organisation(session, name="乙解决方案", province="32", sector="solutions")
    s = create_obs_investor(session, name="国资S", kind="state_owned")
    create_obs_round(session, a, on=date(2024, 3, 5), investors=[(s, True)], sources=["x", "y"])
    create_obs_round(session, b, on=date(2023, 6, 1), low_fen=2 * YI)
    create_obs_listing(session, a, listed_on=date(2024, 6, 28), ipo_proceeds_fen=10 * YI)
    create_obs_financials(session, a, year=2024, revenue_fen=10 * YI)
    return session


def _check_outputs(files: report.ReportFiles, events: int, investor: str = "深创投") -> None:
    html = files.html.read_text(encoding="utf-8")
    assert set(files.figures) == set(KEYS)
    for key in KEYS:
        png, svg = files.figures[key]
        assert png.read_bytes().startswith(b"\x89PNG") and svg.stat().st_size > 1000
        assert f'src="figures/{key}.svg"' in html
    for caption in ("上市企业数量与首发募资额", "上市企业营业收入", "融资事件数与融资金额",
                    "赛道分布", "国资背景投资方", "前十省份", f"{investor}投资的企业"):  # fmt: skip
        assert caption in html
    assert "数据来源" in html and "附录" in html and "amount_rules.csv" in html
    assert files.pdf.read_bytes().startswith(b"%PDF") and files.pdf_pages > 1
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(files.pdf)], capture_output=True, text=True)
        pages = [line.split()[1] for line in info.stdout.splitlines() if line.startswith("Pages:")]
        assert pages == [str(files.pdf_pages)]
    workbook = load_workbook(files.xlsx)
    assert {"indicators", "raw", "reconciliation", "merged", *KEYS} <= set(workbook.sheetnames)
    raw = {r[0]: r[1] for r in workbook["raw"].iter_rows(min_row=3, values_only=True)}
    assert raw["events"] == events


def test_report_files(dataset, tmp_path):
    files = report.build_report(dataset, year=2024, out=tmp_path / "out")
    values = compute_indicators(dataset, year=2024)["values"]
    _check_outputs(files, values["events"])
    assert files.pdf_engine == "weasyprint"
    data = report.gather(dataset, 2024)
    assert data["merged_count"] == 1 and data["tables"]["merged"]["rows"][0][1] == "甲智能装备"
    shown = {r[1]: r for r in data["tables"]["indicators"]["rows"]}
    assert shown["ipo_proceeds_fen"][2] == "10.00亿元" and shown["events"][2] == "12"
    flagged = [r for r in data["reconciliation"] if r["status"] == "gap"]
    assert flagged and data["gaps"] == len(flagged)
    if shutil.which("pdftoppm"):
        subprocess.run(
            ["pdftoppm", "-png", "-r", "40", "-f", "3", "-l", "3", str(files.pdf),
             str(tmp_path / "page")], check=True,
        )  # fmt: skip
        assert next(tmp_path.glob("page*.png")).stat().st_size > 1000


def test_pdf_fallback_without_weasyprint(dataset, tmp_path, monkeypatch):
    def missing(*_args: object) -> int:
        raise OSError("cannot load library 'libpango-1.0-0'")

    monkeypatch.setattr(report, "_pdf_weasyprint", missing)
    files = report.build_report(dataset, year=2024, out=tmp_path)
    assert files.pdf_engine == "matplotlib" and files.pdf_pages == len(KEYS) + 2
    assert files.pdf.read_bytes().startswith(b"%PDF")


def test_every_indicator_is_defined(dataset):
    values = compute_indicators(dataset, year=2024)["values"]
    assert set(report.DEFINITIONS) == set(values)
    text = (DOCS / "observatory-indicators.md").read_text(encoding="utf-8")
    assert [k for k in report.DEFINITIONS if f"`{k}`" not in text] == []


def test_cli_report(tmp_path, monkeypatch):
    monkeypatch.setenv("CHANRONG_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("CHANRONG_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    try:
        assert CliRunner().invoke(cli, ["observatory", "load-sample"]).exit_code == 0
        out = tmp_path / "report"
        result = CliRunner().invoke(
            cli, ["observatory", "report", "--year", "2024", "--out", str(out)]
        )
        assert result.exit_code == 0, result.output
        assert "report.pdf" in result.output and "7 figures" in result.output
        for name in ("report.html", "report.pdf", "report.xlsx", "figures/fig6.svg"):
            assert (out / name).exists()
    finally:
        get_settings.cache_clear()
