"""Invariants of amount parsing, checked with generated phrases."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from chanrong.observatory.normalise import parse_amount
from chanrong.observatory.rules_table import RULES

W = 1_000_000  # 1万元 in fen
QUALIFIED = [r.token for r in RULES.of("prefix") if not r.token.isascii()]
SUFFIXED = [r.token for r in RULES.of("suffix")]
DIGITS = "零一二三四五六七八九"


def chinese(n: int) -> str:
    """Write 1 <= n < 10^12 in Chinese numerals (一千二百三十四万五千), as a test oracle."""

    def section(k: int) -> str:
        out = ""
        for unit, value in (("千", 1000), ("百", 100), ("十", 10), ("", 1)):
            digit = k // value % 10
            if digit:
                out += DIGITS[digit] + unit
            elif out and k % value:
                out += "零"
        return out

    out = ""
    for unit, value in (("亿", 10**8), ("万", 10**4), ("", 1)):
        part = n // value % 10**4 if value != 10**8 else n // value
        if part:
            gap = out and (part < 1000 or not out.endswith(("亿", "万")))
            out += ("零" if gap else "") + section(part) + unit
        elif out and n % value:
            out += "" if out.endswith("零") else "零"
    return out.replace("零零", "零")


amounts = st.integers(min_value=1, max_value=99_999)


@given(amounts, st.sampled_from([*QUALIFIED, ""]), st.sampled_from(["万", "亿"]))
def test_low_is_below_high_whenever_both_exist(n: int, prefix: str, unit: str) -> None:
    result = parse_amount(f"{prefix}{n}{unit}元")
    assert result.disclosed, result.reason
    assert result.low_fen is not None and result.low_fen >= 0
    assert result.high_fen is None or result.low_fen < result.high_fen


@given(amounts, st.sampled_from(SUFFIXED))
def test_suffixes_give_ordered_ranges(n: int, suffix: str) -> None:
    result = parse_amount(f"{n}万元{suffix}")
    assert result.disclosed, result.reason
    assert result.high_fen is None or (
        result.low_fen is not None and result.low_fen < result.high_fen
    )


@given(amounts)
def test_an_exact_amount_is_a_one_fen_range(n: int) -> None:
    result = parse_amount(f"{n}万元")
    assert result.status == "exact"
    assert (result.low_fen, result.high_fen) == (n * W, n * W + 1)


@given(amounts, st.sampled_from([*QUALIFIED, ""]))
def test_ranges_scale_with_the_unit(n: int, prefix: str) -> None:
    wan = parse_amount(f"{prefix}{n}万元")
    yi = parse_amount(f"{prefix}{n}亿元")
    assert wan.rule == yi.rule
    assert yi.low_fen == wan.low_fen * 10_000  # type: ignore[operator]
    if wan.high_fen is None:
        assert yi.high_fen is None
    else:
        closed = 1 if wan.original_high_closed else 0
        assert yi.high_fen - closed == (wan.high_fen - closed) * 10_000  # type: ignore[operator]


def test_the_chinese_numeral_oracle() -> None:
    assert chinese(1005) == "一千零五"
    assert chinese(100_000_005) == "一亿零五"
    assert chinese(105_000_000) == "一亿零五百万"
    assert chinese(1_050_000_000) == "一十亿五千万"
    assert chinese(123_456_789) == "一亿二千三百四十五万六千七百八十九"


@given(st.integers(min_value=1, max_value=10**12 - 1))
def test_chinese_numerals_equal_arabic_ones(n: int) -> None:
    assert parse_amount(f"{chinese(n)}元").low_fen == n * 100
    assert parse_amount(f"{chinese(n)}元").low_fen == parse_amount(f"{n}元").low_fen


@given(amounts)
def test_near_ends_where_over_begins(n: int) -> None:
    exact = parse_amount(f"{n}万元")
    assert parse_amount(f"近{n}万元").high_fen == exact.low_fen
    assert parse_amount(f"超{n}万元").low_fen == exact.low_fen
    about = parse_amount(f"约{n}万元")
    assert about.low_fen is not None and about.high_fen is not None
    assert about.low_fen <= exact.low_fen < exact.high_fen <= about.high_fen  # type: ignore[operator]


@given(amounts, amounts)
def test_stated_ranges_keep_both_ends(a: int, b: int) -> None:
    low, high = sorted((a, b))
    result = parse_amount(f"{low}万-{high}万元")
    if high > low * 100:
        assert result.flagged
    else:
        assert (result.low_fen, result.high_fen) == (low * W, high * W + 1)


@settings(max_examples=300)
@given(st.text(max_size=30))
def test_any_text_is_parsed_or_flagged_never_an_exception(text: str) -> None:
    result = parse_amount(text)
    assert result.status in ("exact", "band", "undisclosed", "unparsed")
    assert result.flagged == (result.reason is not None)
    if result.disclosed:
        assert isinstance(result.low_fen, int)
        assert result.high_fen is None or result.low_fen < result.high_fen


@given(st.integers(min_value=1, max_value=10**6))
def test_foreign_amounts_convert_at_the_documented_rate(n: int) -> None:
    result = parse_amount(f"{n}万美元", year=2024)
    assert result.fx_rate is not None
    assert result.low_fen == int(n * 10_000 * result.fx_rate * 100)  # 4 decimals: exact
