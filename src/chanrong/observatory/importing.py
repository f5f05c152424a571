"""Importing deal records (CSV/XLSX rows) into organisations, rounds and investors.

Each row is normalised (``normalise``: amount, round, date), its company resolved against the
organisations already known (``resolution.resolve``: exact, alias, trade-name and typo evidence;
uncertain matches are stored in the review list and the row is flagged), and the round merged with
a round already known when it is the same round (``duplicates``: same company and stage, dates
within the window, amounts compatible), keeping every source. Re-importing a file changes nothing.
Reading a row into a draft (columns, cells, normalisation, row errors) is ``deal_rows``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from chanrong.errors import FieldError
from chanrong.observatory import rollups
from chanrong.observatory.dates import DatePoint, gap_days
from chanrong.observatory.deal_rows import NO_SOURCE, _columns, _Draft, _draft
from chanrong.observatory.duplicates import DUPLICATE_WINDOW_DAYS, intersect
from chanrong.observatory.models import Investor, Organisation, ReviewItem, Round, RoundInvestor
from chanrong.observatory.normalise import AmountResult
from chanrong.observatory.resolution import OrgRecord, resolve
from chanrong.observatory.stages import RoundResult


@dataclass
class ImportResult:
    """Counts of an import and the rows refused (not imported) or flagged (imported, with a note).
    ``created``: new rounds; ``merged``: rows that added a source to a round; ``unchanged``: rows
    already known."""

    created: int = 0
    merged: int = 0
    unchanged: int = 0
    organisations_created: int = 0
    review_listed: int = 0
    refused: list[tuple[int, list[FieldError]]] = field(default_factory=list)
    flagged: list[tuple[int, list[FieldError]]] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        """The JSON report (API answer and ``--report`` file)."""

        def rows(items: list[tuple[int, list[FieldError]]]) -> list[dict[str, object]]:
            return [{"line": n, "errors": [e.as_dict() for e in errs]} for n, errs in items]

        return {
            "created": self.created,
            "merged": self.merged,
            "unchanged": self.unchanged,
            "organisations_created": self.organisations_created,
            "review_listed": self.review_listed,
            "refused": rows(self.refused),
            "flagged": rows(self.flagged),
        }


def resolve_companies(
    session: Session, drafts: list[_Draft], result: ImportResult
) -> tuple[dict[str, int], dict[str, list[FieldError]]]:
    """Company name -> organisation id, creating organisations; review notes per name."""
    orgs = list(session.scalars(select(Organisation)))
    by_id = {o.id: o for o in orgs}
    records = [
        OrgRecord(
            id=f"o{o.id}", name=o.name, uscc=o.uscc, province=o.province, sector=o.sector,
            aliases=tuple(n for n in (o.short_name, *o.former_names, *o.aliases) if n),
        )
        for o in orgs
    ]  # fmt: skip
    exact = {
        n: o.id for o in orgs for n in (o.name, o.short_name, *o.former_names, *o.aliases) if n
    }
    org_of: dict[str, int] = {}
    first: dict[str, _Draft] = {}
    for d in drafts:
        if d.company in exact:  # an exact name or alias of a known organisation
            org_of[d.company] = exact[d.company]
        else:
            first.setdefault(d.company, d)
    names = list(first)
    records += [
        OrgRecord(id=f"n{i}", name=n, province=first[n].province, sector=first[n].sector)
        for i, n in enumerate(names)
    ]
    resolution = resolve(records)
    for cluster in resolution.clusters:
        known = sorted(int(r[1:]) for r in cluster if r.startswith("o"))
        incoming = [names[int(r[1:])] for r in cluster if r.startswith("n")]
        if not incoming:
            continue
        if known:
            org = by_id[known[0]]
        else:
            d = first[incoming[0]]
            org = Organisation(
                name=incoming[0], province=d.province, sector=d.sector,
                former_names=[], aliases=[],
            )  # fmt: skip
            session.add(org)
            session.flush()
            by_id[org.id] = org
            result.organisations_created += 1
        known_names = {org.name, org.short_name, *org.former_names, *org.aliases}
        new_aliases = [n for n in incoming if n not in known_names]
        if new_aliases:
            org.aliases = [*org.aliases, *new_aliases]
        for name in incoming:
            org_of[name] = org.id
    notes: dict[str, list[FieldError]] = defaultdict(list)

    def org_id(record_id: str) -> int:
        return int(record_id[1:]) if record_id[0] == "o" else org_of[names[int(record_id[1:])]]

    for match in resolution.review:
        for mine, other in ((match.a, match.b), (match.b, match.a)):
            if mine[0] != "n":
                continue
            name, candidate = names[int(mine[1:])], org_id(other)
            if candidate == org_of[name]:
                continue
            exists = session.scalar(
                select(ReviewItem.id).where(
                    ReviewItem.name == name, ReviewItem.candidate_id == candidate
                )
            )
            if exists is None:
                session.add(
                    ReviewItem(
                        name=name, organisation_id=org_of[name], candidate_id=candidate,
                        score=match.score, reason=match.reason,
                    )
                )  # fmt: skip
                result.review_listed += 1
            notes[name].append(FieldError(
                "company", "review",
                f"{name!r} may be {by_id[candidate].name!r} ({match.reason}, score "
                f"{match.score}): imported under its own organisation and listed for review",
            ))  # fmt: skip
    return org_of, notes


def _period(r: Round) -> DatePoint:
    return DatePoint(r.date_start.isoformat(), r.date_start, r.date_end, r.date_precision, "db")  # type: ignore[arg-type]


def _same_round(r: Round, d: _Draft) -> tuple[int | None, int | None] | None:
    """The merged amount range when ``d`` reports round ``r``, None when it is another round."""
    if d.round.stage is None:
        if r.stage is not None or r.round_label != d.round.text or r.date_start != d.date.start:
            return None
    elif r.stage != d.round.stage:
        return None
    gap = gap_days(_period(r), d.date)
    if gap is None or gap > (DUPLICATE_WINDOW_DAYS if d.round.stage else 0):
        return None
    return intersect((r.amount_low_fen, r.amount_high_fen), (d.amount.low_fen, d.amount.high_fen))


def _set_amount(r: Round, a: AmountResult) -> None:
    r.amount_kind = a.status if a.status != "unparsed" else "unparsed"
    r.amount_low_fen, r.amount_high_fen = a.low_fen, a.high_fen
    r.amount_text = a.text[:100]
    r.currency, r.fx_rate = a.currency, a.fx_rate
    r.original_low, r.original_high = a.original_low, a.original_high


def _new_round(org_id: int, d: _Draft) -> Round:
    assert d.date.start and d.date.end and d.date.precision and d.date.year
    r = Round(
        organisation_id=org_id, year=d.date.year, date_start=d.date.start, date_end=d.date.end,
        date_precision=d.date.precision, round_label=d.round.text[:60], stage=d.round.stage,
        sources=[d.source],
    )  # fmt: skip
    _set_amount(r, d.amount)
    return r


def _merge(r: Round, d: _Draft, amount: tuple[int | None, int | None]) -> bool:
    """Add the report's source and narrow the round; True when anything changed."""
    changed = False
    if d.source not in r.sources:
        r.sources = [*r.sources, d.source]
        changed = True
    if (r.amount_low_fen, r.amount_high_fen) != amount:
        if r.amount_low_fen is None:
            _set_amount(r, d.amount)
        else:
            r.amount_kind = "band"
            r.amount_low_fen, r.amount_high_fen = amount
        changed = True
    rank = {"day": 0, "month": 1, "quarter": 2, "year": 3}
    if rank[d.date.precision or "year"] < rank[r.date_precision]:
        assert d.date.start and d.date.end and d.date.precision and d.date.year
        r.date_start, r.date_end, r.date_precision = d.date.start, d.date.end, d.date.precision
        r.year = d.date.year
        changed = True
    return changed


