"""Request and response shapes of the telemetry API: the device registry and the catalogue."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from chanrong.telemetry import catalogue


class StateOut(BaseModel):
    """One code of a state metric with its labels."""

    code: int
    label_zh: str
    label_en: str


class MetricOut(BaseModel):
    """A metric a device type reports. Values travel in ``unit`` and are stored as integers in
    units of 10^-``scale`` of it."""

    id: int
    name: str
    unit: str
    kind: str = Field(description="counter, gauge or state")
    scale: int = Field(description="decimal places kept")
    label_zh: str
    label_en: str
    states: list[StateOut] = Field(description="the codes of a state metric (else empty)")

    @classmethod
    def of(cls, metric: catalogue.Metric) -> MetricOut:
        """The shape of a catalogue metric."""
        return cls(
            id=metric.id, name=metric.name, unit=metric.unit, kind=metric.kind,
            scale=metric.scale, label_zh=metric.label_zh, label_en=metric.label_en,
            states=[StateOut(code=code, label_zh=zh, label_en=en)
                    for code, (zh, en) in metric.states.items()],
        )  # fmt: skip


class DeviceTypeOut(BaseModel):
    """A device type and its metrics."""

    name: str
    label_zh: str
    label_en: str
    metrics: list[MetricOut]

    @classmethod
    def of(cls, kind: catalogue.DeviceType) -> DeviceTypeOut:
        """The shape of a catalogue device type."""
        return cls(
            name=kind.name, label_zh=kind.label_zh, label_en=kind.label_en,
            metrics=[MetricOut.of(m) for m in kind.metrics.values()],
        )  # fmt: skip


class DeviceIn(BaseModel):
    """A device to register on one of the caller's device identifiers."""

    handle: str = Field(examples=["88.1001.12/SM-0001"], max_length=170)
    device_type: str = Field(examples=["sewing_machine"])
    name: str = Field(default="", examples=["3号车间1号缝纫机"])


class DeviceOut(BaseModel):
    """A registered device. ``locked`` is the state the device last acknowledged."""

    model_config = ConfigDict(from_attributes=True)

    handle: str
    device_type: str
    name: str
    owner_party_id: int
    locked: bool
    created_at: datetime


class DevicePage(BaseModel):
    """One page of devices and the total."""

    items: list[DeviceOut]
    total: int
    limit: int
    offset: int
