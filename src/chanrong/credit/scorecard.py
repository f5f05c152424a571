"""Training a credit scorecard: optimal binning, WOE, logistic regression, points, PSI.

The method (docs/credit-scorecard.md):

1. every feature is binned with optbinning's `OptimalBinning` (numeric or categorical), each bin
   holding at least ``min_bin_size`` of the training rows, numeric bins with a monotonic event
   rate (``monotonic_trend``, "auto" lets the library choose ascending, descending, peak or
   valley);
2. features whose information value is below ``min_iv`` are dropped;
3. each kept feature is replaced by its bin's weight of evidence (WOE, as optbinning defines it:
   ``ln(share of goods / share of bads)``) and an L2-regularised logistic regression (sklearn,
   inverse strength ``C``) predicts the event ("bad");
4. the log-odds are scaled to points, ``points = offset - factor * ln(odds_bad)`` with
   ``factor = pdo / ln 2`` and ``offset = base_points - factor * ln(base_odds)``; each bin earns
   ``round(-factor * coef * woe)`` and the intercept ``round(offset - factor * intercept)``,
   rounded half away from zero (`chanrong.credit.points.round_points`).

`FittedScorecard.compile` turns the fitted objects into a plain `PointsTable` for production;
`psi` measures how far a population has drifted from the one the scorecard was built on.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from optbinning import OptimalBinning
from sklearn.linear_model import LogisticRegression

from chanrong.credit.points import (
    FeatureKind,
    FeaturePoints,
    PointsTable,
    round_points,
    scale_factor,
    scale_offset,
)

Data = pd.DataFrame | Iterable[Mapping[str, Any]]

DEFAULT_TREND = "default"


@dataclass(frozen=True)
class FeatureSpec:
    """A candidate feature: its column, kind and the monotonic trend its bins must follow.

    ``monotonic_trend`` is an optbinning trend ("auto", "auto_asc_desc", "ascending",
    "descending", "peak", "valley", ...), ``None`` for no constraint, or "default" for the
    `ScorecardParams` default of the feature's kind.
    """

    name: str
    kind: FeatureKind
    monotonic_trend: str | None = DEFAULT_TREND


@dataclass(frozen=True)
class ScorecardParams:
    """The tunable choices of the method; the defaults are the ones documented and validated.

    ``min_bin_size`` and ``min_iv`` are fractions of the training rows and nats of information
    value; ``c`` is sklearn's inverse L2 regularisation strength; ``pdo`` (points to double the
    odds), ``base_points`` and ``base_odds`` (good:bad) fix the points scale.
    """

    min_bin_size: float = 0.05
    max_n_bins: int | None = None
    numeric_trend: str | None = "auto"
    categorical_trend: str | None = None
    min_iv: float = 0.02
    c: float = 0.1
    pdo: float = 20.0
    base_points: float = 600.0
    base_odds: float = 50.0


def as_frame(data: Data) -> pd.DataFrame:
    """``data`` as a DataFrame (a DataFrame is returned as is; rows become one row each)."""
    if isinstance(data, pd.DataFrame):
        return data
    return pd.DataFrame(list(data))


def infer_features(data: Data, target: str) -> tuple[FeatureSpec, ...]:
    """One `FeatureSpec` per column except ``target``: numeric dtypes numeric, others categorical."""
    frame = as_frame(data)
    return tuple(
        FeatureSpec(
            name=str(column),
            kind="numeric" if pd.api.types.is_numeric_dtype(frame[column]) else "categorical",
        )
        for column in frame.columns
        if column != target
    )


def event_vector(frame: pd.DataFrame, target: str, event: Any) -> np.ndarray:
    """1 where ``frame[target] == event`` (the bad outcome), else 0."""
    return (frame[target] == event).to_numpy(dtype=np.int64)


def _column(frame: pd.DataFrame, spec: FeatureSpec) -> np.ndarray:
    if spec.kind == "numeric":
        return pd.to_numeric(frame[spec.name]).to_numpy(dtype=float)
    return frame[spec.name].to_numpy(dtype=object)


def _trend(spec: FeatureSpec, params: ScorecardParams) -> str | None:
    if spec.monotonic_trend != DEFAULT_TREND:
        return spec.monotonic_trend
    return params.numeric_trend if spec.kind == "numeric" else params.categorical_trend


def fit_binning(
    values: np.ndarray, y: np.ndarray, spec: FeatureSpec, params: ScorecardParams
) -> OptimalBinning:
    """The optimal binning of one feature on training values ``values`` and events ``y``."""
    binning = OptimalBinning(
        name=spec.name,
        dtype="numerical" if spec.kind == "numeric" else "categorical",
        monotonic_trend=_trend(spec, params),
        min_bin_size=params.min_bin_size,
        max_n_bins=params.max_n_bins,
    )
    binning.fit(values, y)
    if binning.status not in ("OPTIMAL", "FEASIBLE"):
        raise ValueError(f"{spec.name}: binning failed ({binning.status})")
    return binning


def binning_table(binning: OptimalBinning) -> pd.DataFrame:
    """optbinning's binning table of a fitted binning: one row per bin, then Special, Missing, Totals.

    Silences the pandas deprecation warning optbinning 1.0 raises while building its Totals row.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Setting an item of incompatible dtype")
        return binning.binning_table.build()


