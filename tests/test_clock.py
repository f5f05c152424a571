"""The one clock: aware UTC instants, China's business date, and freezing time in tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from chanrong import clock

SHANGHAI = timezone(timedelta(hours=8))


def test_now_is_aware_utc():
    now = clock.now()
    assert now.tzinfo is not None
    assert now.utcoffset() == timedelta(0)


def test_frozen_fixes_now_and_converts_to_utc():
    at = datetime(2025, 3, 1, 9, 30, tzinfo=SHANGHAI)
    with clock.frozen(at) as frozen_at:
        assert frozen_at == at
        assert clock.now() == at
        assert clock.now().tzinfo == UTC
        assert clock.now().hour == 1
    assert clock.now() != at


def test_frozen_blocks_nest_and_restore_the_outer_instant():
    outer = datetime(2025, 1, 1, tzinfo=UTC)
    inner = datetime(2026, 1, 1, tzinfo=UTC)
    with clock.frozen(outer):
        with clock.frozen(inner):
            assert clock.now() == inner
        assert clock.now() == outer


def test_frozen_restores_after_an_exception():
    at = datetime(2025, 1, 1, tzinfo=UTC)
    with pytest.raises(RuntimeError), clock.frozen(at):
        raise RuntimeError("boom")
    assert clock.now() != at


def test_frozen_refuses_a_naive_datetime():
    with pytest.raises(ValueError, match="aware"), clock.frozen(datetime(2025, 1, 1)):
        pass


@pytest.mark.parametrize(
    ("utc_instant", "business_day"),
    [
        (datetime(2025, 12, 31, 15, 59, tzinfo=UTC), date(2025, 12, 31)),
        (datetime(2025, 12, 31, 16, 0, tzinfo=UTC), date(2026, 1, 1)),
        (datetime(2025, 6, 30, 23, 0, tzinfo=UTC), date(2025, 7, 1)),
    ],
)
def test_today_is_the_date_in_china(utc_instant, business_day):
    with clock.frozen(utc_instant):
        assert clock.today() == business_day
