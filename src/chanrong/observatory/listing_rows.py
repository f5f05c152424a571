"""The cells of listing, yearly financials and investor rows: the columns (Chinese or English
headers), the accepted labels (``rules/listing_labels.csv``), exact amounts and days. Each
``*_values`` function turns a row's cells into values and the ``FieldError``s that refuse it.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from chanrong.errors import FieldError
from chanrong.observatory.dates import YEAR_RANGE, parse_date
from chanrong.observatory.deal_rows import DEFAULT_MAPPING, _fold, sector_of
from chanrong.observatory.errors import ImportColumnsMissing
from chanrong.observatory.fx import RULES_DIR
from chanrong.observatory.models import BOARDS, INVESTOR_KINDS, STATE_LEVELS
from chanrong.observatory.normalise import parse_amount
from chanrong.parties.reference import province_code

_COMPANY = {k: DEFAULT_MAPPING[k] for k in ("company", "province", "sector")}
LISTING_MAPPING: dict[str, tuple[str, ...]] = {
    **_COMPANY,
    "exchange": ("exchange", "交易所", "上市地", "上市交易所"),
    "board": ("board", "板块", "上市板块"),
    "listed_on": ("listed_on", "listing_date", "上市日期", "上市时间", "date", "日期"),
    "delisted_on": ("delisted_on", "delisting_date", "退市日期", "退市时间"),
    "ipo_proceeds": ("ipo_proceeds", "proceeds", "首发募资", "募资金额", "募集资金", "IPO募资"),
}
FINANCIALS_MAPPING: dict[str, tuple[str, ...]] = {
    **_COMPANY,
    "year": ("year", "年度", "年份", "财年"),
    "revenue": ("revenue", "营业收入", "营收", "收入"),
    "net_profit": ("net_profit", "profit", "净利润", "归母净利润"),
}
INVESTOR_MAPPING: dict[str, tuple[str, ...]] = {
    "name": ("name", "investor", "投资方", "投资机构", "机构名称", "名称"),
    "type": ("type", "kind", "类型", "投资方类型", "机构类型"),
    "state_level": ("state_level", "国资层级", "国资级别", "层级"),
    "parent_group": ("parent_group", "parent", "所属集团", "集团", "母公司"),
}
REQUIRED = {
    "listings": ("company", "board", "listed_on"),
    "financials": ("company", "year"),
    "investors": ("name", "type"),
}
_SEPARATORS = re.compile(r"[\s_\-/]+")
EXCHANGES = ("SSE", "SZSE", "BSE", "HKEX", "other")
BOARD_EXCHANGE = {"star": "SSE", "chinext": "SZSE", "bse": "BSE"}
ALLOWED = {
    "exchange": EXCHANGES,
    "board": BOARDS,
    "type": INVESTOR_KINDS,
    "state_level": STATE_LEVELS,
}
LABELS_FILE = RULES_DIR / "listing_labels.csv"


def _word(text: str) -> str:
    return _SEPARATORS.sub("", _fold(text).lower())


def load_labels(path: Path = LABELS_FILE) -> dict[str, dict[str, str]]:
    """The accepted labels (``rules/listing_labels.csv``: field, label, value): field -> folded
    label -> stored value; every value is checked against the models' lists."""
    labels: dict[str, dict[str, str]] = {name: {} for name in ALLOWED}
    with path.open(encoding="utf-8", newline="") as f:
        for line, row in enumerate(csv.DictReader(f), start=2):
            if row["value"] not in ALLOWED.get(row["field"], ()):
                raise ValueError(f"{path.name} line {line}: bad field or value {row}")
            labels[row["field"]][_word(row["label"])] = row["value"]
    return labels


LABELS = load_labels()
_MINUS = ("-", "−", "–")
_LOSS = ("净亏损", "亏损")
_YEAR = re.compile(r"(?:fy)?(\d{4})(?:年度|年)?")

Parse = Callable[[dict[str, str]], tuple[dict[str, Any], list[FieldError]]]


