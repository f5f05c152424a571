"""Errors of the consent domain."""

from chanrong.errors import Conflict, Forbidden, Invalid, NotFound


class NoGrant(Forbidden):
    """No live grant covers this read of another party's data (default deny)."""

    slug = "no-grant"
    title = "No grant"


class DerivedOnly(Forbidden):
    """The grant allows derived indicators only, never the raw data."""

    slug = "derived-only"
    title = "Derived indicators only"


class GrantNotFound(NotFound):
    """No grant with that id visible to the caller."""

    slug = "grant-not-found"
    title = "Grant not found"


class InvalidGrant(Invalid):
    """A grant's scope, purpose, recipient or expiry breaks a rule."""

    slug = "invalid-grant"
    title = "Invalid grant"


class GrantRevoked(Conflict):
    """The grant was already revoked."""

    slug = "grant-revoked"
    title = "Grant already revoked"


class NoSealingKey(Conflict):
    """The recipient has registered no sealing key, so nothing can be sealed to it."""

    slug = "no-sealing-key"
    title = "Recipient has no sealing key"


class PackageNotFound(NotFound):
    """No sealed package with that id addressed to or sent by the caller."""

    slug = "package-not-found"
    title = "Package not found"


class UnknownIndicator(NotFound):
    """No derived indicator of that name is registered."""

    slug = "unknown-indicator"
    title = "Unknown indicator"
