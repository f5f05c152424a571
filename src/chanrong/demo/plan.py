"""The whole park as plain data (pure): ``plan_park(seed)`` and the ``ParkPlan`` it returns.

``plan_park`` puts together the parts of the park (parties and prefixes from ``roster``;
batches, devices, trade links and documents from ``records``; the demo logins and API key
holders here) in the order ``build.build_park`` writes them. Nothing is written here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from chanrong.demo.records import (
    IdentifierSpec,
    TradeLink,
    devices,
    documents,
    product_batches,
    trade_links,
)
from chanrong.demo.roster import PartySpec, index_by_code, park_parties, prefixes

DEFAULT_SEED = 2024


@dataclass(frozen=True)
class LoginSpec:
    """A demo console user: one admin per party."""

    party: str
    username: str
    display_name: str
    roles: tuple[str, ...] = ("admin",)


@dataclass
class ParkPlan:
    """Everything the park holds, as plain data, in the order it is written."""

    seed: int
    parties: list[PartySpec]
    prefixes: dict[str, str]
    batches: list[IdentifierSpec]
    devices: list[IdentifierSpec]
    links: list[TradeLink]
    documents: list[IdentifierSpec]
    logins: list[LoginSpec]
    api_key_holders: list[str]

    @property
    def identifiers(self) -> list[IdentifierSpec]:
        """Every identifier, in dependency order (batches before devices linking to them)."""
        return [*self.batches, *self.devices, *self.documents]

    @property
    def work_units(self) -> int:
        """How many writes ``build_park`` makes (for the progress bar)."""
        return (
            len(self.parties)
            + len(self.prefixes)
            + len(self.identifiers)
            + len(self.logins)
            + len(self.api_key_holders)
        )

    def party(self, code: str) -> PartySpec:
        """The party of ``code``."""
        return index_by_code(self.parties)[code]


def logins(all_parties: Iterable[PartySpec]) -> list[LoginSpec]:
    """One admin per party: ``<code>-admin`` (``op-admin`` for the operator)."""
    return [LoginSpec(p.code, p.username, f"{p.name} 管理员") for p in all_parties]


def api_key_holders(all_parties: Iterable[PartySpec]) -> list[str]:
    """Parties that get an API key: every core enterprise and every bank."""
    return [p.code for p in all_parties if "core_enterprise" in p.roles or "bank" in p.roles]


def plan_park(seed: int = DEFAULT_SEED) -> ParkPlan:
    """The whole park for ``seed``, as plain data (nothing is written)."""
    all_parties = park_parties(seed)
    prefix_of = prefixes(all_parties)
    batches = product_batches(seed, index_by_code(all_parties), prefix_of)
    links = trade_links(seed, all_parties)
    return ParkPlan(
        seed=seed,
        parties=all_parties,
        prefixes=prefix_of,
        batches=batches,
        devices=devices(seed, all_parties, prefix_of, batches),
        links=links,
        documents=documents(seed, all_parties, prefix_of, links),
        logins=logins(all_parties),
        api_key_holders=api_key_holders(all_parties),
    )
