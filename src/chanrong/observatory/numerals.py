"""Numbers as deal sources write them: Arabic, Chinese (五千万, 两亿, 一亿五千万, 壹亿), mixed (5千万,
1亿5000万) and English scale words (15m, 20 million, 1.2bn). Values are exact ``Decimal``s.

This module knows the language; the *policy* (what 近, 超, 数 mean) is data, in
``rules/amount_rules.csv``.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

DIGITS = {
    "零": 0, "〇": 0, "一": 1, "壹": 1, "二": 2, "两": 2, "贰": 2, "三": 3, "叁": 3,
    "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7,
    "八": 8, "捌": 8, "九": 9, "玖": 9,
}  # fmt: skip
SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
BIG_UNITS = {"万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8}
NUMERAL_CHARS = "".join([*DIGITS, *SMALL_UNITS, *BIG_UNITS])
UNIT_CHARS = "".join([*SMALL_UNITS, *BIG_UNITS])

_ARABIC = re.compile(r"\d+(?:\.\d+)?|\.\d+")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")


def clean_text(text: str) -> str:
    """Fold a phrase for matching: NFKC (full-width to half-width, ￥ to ¥), lower case, no blanks,
    no thousands separators (``50,000,000``), dashes unified to ``-``."""
    folded = unicodedata.normalize("NFKC", text).lower()
    folded = "".join(folded.split())
    folded = folded.replace("，", ",")
    folded = _THOUSANDS.sub("", folded)
    for dash in ("–", "—", "―", "−", "~", "〜", "～"):
        folded = folded.replace(dash, "-")
    return folded.strip("。.;；")


def _tokens(text: str) -> list[Decimal | str] | None:
    """Split into Arabic numbers (Decimal) and single numeral characters; None if anything else."""
    out: list[Decimal | str] = []
    i = 0
    while i < len(text):
        match = _ARABIC.match(text, i)
        if match:
            out.append(Decimal(match.group()))
            i = match.end()
        elif text[i] in NUMERAL_CHARS:
            out.append(text[i])
            i += 1
        else:
            return None
    return out


def parse_numeral(text: str) -> Decimal | None:
    """The value of a numeral made of digits and the units 十百千万亿, or None if it is not one.

    ``"5千万"`` → 50000000, ``"一亿五千万"`` → 150000000, ``"十亿"`` → 1000000000, ``"千万"`` →
    10000000, ``"1.5亿"`` → 150000000, ``"1亿5000万"`` → 150000000. Two digits in a row
    (``"一五"``) and a unit without anything to scale are refused.
    """
    tokens = _tokens(text)
    if not tokens:
        return None
    total = Decimal(0)  # everything already closed by 亿
    section = Decimal(0)  # the part below the current big unit
    number: Decimal | None = None  # the digit or Arabic number waiting for its unit
    after_big = False  # a bare number right after 万/亿 ("3亿5") is colloquial: refused
    for token in tokens:
        if token in ("零", "〇") and number is None:
            after_big = False  # a place holder: 一百零五, 一亿零五 (the 5 is 5, not 5千万)
            continue
        if isinstance(token, Decimal) or token in DIGITS:
            if number is not None:
                return None  # two numbers in a row: "一五", "5 5"
            number = token if isinstance(token, Decimal) else Decimal(DIGITS[token])
        elif token in SMALL_UNITS:
            section += (number if number is not None else Decimal(1)) * SMALL_UNITS[token]
            number, after_big = None, False
        else:
            below = section + (number if number is not None else Decimal(0))
            if below == 0 and total == 0:
                below = Decimal(1)  # a bare unit: "亿" (超亿元), "万"
            if BIG_UNITS[token] == 10**8:
                total = (total + below) * BIG_UNITS[token]
            elif below == 0:
                total *= BIG_UNITS[token]  # "万亿" after a closed 亿 part
            else:
                total += below * BIG_UNITS[token]
            section, number, after_big = Decimal(0), None, True
    if number is not None and after_big:
        return None
    value = total + section + (number if number is not None else Decimal(0))
    return value if value > 0 else None


def shared_unit(left: Decimal, right_text: str, right: Decimal) -> Decimal:
    """The unit a bare left number borrows from the right side of a range.

    Candidates are the unit suffixes of the right side (``"两千万"`` → 万, 千万); the largest one
    that keeps the left end below the right end is chosen: ``1-2千万`` → 千万, ``1000-2000万`` → 万,
    ``十至二十亿`` → 亿, ``5-10亿`` → 亿. Without a unit suffix the unit is 1.
    """
    tail = len(right_text)
    while tail > 0 and right_text[tail - 1] in UNIT_CHARS:
        tail -= 1
    best = Decimal(1)
    for start in range(len(right_text) - 1, tail - 1, -1):
        unit = parse_numeral(right_text[start:])
        if unit is not None and left * unit <= right:
            best = max(best, unit)
    return best


def significant_step(value: Decimal) -> Decimal:
    """One unit of the last significant digit: 5e7 → 1e7, 1.5e8 → 1e7, 3e8 → 1e8, 12 → 1."""
    exponent = value.normalize().as_tuple().exponent
    assert isinstance(exponent, int)
    return Decimal(1).scaleb(exponent)


def to_decimal(text: str) -> Decimal | None:
    """A Decimal from a CSV cell, or None for an empty cell (raises on anything else)."""
    if text.strip() == "":
        return None
    try:
        return Decimal(text.strip())
    except InvalidOperation:
        raise ValueError(f"not a decimal number: {text!r}") from None
