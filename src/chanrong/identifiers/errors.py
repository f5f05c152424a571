"""Errors of the identifiers domain."""

from chanrong.errors import Conflict, Forbidden, Invalid, NotFound


class InvalidIdentifier(Invalid):
    """An identifier, prefix or record field is malformed."""

    slug = "invalid-identifier"
    title = "Invalid identifier"


class IdentifierNotFound(NotFound):
    """No identifier (or prefix) with that name is registered."""

    slug = "identifier-not-found"
    title = "Identifier not found"


class IdentifierTaken(Conflict):
    """The identifier or prefix is already registered."""

    slug = "identifier-taken"
    title = "Identifier already registered"


class NotPrefixOwner(Forbidden):
    """Only the party owning a prefix may register or change identifiers under it."""

    slug = "not-prefix-owner"
    title = "Not the prefix owner"
