"""The one clock. Code asks ``clock.now()`` instead of ``datetime.now()`` so tests can freeze time."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

_frozen: datetime | None = None
BUSINESS_TZ = ZoneInfo("Asia/Shanghai")


def now() -> datetime:
    """The current instant as an aware UTC datetime (or the frozen one)."""
    return _frozen if _frozen is not None else datetime.now(UTC)


def today() -> date:
    """Today's business date in China (Asia/Shanghai), the calendar that due dates use."""
    return now().astimezone(BUSINESS_TZ).date()


@contextmanager
def frozen(at: datetime) -> Iterator[datetime]:
    """Freeze ``now()`` at ``at`` (aware) for the duration of the block."""
    global _frozen
    if at.tzinfo is None:
        raise ValueError("frozen() needs an aware datetime")
    previous, _frozen = _frozen, at.astimezone(UTC)
    try:
        yield _frozen
    finally:
        _frozen = previous
