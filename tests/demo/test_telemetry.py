"""The demo park's telemetry fleet (pure): one seed, one fleet; types that fit the industries."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from chanrong.demo import telemetry as tm
from chanrong.demo.plan import DEFAULT_SEED, plan_park
from chanrong.telemetry.catalogue import DEVICE_TYPES


def test_fleet_fits_the_park():
    plan = plan_park(DEFAULT_SEED)
    fleet = tm.demo_fleet(plan)
    assert tm.demo_fleet(plan_park(DEFAULT_SEED)) == fleet
    assert 60 <= len(fleet) <= 120
    assert len({d.handle for d in fleet}) == len(fleet)
    assert set(Counter(d.device_type for d in fleet)) == set(DEVICE_TYPES)

    parties = {p.code: p for p in plan.parties}
    park_devices = {spec.handle for spec in plan.devices}
    for device in fleet:
        owner = parties[device.owner]
        assert device.handle.startswith(plan.prefixes[owner.code] + "/")
        if device.device_type == "platform_tenant":  # a new identifier of its own
            assert owner.industry.startswith("I") and device.handle not in park_devices
        else:
            assert device.handle in park_devices
        if device.device_type == "sewing_machine":
            assert owner.industry[1:3] in tm.SEWING_DIVISIONS
        if device.device_type == "excavator":
            assert owner.code == "excavator"
        if device.device_type == "vehicle":
            assert owner.segment in ("logistics", "autolog")
    meters = Counter(d.owner for d in fleet if d.device_type == "energy_meter")
    factories = {p.code for p in plan.parties if p.kind == "enterprise" and p.industry[0] == "C"}
    assert meters == Counter(factories)  # one per factory

    other = tm.demo_fleet(plan_park(7))
    assert [d.handle for d in other] != [d.handle for d in fleet]


def test_week_ends_at_the_current_hour():
    start, end = tm.week_window(datetime(2026, 3, 2, 9, 41, 7, tzinfo=UTC))
    assert end == int(datetime(2026, 3, 2, 9, tzinfo=UTC).timestamp() * 1000)
    assert end - start == tm.DAYS * 24 * tm.HOUR_MS
    assert tm.steps_in_week() * tm.INTERVAL_SECONDS == tm.DAYS * 24 * 3600
    # 2026-02-23 08:00 .. 2026-03-02 10:00 UTC: eight UTC days
    assert tm.rollup_days(datetime(2026, 3, 2, 9, 41, tzinfo=UTC)) == 8
