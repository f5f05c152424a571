"""Company names folded for matching, following the structure of a Chinese enterprise name:
行政区划 (region) + 字号 (trade name) + 行业 (industry words) + 组织形式 (legal form).

``name_key`` returns the region, the *core* (the trade name: what tells companies apart), the
industry words (kept: 板石智能 and 板石电子 are two companies) and ``full`` = core + industry. Legal
forms, (中国)/(集团) brackets, full-/half-width differences and blanks are dropped. English names
get the same treatment word by word. The word lists are data: ``rules/name_words.csv`` and
``rules/cities.csv``.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from chanrong.observatory.fx import RULES_DIR
from chanrong.parties.reference import PROVINCES

MIN_CORE = 2  # a region or industry word is only stripped if this much trade name remains
_CJK = re.compile(r"[\u3400-\u9fff]")
_BRACKET = re.compile(r"\(([^()]*)\)")
_PUNCT_ZH = re.compile(r"[\s·・.,，、'\"“”‘’&＆\-_/:;!?]+")
_PUNCT_EN = re.compile(r"[^\w\s\-]+")


@dataclass(frozen=True)
class Region:
    """Where a name says the company is: a GB/T 2260 province code and, if named, a city."""

    province: str
    city: str | None = None

    def compatible(self, other: Region | None) -> bool:
        """Same province, and the same city when both name one."""
        if other is None:
            return True
        if self.province != other.province:
            return False
        return self.city is None or other.city is None or self.city == other.city


@dataclass(frozen=True)
class NameKey:
    """A folded name. ``full`` = core + industry words; ``script`` is ``zh`` or ``en``."""

    raw: str
    core: str
    industry: tuple[str, ...]
    region: Region | None
    script: str

    @property
    def full(self) -> str:
        """Core and industry words, the form compared by the fuzzy score."""
        joiner = " " if self.script == "en" else ""
        return joiner.join((self.core, *self.industry)).strip()

    def industry_nested(self, other: NameKey) -> bool:
        """True when one name's industry words are all in the other's (板石 ⊂ 板石智能科技)."""
        mine, theirs = set(self.industry), set(other.industry)
        return mine <= theirs or theirs <= mine


@dataclass(frozen=True)
class _Words:
    legal_zh: tuple[str, ...]
    legal_en: frozenset[str]
    industry_zh: tuple[str, ...]
    industry_en: dict[str, str]
    bracket_drop: frozenset[str]
    regions_zh: tuple[tuple[str, Region], ...]  # longest first
    regions_en: dict[str, Region]


def _province_names() -> list[tuple[str, str, str]]:
    out = []
    for code, (zh, en) in PROVINCES.items():
        short = zh
        for tail in (
            "特别行政区",
            "维吾尔自治区",
            "壮族自治区",
            "回族自治区",
            "自治区",
            "省",
            "市",
        ):
            short = short.removesuffix(tail)
        out.append((code, zh, short))
        out.append((code, en.lower(), en.lower()))
    return out


@lru_cache(maxsize=1)
def _words() -> _Words:
    rows: dict[str, list[tuple[str, str]]] = {}
    with (RULES_DIR / "name_words.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            word = unicodedata.normalize("NFKC", row["word"]).lower().strip()
            rows.setdefault(row["kind"].strip(), []).append((word, row["canonical"].strip()))
    zh: dict[str, Region] = {}
    en: dict[str, Region] = {}
    for code, full, short in _province_names():
        target = en if full.isascii() else zh
        target[full] = target[short] = Region(code)
    with (RULES_DIR / "cities.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            region = Region(row["province"].strip(), row["city"].strip())
            zh[row["city"].strip()] = zh[row["city"].strip() + "市"] = region
            en[row["pinyin"].strip().lower()] = region

    def by_length(words: Iterable[str]) -> tuple[str, ...]:
        return tuple(sorted(words, key=len, reverse=True))

    return _Words(
        legal_zh=by_length(w for w, _ in rows.get("legal_zh", [])),
        legal_en=frozenset(w for w, _ in rows.get("legal_en", [])),
        industry_zh=by_length(w for w, _ in rows.get("industry_zh", [])),
        industry_en={w: c for w, c in rows.get("industry_en", [])},
        bracket_drop=frozenset(w for w, _ in rows.get("bracket_drop", [])),
        regions_zh=tuple(sorted(zh.items(), key=lambda kv: -len(kv[0]))),
        regions_en=en,
    )


def _fold(name: str) -> str:
    text = unicodedata.normalize("NFKC", name).lower()
    for opening in "【[〔〈<{":
        text = text.replace(opening, "(")
    for closing in "】]〕〉>}":
        text = text.replace(closing, ")")
    return text.strip()


def _strip_suffixes(text: str, words: tuple[str, ...], keep: int) -> tuple[str, list[str]]:
    removed: list[str] = []
    changed = True
    while changed:
        changed = False
        for word in words:
            if text.endswith(word) and len(text) - len(word) >= keep:
                text, changed = text[: -len(word)], True
                removed.insert(0, word)
                break
    return text, removed


def _merge_region(first: Region | None, second: Region | None) -> Region | None:
    if first is None or second is None:
        return first or second
    return second if second.city else first


def _zh_key(raw: str, text: str, words: _Words) -> NameKey:
    region: Region | None = None
    kept: list[str] = []

    def bracket(match: re.Match[str]) -> str:
        nonlocal region
        inner = _PUNCT_ZH.sub("", match.group(1))
        for name, place in words.regions_zh:
            if inner == name:
                region = _merge_region(region, place)
                return ""
        if inner in words.bracket_drop or not inner:
            return ""
        kept.append(inner)
        return inner

    text = _BRACKET.sub(bracket, text)
    text = _PUNCT_ZH.sub("", text.replace("(", "").replace(")", ""))
    text, _legal = _strip_suffixes(text, words.legal_zh, MIN_CORE)
    for _ in range(2):  # 广东省深圳市...: province, then city
        for name, place in words.regions_zh:
            if text.startswith(name) and len(text) - len(name) >= MIN_CORE:
                region = _merge_region(region, place)
                text = text[len(name) :]
                break
    core, industry = _strip_suffixes(text, words.industry_zh, MIN_CORE)
    return NameKey(raw, core, tuple(industry), region, "zh")


def _en_key(raw: str, text: str, words: _Words) -> NameKey:
    region: Region | None = None
    for inner in _BRACKET.findall(text):
        place = words.regions_en.get(inner.strip())
        if place:
            region = _merge_region(region, place)
    drop = words.bracket_drop | words.regions_en.keys()
    text = _BRACKET.sub(lambda m: "" if m.group(1).strip() in drop else m.group(1), text)
    text = _PUNCT_EN.sub(" ", text.replace("&", " and "))
    tokens = [t for t in text.replace("-", " ").split() if t]
    while tokens and tokens[-1] in words.legal_en:
        tokens.pop()
    while len(tokens) > 1 and tokens[0] in words.regions_en:
        region = _merge_region(region, words.regions_en[tokens[0]])
        tokens.pop(0)
    industry: list[str] = []
    while len(tokens) > 1 and tokens[-1] in words.industry_en:
        canonical = words.industry_en[tokens.pop()]
        if canonical:
            industry.insert(0, canonical)
    while len(tokens) > 1 and tokens[-1] in words.legal_en:
        tokens.pop()
    return NameKey(raw, " ".join(tokens), tuple(industry), region, "en")


def name_key(name: str) -> NameKey:
    """Fold a company name (Chinese or English) into its matching key."""
    words = _words()
    text = _fold(name)
    if _CJK.search(text):
        return _zh_key(name, text, words)
    return _en_key(name, text, words)
