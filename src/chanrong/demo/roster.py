"""Who is in the park (pure): the parties and their prefixes.

``park_parties(seed)`` draws, from the ``parties`` stream, the platform operator, the core
enterprises and SMEs of every segment and the financial institutions, each with a trade name
and a unified social credit code never drawn twice in a park (``NamePool``). ``prefixes`` gives
every enterprise its prefix ``88.<10 + GB/T 4754 division>.<n>``.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from chanrong.demo.catalogue import (
    CITIES,
    CORE_SEGMENTS,
    INSTITUTIONS,
    SME_SEGMENTS,
    TRADE_NAMES,
    Segment,
)
from chanrong.demo.codes import licence_code, part_rng, prefix_node, unique_uscc


@dataclass(frozen=True)
class PartySpec:
    """One party of the park, ready for ``draft_or_raise``; ``code`` names it inside the park."""

    code: str
    segment: str
    kind: str
    name: str
    uscc: str
    province: str
    city: str
    industry: str
    size: str | None
    roles: tuple[str, ...]
    license_code: str | None = None

    @property
    def username(self) -> str:
        """The party's demo admin login."""
        return f"{self.code}-admin"

    @property
    def division(self) -> str:
        """The GB/T 4754 division digits (``35`` of ``C35``)."""
        return self.industry[1:3]

    def draft_fields(self) -> dict[str, Any]:
        """Keyword arguments of ``parties.service.draft_or_raise``."""
        return {
            "kind": self.kind,
            "name": self.name,
            "uscc_code": self.uscc,
            "province": self.province,
            "city": self.city,
            "industry": self.industry,
            "size": self.size,
            "roles": list(self.roles),
            "license_code": self.license_code,
        }


def index_by_code(specs: Iterable[PartySpec]) -> dict[str, PartySpec]:
    """The parties by park code."""
    return {p.code: p for p in specs}


class NamePool:
    """Draws trade names and codes without repeats inside one park."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.pool = list(TRADE_NAMES)
        rng.shuffle(self.pool)
        self.codes: set[str] = set()

    def trade_name(self) -> str:
        """A trade name (字号) not drawn before."""
        return self.pool.pop()

    def uscc(self, division: str, *, authority: str = "91") -> str:
        """A valid unified social credit code in ``division``, not drawn before."""
        return unique_uscc(self.rng, division, self.codes, authority=authority)


def operator_party(names: NamePool) -> PartySpec:
    """The platform operator (产融平台运营方), in Beijing."""
    city = CITIES["北京"]
    return PartySpec(
        code="op",
        segment="operator",
        kind="operator",
        name=f"北京{names.trade_name()}产融数字科技有限公司",
        uscc=names.uscc(city.division),
        province=city.province,
        city=city.name,
        industry="I65",
        size="medium",
        roles=("operator",),
    )


def _segment_parties(names: NamePool, segment: Segment) -> list[PartySpec]:
    cities = list(segment.cities)
    names.rng.shuffle(cities)
    specs = []
    for index in range(segment.count):
        city = CITIES[cities[index % len(cities)]]
        word = names.rng.choice(segment.words)
        specs.append(
            PartySpec(
                code=segment.code(index),
                segment=segment.key,
                kind="enterprise",
                name=f"{city.name.removesuffix('市')}{names.trade_name()}{word}{segment.legal_form}",
                uscc=names.uscc(city.division),
                province=city.province,
                city=city.name,
                industry=segment.industry,
                size=names.rng.choice(segment.sizes),
                roles=segment.roles,
            )
        )
    return specs


def core_enterprises(names: NamePool) -> list[PartySpec]:
    """The four core enterprises (核心企业)."""
    return [spec for segment in CORE_SEGMENTS for spec in _segment_parties(names, segment)]


def smes(names: NamePool) -> list[PartySpec]:
    """The 50 SMEs, segment by segment."""
    return [spec for segment in SME_SEGMENTS for spec in _segment_parties(names, segment)]


def institutions(names: NamePool) -> list[PartySpec]:
    """Banks, insurers, lessors, a factoring company and a fund manager, with licence codes."""
    specs = []
    for inst in INSTITUTIONS:
        city = CITIES[inst.city]
        specs.append(
            PartySpec(
                code=inst.code,
                segment=inst.role,
                kind="institution",
                name=inst.pattern.format(
                    city=city.name.removesuffix("市"), name=names.trade_name()
                ),
                uscc=names.uscc(city.division),
                province=city.province,
                city=city.name,
                industry=inst.industry,
                size=inst.size,
                roles=(inst.role,),
                license_code=licence_code(names.rng, inst.licence, city.division),
            )
        )
    return specs


def park_parties(seed: int) -> list[PartySpec]:
    """Every party of the park: operator, core enterprises, SMEs, institutions."""
    names = NamePool(part_rng(seed, "parties"))
    return [operator_party(names), *core_enterprises(names), *smes(names), *institutions(names)]


def prefixes(all_parties: Iterable[PartySpec]) -> dict[str, str]:
    """One prefix per enterprise: ``88.<10 + division>.<n>``, n counting per industry node."""
    counters: Counter[str] = Counter()
    result = {}
    for spec in all_parties:
        if spec.kind != "enterprise":
            continue
        node = prefix_node(spec.industry)
        counters[node] += 1
        result[spec.code] = f"88.{node}.{counters[node]}"
    return result
