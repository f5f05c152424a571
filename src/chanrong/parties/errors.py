"""Errors of the parties domain."""

from chanrong.errors import Conflict, Invalid, NotFound, Unauthenticated


class PartyNotFound(NotFound):
    """No party with that id or code."""

    slug = "party-not-found"
    title = "Party not found"


class DuplicateParty(Conflict):
    """A party with the same unified social credit code already exists."""

    slug = "duplicate-party"
    title = "Party already exists"


class InvalidUscc(Invalid):
    """A unified social credit code breaks a GB 32100-2015 rule."""

    slug = "invalid-uscc"
    title = "Invalid unified social credit code"


class DuplicateUsername(Conflict):
    """The username is taken."""

    slug = "duplicate-username"
    title = "Username taken"


class BadCredentials(Unauthenticated):
    """Wrong username or password, or an unknown, revoked or expired key or session."""

    slug = "bad-credentials"
    title = "Bad credentials"
