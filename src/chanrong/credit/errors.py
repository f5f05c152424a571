"""Errors of credit decisions (docs/errors.md lists each)."""

from __future__ import annotations

from chanrong.errors import Conflict, Forbidden, Invalid, NotFound


class InvalidApplication(Invalid):
    """An application breaks an input rule: ``product`` (``enum``), ``amount_fen``
    (``positive``), ``term_months`` (``range``), ``repayment`` (``enum``), ``piece_id``
    (``required`` for a certificate), ``bank_party_id`` (``bank``: not a financial institution),
    or the applicant is no enterprise (``applicant``)."""

    slug = "invalid-credit-application"
    title = "Invalid credit application"


class InvalidRuleSet(Invalid):
    """A proposed rule set breaks a rule on one parameter (``unknown``, ``non_negative``,
    ``below_max``, ``range``, ``below_approve``, ``descending``, ``cover_approve``,
    ``rate_range``), or the proposal was already decided (``decided``)."""

    slug = "invalid-rule-set"
    title = "Invalid credit rule set"


class ApplicationNotFound(NotFound):
    """No application (or rule-set proposal) with that id visible to the caller."""

    slug = "credit-application-not-found"
    title = "Credit application not found"


class OfferNotOpen(Conflict):
    """Only an approved, not yet accepted application's offer can be accepted."""

    slug = "offer-not-open"
    title = "No open offer"


class NotTheBank(Forbidden):
    """Only the bank's own admins change its rule set, and only the bank reads its queue."""

    slug = "not-the-bank"
    title = "Not the bank's user"


class SameUser(Forbidden):
    """Maker-checker: the user who proposed a rule set cannot approve or reject it."""

    slug = "rule-set-four-eyes"
    title = "Needs a second approver"


class InvalidRepayment(Invalid):
    """A repayment breaks a rule: ``amount_fen`` (``positive``; ``above_outstanding``: more
    than the loan still owes — overpayment is refused), ``paid_on`` (``before_start``,
    ``future``), ``source`` (``required``, ``length``: at most 100 characters), ``loan_id``
    (``repaid``: nothing is owed; ``settled_by_issuer``: a financed certificate piece is
    repaid by its issuer's settlement, not recorded by hand)."""

    slug = "invalid-repayment"
    title = "Invalid repayment"
