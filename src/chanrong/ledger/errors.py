"""Errors of the ledger domain."""

from chanrong.errors import Invalid, NotFound


class EntryNotFound(NotFound):
    """No log entry with that sequence number (or not within the asked tree size)."""

    slug = "ledger-entry-not-found"
    title = "Log entry not found"


class BadTreeSize(Invalid):
    """A tree size outside the log, or an impossible pair of sizes for a consistency proof."""

    slug = "bad-tree-size"
    title = "Bad tree size"
