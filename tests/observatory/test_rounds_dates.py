"""Round labels to canonical stages, and dates to periods with a precision."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from chanrong.observatory.dates import gap_days
from chanrong.observatory.normalise import EARLY_STAGES, STAGES, parse_date, parse_round
from chanrong.observatory.stages import REPORT_EARLY_STAGES, ROUND_RULES, is_early

ROUNDS = [
    ("种子轮", "seed"), ("Seed", "seed"), ("天使轮", "angel"), ("天使+轮", "angel"),
    ("Angel", "angel"), ("Pre-A轮", "pre_a"), ("pre A", "pre_a"), ("PreA+轮", "pre_a"),
    ("A轮", "a"), ("A1轮", "a"), ("Series A", "a"), ("Ａ轮融资", "a"), ("A+轮", "a_plus"),
    ("A++轮", "a_plus"), ("A＋轮", "a_plus"), ("Pre-B轮", "pre_b"), ("B轮", "b"),
    ("B+轮", "b_plus"), ("B++", "b_plus"), ("Pre-C轮", "b_plus"), ("C轮", "c"),
    ("C+轮", "c_plus"), ("Pre-D", "c_plus"), ("D轮", "d_plus"), ("D+轮", "d_plus"),
    ("E轮", "d_plus"), ("F轮", "d_plus"), ("战略投资", "strategic"), ("战略融资", "strategic"),
    ("战投", "strategic"), ("Strategic", "strategic"), ("Pre-IPO", "pre_ipo"),
    ("pre-ipo轮", "pre_ipo"), ("IPO", "ipo"), ("IPO上市", "ipo"), ("首次公开发行", "ipo"),
    ("定向增发", "post_ipo"), ("定增", "post_ipo"), ("配股", "post_ipo"), ("并购", "m_and_a"),
    ("被收购", "m_and_a"), ("M&A", "m_and_a"), ("股权转让", "other"), ("老股转让", "other"),
    ("债权融资", "other"), ("未披露", "other"), ("", "other"), ("其他", "other"),
]  # fmt: skip


@pytest.mark.parametrize(("label", "stage"), ROUNDS)
def test_round_labels_map_to_canonical_stages(label: str, stage: str) -> None:
    result = parse_round(label)
    assert result.stage == stage, label
    assert result.rule is not None and not result.flagged


@pytest.mark.parametrize("label", ["Z轮", "第三轮", "A轮B轮", "种子天使", "xyz"])
def test_unknown_round_labels_are_flagged(label: str) -> None:
    result = parse_round(label)
    assert result.flagged and result.stage is None and result.reason
    error = result.field_error("rows.1.round")
    assert error is not None and error.rule == "round_unknown"


def test_early_stage_is_seed_angel_and_the_a_family() -> None:
    assert {"seed", "angel", "pre_a", "a", "a_plus"} == EARLY_STAGES
    assert REPORT_EARLY_STAGES < EARLY_STAGES
    assert parse_round("Pre-A轮").early and parse_round("A+轮").early
    assert not parse_round("Pre-B轮").early and not parse_round("战略投资").early
    assert not is_early("pre_a", REPORT_EARLY_STAGES)
    assert is_early(None) is False


def test_every_rule_maps_to_a_known_stage_and_every_stage_is_reachable() -> None:
    assert {r.stage for r in ROUND_RULES} == set(STAGES)
    assert len(STAGES) == 17


DATES = [
    ("2024-03-05", date(2024, 3, 5), date(2024, 3, 6), "day"),
    ("2024/3/5", date(2024, 3, 5), date(2024, 3, 6), "day"),
    ("2024.3.5", date(2024, 3, 5), date(2024, 3, 6), "day"),
    ("20240305", date(2024, 3, 5), date(2024, 3, 6), "day"),
    ("2024年3月5日", date(2024, 3, 5), date(2024, 3, 6), "day"),
    ("２０２４年３月５日", date(2024, 3, 5), date(2024, 3, 6), "day"),
    ("2024-03-05 14:30:00", date(2024, 3, 5), date(2024, 3, 6), "day"),
    ("2024-03", date(2024, 3, 1), date(2024, 4, 1), "month"),
    ("2024年3月", date(2024, 3, 1), date(2024, 4, 1), "month"),
    ("2024年12月", date(2024, 12, 1), date(2025, 1, 1), "month"),
    ("2024Q1", date(2024, 1, 1), date(2024, 4, 1), "quarter"),
    ("2024 Q4", date(2024, 10, 1), date(2025, 1, 1), "quarter"),
    ("2024-Q2", date(2024, 4, 1), date(2024, 7, 1), "quarter"),
    ("2024年第三季度", date(2024, 7, 1), date(2024, 10, 1), "quarter"),
    ("2024年一季度", date(2024, 1, 1), date(2024, 4, 1), "quarter"),
    ("2024年", date(2024, 1, 1), date(2025, 1, 1), "year"),
    ("2024", date(2024, 1, 1), date(2025, 1, 1), "year"),
    (2023, date(2023, 1, 1), date(2024, 1, 1), "year"),
    (date(2024, 9, 30), date(2024, 9, 30), date(2024, 10, 1), "day"),
    (datetime(2024, 9, 30, 8, 0), date(2024, 9, 30), date(2024, 10, 1), "day"),
]


@pytest.mark.parametrize(("text", "start", "end", "precision"), DATES)
def test_dates_parse_to_a_period_with_precision(
    text: object, start: date, end: date, precision: str
) -> None:
    result = parse_date(text)
    assert (result.start, result.end, result.precision) == (start, end, precision)
    assert result.year == start.year and not result.flagged


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2024-02-30", "no such day"),
        ("2024-13", "no such day"),
        ("1900年", "out of range"),
        ("", "no date"),
        (None, "no date"),
        ("24/3/5", "not a date"),
        ("2024年上半年", "not a date"),
        ("last spring", "not a date"),
    ],
)
def test_bad_dates_are_flagged(text: str | None, reason: str) -> None:
    result = parse_date(text)
    assert result.flagged and result.reason and reason in result.reason
    error = result.field_error("rows.2.date")
    assert error is not None and error.rule == "date_unparsed"


def test_gap_between_periods() -> None:
    day = parse_date("2024-03-05")
    assert gap_days(day, parse_date("2024-03-10")) == 5
    assert gap_days(parse_date("2024-03-10"), day) == 5
    assert gap_days(day, parse_date("2024")) == 0
    assert gap_days(day, parse_date("2024-03")) == 0
    assert gap_days(parse_date("2024-02"), day) == 5  # 29 Feb to 5 Mar
    assert gap_days(parse_date("2023"), day) == 65
    assert gap_days(day, parse_date("bad")) is None
