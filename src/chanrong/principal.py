"""Who is acting. Every service takes a ``Principal``: a user or API key of one party, or the local
system at the command line. The parties domain creates them from credentials (``parties.auth``)."""

from __future__ import annotations

from dataclasses import dataclass

SYSTEM_PARTY_ID = 0


@dataclass(frozen=True)
class Principal:
    """Who is acting: a user or API key of a party, or the local system (CLI, demo, migrations)."""

    party_id: int
    party_kind: str
    roles: frozenset[str]
    user_id: int | None = None
    api_key_id: int | None = None

    @classmethod
    def system(cls) -> Principal:
        """The local administrator acting from the command line."""
        return cls(SYSTEM_PARTY_ID, "system", frozenset({"admin"}))

    @property
    def is_system(self) -> bool:
        """True for the command line's own principal."""
        return self.party_kind == "system"

    @property
    def is_platform_admin(self) -> bool:
        """True for the system and for admins of the platform operator."""
        return self.is_system or (self.party_kind == "operator" and "admin" in self.roles)

    def acts_for(self, party_id: int) -> bool:
        """True when the principal belongs to ``party_id`` (the system acts for every party)."""
        return self.is_system or self.party_id == party_id

    def may_write(self) -> bool:
        """Viewers read only; admins and members may change data of their own party."""
        return bool(self.roles & {"admin", "member"})
