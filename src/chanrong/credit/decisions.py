"""The decision engine: versioned rules, then the scorecard's points table, then the offer.

`decide` is pure: given the recorded `Inputs` (facts for the rules, the scored feature values,
the decision date), a `RuleSet` and a `PointsTable`, it returns the same `Decision` every time,
so a stored decision can be recomputed from its inputs, its rules version and its table digest
(``credit.service.recompute``). Outcomes:

- **decline** when a rule declines (reason per broken rule) or the points are below
  ``refer_points`` (``SCORE_BELOW_CUTOFF``);
- **refer** (to a person at the bank) when a rule refers or the points are below
  ``approve_points`` (``SCORE_REFER``);
- **approve** otherwise, with an offer at the rate of the points' band.

Every decline and refer carries at least one reason; scorecard reasons add up to two adverse
factors (``LOW_<FEATURE>``): the scored features whose points fall furthest below the best
points that feature can earn.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from chanrong.credit.offers import Offer, certificate_offer, working_capital_offer
from chanrong.credit.points import PointsTable
from chanrong.credit.rules import Facts, Reason, RuleSet, check

ADVERSE_FACTORS = 2


@dataclass(frozen=True)
class Inputs:
    """Everything a decision depends on: the rules' facts, the scored feature values (by the
    table's feature names; None = missing), the decision date and the repayment asked for."""

    facts: Facts
    features: Mapping[str, int | None]
    as_of: date
    repayment: str = "equal_principal"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (what is stored with the decision)."""
        return {"facts": self.facts.to_dict(), "features": dict(sorted(self.features.items())),
                "as_of": self.as_of.isoformat(), "repayment": self.repayment}  # fmt: skip

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Inputs:
        """The inputs recorded by `to_dict`."""
        return cls(Facts.from_dict(data["facts"]), dict(data["features"]),
                   date.fromisoformat(data["as_of"]), data["repayment"])  # fmt: skip


@dataclass(frozen=True)
class Decision:
    """The result: ``outcome`` (approve, refer, decline), its reasons, the points (total and per
    feature), the rules version and table digest used, and the offer when approved."""

    outcome: str
    reasons: tuple[Reason, ...]
    points: int
    feature_points: Mapping[str, int]
    rules_version: str
    rules_digest: str
    table_version: str
    table_digest: str
    offer: Offer | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "outcome": self.outcome, "reasons": [r.to_dict() for r in self.reasons],
            "points": self.points, "feature_points": dict(sorted(self.feature_points.items())),
            "rules_version": self.rules_version, "rules_digest": self.rules_digest,
            "table_version": self.table_version, "table_digest": self.table_digest,
            "offer": None if self.offer is None else self.offer.to_dict(),
        }  # fmt: skip


def adverse_reasons(table: PointsTable, feature_points: Mapping[str, int]) -> list[Reason]:
    """Up to `ADVERSE_FACTORS` scorecard reasons: the features losing most points against the
    best points each can earn (ties by table order); none for a feature at its best."""
    gaps = []
    for index, feature in enumerate(table.features):
        best = max((*feature.points, feature.missing_points))
        gap = best - feature_points[feature.name]
        if gap > 0:
            gaps.append((-gap, index, feature.name))
    return [
        Reason(f"LOW_{name.upper()}", "refer", f"{name} earns {-neg} points below its best")
        for neg, _i, name in sorted(gaps)[:ADVERSE_FACTORS]
    ]


def decide(inputs: Inputs, rules: RuleSet, table: PointsTable,
           table_digest: str | None = None) -> Decision:  # fmt: skip
    """Run the rules, then the scorecard, and make the offer (see the module doc)."""
    facts = inputs.facts
    reasons = check(facts, rules)
    points, per_feature = table.score(inputs.features)
    declined = any(r.severity == "decline" for r in reasons)
    if not declined and points < rules.refer_points:
        reasons.append(Reason("SCORE_BELOW_CUTOFF", "decline",
                              f"{points} points, below {rules.refer_points}"))  # fmt: skip
        reasons += adverse_reasons(table, per_feature)
        declined = True
    elif not declined and points < rules.approve_points:
        reasons.append(Reason("SCORE_REFER", "refer",
                              f"{points} points, below {rules.approve_points}"))  # fmt: skip
        reasons += adverse_reasons(table, per_feature)
    offer = None
    if declined:
        outcome = "decline"
    elif reasons:
        outcome = "refer"
    else:
        outcome = "approve"
        rate = rules.rate_bp(points)
        assert rate is not None  # bands cover approve_points (RuleSet.problems)
        if facts.product == "certificate":
            offer = certificate_offer(facts.amount_fen, facts.maturity_days or 0, rate,
                                      rules.fee_bp, inputs.as_of)  # fmt: skip
        else:
            offer = working_capital_offer(facts.amount_fen, facts.term_months, inputs.repayment,
                                          rate, rules.fee_bp, inputs.as_of)  # fmt: skip
    return Decision(outcome, tuple(reasons), points, per_feature, rules.version, rules.digest(),
                    table.version, table_digest or table.digest(), offer)  # fmt: skip
