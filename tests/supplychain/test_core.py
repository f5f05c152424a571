"""Pure rules: fen ranges, the term rule, discount arithmetic with its rounding, replay."""

from __future__ import annotations

from datetime import date

import pytest

from chanrong.supplychain import core
from chanrong.supplychain import errors as e


def test_partition_is_exact_and_ordered() -> None:
    assert core.partition(100, 110, [3, 7]) == [(100, 103), (103, 110)]
    for amounts, rule in (([10], "min_parts"), ([5, 6], "sum"), ([11, -1], "positive"),
                          ([10, 0], "positive"), ([True, 9], "positive")):  # fmt: skip
        with pytest.raises(e.InvalidSplit) as refused:
            core.partition(0, 10, amounts)
        assert refused.value.errors[0].rule == rule


@pytest.mark.parametrize(
    ("amount", "bp", "days", "basis", "expected"),
    [
        (1_000_000_00, 350, 90, "ACT/360", 875_000),  # 1,000,000 × 3.5 % × 90/360 = 8,750.00
        (1_000_000_00, 350, 90, "ACT/365", 863_014),  # 8,630.136... → 8,630.14
        (100, 1, 180, "ACT/360", 0),  # 0.005 fen rounds down
        (720_000, 10_000, 1, "ACT/360", 2_000),
        (1, 7_300, 90, "ACT/365", 0),  # 0.18 fen
        (2, 10_000, 90, "ACT/360", 1),  # exactly 0.5 fen: half up
    ],
)
def test_discount_is_half_up_to_the_fen(amount, bp, days, basis, expected) -> None:
    assert core.discount_fen(amount, bp, days, basis) == expected


def test_discount_rules() -> None:
    with pytest.raises(e.InvalidFinancing) as basis:
        core.discount_fen(100, 300, 30, "30/360")
    assert basis.value.errors[0].rule == "day_count"
    with pytest.raises(e.InvalidFinancing) as rate:
        core.discount_fen(100, 10_001, 30, "ACT/360")
    assert rate.value.errors[0].rule == "rate_range"


def test_term_at_most_one_year_warns_over_six_months() -> None:
    issued = date(2025, 8, 31)
    assert core.add_months(issued, 6) == date(2026, 2, 28)
    assert core.check_term(issued, date(2026, 2, 28)) == []
    assert core.check_term(issued, date(2026, 3, 1)) == ["over_six_months"]
    assert core.check_term(issued, date(2026, 8, 31)) == ["over_six_months"]
    for maturity, rule in ((date(2026, 9, 1), "max_term"), (issued, "after_issue")):
        with pytest.raises(e.InvalidCertificate) as refused:
            core.check_term(issued, maturity)
        assert refused.value.errors[0].rule == rule


def test_replay_rebuilds_the_book() -> None:
    on, due = "2026-01-05", "2026-04-05"
    log = [
        ("supplychain.certificate.issued", {"certificate_id": 1, "piece_id": 1, "issuer": 9,
         "holder": 2, "face_fen": 100, "on": on, "maturity_on": due}),
        ("supplychain.piece.split", {"piece_id": 1, "actor": 2, "amounts": [30, 70],
                                     "new_ids": [2, 3], "on": on}),
        ("supplychain.transfer.offered", {"piece_id": 3, "actor": 2, "to": 4, "on": on}),
        ("supplychain.transfer.accepted", {"piece_id": 3, "actor": 4, "new_id": 4, "on": on}),
        ("supplychain.piece.financed", {"piece_id": 2, "actor": 2, "bank": 8, "on": on}),
        ("supplychain.certificate.settled", {"certificate_id": 1, "actor": 9, "on": due}),
    ]  # fmt: skip
    book = core.replay(log)
    assert core.violations(book) == []
    paid = {p.id: (p.paid_to, p.amount) for p in book.pieces.values() if p.status == core.SETTLED}
    assert paid == {2: (8, 30), 4: (4, 70)}
    with pytest.raises(e.NotHolder):  # a forged log entry by a non-holder does not replay
        core.replay([*log[:2], ("supplychain.piece.split", {"piece_id": 3, "actor": 4,
                     "amounts": [1, 69], "new_ids": [5, 6], "on": on})])  # fmt: skip
