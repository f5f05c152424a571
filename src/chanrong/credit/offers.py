"""The offer of an approved application: amount, annual rate, fees, schedule and total cost, in
exact fen (docs/credit-decisions.md).

- rate: the annual rate (basis points) of the applicant's score band (`RuleSet.rate_bp`);
- fees: ``amount × fee_bp / 10,000`` rounded **half up** to the fen, charged once, deducted
  from the disbursement (the borrower receives ``amount − fees``);
- working capital: interest is the sum of the schedule's interest (`schedule.build_schedule`:
  ACT/365 per monthly period, each rounded half up to the fen);
- certificate piece: a discount, ``amount × rate × days / 360`` (ACT/360) rounded half up to
  the fen (`supplychain.core.discount_fen`'s rule), taken at disbursement; the piece's issuer
  repays the amount at maturity;
- total cost = interest (or discount) + fees, in fen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from chanrong.credit.schedule import Instalment, build_schedule, half_up, single_payment

CERTIFICATE_DAY_COUNT = "ACT/360"


@dataclass(frozen=True)
class Offer:
    """What the bank offers: ``amount_fen`` over ``term_months`` (or until ``maturity_on``) at
    ``annual_rate_bp``, with ``fees_fen`` up front; ``interest_fen`` the schedule's interest (or
    the discount), ``total_cost_fen`` interest plus fees, ``proceeds_fen`` what is paid out."""

    product: str
    amount_fen: int
    term_months: int
    repayment: str
    annual_rate_bp: int
    fee_bp: int
    fees_fen: int
    interest_fen: int
    total_cost_fen: int
    proceeds_fen: int
    start_on: date
    maturity_on: date
    day_count: str
    schedule: tuple[Instalment, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (dates ISO, the schedule as a list)."""
        return {
            "product": self.product, "amount_fen": self.amount_fen,
            "term_months": self.term_months, "repayment": self.repayment,
            "annual_rate_bp": self.annual_rate_bp, "fee_bp": self.fee_bp,
            "fees_fen": self.fees_fen, "interest_fen": self.interest_fen,
            "total_cost_fen": self.total_cost_fen, "proceeds_fen": self.proceeds_fen,
            "start_on": self.start_on.isoformat(), "maturity_on": self.maturity_on.isoformat(),
            "day_count": self.day_count,
            "schedule": [{"number": i.number, "due_on": i.due_on.isoformat(),
                          "principal_fen": i.principal_fen, "interest_fen": i.interest_fen}
                         for i in self.schedule],
        }  # fmt: skip


def fees_fen(amount_fen: int, fee_bp: int) -> int:
    """The one-off fee: ``amount × fee_bp / 10,000`` rounded half up to the fen."""
    return half_up(amount_fen * fee_bp, 10_000)


def working_capital_offer(amount_fen: int, term_months: int, repayment: str, annual_rate_bp: int,
                          fee_bp: int, start_on: date) -> Offer:  # fmt: skip
    """The offer of an unsecured working-capital loan starting ``start_on``."""
    schedule = tuple(build_schedule(amount_fen, annual_rate_bp, start_on, term_months, repayment))
    interest = sum(i.interest_fen for i in schedule)
    fees = fees_fen(amount_fen, fee_bp)
    return Offer("working_capital", amount_fen, term_months, repayment, annual_rate_bp, fee_bp,
                 fees, interest, interest + fees, amount_fen - fees, start_on,
                 schedule[-1].due_on, "ACT/365", schedule)  # fmt: skip


def certificate_offer(amount_fen: int, maturity_days: int, annual_rate_bp: int, fee_bp: int,
                      start_on: date) -> Offer:  # fmt: skip
    """The offer to discount ``amount_fen`` of a certificate piece maturing ``maturity_days``
    after ``start_on`` (ACT/360, half up; repaid by the issuer at maturity)."""
    discount = half_up(amount_fen * annual_rate_bp * max(maturity_days, 0), 10_000 * 360)
    fees = fees_fen(amount_fen, fee_bp)
    maturity = start_on + timedelta(days=maturity_days)
    schedule = tuple(single_payment(amount_fen, discount, maturity))
    return Offer("certificate", amount_fen, 0, "bullet", annual_rate_bp, fee_bp, fees, discount,
                 discount + fees, amount_fen - discount - fees, start_on, maturity,
                 CERTIFICATE_DAY_COUNT, schedule)  # fmt: skip
