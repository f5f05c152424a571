"""Ingest with exactly-once effect: quarantine by reason, duplicates, conflicts, late readings,
counters, the series state, dirty hours; and the quarantine queries."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from chanrong.telemetry import quarantine
from chanrong.telemetry.batch import REASONS, IngestReport, Refusal
from chanrong.telemetry.core import counter_use
from chanrong.telemetry.ingest import PAYLOAD_LIMIT, ingest_batch
from chanrong.telemetry.models import DirtyHour, QuarantinedReading, SeriesState
from chanrong.telemetry.store import ParquetStore
from tests.factories import create_device, create_device_owner, raw_batch

NOW = 1_714_550_400_000  # 2024-05-01T08:00:00Z
HOUR = 3_600_000


@pytest.fixture
def store(tmp_path: Path) -> ParquetStore:
    return ParquetStore(tmp_path / "telemetry")


@pytest.fixture
def devices(session: Session) -> dict[str, object]:
    owner, prefix = create_device_owner(session)
    return {
        "sm": create_device(session, owner, prefix, suffix="I-SM"),
        "motor": create_device(session, owner, prefix, device_type="motor", suffix="I-M"),
    }


def _stitches(device: object, *pairs: tuple[int, float]) -> list[dict[str, object]]:
    return [
        {"device": device.handle, "metric": "stitches", "ts_ms": ts, "value": v}  # type: ignore[attr-defined]
        for ts, v in pairs
    ]


def _stored(session: Session, store: ParquetStore, device: object) -> list[tuple[int, int]]:
    table = store.readings(session, [device.id], 0, NOW + HOUR)  # type: ignore[attr-defined]
    return list(
        zip(table.column("ts_ms").to_pylist(), table.column("value").to_pylist(), strict=True)
    )


def test_every_reason_is_quarantined_with_its_reason(
    session: Session, store: ParquetStore, devices: dict[str, object]
) -> None:
    sm, motor = devices["sm"].handle, devices["motor"].handle  # type: ignore[attr-defined]
    batch = raw_batch([
        {"device": sm, "metric": "stitches", "ts_ms": NOW - 10, "value": 1000.0},
        {"device": sm, "metric": "stitches", "ts_ms": NOW - 5, "value": 900.0},  # backwards
        {"device": sm, "metric": "stitches", "ts_ms": NOW, "value": None},
        {"device": "88.1001.12/GHOST", "metric": "stitches", "ts_ms": NOW, "value": 1.0},
        {"device": sm, "metric": "fuel_level", "ts_ms": NOW, "value": 1.0},
        {"device": motor, "metric": "current", "ts_ms": NOW, "value": 1.0, "unit": "mA"},
        {"device": motor, "metric": "current", "ts_ms": NOW, "value": math.inf},
        {"device": motor, "metric": "current", "ts_ms": NOW, "value": 1e200},
        {"device": motor, "metric": "run_state", "ts_ms": NOW, "value": 9.0},
        {"device": motor, "metric": "current", "ts_ms": NOW + HOUR, "value": 1.0},
        {"device": motor, "metric": "current", "ts_ms": NOW - 200 * HOUR, "value": 1.0},
    ])  # fmt: skip
    batch.refusals += [
        Refusal("topic", "{not json" + "x" * 3000, "malformed-payload"),
        Refusal("topic", '{"metric": "stitches"}', "missing-field", line=2, device=sm),
        Refusal("topic", '{"ts": "soon"}', "bad-timestamp"),
        Refusal("topic", '{"value": "many"}', "bad-value"),
    ]
    report = ingest_batch(session, store, batch, now_ms=NOW)
    assert report.balanced and report.received == 15 and report.stored == 1
    assert set(report.quarantined) == set(REASONS)
    assert report.quarantined["missing-field"] == 2 and report.quarantined["bad-value"] == 2
    rows = session.scalars(select(QuarantinedReading)).all()
    assert sorted(r.reason for r in rows) == sorted(report.quarantined.elements())
    by_reason = {r.reason: r for r in rows}
    assert len(by_reason["malformed-payload"].payload) == PAYLOAD_LIMIT
    backwards = by_reason["counter-backwards"]
    assert (backwards.device, backwards.device_id) == (sm, devices["sm"].id)  # type: ignore[attr-defined]
    assert (backwards.metric, backwards.value, backwards.source) == (
        "stitches",
        "900.0",
        "test.csv:2",
    )
    assert by_reason["unknown-device"].device_id is None
    assert by_reason["wrong-unit"].detail == "expected A"
    assert '"value":"inf"' in by_reason["non-finite"].payload

    assert quarantine.quarantine_counts(session)["missing-field"] == 2
    visible = {devices["motor"].id}  # type: ignore[attr-defined]
    assert set(quarantine.quarantine_counts(session, visible=visible)) == {
        "wrong-unit", "non-finite", "bad-value", "bad-state", "future-timestamp", "too-old",
    }  # fmt: skip
    listed = quarantine.list_quarantine(session, reason="wrong-unit", device=motor)
    assert [r.value for r in listed] == ["1.0"]
    assert quarantine.list_quarantine(session, visible=set()) == []
    assert len(quarantine.list_quarantine(session, limit=3, offset=13)) == 1


def test_duplicates_and_conflicts_within_and_across_batches(
    session: Session, store: ParquetStore, devices: dict[str, object]
) -> None:
    sm = devices["sm"]
    first = ingest_batch(
        session, store, raw_batch(_stitches(sm, (NOW - 3, 10), (NOW - 3, 10), (NOW - 3, 11), (NOW - 2, 20))),
        now_ms=NOW,
    )  # fmt: skip
    assert (first.stored, first.duplicates, first.conflicts) == (2, 1, 1)
    again = ingest_batch(
        session, store, raw_batch(_stitches(sm, (NOW - 3, 10), (NOW - 2, 21), (NOW - 1, 30))),
        now_ms=NOW,
    )  # fmt: skip
    assert (again.stored, again.duplicates, again.conflicts, again.late) == (1, 1, 1, 0)
    assert again.balanced
    assert _stored(session, store, sm) == [(NOW - 3, 10), (NOW - 2, 20), (NOW - 1, 30)]
    conflicts = quarantine.list_conflicts(session, device_id=sm.id)  # type: ignore[attr-defined]
    assert [(c.ts_ms, c.stored_value, c.offered_value) for c in conflicts] == [
        (NOW - 2, 20, 21), (NOW - 3, 10, 11),
    ]  # fmt: skip
    state = session.get(SeriesState, (sm.id, 2))  # type: ignore[attr-defined]
    assert (state.first_ts_ms, state.last_ts_ms, state.last_value) == (NOW - 3, NOW - 1, 30)
    assert (state.readings, state.duplicates) == (3, 2)
    assert quarantine.list_conflicts(session, visible=set()) == []


def test_late_readings_are_stored_and_their_hours_marked_dirty(
    session: Session, store: ParquetStore, devices: dict[str, object]
) -> None:
    sm = devices["sm"]
    ingest_batch(session, store, raw_batch(_stitches(sm, (NOW, 500))), now_ms=NOW)
    session.execute(DirtyHour.__table__.delete())
    late = ingest_batch(
        session, store,
        raw_batch(_stitches(sm, (NOW - 50 * HOUR, 100), (NOW - 2 * HOUR, 300), (NOW, 500))),
        now_ms=NOW + 1,
    )  # fmt: skip
    assert (late.stored, late.late, late.duplicates) == (2, 2, 1)
    hours = session.scalars(select(DirtyHour.hour_ms).order_by(DirtyHour.hour_ms)).all()
    assert hours == [NOW - 50 * HOUR, NOW - 2 * HOUR]
    state = session.get(SeriesState, (sm.id, 2))  # type: ignore[attr-defined]
    assert (state.first_ts_ms, state.last_ts_ms, state.last_value, state.readings) == (
        NOW - 50 * HOUR, NOW, 500, 3,
    )  # fmt: skip
    too_old = ingest_batch(
        session, store, raw_batch(_stitches(sm, (NOW - 169 * HOUR, 1))), now_ms=NOW
    )
    assert too_old.quarantined == {"too-old": 1} and too_old.stored == 0


def test_counter_reset_is_use_and_backwards_is_refused_across_batches(
    session: Session, store: ParquetStore, devices: dict[str, object]
) -> None:
    sm = devices["sm"]
    ingest_batch(session, store, raw_batch(_stitches(sm, (NOW - 30, 1000))), now_ms=NOW)
    report = ingest_batch(
        session, store, raw_batch(_stitches(sm, (NOW - 20, 950), (NOW - 10, 40), (NOW, 90))),
        now_ms=NOW,
    )  # fmt: skip
    assert report.quarantined == {"counter-backwards": 1} and report.stored == 2

    values = np.array([v for _, v in _stored(session, store, sm)])
    assert values.tolist() == [1000, 40, 90] and counter_use(values) == 90


def test_gauges_and_states_may_go_down(
    session: Session, store: ParquetStore, devices: dict[str, object]
) -> None:
    motor = devices["motor"].handle  # type: ignore[attr-defined]
    readings = [
        {"device": motor, "metric": m, "ts_ms": NOW - i, "value": v}
        for i, (m, v) in enumerate([("temperature", 80.0), ("temperature", 20.0),
                                     ("run_state", 0.0), ("run_state", 2.0)])
    ]  # fmt: skip
    assert ingest_batch(session, store, raw_batch(readings), now_ms=NOW).stored == 4


def test_bad_input_never_crashes(session: Session, store: ParquetStore) -> None:
    empty = ingest_batch(session, store, raw_batch([]), now_ms=NOW)
    assert empty.balanced and empty.received == 0
    junk = raw_batch([{"device": None, "metric": None, "ts_ms": None, "value": None}] * 3)
    report = ingest_batch(session, store, junk)
    assert report.quarantined == {"missing-field": 3} and report.balanced


_SEGMENTS = [(1_000_000, 2_000_000), (10_000, 90_000), (100, 900)]


@st.composite
def _deliveries(draw: st.DrawFn) -> tuple[list[tuple[int, int]], list[list[tuple[int, int]]]]:
    """A counter series with resets (each segment below a tenth of every earlier value, so
    every earlier/later pair is an increase or a reset), delivered shuffled, with repeats,
    in batches."""
    segments = draw(st.integers(1, len(_SEGMENTS)))
    values: list[int] = []
    for low, high in _SEGMENTS[:segments]:
        values += sorted(draw(st.lists(st.integers(low, high), min_size=1, max_size=6)))
    readings = [(NOW - 1000 * (len(values) - i), v) for i, v in enumerate(values)]
    repeats = draw(st.lists(st.sampled_from(readings), max_size=6))
    sent = draw(st.permutations(readings + repeats))
    cuts = sorted(draw(st.lists(st.integers(0, len(sent)), max_size=4)))
    batches = [sent[a:b] for a, b in zip([0, *cuts], [*cuts, len(sent)], strict=True)]
    return readings, [b for b in batches if b]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(delivery=_deliveries())
def test_any_order_batching_and_repetition_give_the_same_store(
    session: Session, devices: dict[str, object], delivery: tuple[list, list]
) -> None:

    readings, batches = delivery
    sm = devices["sm"]
    savepoint = session.begin_nested()
    with tempfile.TemporaryDirectory() as root:
        store = ParquetStore(Path(root))
        total = IngestReport()
        for batch in batches:
            total.add(ingest_batch(session, store, raw_batch(_stitches(sm, *batch)), now_ms=NOW))
        assert total.balanced and not total.quarantined and total.conflicts == 0
        assert total.stored == len(readings)
        assert total.duplicates == sum(map(len, batches)) - len(readings)
        stored = _stored(session, store, sm)
        assert stored == readings
        assert counter_use(np.array([v for _, v in stored])) == counter_use(
            np.array([v for _, v in readings])
        )
        state = session.get(SeriesState, (sm.id, 2))  # type: ignore[attr-defined]
        assert (state.readings, state.last_value) == (len(readings), readings[-1][1])
    savepoint.rollback()
