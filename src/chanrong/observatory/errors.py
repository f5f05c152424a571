"""The observatory's errors (docs/errors.md lists them)."""

from __future__ import annotations

from chanrong.errors import Conflict, Invalid, NotFound


class UnknownIndicatorFilter(Invalid):
    """A filter of the indicators or deals names an unknown sector, province, stage or investor
    type."""

    slug = "unknown-indicator-filter"
    title = "Unknown filter value"


class ImportColumnsMissing(Invalid):
    """An observatory import file lacks a column its kind needs (deals: company, date, round;
    listings, financials, investors: see docs/observatory-normalisation.md)."""

    slug = "import-columns-missing"
    title = "Import file lacks required columns"


class ReferenceNotFound(NotFound):
    """No reference figures exist for the requested year."""

    slug = "reference-not-found"
    title = "No reference figures"


class SyntheticAlreadyLoaded(Conflict):
    """Synthetic rounds are already in the observatory; loading a second set would mix them."""

    slug = "synthetic-already-loaded"
    title = "Synthetic data already loaded"


class ReviewItemNotFound(NotFound):
    """No review item with that id."""

    slug = "review-item-not-found"
    title = "No such review item"


class ReviewItemDecided(Conflict):
    """The review item was already accepted, rejected or closed."""

    slug = "review-item-decided"
    title = "Review item already decided"


class OrganisationsConflict(Conflict):
    """Two organisations cannot be merged: they hold different values of a field that identifies
    a company (the USCC)."""

    slug = "organisations-conflict"
    title = "Organisations cannot be merged"