def _as_report(r: Round, source: str) -> _Draft:
    """A stored round as one source's report of it, to match and merge it like an imported row."""
    amount = AmountResult(
        text=r.amount_text, status=r.amount_kind, low_fen=r.amount_low_fen,  # type: ignore[arg-type]
        high_fen=r.amount_high_fen, currency=r.currency, original_low=r.original_low,
        original_high=r.original_high, fx_rate=r.fx_rate,
    )  # fmt: skip
    round_ = RoundResult(r.round_label, r.stage, None)
    return _Draft(0, "", _period(r), round_, amount, [], None, None, source, [])


def absorb_round(rounds: Iterable[Round], other: Round) -> Round | None:
    """The round of ``rounds`` that ``other`` reports, merged with it as an import merges a row
    (every source of ``other`` kept, the amount narrowed, the more precise date); None when
    ``other`` is another round. ``other`` itself is not changed (the caller removes it)."""
    reports = [_as_report(other, s) for s in other.sources or [NO_SOURCE]]
    for r in rounds:
        amount = _same_round(r, reports[0])
        if amount is not None:
            for d in reports:
                _merge(r, d, amount)
            return r
    return None


def import_deals(
    session: Session,
    *,
    rows: Iterable[tuple[int, Mapping[str, str]]],
    mapping: Mapping[str, str] | None = None,
) -> ImportResult:
    """Import deal rows ``(line, {header: cell})``; ``mapping`` names the header of a field
    (date, company, round, amount, investors, province, sector, source) when the defaults
    (``deal_rows.DEFAULT_MAPPING``) do not find it. Amounts are fen ranges. Flushes, never commits."""
    result = ImportResult()
    drafts: list[_Draft] = []
    columns: dict[str, str] | None = None
    for line, row in rows:
        if columns is None:
            columns = _columns(row.keys(), mapping)
        draft = _draft(line, row, columns)
        if isinstance(draft, list):
            result.refused.append((line, draft))
        else:
            drafts.append(draft)
    if not drafts:
        return result
    org_of, review_notes = resolve_companies(session, drafts, result)
    with rollups.tracking(session, org_of.values()):
        _store(session, drafts, org_of, review_notes, result)
    return result


