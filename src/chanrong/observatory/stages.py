"""Round labels (天使轮, Pre-A, A+轮, 战略投资, 定向增发 ...) to canonical stages.

The mapping is data: ``rules/rounds.csv``, one regular expression per rule, tried in order on the
folded label (first full match wins). Labels no rule matches are flagged, never guessed.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from chanrong.errors import FieldError
from chanrong.observatory.fx import RULES_DIR

# The canonical stages, in the order of a company's life.
STAGES = (
    "seed", "angel", "pre_a", "a", "a_plus", "pre_b", "b", "b_plus", "c", "c_plus", "d_plus",
    "strategic", "pre_ipo", "ipo", "post_ipo", "m_and_a", "other",
)  # fmt: skip

# Early stage, for the early-stage share. The report counts "seed, angel and A"; we read its "A"
# as the A family: pre-A (a round before A cannot be later than A) and A+ (a second close at the
# same stage) count as early. docs/observatory-normalisation.md explains; pass another set to
# ``is_early`` to count otherwise.
EARLY_STAGES = frozenset({"seed", "angel", "pre_a", "a", "a_plus"})
REPORT_EARLY_STAGES = frozenset({"seed", "angel", "a"})  # the narrowest reading, for comparison


@dataclass(frozen=True)
class RoundRule:
    """One row of rounds.csv."""

    rule_id: str
    pattern: re.Pattern[str]
    stage: str
    description_zh: str
    description_en: str


@dataclass(frozen=True)
class RoundResult:
    """A parsed round label: ``stage`` None means flagged (see ``reason``)."""

    text: str
    stage: str | None
    rule: str | None
    reason: str | None = None

    @property
    def flagged(self) -> bool:
        """True when no rule read the label."""
        return self.stage is None

    @property
    def early(self) -> bool:
        """True for the early stages (EARLY_STAGES)."""
        return is_early(self.stage)

    def field_error(self, field_name: str) -> FieldError | None:
        """The import-report error for a flagged label, None otherwise."""
        if not self.flagged:
            return None
        return FieldError(field_name, "round_unknown", f"{self.text!r}: {self.reason}")


def fold_label(text: str) -> str:
    """Fold a round label: NFKC, lower case, no blanks, 轮/轮融资/round/series dropped."""
    folded = "".join(unicodedata.normalize("NFKC", text).lower().split())
    for word in ("轮融资", "融资轮", "轮", "round", "series"):
        folded = folded.replace(word, "")
    return folded.replace("_", "-").replace("plus", "+").replace("—", "-").replace("–", "-")


def load_round_rules(path: Path | None = None) -> list[RoundRule]:
    """Read rounds.csv; raises ValueError on an unknown stage or a bad pattern."""
    rules = []
    with (path or RULES_DIR / "rounds.csv").open(encoding="utf-8", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            stage = row["stage"].strip()
            if stage not in STAGES:
                raise ValueError(f"rounds.csv line {line}: unknown stage {stage!r}")
            try:
                pattern = re.compile(row["pattern"].strip())
            except re.error as exc:
                raise ValueError(f"rounds.csv line {line}: bad pattern: {exc}") from None
            rules.append(
                RoundRule(
                    row["rule_id"].strip(),
                    pattern,
                    stage,
                    row["description_zh"].strip(),
                    row["description_en"].strip(),
                )
            )
    return rules


ROUND_RULES = load_round_rules()


def parse_round(text: object, rules: list[RoundRule] = ROUND_RULES) -> RoundResult:
    """The canonical stage of a round label, or a flag."""
    raw = "" if text is None else str(text)
    folded = fold_label(raw)
    for rule in rules:
        if rule.pattern.fullmatch(folded):
            return RoundResult(raw, rule.stage, rule.rule_id)
    return RoundResult(raw, None, None, "no rule in rounds.csv reads this round label")


def is_early(stage: str | None, early: frozenset[str] = EARLY_STAGES) -> bool:
    """True when ``stage`` counts as early stage."""
    return stage in early
