"""The device registry at the service layer: registration rules and its ledger entry, listing
scoped by party, reads of another party's devices through a consent grant, the catalogue."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from chanrong import clock
from chanrong.consent import service as consent
from chanrong.consent.errors import NoGrant
from chanrong.consent.models import AccessRecord
from chanrong.errors import OtherPartysData, RoleRequired
from chanrong.identifiers.errors import IdentifierNotFound, InvalidIdentifier
from chanrong.ledger import service as ledger
from chanrong.principal import Principal
from chanrong.telemetry import catalogue, service
from chanrong.telemetry.errors import DeviceNotFound, DeviceTaken, InvalidDevice
from chanrong.telemetry.models import SeriesState
from tests.factories import (
    DEVICE_HANDLE,
    create_device,
    create_device_owner,
    create_identifier,
    create_party,
    create_prefix,
    principal_of,
)

T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
SYSTEM = Principal.system()


@pytest.fixture
def owner(session):
    """The owner of the device identifier ``DEVICE_HANDLE`` (no device registered yet)."""
    party, prefix = create_device_owner(session)
    return party, prefix, principal_of(party)


def test_owner_registers_a_device_recorded_in_the_ledger(session, owner) -> None:
    party, _prefix, actor = owner
    with clock.frozen(T0):
        device = service.register_device(
            session, actor=actor, handle=DEVICE_HANDLE, device_type="sewing_machine",
            name=" 1号缝纫机 ",
        )  # fmt: skip
    assert (device.handle, device.owner_party_id, device.device_type, device.name) == (
        DEVICE_HANDLE, party.id, "sewing_machine", "1号缝纫机",
    )  # fmt: skip
    assert device.locked is False and device.created_at == T0
    [entry] = ledger.entries(session, subject=DEVICE_HANDLE, event="device.registered")
    assert entry.actor_party_id == party.id
    assert json.loads(entry.body)["payload"] == {
        "device_type": "sewing_machine", "owner_party_id": party.id, "name": "1号缝纫机",
    }  # fmt: skip


def test_platform_registers_on_any_partys_identifier(session, owner) -> None:
    party, _prefix, _actor = owner
    device = service.register_device(
        session, actor=SYSTEM, handle=DEVICE_HANDLE, device_type="excavator"
    )
    assert device.owner_party_id == party.id


def test_unknown_type_is_refused(session, owner) -> None:
    with pytest.raises(InvalidDevice) as caught:
        service.register_device(
            session, actor=owner[2], handle=DEVICE_HANDLE, device_type="toaster"
        )
    assert caught.value.status == 422
    assert (caught.value.errors[0].field, caught.value.errors[0].rule) == ("device_type", "enum")


def test_a_non_device_identifier_is_refused(session, owner) -> None:
    _party, prefix, actor = owner
    invoice = create_identifier(session, prefix, handle=f"{prefix.prefix}/INV-1",
                                object_type="invoice")  # fmt: skip
    with pytest.raises(InvalidDevice) as caught:
        service.register_device(session, actor=actor, handle=invoice.handle, device_type="motor")
    assert (caught.value.errors[0].field, caught.value.errors[0].rule) == ("handle", "object_type")


def test_unknown_and_malformed_identifiers(session, owner) -> None:
    actor = owner[2]
    with pytest.raises(IdentifierNotFound):
        service.register_device(session, actor=actor, handle="88.1001.12/NOPE", device_type="motor")
    with pytest.raises(InvalidIdentifier):
        service.register_device(session, actor=actor, handle="no slash", device_type="motor")


def test_another_partys_identifier_is_forbidden(session, owner) -> None:
    stranger = principal_of(create_party(session))
    with pytest.raises(OtherPartysData) as caught:
        service.register_device(session, actor=stranger, handle=DEVICE_HANDLE, device_type="motor")
    assert caught.value.status == 403


def test_a_viewer_may_not_register(session, owner) -> None:
    party = owner[0]
    viewer = Principal(party.id, party.kind, frozenset({"viewer"}))
    with pytest.raises(RoleRequired):
        service.register_device(session, actor=viewer, handle=DEVICE_HANDLE, device_type="motor")


def test_one_device_per_identifier(session, owner) -> None:
    actor = owner[2]
    service.register_device(session, actor=actor, handle=DEVICE_HANDLE, device_type="motor")
    with pytest.raises(DeviceTaken) as caught:
        service.register_device(session, actor=actor, handle=DEVICE_HANDLE, device_type="motor")
    assert caught.value.status == 409
    assert len(ledger.entries(session, subject=DEVICE_HANDLE, event="device.registered")) == 1


def test_a_name_over_200_characters_is_refused(session, owner) -> None:
    with pytest.raises(InvalidDevice) as caught:
        service.register_device(
            session, actor=owner[2], handle=DEVICE_HANDLE, device_type="motor", name="机" * 201
        )
    assert caught.value.errors[0].rule == "max_length"


@pytest.fixture
def two_fleets(session):
    """Owner A: a sewing machine and a motor; owner B: an excavator; and a lender."""
    a, a_prefix = create_device_owner(session)
    b = create_party(session, name="宁波重工机械有限公司")
    b_prefix = create_prefix(session, b, prefix="88.1001.77")
    devices = [
        create_device(session, a, a_prefix, suffix="SM-1"),
        create_device(session, a, a_prefix, device_type="motor", suffix="MO-1"),
        create_device(session, b, b_prefix, device_type="excavator", suffix="EX-1"),
    ]
    lender = create_party(session, kind="institution", roles=["bank"])
    return principal_of(a), principal_of(b), principal_of(lender), devices


def _handles(page):
    items, total = page
    return [d.handle for d in items], total


def test_listing_is_scoped_by_party(session, two_fleets) -> None:
    a, b, lender, _devices = two_fleets
    assert _handles(service.list_devices(session, actor=a)) == (
        ["88.1001.12/MO-1", "88.1001.12/SM-1"], 2,
    )  # fmt: skip
    assert _handles(service.list_devices(session, actor=b)) == (["88.1001.77/EX-1"], 1)
    assert _handles(service.list_devices(session, actor=lender)) == ([], 0)
    everyone = service.list_devices(session, actor=SYSTEM, limit=2)
    assert _handles(everyone) == (["88.1001.12/MO-1", "88.1001.12/SM-1"], 3)
    assert _handles(service.list_devices(session, actor=SYSTEM, offset=2)) == (
        ["88.1001.77/EX-1"], 3,
    )  # fmt: skip
    assert _handles(service.list_devices(session, actor=a, device_type="motor")) == (
        ["88.1001.12/MO-1"], 1,
    )  # fmt: skip
    assert _handles(service.list_devices(session, actor=SYSTEM, owner_party_id=b.party_id)) == (
        ["88.1001.77/EX-1"],
        1,
    )
    with pytest.raises(InvalidDevice):
        service.list_devices(session, actor=a, device_type="toaster")


def test_another_partys_devices_need_a_grant(session, two_fleets) -> None:
    a, b, lender, devices = two_fleets
    with pytest.raises(OtherPartysData):
        service.list_devices(session, actor=b, owner_party_id=a.party_id)
    with pytest.raises(NoGrant):
        service.list_devices(
            session, actor=lender, owner_party_id=a.party_id, purpose="credit_assessment"
        )
    with pytest.raises(NoGrant):
        service.get_device(session, actor=lender, handle=devices[0].handle)
    with pytest.raises(NoGrant):
        service.get_device(
            session, actor=lender, handle=devices[0].handle, purpose="credit_assessment"
        )
    with pytest.raises(DeviceNotFound):
        service.get_device(session, actor=a, handle="88.1001.12/NOPE")


def test_a_live_telemetry_grant_lets_a_lender_read_audited(session, two_fleets) -> None:
    a, _b, lender, devices = two_fleets
    with clock.frozen(T0):
        consent.give_grant(
            session, actor=a, recipient_party_id=lender.party_id, scope="telemetry",
            purpose="credit_assessment", expires_at=T0 + timedelta(days=30),
        )  # fmt: skip
        found = service.get_device(
            session, actor=lender, handle=devices[0].handle, purpose="credit_assessment"
        )
        listed = service.list_devices(
            session, actor=lender, owner_party_id=a.party_id, purpose="credit_assessment"
        )
    assert found.id == devices[0].id
    assert _handles(listed) == (["88.1001.12/MO-1", "88.1001.12/SM-1"], 2)
    subjects = [r.subject for r in session.query(AccessRecord).order_by(AccessRecord.id)]
    assert subjects == [devices[0].handle, service.fleet_subject(a.party_id)]
    with clock.frozen(T0 + timedelta(days=31)), pytest.raises(NoGrant):
        service.get_device(
            session, actor=lender, handle=devices[0].handle, purpose="credit_assessment"
        )


def test_fleet_gives_the_listed_devices_ids_and_types_under_the_same_rules(
    session, two_fleets
) -> None:
    a, b, lender, devices = two_fleets

    def ids(rows):
        return [(row.id, row.device_type) for row in rows]

    def listed(**args):
        return [(d.id, d.device_type) for d in service.list_devices(session, **args)[0]]

    for args in ({"actor": a}, {"actor": SYSTEM, "limit": 2}, {"actor": a, "device_type": "motor"},
                 {"actor": SYSTEM, "owner_party_id": b.party_id}):  # fmt: skip
        assert ids(service.fleet(session, **args)) == listed(**args), args
    with pytest.raises(InvalidDevice):
        service.fleet(session, actor=a, device_type="toaster")
    with pytest.raises(NoGrant):
        service.fleet(session, actor=lender, owner_party_id=a.party_id, purpose="credit_assessment")
    with clock.frozen(T0):
        consent.give_grant(
            session, actor=a, recipient_party_id=lender.party_id, scope="telemetry",
            purpose="credit_assessment", expires_at=T0 + timedelta(days=30),
        )  # fmt: skip
        read = service.fleet(session, actor=lender, owner_party_id=a.party_id,
                             purpose="credit_assessment")  # fmt: skip
    assert sorted(ids(read)) == sorted((d.id, d.device_type) for d in devices[:2])
    subjects = [r.subject for r in session.query(AccessRecord).order_by(AccessRecord.id)]
    assert subjects == [service.fleet_subject(a.party_id)]  # the read is audited


def test_a_grant_naming_one_device_reads_it_but_not_the_fleet(session, two_fleets) -> None:
    a, _b, lender, devices = two_fleets
    with clock.frozen(T0):
        consent.give_grant(
            session, actor=a, recipient_party_id=lender.party_id, scope="telemetry",
            purpose="insurance_pricing", expires_at=T0 + timedelta(days=30),
            objects=[devices[1].handle],
        )  # fmt: skip
        assert service.get_device(session, actor=lender, handle=devices[1].handle,
                                  purpose="insurance_pricing").id == devices[1].id  # fmt: skip
        with pytest.raises(NoGrant):
            service.get_device(
                session, actor=lender, handle=devices[0].handle, purpose="insurance_pricing"
            )
        with pytest.raises(NoGrant):
            service.list_devices(
                session, actor=lender, owner_party_id=a.party_id, purpose="insurance_pricing"
            )


def test_catalogue_lists_every_type_with_its_metrics() -> None:
    kinds = {k.name: k for k in service.device_types()}
    assert list(kinds) == list(catalogue.DEVICE_TYPES)
    assert set(kinds) == {
        "sewing_machine", "excavator", "motor", "vehicle", "energy_meter", "platform_tenant",
    }  # fmt: skip
    stitches = kinds["sewing_machine"].metrics["stitches"]
    assert (stitches.unit, stitches.kind, stitches.scale) == ("1", "counter", 0)
    assert kinds["motor"].metrics["run_state"].states[2] == ("运行", "running")


def test_last_readings_and_series(session, two_fleets) -> None:
    _a, _b, _lender, devices = two_fleets
    sewing, motor, _excavator = devices
    session.add_all([
        SeriesState(device_id=sewing.id, metric_id=2, first_ts_ms=1_000, last_ts_ms=9_000,
                    last_value=1234, readings=5, duplicates=1),
        SeriesState(device_id=sewing.id, metric_id=1, first_ts_ms=2_000, last_ts_ms=12_000,
                    last_value=60, readings=4, duplicates=0),
    ])  # fmt: skip
    session.flush()
    assert service.last_readings(session, [sewing.id, motor.id]) == {sewing.id: 12_000}
    assert service.last_readings(session, []) == {}
    series = service.series_of(session, sewing)
    assert [(s.metric.name, s.first_ts_ms, s.last_ts_ms, s.readings) for s in series] == [
        ("sewing_seconds", 2_000, 12_000, 4), ("stitches", 1_000, 9_000, 5),
    ]  # fmt: skip
