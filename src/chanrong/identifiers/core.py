"""Pure rules of industrial-internet identifiers (工业互联网标识解析).

An identifier is Handle-style: ``<prefix>/<suffix>``. The prefix is the enterprise's, issued
under China's national top-level node ``88``: ``88.<industry code>.<enterprise code>``
(digits, e.g. ``88.1001.12``). The suffix names one object inside the enterprise
(``SM-0001``, ``INV.2024.000123``): 1-128 characters from letters, digits and ``. _ - :``,
starting with a letter or digit. Identifiers compare case-sensitively, as Handles do.

A record is a list of typed fields; each is public (anyone resolving sees it) or protected
(only the owner, and later the holders of a consent grant, see it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from chanrong.errors import FieldError

PREFIX_RE = re.compile(r"^88\.[0-9]{1,6}\.[0-9]{1,12}$")
SUFFIX_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,127}$")
FIELD_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")

OBJECT_TYPES: dict[str, tuple[str, str]] = {
    "device": ("设备", "device"),
    "product_batch": ("产品批次", "product batch"),
    "contract": ("合同", "contract"),
    "purchase_order": ("采购订单", "purchase order"),
    "invoice": ("发票", "invoice"),
    "delivery_note": ("送货单", "delivery note"),
    "receivable": ("应收账款", "receivable"),
    "certificate": ("电子凭证", "payable certificate"),
}

FIELD_TYPES = (
    "string",
    "integer",
    "decimal",
    "money_fen",
    "date",
    "datetime",
    "boolean",
    "identifier",
)
MAX_FIELDS = 64
MAX_STRING = 2000


@dataclass(frozen=True)
class RecordField:
    """One typed field of an identifier's record."""

    name: str
    type: str
    value: Any
    protected: bool = False

    def as_dict(self) -> dict[str, Any]:
        """JSON form stored and returned."""
        return {
            "name": self.name,
            "type": self.type,
            "value": self.value,
            "protected": self.protected,
        }


def prefix_problem(prefix: str) -> str | None:
    """Why ``prefix`` is not an enterprise prefix, or None."""
    if not PREFIX_RE.fullmatch(prefix):
        return f"prefix {prefix!r} must look like 88.<industry digits>.<enterprise digits>, e.g. 88.1001.12"
    return None


def split_handle(handle: str) -> tuple[str, str] | None:
    """(prefix, suffix) of a well-formed identifier, or None."""
    prefix, slash, suffix = handle.partition("/")
    if not slash or prefix_problem(prefix) or not SUFFIX_RE.fullmatch(suffix):
        return None
    return prefix, suffix


def handle_problem(handle: str) -> str | None:
    """Why ``handle`` is not a well-formed identifier, or None."""
    prefix, slash, suffix = handle.partition("/")
    if not slash:
        return f"identifier {handle!r} must be <prefix>/<suffix>, e.g. 88.1001.12/SM-0001"
    found = prefix_problem(prefix)
    if found:
        return found
    if not SUFFIX_RE.fullmatch(suffix):
        return (
            f"suffix {suffix!r} must be 1-128 characters of letters, digits and . _ - :, "
            "starting with a letter or digit"
        )
    return None


def _coerce(kind: str, value: Any) -> tuple[Any, str | None]:
    """The stored JSON value of a field of ``kind``, or an error message."""
    if kind == "string":
        if not isinstance(value, str):
            return None, "must be a string"
        if len(value) > MAX_STRING:
            return None, f"is longer than {MAX_STRING} characters"
        return value, None
    if kind in ("integer", "money_fen"):
        if isinstance(value, bool) or not isinstance(value, int):
            return None, "must be an integer" + (" number of fen" if kind == "money_fen" else "")
        return value, None
    if kind == "decimal":
        try:
            number = Decimal(str(value)) if not isinstance(value, bool | float) else None
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            return None, "must be a decimal written as a string or integer (no floats)"
        return str(number), None
    if kind == "boolean":
        return (value, None) if isinstance(value, bool) else (None, "must be true or false")
    if kind == "date":
        # fromisoformat alone would also take 20240101 (an integer) and week dates like 2024-W01-1
        if not isinstance(value, str) or not DATE_RE.fullmatch(value):
            return None, "must be a date YYYY-MM-DD"
        try:
            return date.fromisoformat(value).isoformat(), None
        except ValueError:
            return None, "must be a date YYYY-MM-DD"
    if kind == "datetime":
        try:
            parsed = datetime.fromisoformat(str(value))
        except ValueError:
            return None, "must be an RFC 3339 date-time"
        if parsed.tzinfo is None:
            return None, "must carry a time zone offset"
        return parsed.isoformat(), None
    if kind == "identifier":
        found = handle_problem(str(value)) if isinstance(value, str) else "must be a string"
        return (value, None) if found is None else (None, found)
    return None, f"type must be one of {', '.join(FIELD_TYPES)}"


def check_record(raw_fields: list[dict[str, Any]]) -> tuple[list[RecordField], list[FieldError]]:
    """Check and normalise a record's fields; returns (fields, errors)."""
    errors: list[FieldError] = []
    fields: list[RecordField] = []
    if len(raw_fields) > MAX_FIELDS:
        errors.append(FieldError("fields", "max_items", f"at most {MAX_FIELDS} fields"))
        return [], errors
    names: set[str] = set()
    for i, raw in enumerate(raw_fields):
        where = f"fields.{i}"
        name = raw.get("name")
        kind = raw.get("type", "string")
        if not isinstance(name, str) or not FIELD_NAME_RE.fullmatch(name):
            errors.append(FieldError(f"{where}.name", "field_name",
                                     "field names are lower_snake_case, 1-64 characters"))  # fmt: skip
            continue
        if name in names:
            errors.append(FieldError(f"{where}.name", "unique", f"field {name!r} appears twice"))
            continue
        names.add(name)
        if kind not in FIELD_TYPES:
            errors.append(FieldError(f"{where}.type", "enum",
                                     f"type must be one of {', '.join(FIELD_TYPES)}"))  # fmt: skip
            continue
        value, problem = _coerce(kind, raw.get("value"))
        if problem:
            errors.append(FieldError(f"{where}.value", f"type_{kind}", f"{name} {problem}"))
            continue
        protected = raw.get("protected", False)
        if not isinstance(protected, bool):
            errors.append(
                FieldError(f"{where}.protected", "boolean", "protected must be true or false")
            )
            continue
        fields.append(RecordField(name, kind, value, protected))
    return fields, errors


def visible_fields(
    fields: list[dict[str, Any]], *, see_protected: bool
) -> tuple[list[dict[str, Any]], int]:
    """The fields a resolver may see, and how many protected fields were withheld."""
    if see_protected:
        return list(fields), 0
    shown = [f for f in fields if not f.get("protected")]
    return shown, len(fields) - len(shown)
