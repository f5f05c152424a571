"""What ingest refused or kept aside, for people: quarantined readings by reason and device,
counts by reason, and conflicting readings. ``visible`` scopes every query to a set of device
ids (an owner's devices); None means every row, including readings of unknown devices."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chanrong.db import among
from chanrong.telemetry.models import QuarantinedReading, ReadingConflict


def _scoped(query: Any, visible: Collection[int] | None) -> Any:
    return among(query, QuarantinedReading.device_id, visible)


def list_quarantine(
    session: Session,
    *,
    reason: str | None = None,
    device: str | None = None,
    visible: Collection[int] | None = None,
    since: datetime | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[QuarantinedReading]:
    """Quarantined readings, newest first, optionally of one ``reason`` code, one device
    handle (as sent) and received at or after ``since``."""
    query = _scoped(select(QuarantinedReading), visible)
    if reason is not None:
        query = query.where(QuarantinedReading.reason == reason)
    if device is not None:
        query = query.where(QuarantinedReading.device == device)
    if since is not None:
        query = query.where(QuarantinedReading.received_at >= since)
    query = query.order_by(QuarantinedReading.id.desc()).limit(limit).offset(offset)
    return list(session.scalars(query))


def count_quarantine(
    session: Session,
    *,
    reason: str | None = None,
    device: str | None = None,
    visible: Collection[int] | None = None,
) -> int:
    """How many quarantined readings ``list_quarantine`` pages through (same filters)."""
    query = _scoped(select(func.count(QuarantinedReading.id)), visible)
    if reason is not None:
        query = query.where(QuarantinedReading.reason == reason)
    if device is not None:
        query = query.where(QuarantinedReading.device == device)
    return int(session.scalar(query) or 0)


def quarantine_counts(
    session: Session,
    *,
    device: str | None = None,
    visible: Collection[int] | None = None,
    since: datetime | None = None,
) -> dict[str, int]:
    """Quarantined readings per reason code (only reasons that occur), largest first."""
    query = _scoped(
        select(QuarantinedReading.reason, func.count()).group_by(QuarantinedReading.reason),
        visible,
    )
    if device is not None:
        query = query.where(QuarantinedReading.device == device)
    if since is not None:
        query = query.where(QuarantinedReading.received_at >= since)
    counts = {reason: n for reason, n in session.execute(query)}
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def list_conflicts(
    session: Session,
    *,
    device_id: int | None = None,
    visible: Collection[int] | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[ReadingConflict]:
    """Readings whose key was already stored with another value, newest first."""
    query = among(select(ReadingConflict), ReadingConflict.device_id, visible)
    if device_id is not None:
        query = query.where(ReadingConflict.device_id == device_id)
    query = query.order_by(ReadingConflict.id.desc()).limit(limit).offset(offset)
    return list(session.scalars(query))
