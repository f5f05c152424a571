"""Errors of trade documents and receivables (docs/errors.md lists each)."""

from __future__ import annotations

from chanrong.errors import Conflict, Forbidden, Invalid, NotFound


class InvalidTradeDocument(Invalid):
    """An order, delivery or invoice breaks a rule: amount (``positive``, ``within_order``),
    parties (``distinct``, ``party_of_order``, ``exists``), dates (``date_order``,
    ``within_terms``, ``not_future``), handle (``prefix_needed``) or terms (``range``)."""

    slug = "invalid-trade-document"
    title = "Invalid trade document"


class DocumentsMismatch(Invalid):
    """A receivable's order, delivery and invoice do not agree (documents, goods, information and
    money in one loop): every broken rule is listed (``resolves``, ``kind``, ``parties``,
    ``linked``, ``amount_matches_invoice``, ``amount_matches_delivery``, ``within_order``,
    ``date_order``, ``within_terms``, ``not_due``, ``invoice_free``)."""

    slug = "documents-mismatch"
    title = "Trade documents do not match"


class TradeDocumentNotFound(NotFound):
    """No order, delivery or invoice with that id or identifier is visible to the caller."""

    slug = "trade-document-not-found"
    title = "Trade document not found"


class ReceivableNotFound(NotFound):
    """No receivable with that id is visible to the caller."""

    slug = "receivable-not-found"
    title = "Receivable not found"


class WrongParty(Forbidden):
    """The caller is a party of the trade but not the one that may do this: only the buyer
    (debtor) confirms or rejects, only the supplier registers or withdraws, only the seller
    records a payment received."""

    slug = "wrong-party"
    title = "Not this party's action"


class ReceivableDecided(Conflict):
    """The receivable is no longer open: it was already confirmed, rejected or withdrawn, so it
    cannot be confirmed twice, rejected or withdrawn."""

    slug = "receivable-decided"
    title = "Receivable already decided"


class ReceivableLocked(Conflict):
    """A confirmed receivable is immutable: its amount, dates, documents and parties never
    change (only the certificate covering it is recorded once)."""

    slug = "receivable-locked"
    title = "Confirmed receivable cannot change"


class ReceivableNotPayable(Invalid):
    """The receivable cannot back a payable certificate: not confirmed (``confirmed``), owed by
    another party than the issuer (``debtor``) or already covered (``covered``)."""

    slug = "receivable-not-payable"
    title = "Receivable cannot back a certificate"


class InvoiceAlreadyPaid(Conflict):
    """A payment was already recorded on this invoice."""

    slug = "invoice-already-paid"
    title = "Invoice already paid"
