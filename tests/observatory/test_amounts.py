"""Amount phrases: every phrasing of the acceptance list parses to its documented range or is
flagged. Ranges are [low, high) in fen; an exact amount X is [X, X + 1 fen); a closed upper end b
(约, 左右, stated ranges) is stored as b + 1 fen."""

from __future__ import annotations

import pytest

from chanrong.observatory.normalise import parse_amount

W = 10_000 * 100  # 1万元 in fen
Y = 100_000_000 * 100  # 1亿元 in fen
OPEN = None

# (phrase, status, rule, low_fen, high_fen, currency); FX rows of 2024 (USD 7.1217, EUR 7.7085,
# HKD 0.9126, JPY 0.047020 CNY per unit).
PARSED = [
    ("3亿元", "exact", "E_EXACT", 3 * Y, 3 * Y + 1, "CNY"),
    ("1.5亿人民币", "exact", "E_EXACT", 15 * Y // 10, 15 * Y // 10 + 1, "CNY"),
    ("500万美元", "exact", "E_EXACT", 3_560_850_000, 3_560_850_001, "USD"),
    ("近亿元", "band", "P_NEAR", 8_000 * W, Y, "CNY"),
    ("超亿元", "band", "P_OVER", Y, 2 * Y, "CNY"),
    ("数千万元", "band", "V_SEVERAL", 2_000 * W, Y, "CNY"),
    ("数亿元", "band", "V_SEVERAL", 2 * Y, 10 * Y, "CNY"),
    ("亿元及以上", "band", "S_AND_OVER", Y, OPEN, "CNY"),
    ("约2亿元", "band", "P_ABOUT", 18 * Y // 10, 22 * Y // 10 + 1, "CNY"),
    ("2亿元左右", "band", "S_ABOUT", 18 * Y // 10, 22 * Y // 10 + 1, "CNY"),
    ("约2亿元左右", "band", "P_ABOUT", 18 * Y // 10, 22 * Y // 10 + 1, "CNY"),
    ("数百万元", "band", "V_SEVERAL", 200 * W, 1_000 * W, "CNY"),
    ("千万级", "band", "L_LEVEL", 1_000 * W, Y, "CNY"),
    ("亿元级", "band", "L_LEVEL", Y, 10 * Y, "CNY"),
    ("近千万元", "band", "P_NEAR", 800 * W, 1_000 * W, "CNY"),
    ("超10亿元", "band", "P_OVER", 10 * Y, 20 * Y, "CNY"),
    ("逾5000万元", "band", "P_OVER", 5_000 * W, Y, "CNY"),
    ("过亿", "band", "P_OVER", Y, 2 * Y, "CNY"),
    ("上亿元", "band", "P_OVER", Y, 2 * Y, "CNY"),
    ("数十亿元", "band", "V_SEVERAL", 20 * Y, 100 * Y, "CNY"),
    ("1.2亿美元", "exact", "E_EXACT", 85_460_400_000, 85_460_400_001, "USD"),
    ("3000万港元", "exact", "E_EXACT", 2_737_800_000, 2_737_800_001, "HKD"),
    ("1.5亿港币", "exact", "E_EXACT", 13_689_000_000, 13_689_000_001, "HKD"),
    ("HK$300m", "exact", "E_EXACT", 27_378_000_000, 27_378_000_001, "HKD"),
    ("€10m", "exact", "E_EXACT", 7_708_500_000, 7_708_500_001, "EUR"),
    ("100亿日元", "exact", "E_EXACT", 47_020_000_000, 47_020_000_001, "JPY"),
    ("Pre-A轮 数千万", "band", "V_SEVERAL", 2_000 * W, Y, "CNY"),
    ("A轮 超亿元", "band", "P_OVER", Y, 2 * Y, "CNY"),
    ("战略投资 数亿元", "band", "V_SEVERAL", 2 * Y, 10 * Y, "CNY"),
    ("¥50,000,000", "exact", "E_EXACT", 5_000 * W, 5_000 * W + 1, "CNY"),
    ("￥50,000,000元", "exact", "E_EXACT", 5_000 * W, 5_000 * W + 1, "CNY"),
    ("3,000万元", "exact", "E_EXACT", 3_000 * W, 3_000 * W + 1, "CNY"),
    ("5千万", "exact", "E_EXACT", 5_000 * W, 5_000 * W + 1, "CNY"),
    ("五千万元", "exact", "E_EXACT", 5_000 * W, 5_000 * W + 1, "CNY"),
    ("两亿元", "exact", "E_EXACT", 2 * Y, 2 * Y + 1, "CNY"),
    ("十亿元", "exact", "E_EXACT", 10 * Y, 10 * Y + 1, "CNY"),
    ("一亿五千万", "exact", "E_EXACT", 15 * Y // 10, 15 * Y // 10 + 1, "CNY"),
    ("壹亿元", "exact", "E_EXACT", Y, Y + 1, "CNY"),
    ("1亿5000万元", "exact", "E_EXACT", 15 * Y // 10, 15 * Y // 10 + 1, "CNY"),
    ("２．５亿元", "exact", "E_EXACT", 25 * Y // 10, 25 * Y // 10 + 1, "CNY"),
    ("US$20 million", "exact", "E_EXACT", 14_243_400_000, 14_243_400_001, "USD"),
    ("$15M", "exact", "E_EXACT", 10_682_550_000, 10_682_550_001, "USD"),
    ("RMB 80 million", "exact", "E_EXACT", 8_000 * W, 8_000 * W + 1, "CNY"),
    ("CNY 1.2bn", "exact", "E_EXACT", 12 * Y, 12 * Y + 1, "CNY"),
    ("nearly USD 50 million", "band", "P_NEAR", 28_486_800_000, 35_608_500_000, "USD"),
    ("over $100m", "band", "P_OVER", 71_217_000_000, 142_434_000_000, "USD"),
    ("数千万美元", "band", "V_SEVERAL", 14_243_400_000, 71_217_000_000, "USD"),
    ("1亿-2亿元", "band", "R_RANGE", Y, 2 * Y + 1, "CNY"),
    ("1亿～2亿元", "band", "R_RANGE", Y, 2 * Y + 1, "CNY"),
    ("5000万至1亿元", "band", "R_RANGE", 5_000 * W, Y + 1, "CNY"),
    ("1-2亿元", "band", "R_RANGE", Y, 2 * Y + 1, "CNY"),
    ("1000-2000万元", "band", "R_RANGE", 1_000 * W, 2_000 * W + 1, "CNY"),
    ("十至二十亿", "band", "R_RANGE", 10 * Y, 20 * Y + 1, "CNY"),
    ("$10-20 million", "band", "R_RANGE", 7_121_700_000, 14_243_400_001, "USD"),
    ("十几亿", "band", "O_ODD", 10 * Y, 20 * Y, "CNY"),
    ("5000余万元", "band", "O_ODD", 5_000 * W, 6_000 * W, "CNY"),
    ("1亿多元", "band", "O_ODD", Y, 2 * Y, "CNY"),
    ("三千多万", "band", "O_ODD", 3_000 * W, 4_000 * W, "CNY"),
    ("1.5亿多", "band", "O_ODD", 15 * Y // 10, 16 * Y // 10, "CNY"),
    ("不足千万", "band", "P_UNDER", 0, 1_000 * W, "CNY"),
    ("最多5000万元", "band", "P_UPTO", 0, 5_000 * W + 1, "CNY"),
    ("5000万元以下", "band", "S_AND_BELOW", 0, 5_000 * W + 1, "CNY"),
    ("1亿元+", "band", "S_AND_OVER", Y, OPEN, "CNY"),
    ("融资金额：3000万元", "exact", "E_EXACT", 3_000 * W, 3_000 * W + 1, "CNY"),
]

UNDISCLOSED = [
    ("未透露", "U_WORD"),
    ("未披露", "U_WORD"),
    ("暂未披露", "U_WORD"),
    ("金额未知", "U_WORD"),
    ("Undisclosed", "U_WORD"),
    ("--", "U_DASH"),
    ("—", "U_DASH"),
    ("N/A", "U_DASH"),
    ("", "U_EMPTY"),
    ("   ", "U_EMPTY"),
    (None, "U_EMPTY"),
]

FLAGGED = [
    ("估值3亿", "valuation"),
    ("投后估值超3亿元", "valuation"),
    ("累计融资5亿元", "cumulative"),
    ("3亿5", "not an amount"),
    ("很多钱", "not an amount"),
    ("数1000万", "not an amount"),
    ("近1亿以上", "more than one qualifier"),
    ("500万英镑", "no FX rate for GBP"),
    ("2亿-1亿元", "above its high end"),
    ("5000-1亿", "100-fold"),
    ("100万美元人民币", "more than one currency"),
    ("人民币", "no amount"),
    ("9" * 30 + "亿", "implausibly large"),
]


@pytest.mark.parametrize(("phrase", "status", "rule", "low", "high", "currency"), PARSED)
def test_phrase_parses_to_its_documented_range(
    phrase: str, status: str, rule: str, low: int, high: int | None, currency: str
) -> None:
    result = parse_amount(phrase, year=2024)
    assert (result.status, result.rule) == (status, rule), result.reason
    assert (result.low_fen, result.high_fen) == (low, high)
    assert result.currency == currency
    assert result.rule in result.rules
    assert result.fx_rate is not None and result.fx_source


@pytest.mark.parametrize(("phrase", "rule"), UNDISCLOSED)
def test_undisclosed_phrases(phrase: str | None, rule: str) -> None:
    result = parse_amount(phrase)
    assert (result.status, result.rule) == ("undisclosed", rule)
    assert result.low_fen is None and result.high_fen is None
    assert not result.disclosed and not result.flagged


@pytest.mark.parametrize(("phrase", "reason"), FLAGGED)
def test_unreadable_phrases_are_flagged_with_a_reason(phrase: str, reason: str) -> None:
    result = parse_amount(phrase, year=2024)
    assert result.flagged and result.status == "unparsed"
    assert result.reason and reason in result.reason
    assert result.low_fen is None and result.high_fen is None
    error = result.field_error("rows.3.amount")
    assert error is not None and error.rule == "amount_unparsed" and phrase in error.message


def test_the_acceptance_list_has_at_least_forty_phrasings() -> None:
    assert len(PARSED) + len(UNDISCLOSED) + len(FLAGGED) >= 40
    assert sum(1 for p in PARSED if p[5] == "USD") >= 5


def test_original_currency_range_and_fx_are_kept() -> None:
    result = parse_amount("500万美元", year=2023)
    assert result.original_low == result.original_high == 5_000_000
    assert result.original_high_closed
    assert str(result.fx_rate) == "7.0467" and result.fx_year == 2023
    assert result.low_fen == 3_523_350_000
    assert "NBS" in (result.fx_source or "")


def test_fx_year_falls_back_to_the_nearest_year_and_says_so() -> None:
    late = parse_amount("500万美元", year=2031)
    assert late.fx_year == 2024 and late.notes == ("no USD rate for 2031: used 2024",)
    early = parse_amount("500万美元", year=2001)
    assert early.fx_year == 2018
    assert parse_amount("500万美元").fx_year == 2024  # no year: the latest


def test_currency_is_assumed_cny_only_without_a_currency_word() -> None:
    assert parse_amount("2.5亿").currency_assumed
    assert not parse_amount("2.5亿元").currency_assumed
    assert parse_amount("2.5亿").fx_rate == 1


def test_result_as_dict_is_json_ready() -> None:
    data = parse_amount("约2亿元", year=2024).as_dict()
    assert data["status"] == "band" and data["rule"] == "P_ABOUT"
    assert data["original_low"] == "180000000.0" and data["original_high"] == "220000000.0"
    assert isinstance(data["low_fen"], int) and data["fx_rate"] == "1"


def test_money_views_of_the_bounds() -> None:
    result = parse_amount("近亿元")
    assert result.low is not None and result.low.yuan == 80_000_000
    assert parse_amount("亿元及以上").high is None and parse_amount("亿元及以上").open_ended
