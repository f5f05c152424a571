"""Duplicate financing events: the same round reported by several sources.

Two events are the same round when they are of the same company (after entity resolution), the
same canonical stage, their dates are within ``DUPLICATE_WINDOW_DAYS`` (periods that overlap are
0 days apart: "2024" and "2024-03-05"), and their amount ranges are compatible (they intersect,
or one is undisclosed). A merged event keeps every source; its amount is the intersection of the
disclosed ranges, its date the most precise one (the earliest on a tie of precision).

Grouping is greedy in date order, so every member of a group is compatible with the group's
merged amount and within the window of every other member: chains (A~B, B~C, A≁C) never merge.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from chanrong.observatory.dates import DatePoint, gap_days

DUPLICATE_WINDOW_DAYS = 30
_PRECISION_RANK = {"day": 0, "month": 1, "quarter": 2, "year": 3}


@dataclass(frozen=True)
class EventRecord:
    """One source's report of a round. ``org`` is the resolved company (a cluster id); the amount
    is ``[low_fen, high_fen)`` (``high_fen`` None when open-ended; both None when undisclosed)."""

    id: str
    org: str
    stage: str | None
    date: DatePoint
    low_fen: int | None = None
    high_fen: int | None = None
    source: str = ""

    @property
    def disclosed(self) -> bool:
        """True when the report gives an amount."""
        return self.low_fen is not None


@dataclass(frozen=True)
class MergedEvent:
    """One round, from one or more reports; ``ids`` and ``sources`` keep every report."""

    ids: tuple[str, ...]
    sources: tuple[str, ...]
    org: str
    stage: str | None
    date: DatePoint
    low_fen: int | None
    high_fen: int | None

    @property
    def duplicated(self) -> bool:
        """True when more than one report describes this round."""
        return len(self.ids) > 1


def intersect(
    a: tuple[int | None, int | None], b: tuple[int | None, int | None]
) -> tuple[int | None, int | None] | None:
    """The intersection of two amount ranges, None when they are disjoint. An undisclosed range
    ``(None, None)`` intersects everything and gives the other range."""
    if a[0] is None:
        return b
    if b[0] is None:
        return a
    low = max(a[0], b[0])
    highs = [h for h in (a[1], b[1]) if h is not None]
    high = min(highs) if highs else None
    if high is not None and high <= low:
        return None
    return low, high


def _better_date(a: DatePoint, b: DatePoint) -> DatePoint:
    def rank(p: DatePoint) -> tuple[int, date]:
        return (_PRECISION_RANK.get(p.precision or "year", 9), p.start or date.max)

    return a if rank(a) <= rank(b) else b


@dataclass
class _Group:
    events: list[EventRecord]
    amount: tuple[int | None, int | None]
    date: DatePoint

    def accepts(self, event: EventRecord, window: int) -> tuple[int | None, int | None] | None:
        for member in self.events:
            gap = gap_days(member.date, event.date)
            if gap is None or gap > window:
                return None
        return intersect(self.amount, (event.low_fen, event.high_fen))


def merge_duplicate_events(
    events: Iterable[EventRecord], *, window_days: int = DUPLICATE_WINDOW_DAYS
) -> list[MergedEvent]:
    """Group reports of the same round; every input event is in exactly one output event.
    Events with a flagged stage or date are never merged (they stay alone)."""
    by_key: dict[tuple[str, str], list[EventRecord]] = defaultdict(list)
    alone: list[EventRecord] = []
    for event in events:
        if event.stage is None or event.date.flagged:
            alone.append(event)
        else:
            by_key[(event.org, event.stage)].append(event)
    groups: list[_Group] = []
    for members in by_key.values():
        members.sort(key=lambda e: (e.date.start or date.max, e.id))
        open_groups: list[_Group] = []
        for event in members:
            for group in open_groups:
                amount = group.accepts(event, window_days)
                if amount is not None:
                    group.events.append(event)
                    group.amount = amount
                    group.date = _better_date(group.date, event.date)
                    break
            else:
                amount = (event.low_fen, event.high_fen)
                open_groups.append(_Group([event], amount, event.date))
        groups += open_groups
    groups += [_Group([e], (e.low_fen, e.high_fen), e.date) for e in alone]
    merged = [
        MergedEvent(
            ids=tuple(e.id for e in g.events),
            sources=tuple(dict.fromkeys(e.source for e in g.events)),
            org=g.events[0].org,
            stage=g.events[0].stage,
            date=g.date,
            low_fen=g.amount[0],
            high_fen=g.amount[1],
        )
        for g in groups
    ]
    return sorted(merged, key=lambda m: (m.date.start or date.max, m.ids))
