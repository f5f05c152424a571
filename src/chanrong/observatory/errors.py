"""The observatory's errors (docs/errors.md lists them)."""

from __future__ import annotations

from chanrong.errors import Conflict, Invalid, NotFound


class UnknownIndicatorFilter(Invalid):
    """A filter of the indicators or deals names an unknown sector, province, stage or investor
    type."""

    slug = "unknown-indicator-filter"
    title = "Unknown filter value"


class ImportColumnsMissing(Invalid):
    """A deals file lacks a column the import needs (company, date or round)."""

    slug = "import-columns-missing"
    title = "Deals file lacks required columns"


class ReferenceNotFound(NotFound):
    """No reference figures exist for the requested year."""

    slug = "reference-not-found"
    title = "No reference figures"


class SyntheticAlreadyLoaded(Conflict):
    """Synthetic rounds are already in the observatory; loading a second set would mix them."""

    slug = "synthetic-already-loaded"
    title = "Synthetic data already loaded"
