"""Company entity resolution across sources.

Evidence, strongest first (docs/observatory-normalisation.md explains each):

1. **USCC**: two records with the same valid code are one company; two different valid codes are
   never merged, whatever the names.
2. **Same trade name** (the *core* of ``names.name_key``, from the name or a former, short or
   English alias), when the industry words nest (板石 ⊂ 板石智能科技), the regions agree and the
   records' provinces agree. A record that would fit two companies that do not fit each other
   (板石 beside 板石智能 and 板石电子) is *ambiguous*: it goes to the review list, not merged.
3. **One-character typo** of a trade name of at least ``MIN_TYPO_CORE`` characters, scored with
   rapidfuzz on what both names state (same city, trade name, shared industry words): merged at
   ``AUTO_SCORE`` or above when the records also agree on province (both known) and sector (when
   both known); otherwise listed for review from ``REVIEW_SCORE`` on.

A merge that would put two USCCs or two provinces in one cluster is refused and listed for review.
Duplicate financing events (the same round from several sources) are merged by
``merge_duplicate_events`` (module ``duplicates``, re-exported here).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from chanrong.observatory.duplicates import (
    DUPLICATE_WINDOW_DAYS,
    EventRecord,
    MergedEvent,
    merge_duplicate_events,
)
from chanrong.observatory.names import NameKey, name_key
from chanrong.parties import uscc as uscc_rules
from chanrong.parties.reference import province_code

__all__ = [
    "DUPLICATE_WINDOW_DAYS",
    "EventRecord",
    "Match",
    "MergedEvent",
    "OrgRecord",
    "PairQuality",
    "Resolution",
    "merge_duplicate_events",
    "pairwise_quality",
    "resolve",
]

AUTO_SCORE = 75.0  # typo score (fuzz.ratio of what both names state) to merge, with agreement
REVIEW_SCORE = 70.0  # below this a typo candidate is dropped, not even reviewed
# Trade names shorter than this are never typo candidates: one character away from a two-character
# trade name (宇致, 鸿致) or a short pinyin word (banju, anju) is most often another company.
MIN_TYPO_CORE = {"zh": 3, "en": 8}
MAX_GROUP = 200  # a trade name shared by more keys than this is only merged on identical keys


@dataclass(frozen=True)
class OrgRecord:
    """A company as one source names it. ``aliases``: former, short and English names."""

    id: str
    name: str
    uscc: str | None = None
    aliases: tuple[str, ...] = ()
    province: str | None = None
    sector: str | None = None
    source: str = ""


@dataclass(frozen=True)
class Match:
    """A scored pair of records (ids, in input order), why they match, and the names compared."""

    a: str
    b: str
    score: float
    reason: str
    names: tuple[str, str] = ("", "")


@dataclass
class Resolution:
    """Clusters of record ids (each sorted, largest first), the merges made, and the review list."""

    clusters: list[tuple[str, ...]]
    merges: list[Match] = field(default_factory=list)
    review: list[Match] = field(default_factory=list)

    def cluster_of(self) -> dict[str, int]:
        """Record id -> index of its cluster."""
        return {rid: n for n, cluster in enumerate(self.clusters) for rid in cluster}

    def pairs(self) -> set[tuple[str, str]]:
        """Every pair of records put in the same cluster (sorted pairs)."""
        return {tuple(sorted(p)) for c in self.clusters for p in combinations(c, 2)}  # type: ignore[misc]


@dataclass(frozen=True)
class _Entry:
    record: int
    key: NameKey


class _Clusters:
    """Union-find whose clusters never hold two USCCs or two provinces."""

    def __init__(self, usccs: Sequence[str | None], provinces: Sequence[str | None]) -> None:
        self.parent = list(range(len(usccs)))
        self.usccs = [{u} if u else set() for u in usccs]
        self.provinces = [{p} if p else set() for p in provinces]

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def conflict(self, i: int, j: int) -> str | None:
        a, b = self.find(i), self.find(j)
        if a == b:
            return None
        if len(self.usccs[a] | self.usccs[b]) > 1:
            return "conflict: the merge would join two different USCCs"
        if len(self.provinces[a] | self.provinces[b]) > 1:
            return "conflict: the merge would join two provinces"
        return None

    def union(self, i: int, j: int) -> None:
        a, b = sorted((self.find(i), self.find(j)))
        if a != b:
            self.parent[b] = a
            self.usccs[a] |= self.usccs[b]
            self.provinces[a] |= self.provinces[b]


def _stated_in_both(x: NameKey, y: NameKey) -> tuple[str, str]:
    """The two names cut to what both state: the city if both name the same one, the trade name,
    and the industry words they share. A typo score compares like with like."""
    same_city = x.region and y.region and x.region.city and x.region.city == y.region.city
    city = x.region.city if same_city and x.region and x.region.city else ""
    shared = [w for w in x.industry if w in y.industry]
    joiner = " " if x.script == "en" else ""
    return (
        joiner.join(p for p in (city, x.core, *shared) if p),
        joiner.join(p for p in (city, y.core, *shared) if p),
    )


def _valid_uscc(code: str | None) -> str | None:
    if not code:
        return None
    folded = uscc_rules.normalise(code)
    return folded if uscc_rules.problem(folded) is None else None


def _province(record: OrgRecord, key: NameKey | None) -> str | None:
    if record.province:
        return province_code(record.province) or record.province.strip()
    return key.region.province if key and key.region else None


class _Resolver:
    def __init__(self, records: Sequence[OrgRecord]) -> None:
        self.records = list(records)
        self.entries: list[_Entry] = []
        main_keys: list[NameKey | None] = []
        for i, record in enumerate(self.records):
            keys = [name_key(n) for n in (record.name, *record.aliases) if n and n.strip()]
            keys = [k for k in keys if k.core]
            main_keys.append(keys[0] if keys else None)
            self.entries += [_Entry(i, k) for k in dict.fromkeys(keys)]
        self.usccs = [_valid_uscc(r.uscc) for r in self.records]
        self.provinces = [_province(r, k) for r, k in zip(self.records, main_keys, strict=True)]
        self.clusters = _Clusters(self.usccs, self.provinces)
        self.candidates: list[Match] = []
        self.review: list[Match] = []

    def compatible(self, x: _Entry, y: _Entry) -> bool:
        if x.record == y.record:
            return True
        ux, uy = self.usccs[x.record], self.usccs[y.record]
        px, py = self.provinces[x.record], self.provinces[y.record]
        return (
            (ux is None or uy is None or ux == uy)
            and (px is None or py is None or px == py)
            and x.key.industry_nested(y.key)
            and (x.key.region is None or x.key.region.compatible(y.key.region))
        )

    def match(self, x: _Entry, y: _Entry, score: float, reason: str) -> Match:
        a, b = sorted((x.record, y.record))
        first, second = (x, y) if x.record == a else (y, x)
        names = (first.key.raw, second.key.raw)
        return Match(self.records[a].id, self.records[b].id, round(score, 1), reason, names)

    def by_uscc(self) -> None:
        holders: dict[str, list[int]] = defaultdict(list)
        for i, code in enumerate(self.usccs):
            if code:
                holders[code].append(i)
        for members in holders.values():
            for other in members[1:]:
                x, y = self.records[members[0]], self.records[other]
                self.candidates.append(Match(x.id, y.id, 100.0, "uscc", (x.name, y.name)))

    def by_trade_name(self) -> None:
        groups: dict[tuple[str, str], list[_Entry]] = defaultdict(list)
        for entry in self.entries:
            groups[(entry.key.script, entry.key.core)].append(entry)
        for group in groups.values():
            if len({e.record for e in group}) < 2:
                continue
            if len(group) > MAX_GROUP:
                self._identical_only(group)
                continue
            pairs = [(x, y) for x, y in combinations(group, 2) if x.record != y.record]
            fits: dict[tuple[int, int], bool] = {}
            for x, y in pairs:
                fits[(id(x), id(y))] = fits[(id(y), id(x))] = self.compatible(x, y)
            neighbours: dict[int, list[_Entry]] = defaultdict(list)
            for x, y in pairs:
                if fits[(id(x), id(y))]:
                    neighbours[id(x)].append(y)
                    neighbours[id(y)].append(x)
            ambiguous = {
                id(e)
                for e in group
                if any(
                    p.record != q.record and not fits[(id(p), id(q))]
                    for p, q in combinations(neighbours[id(e)], 2)
                )
            }
            for x, y in pairs:
                if not fits[(id(x), id(y))]:
                    continue
                score = fuzz.ratio(x.key.full, y.key.full)
                if id(x) in ambiguous or id(y) in ambiguous:
                    reason = "review: the short name fits more than one company"
                    self.review.append(self.match(x, y, score, reason))
                else:
                    reason = "name" if x.key.full == y.key.full else "trade name"
                    self.candidates.append(self.match(x, y, score, reason))

    def _identical_only(self, group: list[_Entry]) -> None:
        same: dict[tuple[str, object], list[_Entry]] = defaultdict(list)
        for entry in group:
            same[(entry.key.full, entry.key.region)].append(entry)
        for members in same.values():
            for other in members[1:]:
                if self.compatible(members[0], other):
                    self.candidates.append(self.match(members[0], other, 100.0, "name"))

    def by_typo(self) -> None:
        whole: dict[tuple[str, str], list[_Entry]] = defaultdict(list)
        minus_one: dict[tuple[str, int, str], list[_Entry]] = defaultdict(list)
        for entry in self.entries:
            script, core = entry.key.script, entry.key.core
            if len(core) >= MIN_TYPO_CORE[script]:
                whole[(script, core)].append(entry)
                for i in range(len(core)):
                    minus_one[(script, i, core[:i] + core[i + 1 :])].append(entry)
        pairs: list[tuple[_Entry, _Entry]] = []
        for (script, _, rest), block in minus_one.items():
            pairs += combinations(block, 2)  # one character replaced at the same place
            pairs += [(x, y) for x in block for y in whole.get((script, rest), ())]  # one dropped
        seen: set[tuple[int, int]] = set()
        for x, y in pairs:
            pair = (min(x.record, y.record), max(x.record, y.record))
            if x.record == y.record or x.key.core == y.key.core or pair in seen:
                continue
            if Levenshtein.distance(x.key.core, y.key.core) == 1:
                seen.add(pair)
                self._score_typo(x, y)

    def _score_typo(self, x: _Entry, y: _Entry) -> None:
        score = fuzz.ratio(*_stated_in_both(x.key, y.key))
        if score < REVIEW_SCORE:
            return
        rx, ry = self.records[x.record], self.records[y.record]
        px, py = self.provinces[x.record], self.provinces[y.record]
        agrees = (
            self.compatible(x, y)
            and px is not None
            and px == py
            and (rx.sector is None or ry.sector is None or rx.sector == ry.sector)
        )
        if agrees and score >= AUTO_SCORE:
            self.candidates.append(self.match(x, y, score, "typo"))
        else:
            self.review.append(self.match(x, y, score, "review: one character differs"))

    def run(self) -> Resolution:
        self.by_uscc()
        self.by_trade_name()
        self.by_typo()
        position = {r.id: i for i, r in enumerate(self.records)}
        order = {"uscc": 0, "name": 1, "trade name": 2, "typo": 3}
        merges: list[Match] = []
        for m in sorted(self.candidates, key=lambda m: (order[m.reason], -m.score)):
            i, j = position[m.a], position[m.b]
            if self.clusters.find(i) == self.clusters.find(j):
                merges.append(m)
                continue
            problem = self.clusters.conflict(i, j)
            if problem:
                self.review.append(Match(m.a, m.b, m.score, f"{m.reason}; {problem}", m.names))
            else:
                self.clusters.union(i, j)
                merges.append(m)
        members: dict[int, list[str]] = defaultdict(list)
        for i, record in enumerate(self.records):
            members[self.clusters.find(i)].append(record.id)
        clusters = sorted((tuple(sorted(m)) for m in members.values()), key=lambda c: (-len(c), c))
        cluster_of = {rid: n for n, c in enumerate(clusters) for rid in c}
        review = {
            (m.a, m.b): m for m in self.review if cluster_of[m.a] != cluster_of[m.b]
        }  # a pair merged by other evidence needs no review
        return Resolution(clusters, merges, sorted(review.values(), key=lambda m: -m.score))


def resolve(records: Iterable[OrgRecord]) -> Resolution:
    """Cluster company records from several sources; see the module doc for the evidence used."""
    records = list(records)
    ids = [r.id for r in records]
    if len(set(ids)) != len(ids):
        raise ValueError("record ids must be unique")
    return _Resolver(records).run()


@dataclass(frozen=True)
class PairQuality:
    """Pairwise quality of a clustering against labelled truth."""

    precision: float
    recall: float
    true_pairs: int
    predicted_pairs: int
    correct_pairs: int


def pairwise_quality(truth: dict[str, str], resolution: Resolution) -> PairQuality:
    """Precision and recall of merged pairs, given each record's true entity (record id -> label)."""
    groups: dict[str, list[str]] = defaultdict(list)
    for rid, entity in truth.items():
        groups[entity].append(rid)
    true_pairs = {tuple(sorted(p)) for g in groups.values() for p in combinations(g, 2)}
    predicted = resolution.pairs()
    correct = len(true_pairs & predicted)
    return PairQuality(
        precision=correct / len(predicted) if predicted else 1.0,
        recall=correct / len(true_pairs) if true_pairs else 1.0,
        true_pairs=len(true_pairs),
        predicted_pairs=len(predicted),
        correct_pairs=correct,
    )
