"""Deal dates as sources write them, each to a period with its precision.

``2024-03-05``, ``2024/3/5``, ``2024.3.5``, ``20240305``, ``2024年3月5日`` → day;
``2024-03``, ``2024年3月`` → month; ``2024Q1``, ``2024年一季度`` → quarter; ``2024``, ``2024年``
→ year. A period is ``[start, end)``; impossible dates (2024-02-30) and years outside
``YEAR_RANGE`` are flagged, never corrected.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from chanrong.errors import FieldError

Precision = Literal["day", "month", "quarter", "year"]
YEAR_RANGE = (1978, 2100)  # from the reform era on; a year outside is a typo
_QUARTER_WORDS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_TIME = re.compile(r"(?:[ t]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:z|[+-]\d{2}:?\d{2})?)$")

# (rule id, pattern, precision); the groups are year, then month/quarter, then day.
DATE_RULES: tuple[tuple[str, re.Pattern[str], Precision], ...] = (
    ("D_DAY", re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"), "day"),
    ("D_DAY_CJK", re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})[日号]?"), "day"),
    ("D_DAY_COMPACT", re.compile(r"(\d{4})(\d{2})(\d{2})"), "day"),
    ("D_MONTH", re.compile(r"(\d{4})[-/.](\d{1,2})"), "month"),
    ("D_MONTH_CJK", re.compile(r"(\d{4})年(\d{1,2})月份?"), "month"),
    ("D_QUARTER", re.compile(r"(\d{4})[-/]?年?第?q([1-4])"), "quarter"),
    ("D_QUARTER_CJK", re.compile(r"(\d{4})年?第?([一二三四1-4])季度?"), "quarter"),
    ("D_YEAR", re.compile(r"(\d{4})年?度?"), "year"),
)


@dataclass(frozen=True)
class DatePoint:
    """A parsed date: the period ``[start, end)`` and its precision, or a flag with a reason."""

    text: str
    start: date | None
    end: date | None
    precision: Precision | None
    rule: str | None
    reason: str | None = None

    @property
    def flagged(self) -> bool:
        """True when the text is not a date we read."""
        return self.start is None

    @property
    def year(self) -> int | None:
        """The year of the period (every precision has one)."""
        return None if self.start is None else self.start.year

    @property
    def last_day(self) -> date | None:
        """The last day inside the period."""
        return None if self.end is None else self.end - timedelta(days=1)

    def field_error(self, field_name: str) -> FieldError | None:
        """The import-report error for a flagged date, None otherwise."""
        if not self.flagged:
            return None
        return FieldError(field_name, "date_unparsed", f"{self.text!r}: {self.reason}")


def _period(year: int, part: int, day: int, precision: Precision) -> tuple[date, date]:
    if precision == "year":
        return date(year, 1, 1), date(year + 1, 1, 1)
    if precision == "quarter":
        start = date(year, 3 * part - 2, 1)
        return start, date(year + 1, 1, 1) if part == 4 else date(year, 3 * part + 1, 1)
    if precision == "month":
        return date(year, part, 1), date(year + 1, 1, 1) if part == 12 else date(year, part + 1, 1)
    start = date(year, part, day)
    return start, start + timedelta(days=1)


def parse_date(value: object) -> DatePoint:
    """A period with its precision from a date cell (text, ``date`` or ``datetime``)."""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return DatePoint(value.isoformat(), value, value + timedelta(days=1), "day", "D_DATE")
    raw = "" if value is None else str(value)
    folded = _TIME.sub("", unicodedata.normalize("NFKC", raw).strip().lower())
    folded = "".join(folded.split())
    if not folded:
        return DatePoint(raw, None, None, None, None, "no date")
    for rule_id, pattern, precision in DATE_RULES:
        match = pattern.fullmatch(folded)
        if not match:
            continue
        year = int(match.group(1))
        if not YEAR_RANGE[0] <= year <= YEAR_RANGE[1]:
            return DatePoint(raw, None, None, None, rule_id, f"year {year} is out of range")
        part = match.group(2) if precision != "year" else "1"
        part_number = _QUARTER_WORDS[part] if precision == "quarter" else int(part)
        day = int(match.group(3)) if precision == "day" else 1
        try:
            start, end = _period(year, part_number, day, precision)
        except ValueError:
            return DatePoint(raw, None, None, None, rule_id, "no such day in the calendar")
        return DatePoint(raw, start, end, precision, rule_id)
    return DatePoint(raw, None, None, None, None, "not a date format we read")


def gap_days(a: DatePoint, b: DatePoint) -> int | None:
    """Days between two periods: 0 when they overlap (2024 and 2024-03-05), else the days from the
    last day of the earlier to the first day of the later. None if either is flagged."""
    if a.start is None or b.start is None or a.end is None or b.end is None:
        return None
    if a.start < b.end and b.start < a.end:
        return 0
    first, second = (a, b) if a.start < b.start else (b, a)
    assert first.last_day is not None and second.start is not None
    return (second.start - first.last_day).days
