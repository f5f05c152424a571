"""The amount rule table (``rules/amount_rules.csv``) and the currency words
(``rules/currencies.csv``), loaded and checked once at import. Both are data: edit the CSV, or load
another file with ``AmountRules.load(path)`` and pass it to ``parse_amount(..., rules=...)``.

Columns of the amount table: ``rule_id, kind, token, low, high, high_closed, description_zh,
description_en``. A rule id may span several rows (one per token); its rows must agree on kind
and factors. ``low``/``high`` are factors of the stated amount X (Decimal text); ``high`` empty
means open-ended, ``step`` means X plus one unit of its last significant digit.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from chanrong.observatory.fx import RULES_DIR
from chanrong.observatory.numerals import clean_text, to_decimal

# kind -> what the token does
KINDS = {
    "undisclosed_exact": "the whole cleaned phrase equals the token: undisclosed",
    "undisclosed_word": "the phrase contains the token: undisclosed",
    "refuse": "the phrase contains the token: flagged (not an amount raised)",
    "noise": "the token is removed (filler)",
    "exact": "no qualifier: the stated amount",
    "prefix": "a qualifier written before the number",
    "suffix": "a qualifier written after the number and unit",
    "odd": "余/多 after a number: X-odd",
    "vague": "数/几 before a bare unit: several of that unit",
    "level": "级 after a unit: that order of magnitude",
    "range": "a separator between two amounts",
    "scale": "an English scale word after a number (low = the multiplier)",
}
BAND_KINDS = ("exact", "prefix", "suffix", "odd", "vague", "level", "range")


@dataclass(frozen=True)
class AmountRule:
    """One row of the table. For band kinds the range is [low·X, high·X), or [low·X, high·X] when
    ``high_closed``; ``high`` None with ``open_high`` means no upper bound."""

    rule_id: str
    kind: str
    token: str
    low: Decimal | None
    high: Decimal | None
    high_step: bool
    high_closed: bool
    description_zh: str
    description_en: str

    @property
    def open_high(self) -> bool:
        """True when the rule gives no upper bound."""
        return self.kind in BAND_KINDS and self.high is None and not self.high_step

    def shape(self) -> tuple[object, ...]:
        """What the rule does to X: two rules with the same shape say the same thing."""
        return (self.low, self.high, self.high_step, self.high_closed)


def _row_rule(row: dict[str, str], line: int) -> AmountRule:
    kind = row["kind"].strip()
    if kind not in KINDS:
        raise ValueError(f"amount_rules.csv line {line}: unknown kind {kind!r}")
    high_text = row["high"].strip()
    rule = AmountRule(
        rule_id=row["rule_id"].strip(),
        kind=kind,
        token=clean_text(row["token"]),
        low=to_decimal(row["low"]),
        high=None if high_text == "step" else to_decimal(high_text),
        high_step=high_text == "step",
        high_closed=row["high_closed"].strip().lower() == "true",
        description_zh=row["description_zh"].strip(),
        description_en=row["description_en"].strip(),
    )
    if not rule.rule_id:
        raise ValueError(f"amount_rules.csv line {line}: empty rule_id")
    if kind in BAND_KINDS:
        if rule.low is None or rule.low < 0:
            raise ValueError(f"amount_rules.csv line {line}: low must be a factor >= 0")
        if rule.high is not None and (
            rule.high < rule.low or (rule.high == rule.low and not rule.high_closed)
        ):
            raise ValueError(f"amount_rules.csv line {line}: the range would be empty")
    if kind == "scale" and (rule.low is None or rule.low <= 0):
        raise ValueError(f"amount_rules.csv line {line}: a scale needs a positive multiplier")
    if kind not in ("undisclosed_exact", "exact") and not rule.token:
        raise ValueError(f"amount_rules.csv line {line}: kind {kind} needs a token")
    return rule


class AmountRules:
    """The loaded table: rules by kind (longest token first) and currency words."""

    def __init__(self, rules: list[AmountRule], currencies: dict[str, tuple[str, str]]) -> None:
        self.rules = list(rules)
        self.currencies = dict(currencies)  # cleaned token -> (currency code, rule id)
        first: dict[str, AmountRule] = {}
        for rule in self.rules:
            seen = first.setdefault(rule.rule_id, rule)
            if (seen.kind, seen.shape()) != (rule.kind, rule.shape()):
                raise ValueError(f"rule {rule.rule_id} has rows that disagree")
        self.by_id = first
        self._kind: dict[str, list[AmountRule]] = {}
        for rule in self.rules:
            self._kind.setdefault(rule.kind, []).append(rule)
        for rules_of_kind in self._kind.values():
            rules_of_kind.sort(key=lambda r: -len(r.token))
        if len(self._kind.get("exact", [])) != 1:
            raise ValueError("the table needs exactly one rule of kind 'exact'")

    def of(self, kind: str) -> list[AmountRule]:
        """Rules of one kind, longest token first (so 超过 is tried before 超)."""
        return self._kind.get(kind, [])

    @property
    def exact(self) -> AmountRule:
        """The rule for an amount stated without qualifier."""
        return self._kind["exact"][0]

    def currency_tokens(self) -> list[tuple[str, str, str]]:
        """(token, currency, rule id), longest token first (美元 before 元, hk$ before $)."""
        return sorted(
            ((t, c, r) for t, (c, r) in self.currencies.items()), key=lambda x: -len(x[0])
        )

    @classmethod
    def load(cls, path: Path | None = None, currencies_path: Path | None = None) -> AmountRules:
        """Read and check both tables; raises ValueError naming the bad line."""
        with (path or RULES_DIR / "amount_rules.csv").open(encoding="utf-8", newline="") as fh:
            rules = [_row_rule(row, n) for n, row in enumerate(csv.DictReader(fh), start=2)]
        currencies: dict[str, tuple[str, str]] = {}
        cpath = currencies_path or RULES_DIR / "currencies.csv"
        with cpath.open(encoding="utf-8", newline="") as fh:
            for n, row in enumerate(csv.DictReader(fh), start=2):
                token = clean_text(row["token"])
                if not token or token in currencies:
                    raise ValueError(f"currencies.csv line {n}: empty or repeated token")
                currencies[token] = (row["currency"].strip().upper(), row["rule_id"].strip())
        return cls(rules, currencies)


RULES = AmountRules.load()
