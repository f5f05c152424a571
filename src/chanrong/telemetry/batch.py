"""What every ingest channel hands to the one validation, and what it gets back.

MQTT payloads, HTTP batches and files are parsed into a ``RawBatch``: the readings that could be
read (an Arrow table of ``RAW_SCHEMA``) plus the ones that could not even be read, as
``Refusal``s (a malformed payload, a row without a timestamp). ``ingest.ingest_batch`` validates
the table, stores what is good and quarantines everything else with its reason; it returns an
``IngestReport``. Nothing is dropped silently: received = stored + duplicates + conflicts +
quarantined, always.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pyarrow as pa

RAW_SCHEMA = pa.schema(
    [
        ("device", pa.string()),  # the device's identifier handle as sent, e.g. 88.1001.12/SM-0001
        ("metric", pa.string()),  # the metric's name
        ("ts_ms", pa.int64()),  # milliseconds since the Unix epoch, UTC
        ("value", pa.float64()),  # as sent; NaN and infinities are kept, to be refused
        ("unit", pa.string()),  # null when the reading did not say
        ("line", pa.int64()),  # the file line or the position in the payload/batch (from 1)
    ]
)
"""Readings as parsed, before validation."""

REASONS: dict[str, tuple[str, str]] = {
    "malformed-payload": ("报文格式错误", "the payload is not a reading or a list of readings"),
    "missing-field": ("缺少字段", "a reading lacks device, metric, ts or value"),
    "bad-timestamp": ("时间戳无法识别", "ts is neither epoch milliseconds nor RFC 3339"),
    "bad-value": ("数值无法识别", "value is not a number"),
    "non-finite": ("数值非有限", "value is NaN or infinite"),
    "unknown-device": ("未知设备", "no registered device has this identifier"),
    "unknown-metric": ("未知指标", "the device's type does not report this metric"),
    "wrong-unit": ("单位不符", "the unit differs from the metric's unit"),
    "bad-state": ("状态码未定义", "a state metric's value is not one of its codes"),
    "future-timestamp": ("时间超前", "ts is ahead of the platform clock beyond the tolerance"),
    "too-old": ("数据过旧", "ts is behind the arrival time beyond the late window"),
    "counter-backwards": ("计数器倒退", "a counter decreased without a recognisable reset"),
}
"""Quarantine reason code -> (Chinese label, English rule). docs/telemetry-ingest.md explains each."""


@dataclass(frozen=True)
class Refusal:
    """A reading or payload that could not be read at all: where it came from, what it said
    (cut at 2,000 characters when stored), the reason code and a detail."""

    source: str
    payload: str
    reason: str
    detail: str = ""
    line: int | None = None
    device: str = ""


@dataclass
class RawBatch:
    """One unit of ingest: the parsed readings, the refusals, the channel (``mqtt``, ``http``,
    ``file``) and the source (topic, file name, batch name) they came from."""

    table: pa.Table
    channel: str
    source: str
    refusals: list[Refusal] = field(default_factory=list)

    @property
    def received(self) -> int:
        """Readings (and unreadable payloads) received."""
        return self.table.num_rows + len(self.refusals)


@dataclass
class IngestReport:
    """What became of a batch: ``received`` = ``stored`` + ``duplicates`` + ``conflicts`` +
    sum(``quarantined``). ``late`` counts the stored readings older than their series' newest
    one (their rollups are corrected)."""

    received: int = 0
    stored: int = 0
    duplicates: int = 0
    conflicts: int = 0
    late: int = 0
    quarantined: Counter[str] = field(default_factory=Counter)

    def add(self, other: IngestReport) -> None:
        """Add ``other``'s counts to these."""
        self.received += other.received
        self.stored += other.stored
        self.duplicates += other.duplicates
        self.conflicts += other.conflicts
        self.late += other.late
        self.quarantined.update(other.quarantined)

    @property
    def balanced(self) -> bool:
        """True when every received reading is accounted for."""
        accounted = self.stored + self.duplicates + self.conflicts
        return self.received == accounted + sum(self.quarantined.values())

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready summary."""
        return {
            "received": self.received,
            "stored": self.stored,
            "duplicates": self.duplicates,
            "conflicts": self.conflicts,
            "late": self.late,
            "quarantined": dict(sorted(self.quarantined.items())),
        }


def empty_table() -> pa.Table:
    """A table of ``RAW_SCHEMA`` with no rows."""
    return RAW_SCHEMA.empty_table()
