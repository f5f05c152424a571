"""Leak-free repeated stratified k-fold cross-validation of the scorecard method.

In every fold the whole method — binning, IV selection, WOE and regression — is fitted on the
training part only, compiled to a `PointsTable`, and the held-out part is scored with that
table's integer points, exactly as production would score it. Reported per fold and on
average: AUC, Gini (``2 * AUC - 1``) and the Kolmogorov–Smirnov statistic (the largest gap
between the cumulative score distributions of bads and goods).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score, roc_curve
from sklearn.model_selection import RepeatedStratifiedKFold

from chanrong.credit.scorecard import (
    Data,
    FeatureSpec,
    ScorecardParams,
    as_frame,
    event_vector,
    fit_scorecard,
    infer_features,
)


@dataclass(frozen=True)
class CVResult:
    """Per-fold and mean discrimination of a cross-validated scorecard (AUC, KS in 0..1)."""

    n_splits: int
    n_repeats: int
    fold_auc: tuple[float, ...]
    fold_ks: tuple[float, ...]

    @property
    def mean_auc(self) -> float:
        """Mean held-out AUC over all folds."""
        return statistics.fmean(self.fold_auc)

    @property
    def std_auc(self) -> float:
        """Standard deviation of the held-out AUC over the folds."""
        return statistics.stdev(self.fold_auc) if len(self.fold_auc) > 1 else 0.0

    @property
    def gini(self) -> float:
        """Gini coefficient of the mean AUC: ``2 * mean_auc - 1``."""
        return 2.0 * self.mean_auc - 1.0

    @property
    def mean_ks(self) -> float:
        """Mean held-out Kolmogorov–Smirnov statistic over all folds."""
        return statistics.fmean(self.fold_ks)

    def summary(self) -> str:
        """One line with the figures, for logs and test output."""
        return (
            f"{self.n_repeats}x repeated stratified {self.n_splits}-fold CV: "
            f"AUC {self.mean_auc:.4f} (sd {self.std_auc:.4f}), Gini {self.gini:.4f}, "
            f"KS {self.mean_ks:.4f} over {len(self.fold_auc)} folds"
        )


def ks_statistic(y: Sequence[int] | np.ndarray, risk: Sequence[float] | np.ndarray) -> float:
    """KS: the largest gap between the cumulative distributions of events and non-events.

    ``risk`` must grow with the chance of the event (use ``-points``); equals ``max(TPR - FPR)``.
    """
    fpr, tpr, _ = roc_curve(np.asarray(y), np.asarray(risk))
    return float(np.max(tpr - fpr))


def cross_validate(
    data: Data,
    target: str,
    event: Any = "bad",
    features: Sequence[FeatureSpec] | None = None,
    params: ScorecardParams | None = None,
    n_splits: int = 5,
    n_repeats: int = 5,
    random_state: int = 20261127,
) -> CVResult:
    """Repeated stratified ``n_splits``-fold CV of `fit_scorecard`, fitted inside each fold.

    The held-out rows are scored by the fold's compiled points table (integer points), so the
    figures are those of the scorecard as deployed. Deterministic for a given ``random_state``.
    """
    frame = as_frame(data).reset_index(drop=True)
    specs = tuple(features) if features is not None else infer_features(frame, target)
    y = event_vector(frame, target, event)
    names = [spec.name for spec in specs]
    records = frame[names].to_dict(orient="records")
    folds = RepeatedStratifiedKFold(
        n_splits=n_splits, n_repeats=n_repeats, random_state=random_state
    )
    aucs: list[float] = []
    kss: list[float] = []
    for train, test in folds.split(np.zeros(len(y)), y):
        fitted = fit_scorecard(frame.iloc[train], target, event, specs, params)
        table = fitted.compile(version="cv-fold")
        risk = np.array([-table.total(records[i]) for i in test], dtype=float)
        aucs.append(float(roc_auc_score(y[test], risk)))
        kss.append(ks_statistic(y[test], risk))
    return CVResult(
        n_splits=n_splits, n_repeats=n_repeats, fold_auc=tuple(aucs), fold_ks=tuple(kss)
    )
