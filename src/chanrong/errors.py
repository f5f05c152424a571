"""The one error hierarchy. Domain errors carry their HTTP status; ``app.py`` renders them.

Every error becomes an RFC 9457 problem+json body::

    {"type": "urn:chanrong:problem:invalid", "title": "Invalid input", "status": 422,
     "detail": "...", "errors": [{"field": "uscc", "rule": "check_character", "message": "..."}]}

docs/errors.md lists every error type; a test keeps that list complete.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FieldError:
    """One broken rule on one input field (``field`` is a dotted path, e.g. ``rows.3.uscc``)."""

    field: str
    rule: str
    message: str

    def as_dict(self) -> dict[str, str]:
        """The JSON form used inside problem bodies and import reports."""
        return {"field": self.field, "rule": self.rule, "message": self.message}


class ChanrongError(Exception):
    """Base of every error chanrong raises on purpose."""

    status: int = 500
    slug: str = "error"
    title: str = "Error"

    def __init__(self, detail: str, *, errors: list[FieldError] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors: list[FieldError] = errors or []

    @property
    def type_uri(self) -> str:
        """The problem type URI (documented in docs/errors.md)."""
        return f"urn:chanrong:problem:{self.slug}"

    def problem(self, instance: str | None = None) -> dict[str, object]:
        """This error as an RFC 9457 problem object."""
        body: dict[str, object] = {
            "type": self.type_uri,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            body["instance"] = instance
        if self.errors:
            body["errors"] = [e.as_dict() for e in self.errors]
        return body


class Invalid(ChanrongError):
    """Input breaks a rule (a field, a format, a business rule on the input itself)."""

    status = 422
    slug = "invalid"
    title = "Invalid input"

    def __init__(
        self,
        detail: str,
        *,
        field: str | None = None,
        rule: str | None = None,
        errors: list[FieldError] | None = None,
    ) -> None:
        found = list(errors or [])
        if field and rule:
            found.insert(0, FieldError(field, rule, detail))
        super().__init__(detail, errors=found)


class Unauthenticated(ChanrongError):
    """No valid credentials (API key or console session) came with the request."""

    status = 401
    slug = "unauthenticated"
    title = "Authentication required"


class Forbidden(ChanrongError):
    """The caller is known but may not do this, or may not see another party's data."""

    status = 403
    slug = "forbidden"
    title = "Forbidden"


class NotFound(ChanrongError):
    """The object does not exist (or is not visible to the caller at all)."""

    status = 404
    slug = "not-found"
    title = "Not found"


class Conflict(ChanrongError):
    """The request clashes with the current state (already exists, already spent ...)."""

    status = 409
    slug = "conflict"
    title = "Conflict"


class OtherPartysData(Forbidden):
    """The caller asked for data that belongs to another party (default deny)."""

    slug = "other-partys-data"
    title = "Another party's data"


class RoleRequired(Forbidden):
    """The caller lacks the role this action needs."""

    slug = "role-required"
    title = "Role required"


@dataclass
class Problems:
    """A collector for field errors, raised together as one ``Invalid``."""

    errors: list[FieldError] = field(default_factory=list)

    def add(self, field_name: str, rule: str, message: str) -> None:
        """Record one broken rule."""
        self.errors.append(FieldError(field_name, rule, message))

    def raise_if_any(self, detail: str = "The input breaks one or more rules.") -> None:
        """Raise ``Invalid`` carrying every recorded error, if there is any."""
        if self.errors:
            raise Invalid(
                self.errors[0].message if len(self.errors) == 1 else detail, errors=self.errors
            )


class RouteError(ChanrongError):
    """A framework-level HTTP error: unknown path, wrong method."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.slug = f"http-{status}"
        self.title = detail