def _bin_woe(binning: OptimalBinning) -> tuple[list[float], float, list[str]]:
    """The WOE of each bin, of the missing bin, and the bin labels, from the binning table."""
    table = binning_table(binning)
    n_bins = len(binning.splits) + 1 if binning.dtype == "numerical" else len(binning.splits)
    woe = [float(w) for w in table["WoE"].iloc[:n_bins]]
    if list(table["Bin"].iloc[n_bins : n_bins + 2]) != ["Special", "Missing"]:
        raise ValueError(f"{binning.name}: unexpected binning table layout")
    missing = float(table["WoE"].iloc[n_bins + 1])
    labels = [_label(b) for b in table["Bin"].iloc[:n_bins]]
    return woe, missing, labels


def _label(bin_: Any) -> str:
    if isinstance(bin_, str):
        return bin_
    return "{" + ", ".join(str(c) for c in bin_) + "}"


@dataclass(frozen=True)
class FittedScorecard:
    """A scorecard fitted on training data: binnings, selected features, regression, scale.

    ``binnings`` holds every candidate's binning, ``information_value`` its IV (nats);
    ``selected`` are the features in the regression, in the order of ``model.coef_``.
    """

    target: str
    event: Any
    specs: tuple[FeatureSpec, ...]
    binnings: Mapping[str, OptimalBinning]
    information_value: Mapping[str, float]
    selected: tuple[str, ...]
    model: LogisticRegression
    params: ScorecardParams

    @property
    def factor(self) -> float:
        """Points per unit of natural-log odds (``pdo / ln 2``)."""
        return scale_factor(self.params.pdo)

    @property
    def offset(self) -> float:
        """Points at even odds."""
        return scale_offset(self.params.pdo, self.params.base_points, self.params.base_odds)

    @property
    def coefficients(self) -> dict[str, float]:
        """The regression coefficient of each selected feature's WOE."""
        return dict(zip(self.selected, (float(c) for c in self.model.coef_[0]), strict=True))

    def woe_frame(self, data: Data) -> pd.DataFrame:
        """The WOE of each selected feature for each row of ``data`` (the library's transform)."""
        frame = as_frame(data)
        by_name = {spec.name: spec for spec in self.specs}
        columns = {
            name: self.binnings[name].transform(
                _column(frame, by_name[name]), metric="woe", metric_missing="empirical"
            )
            for name in self.selected
        }
        return pd.DataFrame(columns, index=frame.index)

    def log_odds(self, data: Data) -> np.ndarray:
        """The model's log-odds of the event (bad) for each row of ``data``."""
        return self.model.decision_function(self.woe_frame(data).to_numpy())

    def probability_of_default(self, data: Data) -> np.ndarray:
        """The model's probability of the event (bad) for each row of ``data`` (0..1)."""
        return self.model.predict_proba(self.woe_frame(data).to_numpy())[:, 1]

    def intercept_points(self) -> int:
        """The rounded points of the intercept: ``round(offset - factor * intercept)``."""
        return round_points(self.offset - self.factor * float(self.model.intercept_[0]))

    def points_frame(self, data: Data) -> pd.DataFrame:
        """Integer points per selected feature for each row, by the library path (WOE transform).

        Each cell is ``round(-factor * coef * woe)``; adding `intercept_points` to a row's sum
        gives its total points. `compile` must reproduce this exactly.
        """
        woe = self.woe_frame(data)
        coefficients = self.coefficients
        return pd.DataFrame(
            {
                name: [round_points(-self.factor * coefficients[name] * w) for w in woe[name]]
                for name in self.selected
            },
            index=woe.index,
        )

    def compile(self, version: str = "unversioned") -> PointsTable:
        """The plain `PointsTable` of this scorecard, named ``version``."""
        by_name = {spec.name: spec for spec in self.specs}
        coefficients = self.coefficients
        features = []
        for name in self.selected:
            binning = self.binnings[name]
            woe, missing_woe, labels = _bin_woe(binning)
            scale = -self.factor * coefficients[name]
            points = tuple(round_points(scale * w) for w in woe)
            if by_name[name].kind == "numeric":
                features.append(
                    FeaturePoints(
                        name=name,
                        kind="numeric",
                        points=points,
                        missing_points=round_points(scale * missing_woe),
                        splits=tuple(float(s) for s in binning.splits),
                        labels=tuple(labels),
                    )
                )
            else:
                categories = {
                    str(category): index
                    for index, members in enumerate(binning.splits)
                    for category in members
                }
                features.append(
                    FeaturePoints(
                        name=name,
                        kind="categorical",
                        points=points,
                        missing_points=round_points(scale * missing_woe),
                        categories=categories,
                        labels=tuple(labels),
                    )
                )
        return PointsTable(
            version=version,
            intercept_points=self.intercept_points(),
            features=tuple(features),
            pdo=self.params.pdo,
            base_points=self.params.base_points,
            base_odds=self.params.base_odds,
        )


