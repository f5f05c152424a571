"""Versioned credit rules: the hard checks run before the scorecard, and the cut-offs after it.

A `RuleSet` is plain data (a bank's active set lives in ``credit_rule_sets``, changed under
maker-checker by ``credit.rulesets``; `DEFAULT_RULES` applies to a bank that set none). `check`
returns the reasons an application fails the rules, each a `Reason` with a code and whether it
declines or refers (docs/credit-decisions.md lists every code). Amounts in fen, shares in basis
points, terms in months, maturity in days.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from functools import lru_cache
from typing import Any, Literal

Severity = Literal["decline", "refer"]
PRODUCTS = ("working_capital", "certificate")


@dataclass(frozen=True)
class Reason:
    """Why an application is declined or referred: a stable ``code``, its severity and a
    human-readable ``detail``."""

    code: str
    severity: Severity
    detail: str

    def to_dict(self) -> dict[str, str]:
        """JSON-ready form."""
        return asdict(self)


@dataclass(frozen=True)
class RuleSet:
    """One version of a bank's rules (see docs/credit-decisions.md for each parameter).

    ``bands`` are (minimum points, annual rate in bp) from the best band down; an approved
    applicant gets the rate of the first band its points reach. ``blacklist`` holds unified
    social credit codes the bank declines.
    """

    version: str = "default-1"
    min_amount_fen: int = 10_000_00
    max_amount_fen: int = 5_000_000_00
    terms_months: tuple[int, ...] = (3, 6, 9, 12)
    max_amount_to_sales_bp: int = 3_000
    per_sme_limit_fen: int = 5_000_000_00
    bank_limit_fen: int = 500_000_000_00
    max_top_buyer_share_bp: int = 8_000
    min_maturity_days: int = 7
    max_maturity_days: int = 366
    approve_points: int = 540
    refer_points: int = 520
    bands: tuple[tuple[int, int], ...] = ((580, 450), (560, 600), (540, 800))
    fee_bp: int = 50
    blacklist: tuple[str, ...] = field(default_factory=tuple)

    def params(self) -> dict[str, Any]:
        """Every parameter but the version, JSON-ready (the content `digest` covers)."""
        data = asdict(self)
        data.pop("version")
        data["terms_months"] = list(self.terms_months)
        data["bands"] = [list(b) for b in self.bands]
        data["blacklist"] = sorted(self.blacklist)
        return data

    def digest(self) -> str:
        """SHA-256 (hex) of the canonical JSON of `params`."""
        return _digest_of(self)

    def rate_bp(self, points: int) -> int | None:
        """The annual rate (bp) of the first band ``points`` reach, or None below every band."""
        return next((rate for floor, rate in self.bands if points >= floor), None)

    @classmethod
    def from_params(cls, version: str, params: Mapping[str, Any]) -> RuleSet:
        """The rule set ``version`` with ``params`` (unknown keys refused, missing defaulted)."""
        known = {f.name for f in fields(cls)} - {"version"}
        unknown = set(params) - known
        if unknown:
            raise ValueError(f"unknown rule parameters: {sorted(unknown)}")
        data = dict(params)
        if "terms_months" in data:
            data["terms_months"] = tuple(int(t) for t in data["terms_months"])
        if "bands" in data:
            data["bands"] = tuple((int(a), int(b)) for a, b in data["bands"])
        if "blacklist" in data:
            data["blacklist"] = tuple(sorted(str(u) for u in data["blacklist"]))
        return cls(version=version, **data)

    def problems(self) -> list[tuple[str, str]]:
        """(parameter, rule) pairs this rule set breaks; empty when it is consistent."""
        out = []
        ints = [f.name for f in fields(self) if f.type == "int"]
        out += [(name, "non_negative") for name in ints if getattr(self, name) < 0]
        if self.min_amount_fen > self.max_amount_fen:
            out.append(("min_amount_fen", "below_max"))
        if not self.terms_months or any(not 1 <= t <= 60 for t in self.terms_months):
            out.append(("terms_months", "range"))
        if self.refer_points > self.approve_points:
            out.append(("refer_points", "below_approve"))
        floors = [b[0] for b in self.bands]
        if not self.bands or floors != sorted(floors, reverse=True):
            out.append(("bands", "descending"))
        elif floors[-1] > self.approve_points:
            out.append(("bands", "cover_approve"))
        if any(not 0 <= b[1] <= 10_000 for b in self.bands):
            out.append(("bands", "rate_range"))
        if self.min_maturity_days > self.max_maturity_days:
            out.append(("min_maturity_days", "below_max"))
        return out


DEFAULT_RULES = RuleSet()


@dataclass(frozen=True)
class Facts:
    """What the rules look at, recorded with the decision (amounts fen, days, bp).

    ``identity_missing`` lists missing registration fields of the applicant; ``holder_problem``
    why the applicant may not finance the piece (certificate product), None when it may;
    ``maturity_days`` from the decision date to the piece's maturity; ``piece_fen`` the piece's
    amount; ``sme_exposure_fen`` and ``bank_outstanding_fen`` the bank's live loans to this SME
    and in all; ``sales_12m_fen`` and ``top_buyer_share_bp`` from the features.
    """

    product: str
    amount_fen: int
    term_months: int
    uscc: str
    identity_missing: tuple[str, ...] = ()
    holder_problem: str | None = None
    maturity_days: int | None = None
    piece_fen: int | None = None
    sme_exposure_fen: int = 0
    bank_outstanding_fen: int = 0
    sales_12m_fen: int = 0
    top_buyer_share_bp: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        # field by field: every value is flat, and asdict's deep copy cost a tenth of a decision
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["identity_missing"] = list(self.identity_missing)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Facts:
        """The facts recorded by `to_dict`."""
        return cls(**{**data, "identity_missing": tuple(data.get("identity_missing", ()))})


@lru_cache(maxsize=64)
def _digest_of(rules: RuleSet) -> str:
    # a rule set is frozen: its digest is computed once, not on every decision
    text = json.dumps(rules.params(), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def check(facts: Facts, rules: RuleSet) -> list[Reason]:
    """Every rule ``facts`` break under ``rules``, in rule order (identity, holder, maturity,
    amount and term, limits, blacklist, concentration)."""
    out: list[Reason] = []

    def add(code: str, detail: str, severity: Severity = "decline") -> None:
        out.append(Reason(code, severity, detail))

    if facts.identity_missing:
        add("IDENTITY_INCOMPLETE", f"registration lacks {', '.join(facts.identity_missing)}")
    if facts.product == "certificate":
        if facts.holder_problem is not None:
            add("HOLDER_INVALID", facts.holder_problem)
        if facts.maturity_days is not None and facts.maturity_days < rules.min_maturity_days:
            add("MATURITY_TOO_SHORT", f"{facts.maturity_days} days to maturity, at least "
                f"{rules.min_maturity_days} needed")  # fmt: skip
        if facts.maturity_days is not None and facts.maturity_days > rules.max_maturity_days:
            add("MATURITY_TOO_LONG", f"{facts.maturity_days} days to maturity, at most "
                f"{rules.max_maturity_days}")  # fmt: skip
        if facts.piece_fen is not None and facts.amount_fen > facts.piece_fen:
            add("ABOVE_PIECE", f"{facts.amount_fen} fen asked, the piece holds {facts.piece_fen}")
    elif facts.term_months not in rules.terms_months:
        add("TERM_NOT_OFFERED", f"terms offered: {list(rules.terms_months)} months")
    if facts.amount_fen < rules.min_amount_fen:
        add("AMOUNT_BELOW_MIN", f"the minimum is {rules.min_amount_fen} fen")
    if facts.amount_fen > rules.max_amount_fen:
        add("AMOUNT_ABOVE_MAX", f"the maximum is {rules.max_amount_fen} fen")
    if facts.product == "working_capital":
        cap = facts.sales_12m_fen * rules.max_amount_to_sales_bp // 10_000
        if facts.amount_fen > cap:
            add("AMOUNT_ABOVE_SALES", f"at most {rules.max_amount_to_sales_bp} bp of the last "
                f"12 months' sales ({cap} fen)")  # fmt: skip
    if facts.sme_exposure_fen + facts.amount_fen > rules.per_sme_limit_fen:
        add("SME_LIMIT", f"exposure would reach {facts.sme_exposure_fen + facts.amount_fen} fen, "
            f"limit {rules.per_sme_limit_fen}")  # fmt: skip
    if facts.bank_outstanding_fen + facts.amount_fen > rules.bank_limit_fen:
        add("BANK_LIMIT", f"the bank's SME book would exceed {rules.bank_limit_fen} fen")
    if facts.uscc in rules.blacklist:
        add("BLACKLISTED", "the applicant is on the bank's blacklist")
    share = facts.top_buyer_share_bp
    if share is not None and share > rules.max_top_buyer_share_bp:
        add("BUYER_CONCENTRATION", f"the largest buyer takes {share} bp of sales, above "
            f"{rules.max_top_buyer_share_bp}", "refer")  # fmt: skip
    return out
