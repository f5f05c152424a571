"""The demo's observatory: the shipped real sample, a SYNTHETIC five-year dataset, the report.

``fill_observatory(session, seed=...)`` loads the deals the 2024 report names
(``observatory.service.load_sample``, real and public) and a small SYNTHETIC dataset of
``SYNTHETIC_EVENTS`` rounds over ``SYNTHETIC_ORGS`` organisations from
``observatory.synthetic_deals.DealGenerator`` (every synthetic round carries the source
``synthetic:<seed>:<outlet>``). Both are safe to run again: the sample changes nothing the second
time and the synthetic load is skipped when synthetic rounds are already there. It never commits.

``write_report(session, out)`` writes the annual report of ``REPORT_YEAR`` through the same code
as ``chanrong observatory report`` (``observatory.report.build_report``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from chanrong.observatory import service
from chanrong.observatory.errors import SyntheticAlreadyLoaded
from chanrong.observatory.report import ReportFiles, build_report
from chanrong.observatory.synthetic_deals import DealGenerator

SYNTHETIC_EVENTS = 4_000
"""Synthetic financing rounds (2020-2024) the demo loads."""
SYNTHETIC_ORGS = 800
"""Synthetic organisations the rounds are spread over."""
REPORT_YEAR = 2024
"""The year of the report the demo writes."""
REPORT_FILES = ("report.html", "report.pdf", "report.xlsx")


@dataclass(frozen=True)
class ObservatoryFill:
    """What ``fill_observatory`` loaded, and what the report year holds afterwards."""

    sample_rounds: int  # rounds the real sample created (0 when it was already there)
    synthetic: dict[str, int] | None  # the generator's counts; None when already loaded
    events: int  # financing events of REPORT_YEAR, counted by the indicators
    companies: int  # organisations financed in REPORT_YEAR

    @property
    def changed(self) -> bool:
        """Whether this run loaded anything."""
        return bool(self.sample_rounds) or self.synthetic is not None


def fill_observatory(
    session: Session, *, seed: int, tick: Callable[[int], None] | None = None
) -> ObservatoryFill:
    """Load the real sample and the SYNTHETIC dataset of ``seed``; skip what is already there.

    ``tick(n)`` is called after each batch of ``n`` synthetic rounds. Never commits."""
    sample = service.load_sample(session)
    try:
        generator = DealGenerator(events=SYNTHETIC_EVENTS, orgs=SYNTHETIC_ORGS, seed=seed)
        synthetic: dict[str, int] | None = generator.insert_into(session, batch=1_000, tick=tick)
    except SyntheticAlreadyLoaded:
        synthetic = None
    values = service.compute_indicators(session, year=REPORT_YEAR)["values"]
    return ObservatoryFill(
        sample.created, synthetic, values["events"], values["companies_financed"]
    )


def report_directory(data_dir: Path) -> Path:
    """Where the demo writes the report: ``<data_dir>/reports/observatory-<year>``."""
    return data_dir / "reports" / f"observatory-{REPORT_YEAR}"


def report_present(out: Path) -> bool:
    """Whether ``out`` holds a written report (HTML, PDF and XLSX)."""
    return all((out / name).is_file() for name in REPORT_FILES)


def write_report(session: Session, out: Path) -> ReportFiles:
    """Write the report of ``REPORT_YEAR`` into ``out``, as ``chanrong observatory report``."""
    return build_report(session, year=REPORT_YEAR, out=out)
