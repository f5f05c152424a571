"""The compiled scorecard: a plain points table and a pure-Python scorer.

A `PointsTable` is what a fitted scorecard becomes for production: for each feature its bins and
the integer points of each bin, plus the intercept points. It imports nothing beyond the standard
library, serialises to and from JSON, and scores one applicant in microseconds, so a credit
decision can be recomputed later from the recorded inputs and the table's version (or digest).

Bin rules (docs/credit-scorecard.md):

- numeric features: sorted split points ``s_0 < s_1 < ... < s_{k-1}`` make ``k + 1`` half-open
  bins ``(-inf, s_0), [s_0, s_1), ..., [s_{k-1}, +inf)``; a value ``x`` falls in bin
  ``bisect_right(splits, x)``. ``None`` and NaN are missing and get ``missing_points``.
- categorical features: each known category (compared as ``str``) maps to a bin index;
  ``None``/NaN get ``missing_points``; a category not seen in training earns 0 points (its
  weight of evidence is taken as 0, neutral, as the binning library does).

Points scale: ``points = offset - factor * ln(odds_bad)`` with ``factor = pdo / ln 2`` and
``offset = base_points - factor * ln(base_odds)``, where ``base_odds`` is good:bad, so that
odds of ``base_odds`` to 1 score ``base_points`` and every ``pdo`` points double the odds.
"""

from __future__ import annotations

import hashlib
import json
import math
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

FORMAT = "chanrong.credit.points/1"

FeatureKind = Literal["numeric", "categorical"]


def round_points(value: float) -> int:
    """Round a real number of points to an integer, halves away from zero (2.5 -> 3, -2.5 -> -3).

    This is the one rounding rule of the scorecard; it does not depend on the platform's
    banker's rounding (Python's ``round``).
    """
    magnitude = math.floor(abs(value) + 0.5)
    return magnitude if value >= 0 else -magnitude


def scale_factor(pdo: float) -> float:
    """Points per unit of natural-log odds: ``pdo / ln 2`` (points per doubling of the odds)."""
    return pdo / math.log(2.0)


def scale_offset(pdo: float, base_points: float, base_odds: float) -> float:
    """The offset so that good:bad odds of ``base_odds`` score ``base_points`` (points)."""
    return base_points - scale_factor(pdo) * math.log(base_odds)


@dataclass(frozen=True)
class FeaturePoints:
    """One feature of a points table: its bins and the integer points of each bin.

    ``splits`` (numeric only) are sorted ascending; ``categories`` (categorical only) maps a
    category, as a string, to its bin index. ``points[i]`` is the points of bin ``i``;
    ``labels[i]`` a human-readable description of bin ``i``; ``missing_points`` applies to
    missing values (``None``/NaN); a category unseen in training earns 0 points.
    """

    name: str
    kind: FeatureKind
    points: tuple[int, ...]
    missing_points: int
    splits: tuple[float, ...] = ()
    categories: Mapping[str, int] = field(default_factory=dict)
    labels: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind == "numeric":
            if list(self.splits) != sorted(set(self.splits)):
                raise ValueError(f"{self.name}: splits must be strictly increasing")
            if len(self.points) != len(self.splits) + 1:
                raise ValueError(f"{self.name}: need len(splits) + 1 points")
        elif self.kind == "categorical":
            if self.splits:
                raise ValueError(f"{self.name}: a categorical feature has no splits")
            if any(not 0 <= i < len(self.points) for i in self.categories.values()):
                raise ValueError(f"{self.name}: a category maps to a bin without points")
        else:
            raise ValueError(f"{self.name}: unknown kind {self.kind!r}")

    def bin_of(self, value: Any) -> int | None:
        """The bin index of ``value``; ``None`` when it is missing or an unseen category."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return None
        if self.kind == "numeric":
            number = float(value)
            if math.isnan(number):
                return None
            return bisect_right(self.splits, number)
        return self.categories.get(str(value))

    def points_of(self, value: Any) -> int:
        """The integer points ``value`` earns on this feature."""
        if value is None or value != value:  # None or NaN
            return self.missing_points
        index = self.bin_of(value)
        return 0 if index is None else self.points[index]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of this feature."""
        data: dict[str, Any] = {
            "name": self.name,
            "kind": self.kind,
            "points": list(self.points),
            "missing_points": self.missing_points,
            "labels": list(self.labels),
        }
        if self.kind == "numeric":
            data["splits"] = list(self.splits)
        else:
            data["categories"] = dict(sorted(self.categories.items()))
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FeaturePoints:
        """The feature described by ``data`` (the output of `to_dict`)."""
        return cls(
            name=str(data["name"]),
            kind=data["kind"],
            points=tuple(int(p) for p in data["points"]),
            missing_points=int(data["missing_points"]),
            splits=tuple(float(s) for s in data.get("splits", ())),
            categories={str(k): int(v) for k, v in data.get("categories", {}).items()},
            labels=tuple(str(label) for label in data.get("labels", ())),
        )


