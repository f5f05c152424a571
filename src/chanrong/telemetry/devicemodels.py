"""The simulated devices' models: local time in Asia/Shanghai, time-of-use periods, and one
``DeviceModel`` per device type (see ``simulator`` for how they are used)."""

from __future__ import annotations

import math
import random
from abc import ABC, abstractmethod
from collections.abc import Iterable
from typing import Any, ClassVar

from chanrong.telemetry.catalogue import DEVICE_TYPES

Reading = dict[str, Any]
"""A reading as a device sends it: ``{"metric", "ts" (epoch ms), "value", "unit"}``."""

TZ_OFFSET_MS = 8 * 3_600_000  # Asia/Shanghai is UTC+8 all year
DAY_MS = 86_400_000
Window = tuple[int, int]  # local minutes of the day, [start, end)

TOU_PERIODS: tuple[tuple[int, int, str], ...] = (
    (0, 420, "valley"),  # 00:00-07:00
    (420, 480, "flat"),  # 07:00-08:00
    (480, 660, "peak"),  # 08:00-11:00
    (660, 1080, "flat"),  # 11:00-18:00
    (1080, 1140, "peak"),  # 18:00-19:00
    (1140, 1260, "sharp"),  # 19:00-21:00, the sharp peak inside the evening peak
    (1260, 1380, "peak"),  # 21:00-23:00
    (1380, 1440, "valley"),  # 23:00-24:00
)
"""A typical Chinese industrial time-of-use schedule (local minutes, period)."""

WORKDAYS = frozenset(range(6))  # Monday to Saturday (0 = Monday)
EVERY_DAY = frozenset(range(7))


def local_minute(ts_ms: int) -> int:
    """Minute of the day (0-1439) in Asia/Shanghai."""
    return (ts_ms + TZ_OFFSET_MS) % DAY_MS // 60_000


