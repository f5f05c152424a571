"""Normalising what deal sources write: amount phrases to ranges, round labels to stages, dates to
periods with a precision. One entry point for the importer.

Amounts are never turned into a single guessed number. ``parse_amount`` gives a half-open range
``[low_fen, high_fen)`` of CNY fen (integers; ``high_fen`` None when open-ended), the original
currency and range, the FX rate used, the rule that matched, and a status: ``exact``, ``band``,
``undisclosed`` or ``unparsed`` (flagged, with the reason). An exact amount X is the degenerate
range ``[X, X + 1 fen)``: a closed upper end b is always stored as b + 1 fen. The rules are data
(``rules/amount_rules.csv``); docs/observatory-normalisation.md lists every one with its range.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from chanrong.errors import FieldError
from chanrong.money import FEN_PER_YUAN, Money
from chanrong.observatory.dates import DatePoint, parse_date
from chanrong.observatory.fx import FX, HOME_CURRENCY, FxTable
from chanrong.observatory.numerals import (
    BIG_UNITS,
    NUMERAL_CHARS,
    UNIT_CHARS,
    clean_text,
    parse_numeral,
    shared_unit,
    significant_step,
)
from chanrong.observatory.rules_table import RULES, AmountRule, AmountRules
from chanrong.observatory.stages import EARLY_STAGES, STAGES, RoundResult, parse_round

__all__ = [
    "EARLY_STAGES",
    "STAGES",
    "AmountResult",
    "DatePoint",
    "RoundResult",
    "parse_amount",
    "parse_date",
    "parse_round",
]

Status = Literal["exact", "band", "undisclosed", "unparsed"]
# Round labels written inside an amount cell ("Pre-A轮 数千万") are dropped before parsing.
_ROUND_IN_AMOUNT = re.compile(
    r"(?:series|pre-?)?(?:[a-h]\d?\+*|天使\+*|种子\+*|ipo)轮(?:融资)?|pre-?ipo|战略(?:投资|融资)"
    r"|series[a-h]\+*"
)
# No financing round is near 10^14 yuan (百万亿); larger "amounts" are typos and are flagged.
MAX_AMOUNT = Decimal(10) ** 14
# A stated range whose low end is below 1/100 of its high end is a unit slip, not a range.
RANGE_SPAN_LIMIT = 100


@dataclass(frozen=True)
class AmountResult:
    """A parsed amount phrase. ``rule`` is the id of the rule that set the range (``rules`` lists
    every rule used, currency and scale words included); ``reason`` says why a phrase was flagged.
    """

    text: str
    status: Status
    rule: str | None = None
    rules: tuple[str, ...] = ()
    low_fen: int | None = None
    high_fen: int | None = None
    currency: str | None = None
    currency_assumed: bool = False
    original_low: Decimal | None = None
    original_high: Decimal | None = None
    original_high_closed: bool = False
    fx_rate: Decimal | None = None
    fx_year: int | None = None
    fx_source: str | None = None
    reason: str | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def flagged(self) -> bool:
        """True when the phrase could not be parsed (see ``reason``)."""
        return self.status == "unparsed"

    @property
    def disclosed(self) -> bool:
        """True when the phrase gives an amount (exact or band)."""
        return self.status in ("exact", "band")

    @property
    def open_ended(self) -> bool:
        """True for a disclosed amount without an upper bound (亿元及以上)."""
        return self.disclosed and self.high_fen is None

    @property
    def low(self) -> Money | None:
        """The lower bound as Money (inclusive)."""
        return None if self.low_fen is None else Money(self.low_fen)

    @property
    def high(self) -> Money | None:
        """The upper bound as Money (exclusive); None when open-ended or not disclosed."""
        return None if self.high_fen is None else Money(self.high_fen)

    def field_error(self, field_name: str) -> FieldError | None:
        """The import-report error for a flagged phrase, None otherwise."""
        if not self.flagged:
            return None
        return FieldError(field_name, "amount_unparsed", f"{self.text!r}: {self.reason}")

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form: fen as integers, decimals as strings."""
        return {
            "text": self.text,
            "status": self.status,
            "rule": self.rule,
            "rules": list(self.rules),
            "low_fen": self.low_fen,
            "high_fen": self.high_fen,
            "currency": self.currency,
            "currency_assumed": self.currency_assumed,
            "original_low": None if self.original_low is None else str(self.original_low),
            "original_high": None if self.original_high is None else str(self.original_high),
            "original_high_closed": self.original_high_closed,
            "fx_rate": None if self.fx_rate is None else str(self.fx_rate),
            "fx_year": self.fx_year,
            "fx_source": self.fx_source,
            "reason": self.reason,
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class _Value:
    value: Decimal  # in units of the currency
    numeral: str  # the numeral text, scale word removed
    scale: AmountRule | None


@dataclass(frozen=True)
class _Bounds:
    low: Decimal
    high: Decimal | None
    closed: bool
    rule: AmountRule
    used: tuple[str, ...]


def _value(text: str, rules: AmountRules) -> _Value | None:
    scale = None
    for rule in rules.of("scale"):
        cut = len(text) - len(rule.token)
        if (
            cut > 0
            and text.endswith(rule.token)
            and (text[cut - 1].isdigit() or text[cut - 1] in NUMERAL_CHARS)
        ):
            scale, text = rule, text[:cut]
            break
    value = parse_numeral(text)
    if value is None:
        return None
    return _Value(value * (scale.low if scale and scale.low else 1), text, scale)


def _range(text: str, rules: AmountRules) -> _Bounds | str | None:
    """Bounds of ``X-Y``; None when the phrase is not a range; a reason when it is a broken one."""
    for rule in rules.of("range"):
        left_text, sep, right_text = text.partition(rule.token)
        if not sep or not left_text or not right_text:
            continue
        right, left = _value(right_text, rules), _value(left_text, rules)
        if right is None or left is None:
            continue
        low = left.value
        bare = left.scale is None and not any(c in BIG_UNITS for c in left.numeral)
        if bare:  # "1-2亿": the left end borrows the right end's unit
            scale = right.scale.low if right.scale and right.scale.low else Decimal(1)
            low *= shared_unit(left.value, right.numeral, right.value / scale) * scale
        if low > right.value:
            return f"the range's low end ({left_text}) is above its high end ({right_text})"
        if low * RANGE_SPAN_LIMIT < right.value:
            return f"the range ends differ more than {RANGE_SPAN_LIMIT}-fold: check the units"
        scales = tuple(s.rule_id for s in (left.scale, right.scale) if s)
        return _Bounds(
            low, right.value, rule.high_closed, rule, (rule.rule_id, *dict.fromkeys(scales))
        )
    return None


def _qualifiers(text: str, rules: AmountRules) -> tuple[str, list[AmountRule]]:
    """Strip at most one prefix, suffix, level, vague and odd word; return what is left."""
    found: list[AmountRule] = []
    for rule in rules.of("prefix"):
        if text.startswith(rule.token) and len(text) > len(rule.token):
            found.append(rule)
            text = text[len(rule.token) :]
            break
    for kind in ("suffix", "level"):
        for rule in rules.of(kind):
            if text.endswith(rule.token) and len(text) > len(rule.token):
                found.append(rule)
                text = text[: -len(rule.token)]
                break
    for rule in rules.of("vague"):
        rest = text[len(rule.token) :]
        if text.startswith(rule.token) and rest and all(c in UNIT_CHARS for c in rest):
            return rest, [*found, rule]
    for rule in rules.of("odd"):
        at = text.find(rule.token, 1)
        if at > 0 and (text[at - 1].isdigit() or text[at - 1] in NUMERAL_CHARS):
            found.append(rule)
            text = text[:at] + text[at + len(rule.token) :]
            break
    return text, found


def _single(text: str, rules: AmountRules) -> _Bounds | str:
    core, found = _qualifiers(text, rules)
    if len({r.shape() for r in found}) > 1:
        words = " and ".join(r.token for r in found)
        return f"more than one qualifier ({words}): state one"
    stated = _value(core, rules)
    if stated is None:
        return f"not an amount: {core!r} (no rule of the table reads it)"
    rule = found[0] if found else rules.exact
    x = stated.value
    assert rule.low is not None
    if rule.high_step:
        high: Decimal | None = x + significant_step(x)
    else:
        high = None if rule.high is None else x * rule.high
    used = tuple(dict.fromkeys(r.rule_id for r in found)) or (rule.rule_id,)
    if stated.scale:
        used = (*used, stated.scale.rule_id)
    return _Bounds(x * rule.low, high, rule.high_closed, rule, used)


def _fen(amount: Decimal, rate: Decimal) -> int:
    return int((amount * rate * FEN_PER_YUAN).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _flag(text: str, reason: str, *rules: str) -> AmountResult:
    return AmountResult(text=text, status="unparsed", rule=None, rules=rules, reason=reason)


def parse_amount(
    text: object,
    *,
    year: int | None = None,
    rules: AmountRules = RULES,
    fx: FxTable = FX,
) -> AmountResult:
    """Parse an amount phrase into a range of CNY fen, or flag it.

    ``year`` picks the FX row for foreign currencies (the deal's year; the nearest year in the
    table if it has none, the latest if ``year`` is None). A phrase without a currency word is
    taken as CNY (``currency_assumed``). A bare number means yuan.
    """
    raw = "" if text is None else str(text)
    s = _ROUND_IN_AMOUNT.sub("", clean_text(raw))
    for rule in rules.of("undisclosed_exact"):
        if s == rule.token:
            return AmountResult(raw, "undisclosed", rule.rule_id, (rule.rule_id,))
    for rule in rules.of("undisclosed_word"):
        if rule.token in s:
            return AmountResult(raw, "undisclosed", rule.rule_id, (rule.rule_id,))
    for rule in rules.of("refuse"):
        if rule.token in s:
            return _flag(raw, rule.description_en, rule.rule_id)
    for rule in rules.of("noise"):
        s = s.replace(rule.token, "")
    found: dict[str, str] = {}
    for token, currency, rule_id in rules.currency_tokens():
        if token in s:
            found.setdefault(currency, rule_id)
            s = s.replace(token, "")
    if len(found) > 1:
        return _flag(raw, f"more than one currency ({', '.join(sorted(found))})", *found.values())
    currency = next(iter(found), HOME_CURRENCY)
    if not s:
        return _flag(raw, "no amount in the phrase", *found.values())
    bounds = _range(s, rules)
    if bounds is None:
        bounds = _single(s, rules)
    if isinstance(bounds, str):
        return _flag(raw, bounds, *found.values())
    if max(bounds.low, bounds.high or 0) > MAX_AMOUNT:
        return _flag(raw, "implausibly large amount (over 10^14): check the unit", *bounds.used)
    rate = fx.rate(currency, year)
    if rate is None:
        return _flag(raw, f"no FX rate for {currency}: add rows to fx_rates.csv", *found.values())
    low_fen = _fen(bounds.low, rate.cny_per_unit)
    high_fen = None
    if bounds.high is not None:
        high_fen = _fen(bounds.high, rate.cny_per_unit) + (1 if bounds.closed else 0)
        if high_fen <= low_fen:
            return _flag(raw, "the range is narrower than one fen", *bounds.used)
    notes: tuple[str, ...] = ()
    if rate.year is not None and year is not None and rate.year != year:
        notes = (f"no {currency} rate for {year}: used {rate.year}",)
    return AmountResult(
        text=raw,
        status="exact" if bounds.rule.kind == "exact" else "band",
        rule=bounds.rule.rule_id,
        rules=(*bounds.used, *found.values()),
        low_fen=low_fen,
        high_fen=high_fen,
        currency=currency,
        currency_assumed=not found,
        original_low=bounds.low,
        original_high=bounds.high,
        original_high_closed=bounds.closed and bounds.high is not None,
        fx_rate=rate.cny_per_unit,
        fx_year=rate.year,
        fx_source=rate.source,
        notes=notes,
    )