@dataclass(frozen=True)
class PointsTable:
    """A compiled scorecard: intercept points plus one `FeaturePoints` per feature.

    ``version`` names the table (chosen by whoever compiles it); `digest` fingerprints its
    content. ``pdo``, ``base_points`` and ``base_odds`` (good:bad) are the scaling constants.
    """

    version: str
    intercept_points: int
    features: tuple[FeaturePoints, ...]
    pdo: float = 20.0
    base_points: float = 600.0
    base_odds: float = 50.0
    _lookup: tuple[
        tuple[str, bool, tuple[float, ...], Mapping[str, int], tuple[int, ...], int], ...
    ] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        names = [f.name for f in self.features]
        if len(set(names)) != len(names):
            raise ValueError("feature names must be unique")
        lookup = tuple(
            (f.name, f.kind == "numeric", f.splits, f.categories, f.points, f.missing_points)
            for f in self.features
        )
        object.__setattr__(self, "_lookup", lookup)

    @property
    def factor(self) -> float:
        """Points per unit of natural-log odds (``pdo / ln 2``)."""
        return scale_factor(self.pdo)

    @property
    def offset(self) -> float:
        """Points at even odds (``ln odds = 0``)."""
        return scale_offset(self.pdo, self.base_points, self.base_odds)

    @property
    def feature_names(self) -> tuple[str, ...]:
        """The features the table needs, in table order."""
        return tuple(f.name for f in self.features)

    def score(self, features: Mapping[str, Any]) -> tuple[int, dict[str, int]]:
        """Score one applicant: ``(total points, points per feature)``.

        ``features`` must hold every feature of the table (``KeyError`` otherwise); ``None`` or
        NaN is a missing value. Pure Python, a few microseconds per applicant.
        """
        total = self.intercept_points
        parts: dict[str, int] = {}
        for name, numeric, splits, categories, points, missing in self._lookup:
            value = features[name]
            if value is None or value != value:  # None or NaN
                earned = missing
            elif numeric:
                earned = points[bisect_right(splits, float(value))]
            else:
                index = categories.get(value if type(value) is str else str(value))
                earned = 0 if index is None else points[index]
            parts[name] = earned
            total += earned
        return total, parts

    def total(self, features: Mapping[str, Any]) -> int:
        """The total points of one applicant (see `score`)."""
        return self.score(features)[0]

    def probability_of_default(self, points: float) -> float:
        """The probability of the bad outcome implied by ``points`` (0..1).

        Inverts the scale: ``ln odds_bad = (offset - points) / factor``.
        """
        return 1.0 / (1.0 + math.exp((points - self.offset) / self.factor))

    def points_for_odds(self, odds_good: float) -> float:
        """The (unrounded) points of good:bad odds ``odds_good``."""
        return self.offset + self.factor * math.log(odds_good)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of the whole table."""
        return {
            "format": FORMAT,
            "version": self.version,
            "pdo": self.pdo,
            "base_points": self.base_points,
            "base_odds": self.base_odds,
            "intercept_points": self.intercept_points,
            "features": [f.to_dict() for f in self.features],
        }

    def to_json(self) -> str:
        """The table as canonical JSON text (sorted keys, no insignificant whitespace)."""
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    def digest(self) -> str:
        """SHA-256 (hex) of `to_json`: identifies exactly this table's content."""
        return hashlib.sha256(self.to_json().encode("utf-8")).hexdigest()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PointsTable:
        """The table described by ``data`` (the output of `to_dict`)."""
        if data.get("format") != FORMAT:
            raise ValueError(f"not a points table of format {FORMAT!r}")
        return cls(
            version=str(data["version"]),
            intercept_points=int(data["intercept_points"]),
            features=tuple(FeaturePoints.from_dict(f) for f in data["features"]),
            pdo=float(data["pdo"]),
            base_points=float(data["base_points"]),
            base_odds=float(data["base_odds"]),
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> PointsTable:
        """The table serialised in ``text`` by `to_json`."""
        return cls.from_dict(json.loads(text))