def _store(
    session: Session,
    drafts: list[_Draft],
    org_of: dict[str, int],
    review_notes: dict[str, list[FieldError]],
    result: ImportResult,
) -> None:
    """Add each draft as a new round of its company, or merge it into the round it reports."""
    rounds: dict[int, list[Round]] = defaultdict(list)
    query = select(Round).where(Round.organisation_id.in_(sorted(set(org_of.values()))))
    for r in session.scalars(query):
        rounds[r.organisation_id].append(r)
    investors = {i.name: i for i in session.scalars(select(Investor))}
    touched: set[int] = set()
    for d in drafts:
        notes = d.notes + review_notes.get(d.company, [])
        if notes:
            result.flagged.append((d.line, notes))
        org_id = org_of[d.company]
        found = None
        for r in rounds[org_id]:
            amount = _same_round(r, d)
            if amount is not None:
                found = r
                break
        if found is None:
            found = _new_round(org_id, d)
            session.add(found)
            session.flush()
            rounds[org_id].append(found)
            touched.add(found.id)
            result.created += 1
        elif _merge(found, d, amount) or found.id in touched:  # type: ignore[arg-type]
            touched.add(found.id)
            result.merged += 1
        else:
            result.unchanged += 1
        _link_investors(session, found, d.investors, investors)


def _link_investors(
    session: Session, r: Round, names: list[tuple[str, bool]], investors: dict[str, Investor]
) -> None:
    if not names:
        return
    links = {
        link.investor_id: link
        for link in session.scalars(select(RoundInvestor).where(RoundInvestor.round_id == r.id))
    }
    for name, lead in names:
        investor = investors.get(name)
        if investor is None:
            investor = investors[name] = Investor(name=name[:200], kind="unknown")
            session.add(investor)
            session.flush()
        link = links.get(investor.id)
        if link is None:
            links[investor.id] = RoundInvestor(round_id=r.id, investor_id=investor.id, lead=lead)
            session.add(links[investor.id])
        elif lead and not link.lead:
            link.lead = True
