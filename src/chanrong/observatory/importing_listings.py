"""Importing listings, yearly financials of listed companies, and investor classifications.

Rows are ``(line, {header: cell})`` as ``kit.tabular`` reads them; headers are Chinese or English
(``LISTING_MAPPING``, ``FINANCIALS_MAPPING``, ``INVESTOR_MAPPING``; a ``mapping`` names another
header for a field). Companies are resolved like deal companies (``importing.resolve_companies``).
Every import is an upsert: a listing is keyed by organisation, exchange, board and listing date,
financials by organisation and year, an investor by name; a row whose values differ from the
stored ones updates them ("updated"), an empty cell leaves a stored value alone. Refused rows come
back with their line and ``FieldError``s. Amounts are exact fen (docs/observatory-normalisation.md).
The cells are read by ``listing_rows``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chanrong.errors import FieldError
from chanrong.observatory.importing import resolve_companies
from chanrong.observatory.listing_rows import Row, read_rows
from chanrong.observatory.models import Financials, Investor, Listing, Organisation

Errors = list[tuple[int, list[FieldError]]]


@dataclass
class UpsertResult:
    """Counts of a listings, financials or investors import: ``created`` new records,
    ``updated`` records whose values the row changed, ``unchanged`` rows already known; rows
    refused (not imported) and flagged (imported, with a note)."""

    kind: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    organisations_created: int = 0
    review_listed: int = 0
    refused: Errors = field(default_factory=list)
    flagged: Errors = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        """The JSON report (API answer and ``--report`` file)."""

        def rows(items: Errors) -> list[dict[str, object]]:
            return [{"line": n, "errors": [e.as_dict() for e in errs]} for n, errs in items]

        return {
            "kind": self.kind,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "organisations_created": self.organisations_created,
            "review_listed": self.review_listed,
            "refused": rows(self.refused),
            "flagged": rows(self.flagged),
        }

    def summary(self) -> str:
        """One line for the CLI."""
        return (
            f"{self.kind} created {self.created}, updated {self.updated}, unchanged "
            f"{self.unchanged}; organisations created {self.organisations_created}, listed for "
            f"review {self.review_listed}; refused {len(self.refused)}, flagged {len(self.flagged)}"
        )


def _read(
    rows: Iterable[tuple[int, Mapping[str, str]]],
    kind: str,
    mapping: Mapping[str, str] | None,
    result: UpsertResult,
) -> list[Row]:
    found, refused = read_rows(rows, kind, mapping)
    result.refused += refused
    return found


def _resolve(session: Session, found: list[Row], result: UpsertResult) -> dict[str, int]:
    org_of, review_notes = resolve_companies(session, found, result)  # type: ignore[arg-type]
    for r in found:
        notes = r.notes + review_notes.get(r.company, [])
        if notes:
            result.flagged.append((r.line, notes))
    return org_of


def _upsert(record: Any, values: dict[str, Any], fields: tuple[str, ...]) -> bool:
    """Set the row's non-empty values; True when any differed."""
    changed = False
    for name in fields:
        if values[name] is not None and getattr(record, name) != values[name]:
            setattr(record, name, values[name])
            changed = True
    return changed


def import_listings(
    session: Session,
    *,
    rows: Iterable[tuple[int, Mapping[str, str]]],
    mapping: Mapping[str, str] | None = None,
) -> UpsertResult:
    """Import listing rows (company, exchange, board, listing date, delisting date, IPO
    proceeds) and set each organisation's ``listing_status``. Flushes, never commits."""
    result = UpsertResult("listings")
    found = _read(rows, "listings", mapping, result)
    if not found:
        return result
    org_of = _resolve(session, found, result)
    org_ids = sorted(set(org_of.values()))
    known = {
        (x.organisation_id, x.exchange, x.board, x.listed_on): x
        for x in session.scalars(select(Listing).where(Listing.organisation_id.in_(org_ids)))
    }
    for r in found:
        v = r.values
        key = (org_of[r.company], v["exchange"], v["board"], v["listed_on"])
        listing = known.get(key)
        if listing is None:
            listing = known[key] = Listing(
                organisation_id=key[0], exchange=key[1], board=key[2], listed_on=key[3],
                delisted_on=v["delisted_on"], ipo_proceeds_fen=v["ipo_proceeds_fen"],
            )  # fmt: skip
            session.add(listing)
            result.created += 1
        elif _upsert(listing, v, ("delisted_on", "ipo_proceeds_fen")):
            result.updated += 1
        else:
            result.unchanged += 1
    session.flush()
    for org_id in org_ids:
        listings = [x for k, x in known.items() if k[0] == org_id]
        status = "listed" if any(x.delisted_on is None for x in listings) else "delisted"
        org = session.get(Organisation, org_id)
        if org is not None and org.listing_status != status:
            org.listing_status = status
    session.flush()
    return result


def import_financials(
    session: Session,
    *,
    rows: Iterable[tuple[int, Mapping[str, str]]],
    mapping: Mapping[str, str] | None = None,
) -> UpsertResult:
    """Import yearly results of listed companies (company, year, revenue, net profit; exact
    fen, a loss negative). Flushes, never commits."""
    result = UpsertResult("financials")
    found = _read(rows, "financials", mapping, result)
    if not found:
        return result
    org_of = _resolve(session, found, result)
    org_ids = sorted(set(org_of.values()))
    known = {
        (x.organisation_id, x.year): x
        for x in session.scalars(select(Financials).where(Financials.organisation_id.in_(org_ids)))
    }
    for r in found:
        key = (org_of[r.company], r.values["year"])
        record = known.get(key)
        if record is None:
            record = known[key] = Financials(
                organisation_id=key[0], year=key[1], revenue_fen=r.values["revenue_fen"],
                net_profit_fen=r.values["net_profit_fen"],
            )  # fmt: skip
            session.add(record)
            result.created += 1
        elif _upsert(record, r.values, ("revenue_fen", "net_profit_fen")):
            result.updated += 1
        else:
            result.unchanged += 1
    session.flush()
    return result


def import_investors(
    session: Session,
    *,
    rows: Iterable[tuple[int, Mapping[str, str]]],
    classify: Callable[..., Investor],
    mapping: Mapping[str, str] | None = None,
) -> UpsertResult:
    """Import investor classifications (name, type, state level, parent group); each changed
    row goes through ``classify`` (``service.set_investor``, which refreshes the rollups when
    a type changes). A row is the investor's whole classification."""
    result = UpsertResult("investors")
    for r in _read(rows, "investors", mapping, result):
        v = r.values
        investor = session.scalar(select(Investor).where(Investor.name == v["name"]))
        if investor is not None and (
            investor.kind,
            investor.state_level,
            investor.parent_group,
        ) == (v["kind"], v["state_level"], v["parent_group"]):
            result.unchanged += 1
            continue
        classify(session, **v)
        if investor is None:
            result.created += 1
        else:
            result.updated += 1
    return result