@dataclass
class Row:
    """A row read: its line, company (resolved later), values and notes (flags)."""

    line: int
    company: str
    province: str | None
    sector: str | None
    values: dict[str, Any]
    notes: list[FieldError]


def _columns(
    headers: Iterable[str],
    defaults: Mapping[str, tuple[str, ...]],
    required: tuple[str, ...],
    mapping: Mapping[str, str] | None,
) -> dict[str, str]:
    folded = {h.strip().lower(): h for h in headers}
    columns: dict[str, str] = {}
    for name, names in defaults.items():
        wanted = (mapping or {}).get(name)
        for candidate in (wanted,) if wanted else names:
            if candidate.strip().lower() in folded:
                columns[name] = folded[candidate.strip().lower()]
                break
    missing = [n for n in required if n not in columns]
    if missing:
        raise ImportColumnsMissing(
            f"the file has no column for {', '.join(missing)}",
            errors=[FieldError(n, "column_missing", f"no column for {n}") for n in missing],
        )
    return columns


def parse_fen(text: str, name: str, *, year: int | None = None, signed: bool = False) -> Any:
    """An exact amount phrase (元, 万元, 亿元) -> fen; None when empty or undisclosed; a
    ``FieldError`` when vague (a range), unreadable, or negative where ``signed`` is False.
    A signed amount may start with a minus sign or 亏损 ("-1.2亿元", "亏损3000万元")."""
    s = _fold(text)
    negative = False
    for mark in (*_MINUS, *_LOSS):
        if s.startswith(mark):
            s, negative = s[len(mark) :].strip(), True
            break
    if not s and not negative:
        return None
    if negative and not signed:
        return FieldError(name, "negative", f"{text!r}: a negative amount")
    amount = parse_amount(s, year=year)
    if amount.status == "band":
        return FieldError(
            name, "amount_not_exact", f"{text!r} is a range, not an exact amount; give the amount"
        )
    if amount.status == "undisclosed":
        return None
    if amount.status != "exact" or amount.low_fen is None:
        return FieldError(name, "amount_unparsed", f"{text!r}: {amount.reason or 'not an amount'}")
    return -amount.low_fen if negative else amount.low_fen


def _day(text: str, name: str) -> date | FieldError | None:
    if not text:
        return None
    point = parse_date(text)
    if point.flagged or point.start is None:
        return point.field_error(name) or FieldError(name, "date_unparsed", f"{text!r}")
    if point.precision != "day":
        return FieldError(
            name, "date_precision", f"{text!r}: give the day, not a {point.precision}"
        )
    return point.start


def _enum(text: str, name: str, words: Mapping[str, str], what: str) -> str | FieldError:
    value = words.get(_word(text))
    if value is None:
        return FieldError(name, "enum", f"unknown {what} {text!r}")
    return value


def _listing_values(cells: dict[str, str]) -> tuple[dict[str, Any], list[FieldError]]:
    errors: list[FieldError] = []
    values: dict[str, Any] = {}
    board: str | FieldError = FieldError("board", "required", "no board")
    if cells.get("board"):
        board = _enum(cells["board"], "board", LABELS["board"], "board")
    exchange: str | FieldError | None = None
    if cells.get("exchange"):
        exchange = _enum(cells["exchange"], "exchange", LABELS["exchange"], "exchange")
    elif isinstance(board, str):
        exchange = BOARD_EXCHANGE.get(board) or FieldError(
            "exchange", "required", f"no exchange (a {board} board listing needs one)"
        )
    if (
        isinstance(board, str)
        and isinstance(exchange, str)
        and (BOARD_EXCHANGE.get(board, exchange) != exchange)
    ):
        errors.append(FieldError("board", "board_exchange", f"no {board} board on {exchange}"))
    listed = _day(cells.get("listed_on", ""), "listed_on") or (
        FieldError("listed_on", "required", "no listing date")
    )
    delisted = _day(cells.get("delisted_on", ""), "delisted_on")
    if isinstance(listed, date) and isinstance(delisted, date) and delisted < listed:
        errors.append(FieldError("delisted_on", "order", "delisted before it was listed"))
    year = listed.year if isinstance(listed, date) else None
    proceeds = parse_fen(cells.get("ipo_proceeds", ""), "ipo_proceeds", year=year)
    for name, value in (("board", board), ("exchange", exchange), ("listed_on", listed),
                        ("delisted_on", delisted), ("ipo_proceeds_fen", proceeds)):  # fmt: skip
        if isinstance(value, FieldError):
            errors.append(value)
        else:
            values[name] = value
    return values, errors


