"""Errors of payable certificates (云证) and credit lines (docs/errors.md lists each)."""

from __future__ import annotations

from chanrong.errors import Conflict, Forbidden, Invalid, NotFound


class InvalidCertificate(Invalid):
    """An issuance breaks a rule: face value, term (``after_issue``, ``max_term``: at most one
    year), receivables (``confirmed``, ``same_supplier``, ``covered``)."""

    slug = "invalid-certificate"
    title = "Invalid payable certificate"


class InvalidSplit(Invalid):
    """A split's amounts are not positive (``positive``) or do not sum exactly to the piece
    (``sum``), or there are fewer than two (``min_parts``)."""

    slug = "invalid-split"
    title = "Invalid split"


class InvalidTransfer(Invalid):
    """A transfer names no other party (``other_party``), an unknown one (``exists``) or one
    that is not the holder's own supplier (``own_supplier``)."""

    slug = "invalid-transfer"
    title = "Invalid transfer"


class InvalidFinancing(Invalid):
    """A financing's amount (``above_piece``, ``positive``), rate (``rate_range``), day count
    (``day_count``), fees (``fees_range``) or bank (``bank``) breaks a rule."""

    slug = "invalid-financing"
    title = "Invalid financing"


class NotHolder(Forbidden):
    """Only the holder of a piece may act on it (the recipient accepts a transfer, the issuer
    settles, a bank user of the line's bank changes a credit line)."""

    slug = "not-holder"
    title = "Not the holder"


class PieceSpent(Conflict):
    """The piece is not held any more (split, transferred, pending transfer, financed or
    settled): it cannot be spent twice."""

    slug = "piece-spent"
    title = "Piece already spent"


class PastMaturity(Conflict):
    """On or after the maturity date nothing but settlement is possible."""

    slug = "past-maturity"
    title = "Certificate has matured"


class NotMatured(Conflict):
    """Settlement before the maturity date, or of a certificate already settled."""

    slug = "not-matured"
    title = "Certificate not due"


class CertificateNotFound(NotFound):
    """No certificate with that id is visible to the caller."""

    slug = "certificate-not-found"
    title = "Certificate not found"


class PieceNotFound(NotFound):
    """No certificate piece with that id is visible to the caller."""

    slug = "piece-not-found"
    title = "Certificate piece not found"


class CreditLineNotFound(NotFound):
    """No approved credit line of that bank for that core enterprise (or no such change)."""

    slug = "credit-line-not-found"
    title = "Credit line not found"


class CreditLineExceeded(Conflict):
    """Issuing would take the core enterprise's outstanding certificates above its line."""

    slug = "credit-line-exceeded"
    title = "Credit line exceeded"


class InvalidCreditLine(Invalid):
    """A credit line change has a negative limit (``non_negative``), names a party that is no
    enterprise (``core_enterprise``), or the proposal was already decided (``decided``)."""

    slug = "invalid-credit-line"
    title = "Invalid credit line change"


class FourEyes(Forbidden):
    """Maker-checker: the user who proposed a credit line change cannot approve it."""

    slug = "four-eyes"
    title = "Needs a second approver"
