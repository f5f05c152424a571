"""The compiled points table: bins, rounding, JSON round trip, probability of default, speed."""

from __future__ import annotations

import math
import timeit

import pytest

from chanrong.credit.points import (
    FeaturePoints,
    PointsTable,
    round_points,
    scale_factor,
    scale_offset,
)


def _table() -> PointsTable:
    return PointsTable(
        version="t1",
        intercept_points=500,
        features=(
            FeaturePoints(
                name="duration",
                kind="numeric",
                splits=(8.5, 12.0, 24.0),
                points=(20, 10, 0, -15),
                missing_points=-3,
                labels=("(-inf, 8.5)", "[8.5, 12)", "[12, 24)", "[24, inf)"),
            ),
            FeaturePoints(
                name="purpose",
                kind="categorical",
                categories={"car": 0, "tv": 1, "education": 2},
                points=(7, 3, -9),
                missing_points=-4,
                labels=("{car}", "{tv}", "{education}"),
            ),
        ),
    )


def test_numeric_bins_are_half_open_with_the_split_in_the_upper_bin() -> None:
    table = _table()
    duration = table.features[0]
    assert [duration.points_of(v) for v in (1, 8.4999, 8.5, 11.99, 12, 23.9, 24, 1e9)] == [
        20, 20, 10, 10, 0, 0, -15, -15,
    ]  # fmt: skip
    assert duration.points_of(None) == -3
    assert duration.points_of(math.nan) == -3


def test_score_adds_intercept_and_per_feature_points() -> None:
    table = _table()
    assert table.score({"duration": 12, "purpose": "car"}) == (507, {"duration": 0, "purpose": 7})
    assert table.score({"duration": None, "purpose": None}) == (
        493, {"duration": -3, "purpose": -4},
    )  # fmt: skip
    # an unseen category is neutral evidence: 0 points
    assert table.score({"duration": 30, "purpose": "yacht"}) == (
        485,
        {"duration": -15, "purpose": 0},
    )
    with pytest.raises(KeyError):
        table.score({"duration": 3})


def test_json_round_trip_is_exact_and_digest_is_stable() -> None:
    table = _table()
    again = PointsTable.from_json(table.to_json())
    assert again == table
    assert again.digest() == table.digest()
    assert again.score({"duration": 9, "purpose": "tv"}) == table.score(
        {"duration": 9, "purpose": "tv"}
    )
    changed = PointsTable.from_dict({**table.to_dict(), "intercept_points": 501})
    assert changed.digest() != table.digest()
    with pytest.raises(ValueError, match="format"):
        PointsTable.from_dict({**table.to_dict(), "format": "other"})


def test_rounding_is_half_away_from_zero() -> None:
    assert [round_points(x) for x in (2.5, 3.5, -2.5, -3.5, 2.49, -0.4, 0.0)] == [
        3,
        4,
        -3,
        -4,
        2,
        0,
        0,
    ]


def test_scale_base_points_at_base_odds_and_pdo_doubles_the_odds() -> None:
    table = _table()
    assert scale_factor(20) == pytest.approx(28.8539, abs=1e-4)
    assert scale_offset(20, 600, 50) == pytest.approx(600 - 28.8539 * math.log(50), abs=1e-3)
    assert table.points_for_odds(50) == pytest.approx(600)
    assert table.points_for_odds(100) == pytest.approx(620)
    assert table.probability_of_default(600) == pytest.approx(1 / 51)
    assert table.probability_of_default(620) == pytest.approx(1 / 101)
    assert table.probability_of_default(table.offset) == pytest.approx(0.5)


def test_invalid_tables_are_refused() -> None:
    with pytest.raises(ValueError, match="increasing"):
        FeaturePoints(
            name="x", kind="numeric", splits=(2.0, 1.0), points=(1, 2, 3), missing_points=0
        )
    with pytest.raises(ValueError, match="points"):
        FeaturePoints(name="x", kind="numeric", splits=(1.0,), points=(1,), missing_points=0)
    with pytest.raises(ValueError, match="bin without points"):
        FeaturePoints(
            name="x", kind="categorical", categories={"a": 3}, points=(1,), missing_points=0
        )
    feature = _table().features[0]
    with pytest.raises(ValueError, match="unique"):
        PointsTable(version="v", intercept_points=0, features=(feature, feature))


def test_scoring_takes_microseconds() -> None:
    table = _table()
    applicant = {"duration": 18, "purpose": "tv"}
    per_call = min(timeit.repeat(lambda: table.score(applicant), number=2000, repeat=3)) / 2000
    assert per_call < 50e-6
