"""The scorecard method on German Credit: binning, points, compile vs library, PSI, CV."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from chanrong.credit.points import PointsTable
from chanrong.credit.scorecard import (
    FeatureSpec,
    FittedScorecard,
    ScorecardParams,
    bin_counts,
    binning_table,
    fit_scorecard,
    infer_features,
    psi,
    psi_band,
)
from chanrong.credit.validation import cross_validate, ks_statistic

DATA = Path(__file__).resolve().parents[1] / "data" / "german-credit" / "germancredit.csv"
TARGET = "creditability"


@pytest.fixture(scope="module")
def german() -> pd.DataFrame:
    return pd.read_csv(DATA)


@pytest.fixture(scope="module")
def fitted(german: pd.DataFrame) -> FittedScorecard:
    return fit_scorecard(german, TARGET, "bad")


def test_features_are_inferred_from_dtypes(german: pd.DataFrame) -> None:
    specs = {s.name: s.kind for s in infer_features(german, TARGET)}
    assert len(specs) == 20 and TARGET not in specs
    assert specs["duration_in_month"] == "numeric"
    assert specs["purpose"] == "categorical"


def test_bins_respect_the_minimum_size_and_selection_by_iv(fitted: FittedScorecard) -> None:
    for name, binning in fitted.binnings.items():
        table = binning_table(binning)
        n_bins = len(table) - 3  # Special, Missing, Totals
        assert (table["Count (%)"].iloc[:n_bins] >= 0.05 - 1e-9).all(), name
    kept = {n for n, iv in fitted.information_value.items() if iv >= 0.02}
    assert set(fitted.selected) == kept
    assert "status_of_existing_checking_account" in fitted.selected
    assert fitted.information_value["status_of_existing_checking_account"] > 0.3


def test_numeric_bins_follow_a_monotonic_trend_when_asked(german: pd.DataFrame) -> None:
    spec = FeatureSpec("duration_in_month", "numeric", monotonic_trend="descending")
    fitted = fit_scorecard(german, TARGET, "bad", [spec, FeatureSpec("purpose", "categorical")])
    points = fitted.compile().features[0].points
    # longer loans default more: points never rise with duration
    assert list(points) == sorted(points, reverse=True)
    assert points[0] > points[-1]


def test_compiled_table_scores_all_rows_exactly_like_the_library(
    german: pd.DataFrame, fitted: FittedScorecard
) -> None:
    table = fitted.compile(version="german-test")
    library = fitted.points_frame(german)
    rows = german.to_dict(orient="records")
    for i, row in enumerate(rows):
        total, parts = table.score(row)
        expected = {name: int(library.at[i, name]) for name in fitted.selected}
        assert parts == expected, i
        assert total == table.intercept_points + sum(expected.values())
    # the integer points stay within rounding of the model's own scaled log-odds
    totals = np.array([table.total(r) for r in rows], dtype=float)
    unrounded = fitted.offset - fitted.factor * fitted.log_odds(german)
    assert np.max(np.abs(totals - unrounded)) <= 0.5 * (len(fitted.selected) + 1)
    # and the implied probability of default matches the model's within that rounding
    pd_table = np.array([table.probability_of_default(t) for t in totals])
    assert np.max(np.abs(pd_table - fitted.probability_of_default(german))) < 0.05


def test_compiled_table_survives_json_and_scores_the_same(
    german: pd.DataFrame, fitted: FittedScorecard
) -> None:
    table = fitted.compile(version="german-test")
    again = PointsTable.from_json(table.to_json())
    assert again == table and again.digest() == table.digest()
    rows = german.to_dict(orient="records")
    assert [again.score(r) for r in rows] == [table.score(r) for r in rows]


def test_missing_values_and_rows_as_mappings(german: pd.DataFrame) -> None:
    rows = german.to_dict(orient="records")
    for row in rows[::7]:
        row["age_in_years"] = None
        row["purpose"] = None
    fitted = fit_scorecard(rows, TARGET, "bad", params=ScorecardParams(min_iv=0.0))
    table = fitted.compile()
    library = fitted.points_frame(rows)
    for i, row in enumerate(rows):
        assert table.score(row)[1] == {n: int(library.at[i, n]) for n in fitted.selected}, i
    age = next(f for f in table.features if f.name == "age_in_years")
    assert table.score(rows[0])[1]["age_in_years"] == age.missing_points


def test_points_scale_and_higher_points_mean_lower_risk(
    german: pd.DataFrame, fitted: FittedScorecard
) -> None:
    table = fitted.compile()
    assert table.points_for_odds(50) == pytest.approx(600)
    assert table.points_for_odds(100) == pytest.approx(620)
    totals = np.array([table.total(r) for r in german.to_dict(orient="records")])
    bad = (german[TARGET] == "bad").to_numpy()
    assert totals[bad].mean() < totals[~bad].mean()


def test_psi_bands_and_values() -> None:
    assert psi([10, 20, 30, 40], [10, 20, 30, 40]) == 0.0
    assert psi([100, 200], [1, 2]) == pytest.approx(0.0)
    value = psi([25, 25, 25, 25], [10, 20, 30, 40])
    expected = sum((a - 0.25) * math.log(a / 0.25) for a in (0.1, 0.2, 0.3, 0.4))
    assert value == pytest.approx(expected)
    assert math.isfinite(psi([50, 50, 0], [40, 40, 20]))
    assert [psi_band(v) for v in (0.0, 0.099, 0.1, 0.25, 0.2501, 3.0)] == [
        "stable", "stable", "watch", "watch", "shift", "shift",
    ]  # fmt: skip
    with pytest.raises(ValueError):
        psi([1, 2], [1, 2, 3])
    with pytest.raises(ValueError):
        psi([0, 0], [1, 2])


def test_psi_over_the_bins_of_the_table(german: pd.DataFrame, fitted: FittedScorecard) -> None:
    table = fitted.compile()
    rows = german.to_dict(orient="records")
    expected = bin_counts(table, rows, "duration_in_month")
    assert sum(expected) == len(rows) and expected[-1] == 0
    same = bin_counts(table, rows[:500], "duration_in_month")
    assert psi_band(psi(expected, same)) == "stable"
    long_loans = [r for r in rows if r["duration_in_month"] >= 24]
    shifted = bin_counts(table, long_loans, "duration_in_month")
    assert psi_band(psi(expected, shifted)) == "shift"


def test_ks_statistic() -> None:
    assert ks_statistic([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]) == pytest.approx(1.0)
    assert ks_statistic([0, 1, 0, 1], [0.1, 0.2, 0.3, 0.4]) == pytest.approx(0.5)


def test_cross_validation_is_leak_free_and_reaches_the_benchmark(german: pd.DataFrame) -> None:
    result = cross_validate(german, TARGET, "bad", n_splits=5, n_repeats=5)
    print(result.summary())
    assert len(result.fold_auc) == 25
    assert result.gini == pytest.approx(2 * result.mean_auc - 1)
    assert result.mean_auc >= 0.77, result.summary()
    assert 0.3 < result.mean_ks < 0.7, result.summary()
    # the same data scored in-sample would look better: the folds did not see their test rows
    fitted = fit_scorecard(german, TARGET, "bad")
    y = (german[TARGET] == "bad").to_numpy(dtype=int)
    assert roc_auc_score(y, fitted.log_odds(german)) > result.mean_auc
