"""Duplicate financing events: the same round from several sources is merged, keeping both."""

from __future__ import annotations

from chanrong.observatory.duplicates import intersect
from chanrong.observatory.normalise import parse_amount, parse_date
from chanrong.observatory.resolution import EventRecord, merge_duplicate_events

Y = 10_000_000_000


def event(
    eid: str,
    when: str,
    amount: str = "",
    *,
    org: str = "c1",
    stage: str | None = "a",
    source: str = "",
) -> EventRecord:
    parsed = parse_amount(amount)
    return EventRecord(
        eid, org, stage, parse_date(when), parsed.low_fen, parsed.high_fen, source or f"src-{eid}"
    )


def test_same_round_from_two_sources_is_merged_with_both_sources() -> None:
    merged = merge_duplicate_events(
        [event("e1", "2024-03-05", "超亿元"), event("e2", "2024-03-12", "1.5亿元")]
    )
    assert len(merged) == 1
    only = merged[0]
    assert only.ids == ("e1", "e2") and only.sources == ("src-e1", "src-e2")
    assert (only.low_fen, only.high_fen) == (15 * Y // 10, 15 * Y // 10 + 1)  # the intersection
    assert only.date.start is not None and only.date.start.isoformat() == "2024-03-05"
    assert only.duplicated


def test_undisclosed_amount_is_compatible_and_the_precise_date_wins() -> None:
    merged = merge_duplicate_events(
        [event("e1", "2024", "未披露"), event("e2", "2024-06-01", "近亿元")]
    )
    assert len(merged) == 1
    assert merged[0].date.precision == "day"
    assert (merged[0].low_fen, merged[0].high_fen) == (8 * Y // 10, Y)


def test_not_merged_when_dates_are_far_apart_or_amounts_disjoint_or_stages_differ() -> None:
    far = merge_duplicate_events([event("e1", "2024-01-05"), event("e2", "2024-03-05")])
    assert len(far) == 2
    disjoint = merge_duplicate_events(
        [event("e1", "2024-03-05", "近亿元"), event("e2", "2024-03-06", "数亿元")]
    )
    assert len(disjoint) == 2
    stages = merge_duplicate_events(
        [event("e1", "2024-03-05"), event("e2", "2024-03-05", stage="b")]
    )
    assert len(stages) == 2
    companies = merge_duplicate_events(
        [event("e1", "2024-03-05"), event("e2", "2024-03-05", org="c2")]
    )
    assert len(companies) == 2


def test_window_is_a_parameter() -> None:
    pair = [event("e1", "2024-03-01"), event("e2", "2024-04-20")]
    assert len(merge_duplicate_events(pair)) == 2
    assert len(merge_duplicate_events(pair, window_days=60)) == 1


def test_chains_do_not_merge_incompatible_ends() -> None:
    # e1 ~ e2 (intersect at [1亿, 1.1亿]) and e2 ~ e3, but e1 and e3 are disjoint.
    merged = merge_duplicate_events(
        [
            event("e1", "2024-03-01", "近1.1亿元"),
            event("e2", "2024-03-02", "超亿元"),
            event("e3", "2024-03-03", "1.8亿元"),
        ]
    )
    assert sorted(m.ids for m in merged) == [("e1", "e2"), ("e3",)]


def test_flagged_stage_or_date_stays_alone() -> None:
    merged = merge_duplicate_events(
        [
            event("e1", "2024-03-05", stage=None),
            event("e2", "2024-03-05", stage=None),
            event("e3", "bad date"),
            event("e4", "bad date"),
        ]
    )
    assert len(merged) == 4


def test_intersect() -> None:
    assert intersect((None, None), (1, 5)) == (1, 5)
    assert intersect((1, 5), (None, None)) == (1, 5)
    assert intersect((1, None), (3, 9)) == (3, 9)
    assert intersect((1, None), (3, None)) == (3, None)
    assert intersect((1, 3), (3, 9)) is None