def fit_scorecard(
    data: Data,
    target: str,
    event: Any = "bad",
    features: Sequence[FeatureSpec] | None = None,
    params: ScorecardParams | None = None,
) -> FittedScorecard:
    """Fit a scorecard on ``data``: bin, select by IV, WOE, logistic regression (see module doc).

    ``target`` is the outcome column and ``event`` its bad value; ``features`` default to every
    other column (`infer_features`). Raises ``ValueError`` when no feature reaches ``min_iv``.
    """
    params = params or ScorecardParams()
    frame = as_frame(data)
    specs = tuple(features) if features is not None else infer_features(frame, target)
    y = event_vector(frame, target, event)
    binnings: dict[str, OptimalBinning] = {}
    information_value: dict[str, float] = {}
    woe_columns: list[np.ndarray] = []
    selected: list[str] = []
    for spec in specs:
        values = _column(frame, spec)
        binning = fit_binning(values, y, spec, params)
        binnings[spec.name] = binning
        iv = float(binning_table(binning).loc["Totals", "IV"])
        information_value[spec.name] = iv
        if iv >= params.min_iv:
            selected.append(spec.name)
            woe_columns.append(binning.transform(values, metric="woe", metric_missing="empirical"))
    if not selected:
        raise ValueError(f"no feature has an information value of at least {params.min_iv}")
    model = LogisticRegression(C=params.c, max_iter=1000)
    model.fit(np.column_stack(woe_columns), y)
    return FittedScorecard(
        target=target,
        event=event,
        specs=specs,
        binnings=binnings,
        information_value=information_value,
        selected=tuple(selected),
        model=model,
        params=params,
    )


PsiBand = Literal["stable", "watch", "shift"]

PSI_FLOOR = 1e-4


def psi(expected_counts: Sequence[float], actual_counts: Sequence[float]) -> float:
    """Population stability index between two distributions over the same bins.

    ``PSI = sum((a_i - e_i) * ln(a_i / e_i))`` over the bins' shares ``e_i`` (expected, e.g.
    the development sample) and ``a_i`` (actual, e.g. this month's applicants); a share of 0 is
    floored at ``PSI_FLOOR`` (0.01 %) so an empty bin does not make the index infinite.
    """
    if len(expected_counts) != len(actual_counts) or not expected_counts:
        raise ValueError("psi needs two non-empty count lists of the same length")
    if any(c < 0 for c in (*expected_counts, *actual_counts)):
        raise ValueError("psi counts must not be negative")
    expected_total, actual_total = sum(expected_counts), sum(actual_counts)
    if expected_total <= 0 or actual_total <= 0:
        raise ValueError("psi needs at least one count on each side")
    index = 0.0
    for e_count, a_count in zip(expected_counts, actual_counts, strict=True):
        e = max(e_count / expected_total, PSI_FLOOR)
        a = max(a_count / actual_total, PSI_FLOOR)
        index += (a - e) * math.log(a / e)
    return index


def psi_band(value: float) -> PsiBand:
    """The usual reading of a PSI: below 0.1 stable, 0.1 to 0.25 watch, above 0.25 shift."""
    if value < 0.1:
        return "stable"
    if value <= 0.25:
        return "watch"
    return "shift"


def bin_counts(table: PointsTable, rows: Iterable[Mapping[str, Any]], feature: str) -> list[int]:
    """How many ``rows`` fall in each bin of ``feature`` in ``table``, for `psi`.

    The list has one count per bin and a last count for missing values and unseen categories.
    """
    spec = next((f for f in table.features if f.name == feature), None)
    if spec is None:
        raise KeyError(feature)
    counts = [0] * (len(spec.points) + 1)
    for row in rows:
        index = spec.bin_of(row[feature])
        counts[-1 if index is None else index] += 1
    return counts