def _financial_values(cells: dict[str, str]) -> tuple[dict[str, Any], list[FieldError]]:
    errors: list[FieldError] = []
    values: dict[str, Any] = {}
    match = _YEAR.fullmatch(_word(cells.get("year", "")))
    year = int(match.group(1)) if match else None
    if year is None or not YEAR_RANGE[0] <= year <= YEAR_RANGE[1]:
        errors.append(FieldError("year", "year", f"not a year: {cells.get('year', '')!r}"))
    values["year"] = year
    for name in ("revenue", "net_profit"):
        amount = parse_fen(cells.get(name, ""), name, year=year, signed=name == "net_profit")
        if isinstance(amount, FieldError):
            errors.append(amount)
        else:
            values[f"{name}_fen"] = amount
    if not errors and values["revenue_fen"] is None and values["net_profit_fen"] is None:
        errors.append(FieldError("revenue", "required", "no revenue and no net profit"))
    return values, errors


def _investor_values(cells: dict[str, str]) -> tuple[dict[str, Any], list[FieldError]]:
    errors: list[FieldError] = []
    name = cells.get("name", "")
    if not name:
        errors.append(FieldError("name", "required", "no investor name"))
    elif len(name) > 200:
        errors.append(FieldError("name", "length", "longer than 200 characters"))
    kind = _enum(cells.get("type", ""), "type", LABELS["type"], "investor type")
    level: str | FieldError | None = None
    if cells.get("state_level"):
        level = _enum(cells["state_level"], "state_level", LABELS["state_level"], "state level")
    parent = cells.get("parent_group") or None
    if parent and len(parent) > 200:
        errors.append(FieldError("parent_group", "length", "longer than 200 characters"))
    errors += [e for e in (kind, level) if isinstance(e, FieldError)]
    return {"name": name, "kind": kind, "state_level": level, "parent_group": parent}, errors


KINDS: dict[str, tuple[dict[str, tuple[str, ...]], Parse]] = {
    "listings": (LISTING_MAPPING, _listing_values),
    "financials": (FINANCIALS_MAPPING, _financial_values),
    "investors": (INVESTOR_MAPPING, _investor_values),
}


def read_rows(
    rows: Iterable[tuple[int, Mapping[str, str]]],
    kind: str,
    mapping: Mapping[str, str] | None = None,
) -> tuple[list[Row], list[tuple[int, list[FieldError]]]]:
    """The rows of a ``kind`` (listings, financials, investors) file read into values, and the
    rows refused with their line and errors."""
    defaults, parse = KINDS[kind]
    columns: dict[str, str] | None = None
    found: list[Row] = []
    refused: list[tuple[int, list[FieldError]]] = []
    for line, row in rows:
        if columns is None:
            columns = _columns(row.keys(), defaults, REQUIRED[kind], mapping)
        cells = {name: _fold(row.get(header, "")) for name, header in columns.items()}
        values, errors = parse(cells)
        company = cells.get("company", "")
        if "company" in defaults and not company:
            errors.insert(0, FieldError("company", "required", "no company name"))
        if errors:
            refused.append((line, errors))
            continue
        notes: list[FieldError] = []
        province = province_code(cells["province"]) if cells.get("province") else None
        if cells.get("province") and province is None:
            notes.append(
                FieldError("province", "province", f"unknown province {cells['province']!r}")
            )
        sector = sector_of(cells["sector"]) if cells.get("sector") else None
        if cells.get("sector") and sector is None:
            notes.append(FieldError("sector", "sector", f"unknown sector {cells['sector']!r}"))
        found.append(Row(line, company, province, sector, values, notes))
    return found, refused
