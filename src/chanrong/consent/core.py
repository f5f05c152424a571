"""Pure rules of consent: scopes, purposes, and whether a grant covers a read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

SCOPES: dict[str, tuple[str, str]] = {
    "telemetry": ("设备遥测数据", "device telemetry"),
    "trade": ("贸易记录", "trade records"),
    "energy": ("能耗数据", "energy data"),
    "financials": ("财务报表", "financial statements"),
    "identifier_records": ("标识受保护字段", "protected identifier fields"),
    # Not data but a right: sending lock / unlock / set-config commands to the owner's devices
    # (a lessor locks a leased machine that is not paid for); its grants name device handles.
    "device_control": ("设备控制", "device control"),
}

PURPOSES: dict[str, tuple[str, str]] = {
    "credit_assessment": ("授信评估", "credit assessment"),
    "insurance_pricing": ("保险定价", "insurance pricing"),
    "lease_monitoring": ("租赁监控", "lease monitoring"),
    "carbon_grading": ("碳效评级", "carbon-efficiency grading"),
    "trade_verification": ("贸易核验", "trade verification"),
    "risk_monitoring": ("风险监测", "risk monitoring"),
}

MAX_GRANT_DAYS = 3 * 366


@dataclass(frozen=True)
class GrantTerms:
    """What a grant allows: owner's data of ``scope`` (optionally only ``objects``) to
    ``recipient`` for ``purpose`` until ``expires_at``; ``derived_only`` allows indicators only."""

    owner_party_id: int
    recipient_party_id: int
    scope: str
    purpose: str
    objects: tuple[str, ...]
    derived_only: bool
    expires_at: datetime
    revoked_at: datetime | None


def is_live(terms: GrantTerms, now: datetime) -> bool:
    """True when the grant is neither revoked nor expired at ``now``."""
    return terms.revoked_at is None and now < terms.expires_at


def covers(terms: GrantTerms, *, scope: str, purpose: str, subject: str | None) -> bool:
    """True when the grant's scope and purpose match and its objects (if any) include ``subject``."""
    if terms.scope != scope or terms.purpose != purpose:
        return False
    return not terms.objects or (subject is not None and subject in terms.objects)
