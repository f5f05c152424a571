"""The device types the platform knows and the metrics each reports.

A metric has a unit, a kind and a resolution:

- ``counter``: a running total that only grows (stitches, engine hours, kWh); use over a window
  is the sum of its increases, a reset (the device restarted its count) recognised, see ``core``;
- ``gauge``: a level read at an instant (temperature, fuel, state of charge);
- ``state``: a code from a closed list (power off/on, run state, fault code); time spent in each
  state is what rollups report.

Values are stored as integers in units of the metric's resolution (``scale`` decimal places):
1234.567 kWh at scale 3 is stored as 1234567. Integer storage keeps sums and counter deltas exact
(the same reason money is integer fen); a reading with more decimals than the resolution is
rounded half to even to it (``core.to_scaled``).

Every metric has one catalogue-wide ``id`` (a small integer stored in the Parquet files instead
of its name); ids are never reused or renumbered, so files written today stay readable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

MetricKind = Literal["counter", "gauge", "state"]


@dataclass(frozen=True)
class Metric:
    """One metric of a device type: ``name`` in payloads, ``unit`` (UCUM-like ASCII), ``kind``,
    ``scale`` (decimal places kept), bilingual labels, and for a state metric its codes."""

    id: int
    name: str
    unit: str
    kind: MetricKind
    scale: int
    label_zh: str
    label_en: str
    states: MappingProxyType[int, tuple[str, str]] = field(
        default_factory=lambda: MappingProxyType({})
    )

    @property
    def factor(self) -> int:
        """Stored integer units per unit (10 ** scale)."""
        return 10**self.scale


@dataclass(frozen=True)
class DeviceType:
    """A kind of device and the metrics it reports (by name)."""

    name: str
    label_zh: str
    label_en: str
    metrics: MappingProxyType[str, Metric]


def _states(**codes: tuple[str, str]) -> MappingProxyType[int, tuple[str, str]]:
    return MappingProxyType({int(k.removeprefix("s")): v for k, v in codes.items()})


POWER = _states(s0=("关机", "off"), s1=("开机", "on"))
RUN = _states(
    s0=("停机", "stopped"), s1=("待机", "idle"), s2=("运行", "running"), s3=("故障", "fault")
)

_METRICS: tuple[tuple[str, Metric], ...] = (
    # smart sewing machine (智能缝纫机)
    ("sewing_machine", Metric(1, "sewing_seconds", "s", "counter", 0, "缝纫时长", "sewing time")),
    ("sewing_machine", Metric(2, "stitches", "1", "counter", 0, "针数", "stitches")),
    ("sewing_machine", Metric(3, "thread_trims", "1", "counter", 0, "剪线次数", "thread trims")),
    ("sewing_machine", Metric(4, "power_state", "1", "state", 0, "电源状态", "power state", POWER)),
    # excavator (挖掘机)
    ("excavator", Metric(10, "engine_hours", "h", "counter", 2, "发动机小时", "engine hours")),
    ("excavator", Metric(11, "fuel_level", "%", "gauge", 1, "油位", "fuel level")),
    ("excavator", Metric(12, "hydraulic_pressure", "MPa", "gauge", 2, "液压", "hydraulic pressure")),
    ("excavator", Metric(13, "fault_code", "1", "state", 0, "故障码", "fault code")),
    # motor (电机)
    ("motor", Metric(20, "current", "A", "gauge", 2, "电流", "current")),
    ("motor", Metric(21, "vibration", "mm/s", "gauge", 2, "振动", "vibration")),
    ("motor", Metric(22, "temperature", "Cel", "gauge", 1, "温度", "temperature")),
    ("motor", Metric(23, "run_state", "1", "state", 0, "运行状态", "run state", RUN)),
    # logistics vehicle (物流车辆)
    ("vehicle", Metric(30, "odometer", "km", "counter", 1, "里程", "odometer")),
    ("vehicle", Metric(31, "battery_soc", "%", "gauge", 1, "电池电量", "battery state of charge")),
    ("vehicle", Metric(32, "latitude", "deg", "gauge", 6, "纬度", "latitude")),
    ("vehicle", Metric(33, "longitude", "deg", "gauge", 6, "经度", "longitude")),
    # energy meter (能源计量表): time-of-use electricity tariffs (尖峰/峰/平/谷), gas, steam
    ("energy_meter", Metric(40, "kwh_sharp", "kWh", "counter", 3, "尖峰电量", "kWh, sharp peak")),
    ("energy_meter", Metric(41, "kwh_peak", "kWh", "counter", 3, "峰时电量", "kWh, peak")),
    ("energy_meter", Metric(42, "kwh_flat", "kWh", "counter", 3, "平时电量", "kWh, flat")),
    ("energy_meter", Metric(43, "kwh_valley", "kWh", "counter", 3, "谷时电量", "kWh, valley")),
    ("energy_meter", Metric(44, "gas", "m3", "counter", 3, "天然气", "natural gas")),
    ("energy_meter", Metric(45, "steam", "t", "counter", 3, "蒸汽", "steam")),
    # platform tenant (平台租户): cloud resource use, for usage-based credit
    ("platform_tenant", Metric(50, "cpu_core_hours", "h", "counter", 3, "CPU核时", "CPU core hours")),
    ("platform_tenant", Metric(51, "storage", "GBy", "gauge", 3, "存储用量", "storage used")),
    ("platform_tenant", Metric(52, "api_calls", "1", "counter", 0, "接口调用", "API calls")),
)  # fmt: skip

_TYPE_LABELS = {
    "sewing_machine": ("智能缝纫机", "smart sewing machine"),
    "excavator": ("挖掘机", "excavator"),
    "motor": ("电机", "motor"),
    "vehicle": ("物流车辆", "logistics vehicle"),
    "energy_meter": ("能源计量表", "energy meter"),
    "platform_tenant": ("平台租户", "platform tenant"),
}


def _build() -> MappingProxyType[str, DeviceType]:
    types: dict[str, dict[str, Metric]] = {name: {} for name in _TYPE_LABELS}
    for type_name, metric in _METRICS:
        types[type_name][metric.name] = metric
    return MappingProxyType(
        {
            name: DeviceType(name, *_TYPE_LABELS[name], MappingProxyType(metrics))
            for name, metrics in types.items()
        }
    )


DEVICE_TYPES: MappingProxyType[str, DeviceType] = _build()
"""Device type name -> DeviceType."""

METRICS_BY_ID: MappingProxyType[int, Metric] = MappingProxyType({m.id: m for _, m in _METRICS})
"""Catalogue-wide metric id -> Metric."""

TYPE_IDS: MappingProxyType[str, int] = MappingProxyType(
    {name: i for i, name in enumerate(_TYPE_LABELS, start=1)}
)
"""Device type name -> its small integer id (stable; used in partition paths and files)."""


def metric(device_type: str, name: str) -> Metric | None:
    """The metric ``name`` of ``device_type``, or None when that type does not report it."""
    kind = DEVICE_TYPES.get(device_type)
    return None if kind is None else kind.metrics.get(name)
