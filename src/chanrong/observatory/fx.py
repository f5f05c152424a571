"""Yearly average exchange rates (CNY per unit of a foreign currency), from ``rules/fx_rates.csv``.

They are *reference values* for turning foreign-currency deal amounts into yuan ranges, adjustable
by editing the CSV or passing another table; docs/observatory-normalisation.md states where each
column comes from. Rates are ``Decimal``, never floats.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from chanrong.observatory.numerals import to_decimal

RULES_DIR = Path(__file__).resolve().parent / "rules"
HOME_CURRENCY = "CNY"


@dataclass(frozen=True)
class FxRate:
    """The rate used for one conversion: ``year`` is the table year actually used."""

    currency: str
    year: int | None
    cny_per_unit: Decimal
    source: str


class FxTable:
    """Rates by (currency, year). A missing year falls back to the nearest year in the table (the
    later one on a tie); a year of None takes the latest. The fallback is visible in
    ``FxRate.year``."""

    def __init__(self, rates: dict[tuple[str, int], tuple[Decimal, str]]) -> None:
        self._rates = dict(rates)
        self._years: dict[str, list[int]] = {}
        for currency, year in sorted(self._rates):
            self._years.setdefault(currency, []).append(year)

    @classmethod
    def load(cls, path: Path | None = None) -> FxTable:
        """Read a CSV with columns ``year, currency, cny_per_unit, source``."""
        rates: dict[tuple[str, int], tuple[Decimal, str]] = {}
        with (path or RULES_DIR / "fx_rates.csv").open(encoding="utf-8", newline="") as handle:
            for line, row in enumerate(csv.DictReader(handle), start=2):
                key = (row["currency"].strip().upper(), int(row["year"]))
                rate = to_decimal(row["cny_per_unit"])
                if rate is None or rate <= 0:
                    raise ValueError(f"fx_rates.csv line {line}: rate must be positive")
                if key in rates:
                    raise ValueError(f"fx_rates.csv line {line}: {key} appears twice")
                rates[key] = (rate, row["source"].strip())
        return cls(rates)

    @property
    def currencies(self) -> list[str]:
        """Currencies with at least one year of rates (CNY is implicit)."""
        return sorted(self._years)

    def rate(self, currency: str, year: int | None) -> FxRate | None:
        """The rate for ``currency`` in ``year`` (or the nearest year); None if there is none."""
        if currency == HOME_CURRENCY:
            return FxRate(HOME_CURRENCY, None, Decimal(1), "no conversion")
        years = self._years.get(currency)
        if not years:
            return None
        chosen = years[-1] if year is None else min(years, key=lambda y: (abs(y - year), -y))
        value, source = self._rates[(currency, chosen)]
        return FxRate(currency, chosen, value, source)


FX = FxTable.load()