def local_weekday(ts_ms: int) -> int:
    """Day of the week in Asia/Shanghai, 0 = Monday (1970-01-01 was a Thursday)."""
    return ((ts_ms + TZ_OFFSET_MS) // DAY_MS + 3) % 7


def in_windows(ts_ms: int, windows: Iterable[Window], days: frozenset[int] = EVERY_DAY) -> bool:
    """Whether ``ts_ms`` falls inside one of ``windows`` on one of ``days``."""
    if local_weekday(ts_ms) not in days:
        return False
    minute = local_minute(ts_ms)
    return any(start <= minute < end for start, end in windows)


def overlap_ms(
    t0: int, t1: int, windows: Iterable[Window], days: frozenset[int] = EVERY_DAY
) -> int:
    """Milliseconds of [t0, t1) that fall inside ``windows`` on ``days``."""
    total, windows = 0, tuple(windows)
    day = (t0 + TZ_OFFSET_MS) // DAY_MS
    while day * DAY_MS - TZ_OFFSET_MS < t1:
        midnight = day * DAY_MS - TZ_OFFSET_MS
        if (day + 3) % 7 in days:
            for start, end in windows:
                lo, hi = max(t0, midnight + start * 60_000), min(t1, midnight + end * 60_000)
                total += max(0, hi - lo)
        day += 1
    return total


def tou_split(t0: int, t1: int) -> dict[str, int]:
    """Milliseconds of [t0, t1) in each time-of-use period."""
    split = {"sharp": 0, "peak": 0, "flat": 0, "valley": 0}
    for start, end, period in TOU_PERIODS:
        split[period] += overlap_ms(t0, t1, ((start, end),))
    return split


class DeviceModel(ABC):
    """One simulated device of ``device_type``; subclasses say how it works."""

    device_type: ClassVar[str]
    initial: ClassVar[dict[str, tuple[float, float]]] = {}  # counter -> lifetime range at start

    def __init__(self, handle: str, *, seed: int = 0) -> None:
        self.handle = handle
        self.seed = seed
        self.rng = random.Random(f"{seed}:{handle}")
        self.locked = False
        self.config: dict[str, Any] = {}
        self.metrics = DEVICE_TYPES[self.device_type].metrics
        self.counters: dict[str, int] = {}
        self._carry: dict[str, float] = {}
        for name, metric in self.metrics.items():
            if metric.kind == "counter":
                low, high = self.initial.get(name, (0.0, 0.0))
                self.counters[name] = int(self.rng.uniform(low, high) * metric.factor)
                self._carry[name] = 0.0
        self.gauges: dict[str, float] = {}
        self.last_ts: int | None = None

    def step(self, ts_ms: int) -> list[Reading]:
        """Advance to ``ts_ms`` (epoch ms, not before the previous step) and read every metric."""
        t0 = ts_ms if self.last_ts is None else min(self.last_ts, ts_ms)
        self.advance(t0, ts_ms)
        self.last_ts = ts_ms
        readings = []
        for name, metric in self.metrics.items():
            if metric.kind == "counter":
                value: float = self.counters[name] / metric.factor
            else:
                value = self.gauges[name]
            readings.append(
                {
                    "metric": name,
                    "ts": ts_ms,
                    "value": round(value) if metric.scale == 0 else round(value, metric.scale),
                    "unit": metric.unit,
                }
            )
        return readings

    def restart(self) -> None:
        """A device restart: every counter starts again from 0."""
        for name in self.counters:
            self.counters[name] = 0
            self._carry[name] = 0.0

    @abstractmethod
    def advance(self, t0: int, t1: int) -> None:
        """Do the work of [t0, t1) (ms) and set ``gauges`` to the state at ``t1``."""

    def add(self, name: str, amount: float) -> None:
        """Add ``amount`` (in the metric's unit, >= 0) to counter ``name``, carrying what is
        below its resolution to the next call so nothing is lost to rounding."""
        exact = amount * self.metrics[name].factor + self._carry[name]
        whole = int(exact)
        self._carry[name] = exact - whole
        self.counters[name] += whole


class SewingMachine(DeviceModel):
    """An industrial sewing machine: powered during shifts, sewing in bursts at 2,000-4,000
    stitches per running minute, trimming the thread every 15-40 s of sewing."""

    device_type = "sewing_machine"
    initial: ClassVar[dict[str, tuple[float, float]]] = {
        "sewing_seconds": (2e5, 2e7),
        "stitches": (1e7, 5e8),
        "thread_trims": (1e4, 1e6),
    }
    POWERED: ClassVar[tuple[Window, ...]] = ((480, 720), (780, 1080))
    SEWING: ClassVar[tuple[Window, ...]] = ((480, 600), (615, 720), (780, 930), (945, 1080))

    def __init__(self, handle: str, *, seed: int = 0) -> None:
        super().__init__(handle, seed=seed)
        self.stitches_per_minute = self.rng.uniform(2000, 4000)
        self.seconds_per_trim = self.rng.uniform(15, 40)

    def advance(self, t0: int, t1: int) -> None:
        on = not self.locked and in_windows(t1, self.POWERED, WORKDAYS)
        if not self.locked:
            sewing = overlap_ms(t0, t1, self.SEWING, WORKDAYS) / 1000 * self.rng.uniform(0.4, 0.8)
            self.add("sewing_seconds", sewing)
            self.add(
                "stitches", sewing / 60 * self.stitches_per_minute * self.rng.uniform(0.9, 1.1)
            )
            self.add("thread_trims", sewing / self.seconds_per_trim)
        self.gauges["power_state"] = 1 if on else 0


class Excavator(DeviceModel):
    """An excavator on a building site: engine hours while working, fuel falling and refuelled
    below 15 %, hydraulic pressure under load, an occasional fault code (J1939 SPN numbers)."""

    device_type = "excavator"
    initial: ClassVar[dict[str, tuple[float, float]]] = {"engine_hours": (300, 9000)}
    SITE: ClassVar[tuple[Window, ...]] = ((420, 720), (780, 1140))
    FAULTS: ClassVar[tuple[int, ...]] = (100, 110, 157, 190, 520)  # oil, coolant, rail, speed ...

    def __init__(self, handle: str, *, seed: int = 0) -> None:
        super().__init__(handle, seed=seed)
        self.burn = self.rng.uniform(5, 9)  # % of the tank per engine hour
        self.gauges = {"fuel_level": self.rng.uniform(40, 100), "fault_code": 0}
        self.refuels = 0
        self._days: dict[int, bool] = {}

    def working_day(self, ts_ms: int) -> bool:
        """Whether the machine is on site that local day (decided once per day and device)."""
        day = (ts_ms + TZ_OFFSET_MS) // DAY_MS
        if day not in self._days:
            odds = 0.3 if local_weekday(ts_ms) == 6 else 0.85
            self._days = {day: random.Random(f"{self.seed}:{self.handle}:{day}").random() < odds}
        return self._days[day]

    def advance(self, t0: int, t1: int) -> None:
        running = not self.locked and self.working_day(t1) and in_windows(t1, self.SITE)
        run_s = 0.0
        if not self.locked and self.working_day(t0):
            run_s = overlap_ms(t0, t1, self.SITE) / 1000 * self.rng.uniform(0.75, 0.95)
        self.add("engine_hours", run_s / 3600)
        fuel = self.gauges["fuel_level"] - run_s / 3600 * self.burn
        if fuel < 15:
            fuel, self.refuels = self.rng.uniform(92, 100), self.refuels + 1
        fault = self.gauges["fault_code"]
        if not running or (fault and self.rng.random() < 0.3):
            fault = 0  # a fault is cleared when the engine stops or is repaired
        elif not fault and self.rng.random() < 1 - math.exp(-0.05 * run_s / 3600):
            fault = self.rng.choice(self.FAULTS)
        pressure = self.rng.uniform(18, 32) if running else self.rng.uniform(0, 0.3)
        self.gauges.update(fuel_level=fuel, hydraulic_pressure=pressure, fault_code=fault)


class Motor(DeviceModel):
    """A three-phase motor running around the clock with idle spells, stops and rare faults;
    vibration drifts up with run hours (bearing wear), temperature follows the load."""

    device_type = "motor"
    RATES: ClassVar[dict[int, tuple[tuple[int, float], ...]]] = {  # state -> (next, per hour)
        2: ((1, 0.3), (0, 0.05), (3, 0.005)),
        1: ((2, 4.0), (0, 0.2)),
        0: ((2, 1.0),),
        3: ((0, 0.5),),
    }

    def __init__(self, handle: str, *, seed: int = 0) -> None:
        super().__init__(handle, seed=seed)
        self.rated_current = self.rng.uniform(20, 150)
        self.ambient = self.rng.uniform(20, 30)
        self.base_vibration = self.rng.uniform(0.8, 1.8)
        self.wear = self.rng.uniform(0.0002, 0.0006)  # mm/s per run hour
        self.run_hours = self.rng.uniform(500, 5000)
        self.state = 2
        self.gauges = {"temperature": self.ambient + 30}

    def advance(self, t0: int, t1: int) -> None:
        hours = (t1 - t0) / 3_600_000
        if self.state == 2:
            self.run_hours += hours
        if self.locked:
            self.state = 0
        else:
            for target, rate in self.RATES[self.state]:
                if self.rng.random() < 1 - math.exp(-rate * hours):
                    self.state = target
                    break
        load = {2: self.rng.uniform(0.6, 0.95), 1: 0.3}.get(self.state, 0.0)
        target = self.ambient + 55 * load * load
        temperature = self.gauges["temperature"]
        temperature += (target - temperature) * (1 - math.exp(-hours * 2))  # 30 min time constant
        if load:
            vibration = (self.base_vibration + self.wear * self.run_hours) * (0.6 + 0.4 * load)
            vibration += self.rng.gauss(0, 0.04)
        else:
            vibration = self.rng.uniform(0, 0.05)
        self.gauges.update(
            current=self.rated_current * load * self.rng.uniform(0.97, 1.03),
            vibration=max(0.0, vibration),
            temperature=temperature + self.rng.gauss(0, 0.2),
            run_state=self.state,
        )


class Vehicle(DeviceModel):
    """An electric delivery van in Ningbo: drives 07:00-20:00 except Sundays, stopping for
    deliveries, discharging its battery per km; charges when parked or below 20 %."""

    device_type = "vehicle"
    initial: ClassVar[dict[str, tuple[float, float]]] = {"odometer": (2000, 120000)}
    DUTY: ClassVar[tuple[Window, ...]] = ((420, 1200),)
    CENTRE = (29.8683, 121.5440)

    def __init__(self, handle: str, *, seed: int = 0) -> None:
        super().__init__(handle, seed=seed)
        self.depot = (
            self.CENTRE[0] + self.rng.uniform(-0.05, 0.05),
            self.CENTRE[1] + self.rng.uniform(-0.05, 0.05),
        )
        self.per_km = self.rng.uniform(0.25, 0.4)  # % of the battery per km
        self.heading = self.rng.uniform(0, 2 * math.pi)
        self.charging = False
        self.gauges = {
            "battery_soc": self.rng.uniform(60, 100),
            "latitude": self.depot[0],
            "longitude": self.depot[1],
        }

    def advance(self, t0: int, t1: int) -> None:
        soc, lat, lon = (self.gauges[k] for k in ("battery_soc", "latitude", "longitude"))
        duty_s = 0.0 if self.locked else overlap_ms(t0, t1, self.DUTY, WORKDAYS) / 1000
        parked_s = (t1 - t0) / 1000 - duty_s
        if soc < 20:
            self.charging = True
        if self.charging:
            soc += duty_s / 3600 * 60  # fast charger, 60 %/h
            self.charging = soc < 80
        elif duty_s:
            km = duty_s * self.rng.uniform(0.5, 0.8) / 3600 * self.rng.uniform(20, 45)
            self.add("odometer", km)
            soc -= km * self.per_km
            if math.hypot(lat - self.depot[0], lon - self.depot[1]) > 0.12:
                self.heading = math.atan2(self.depot[1] - lon, self.depot[0] - lat)
            self.heading += self.rng.gauss(0, 0.5)
            lat += km * math.cos(self.heading) / 111.32
            lon += km * math.sin(self.heading) / (111.32 * math.cos(math.radians(lat)))
        soc += parked_s / 3600 * 15  # overnight AC charging, 15 %/h
        self.gauges.update(battery_soc=min(100.0, max(0.0, soc)), latitude=lat, longitude=lon)


class EnergyMeter(DeviceModel):
    """A factory's energy meter: electricity split by time-of-use period, gas and steam, all
    following the working day. ``total_wh`` is the electricity metered since the model began;
    the four tariff counters' increases always add up to its increase."""

    device_type = "energy_meter"
    PERIODS: ClassVar[tuple[str, ...]] = ("sharp", "peak", "flat", "valley")
    initial: ClassVar[dict[str, tuple[float, float]]] = {
        f"kwh_{p}": (1e4, 1e6) for p in PERIODS
    } | {"gas": (1e3, 1e5), "steam": (1e2, 1e4)}

    def __init__(self, handle: str, *, seed: int = 0) -> None:
        super().__init__(handle, seed=seed)
        self.base_kw = self.rng.uniform(80, 600)
        self.gas_m3h = self.rng.uniform(10, 60)
        self.steam_th = self.rng.uniform(1, 4)
        self.total_wh = 0
        self._energy_wh = 0.0

    def profile(self, ts_ms: int) -> float:
        """Share of the base load drawn at ``ts_ms``: the working day, an evening shift, nights."""
        if local_weekday(ts_ms) == 6:
            return 0.3
        minute = local_minute(ts_ms)
        return 1.0 if 480 <= minute < 1080 else 0.5 if 1080 <= minute < 1320 else 0.25

    def advance(self, t0: int, t1: int) -> None:
        kw = self.base_kw * self.profile(t0 + (t1 - t0) // 2) * self.rng.uniform(0.9, 1.1)
        energy = {period: kw * ms / 3600 for period, ms in tou_split(t0, t1).items() if ms}
        self._energy_wh += sum(energy.values())
        whole = int(self._energy_wh)
        for period, wh in _largest_remainder(whole - self.total_wh, energy).items():
            self.counters[f"kwh_{period}"] += wh  # kWh at scale 3: one stored unit is one Wh
        self.total_wh = whole
        working = overlap_ms(t0, t1, ((480, 1080),), WORKDAYS) / 3_600_000
        hours = (t1 - t0) / 3_600_000
        self.add("gas", self.gas_m3h * (0.1 * hours + 0.9 * working) * self.rng.uniform(0.9, 1.1))
        self.add("steam", self.steam_th * working * self.rng.uniform(0.9, 1.1))


def _largest_remainder(total: int, weights: dict[str, float]) -> dict[str, int]:
    """Split the integer ``total`` in proportion to ``weights``, exactly (largest remainder)."""
    mass = sum(weights.values())
    if total <= 0 or mass <= 0:
        return {}
    shares = {k: total * w / mass for k, w in weights.items()}
    parts = {k: int(s) for k, s in shares.items()}
    by_remainder = sorted(shares, key=lambda k: parts[k] - shares[k])
    for key in by_remainder[: total - sum(parts.values())]:
        parts[key] += 1
    return parts


class PlatformTenant(DeviceModel):
    """A tenant of the industrial cloud: CPU core hours and API calls following office hours,
    storage growing day by day with an occasional clean-up. Locked: the account is suspended."""

    device_type = "platform_tenant"
    initial: ClassVar[dict[str, tuple[float, float]]] = {
        "cpu_core_hours": (1e3, 1e6),
        "api_calls": (1e5, 1e9),
    }

    def __init__(self, handle: str, *, seed: int = 0) -> None:
        super().__init__(handle, seed=seed)
        self.cores = self.rng.uniform(8, 256)
        self.calls_per_second = self.rng.uniform(5, 500)
        self.growth = self.rng.uniform(0.002, 0.01)  # share of storage added per day
        self.gauges = {"storage": self.rng.uniform(100, 20000)}

    def advance(self, t0: int, t1: int) -> None:
        hours = (t1 - t0) / 3_600_000
        office = overlap_ms(t0, t1, ((540, 1260),)) / 3_600_000  # 09:00-21:00 busy hours
        if not self.locked:
            busy = (0.2 * hours + 0.8 * office) * self.rng.uniform(0.9, 1.1)
            self.add("cpu_core_hours", self.cores * (0.15 * hours + busy))
            self.add("api_calls", self.calls_per_second * 3600 * busy)
        storage = self.gauges["storage"] * (1 + self.growth * hours / 24)
        if self.rng.random() < 1 - math.exp(-0.02 * hours):
            storage *= self.rng.uniform(0.95, 0.99)
        self.gauges["storage"] = storage
