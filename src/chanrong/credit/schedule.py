"""Repayment schedules in exact fen: equal principal or bullet, monthly periods, ACT/365 interest.

Rules (docs/credit-decisions.md):

- the term is ``months`` whole months from the start date; instalment ``i`` falls due ``i``
  months after the start (a day past the month's end is clamped to its last day);
- **equal principal**: the principal is split into ``months`` parts that differ by at most one
  fen, the larger parts first (``divmod``), so the parts always sum exactly to the principal;
  **bullet**: interest every month, the whole principal with the last instalment;
- interest of a period = outstanding principal at the start of the period × annual rate (basis
  points) / 10,000 × actual days of the period / 365, **rounded half up to the fen**, computed
  for each period separately in integer arithmetic (never floats).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from typing import Literal

Repayment = Literal["equal_principal", "bullet"]
REPAYMENTS: tuple[str, ...] = ("equal_principal", "bullet")
DAY_BASIS = 365


@dataclass(frozen=True)
class Instalment:
    """One repayment: its number (from 1), due date, principal and interest in fen."""

    number: int
    due_on: date
    principal_fen: int
    interest_fen: int

    @property
    def total_fen(self) -> int:
        """Principal plus interest (fen)."""
        return self.principal_fen + self.interest_fen


def add_months(day: date, months: int) -> date:
    """``day`` plus whole ``months``, clamped to the last day of the target month."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def half_up(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded half up (both non-negative integers, denominator > 0)."""
    quotient, remainder = divmod(numerator, denominator)
    return quotient + (1 if 2 * remainder >= denominator else 0)


def split_principal(principal_fen: int, parts: int) -> list[int]:
    """``principal_fen`` split into ``parts`` amounts differing by at most one fen, the larger
    ones first; they sum exactly to ``principal_fen``."""
    if parts < 1 or principal_fen < 0:
        raise ValueError("need at least one part and a non-negative principal")
    base, extra = divmod(principal_fen, parts)
    return [base + 1 if i < extra else base for i in range(parts)]


def period_interest_fen(outstanding_fen: int, annual_rate_bp: int, days: int) -> int:
    """Interest (fen) on ``outstanding_fen`` for ``days`` actual days at ``annual_rate_bp``,
    ACT/365, rounded half up to the fen."""
    return half_up(outstanding_fen * annual_rate_bp * max(days, 0), 10_000 * DAY_BASIS)


def build_schedule(
    principal_fen: int, annual_rate_bp: int, start_on: date, months: int, repayment: str
) -> list[Instalment]:
    """The monthly schedule of a loan of ``principal_fen`` fen from ``start_on`` over ``months``
    months at ``annual_rate_bp`` basis points a year (see the module's rules)."""
    if repayment not in REPAYMENTS:
        raise ValueError(f"repayment must be one of {REPAYMENTS}")
    if months < 1:
        raise ValueError("the term is at least one month")
    if repayment == "equal_principal":
        principal_parts = split_principal(principal_fen, months)
    else:
        principal_parts = [0] * (months - 1) + [principal_fen]
    out: list[Instalment] = []
    outstanding, previous = principal_fen, start_on
    for number, part in enumerate(principal_parts, start=1):
        due = add_months(start_on, number)
        interest = period_interest_fen(outstanding, annual_rate_bp, (due - previous).days)
        out.append(Instalment(number, due, part, interest))
        outstanding -= part
        previous = due
    return out


def single_payment(principal_fen: int, interest_fen: int, due_on: date) -> list[Instalment]:
    """A one-instalment schedule (a discounted certificate piece repaid at maturity): the
    principal due on ``due_on``; ``interest_fen`` is the discount, taken up front."""
    return [Instalment(1, due_on, principal_fen, interest_fen)]
