"""Deal file rows read into drafts, before any database work: the columns found by header
(``DEFAULT_MAPPING``, Chinese and English, or a caller's mapping), each row's cells folded and
normalised (``normalise``: date, round, amount; province, sector word, investors and lead marks),
and the row refused (no company, no date) or kept with its notes. ``importing`` resolves and
stores the drafts; ``listing_rows`` reads listing files with the same headers and sector words.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from chanrong.errors import FieldError
from chanrong.observatory.dates import DatePoint
from chanrong.observatory.errors import ImportColumnsMissing
from chanrong.observatory.normalise import AmountResult, parse_amount, parse_date, parse_round
from chanrong.observatory.stages import RoundResult
from chanrong.parties.reference import province_code

# Field -> headers read by default (case-insensitive), Chinese and English.
DEFAULT_MAPPING: dict[str, tuple[str, ...]] = {
    "date": ("date", "日期", "披露日期", "时间"),
    "company": ("company", "公司", "企业", "公司名称", "企业名称"),
    "round": ("round", "轮次"),
    "amount": ("amount", "amount_text", "金额", "融资金额"),
    "investors": ("investors", "investor", "投资方", "投资机构"),
    "province": ("province", "省份", "地区"),
    "sector": ("sector", "sector_hint", "赛道", "行业"),
    "source": ("source", "source_note", "来源"),
}
REQUIRED = ("date", "company", "round")
INVESTOR_SEPARATORS = re.compile(r"[、,;，；]+")
LEAD_MARK = re.compile(r"[(（\[【]?\s*(领投|lead)\s*[)）\]】]?$", re.IGNORECASE)
NO_SOURCE = "(no source)"
# Sector words (folded to lower case) -> the report's taxonomy (models.SECTORS).
SECTOR_WORDS: dict[str, str] = {
    "network": "network", "networks": "network", "网络": "network", "标识解析": "network",
    "identifiers": "network", "platform": "platform", "platforms": "platform",
    "平台": "platform", "industrial software": "platform", "software": "platform",
    "工业软件": "platform", "security": "security", "安全": "security",
    "intelligent equipment": "intelligent_equipment", "智能装备": "intelligent_equipment",
    "intelligent_equipment": "intelligent_equipment", "automation": "automation_edge",
    "edge": "automation_edge", "automation and edge": "automation_edge",
    "automation_edge": "automation_edge", "自动化": "automation_edge", "边缘计算": "automation_edge",
    "solutions": "solutions", "solution": "solutions", "解决方案": "solutions",
}  # fmt: skip


@dataclass
class _Draft:
    line: int
    company: str
    date: DatePoint
    round: RoundResult
    amount: AmountResult
    investors: list[tuple[str, bool]]
    province: str | None
    sector: str | None
    source: str
    notes: list[FieldError]


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").strip()


def sector_of(text: str) -> str | None:
    """The taxonomy sector of a sector word, None when unknown."""
    return SECTOR_WORDS.get(" ".join(_fold(text).lower().replace("_", " ").split())) or (
        SECTOR_WORDS.get(_fold(text).lower())
    )


def split_investors(text: str) -> list[tuple[str, bool]]:
    """Investor names and lead flags from a cell ("深创投（领投）、红杉中国")."""
    found: dict[str, bool] = {}
    for part in INVESTOR_SEPARATORS.split(_fold(text)):
        name = part.strip()
        lead = bool(LEAD_MARK.search(name))
        name = LEAD_MARK.sub("", name).strip()
        if name:
            found[name] = found.get(name, False) or lead
    return list(found.items())


def _columns(headers: Iterable[str], mapping: Mapping[str, str] | None) -> dict[str, str]:
    folded = {h.strip().lower(): h for h in headers}
    columns: dict[str, str] = {}
    for name, defaults in DEFAULT_MAPPING.items():
        wanted = (mapping or {}).get(name)
        for candidate in (wanted,) if wanted else defaults:
            if candidate.strip().lower() in folded:
                columns[name] = folded[candidate.strip().lower()]
                break
    missing = [n for n in REQUIRED if n not in columns]
    if missing:
        raise ImportColumnsMissing(
            f"the file has no column for {', '.join(missing)}",
            errors=[FieldError(n, "column_missing", f"no column for {n}") for n in missing],
        )
    return columns


def _draft(line: int, row: Mapping[str, str], columns: dict[str, str]) -> _Draft | list[FieldError]:
    def cell(name: str) -> str:
        return _fold(row.get(columns[name], "")) if name in columns else ""

    company = cell("company")
    date = parse_date(cell("date"))
    errors = [] if company else [FieldError("company", "required", "no company name")]
    if date.flagged:
        errors.append(date.field_error("date") or FieldError("date", "date", "not a date"))
    if errors:
        return errors
    notes: list[FieldError] = []
    round_ = parse_round(cell("round"))
    amount = parse_amount(cell("amount"), year=date.year)
    for note in (round_.field_error("round"), amount.field_error("amount")):
        if note:
            notes.append(note)
    province = None
    if cell("province"):
        province = province_code(cell("province"))
        if province is None:
            notes.append(
                FieldError("province", "province", f"unknown province {cell('province')!r}")
            )
    sector = None
    if cell("sector"):
        sector = sector_of(cell("sector"))
        if sector is None:
            notes.append(FieldError("sector", "sector", f"unknown sector {cell('sector')!r}"))
    return _Draft(
        line, company, date, round_, amount, split_investors(cell("investors")),
        province, sector, cell("source") or NO_SOURCE, notes,
    )  # fmt: skip
