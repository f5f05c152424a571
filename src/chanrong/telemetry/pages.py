"""Console pages of telemetry: the device list (filtered by type), one device's page (its
metrics, its stored series, its recent commands), and data quality (the fleet, one device)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from chanrong import clock
from chanrong.consent import core as consent_core
from chanrong.http import Tx
from chanrong.http import settings as app_settings
from chanrong.parties import service as parties
from chanrong.parties.auth import ConsoleUser
from chanrong.settings import Settings
from chanrong.telemetry import catalogue, commands, quality, service
from chanrong.telemetry.batch import REASONS
from chanrong.telemetry.core import MS_PER_DAY
from chanrong.telemetry.store import ParquetStore
from chanrong.web.pages import language, render, sign_in

router = APIRouter(include_in_schema=False)
PAGE = 50
RECENT_COMMANDS = 10


def instant(ts_ms: int | None) -> datetime | None:
    """Epoch milliseconds (UTC) as an aware instant, for the ``local_time`` filter."""
    return None if ts_ms is None else datetime.fromtimestamp(ts_ms / 1000, UTC)


def scaled(value: int, metric: catalogue.Metric | None) -> str:
    """A stored integer in units of the metric's resolution, written exactly in the metric's unit
    (1234567 at scale 3 → ``1234.567``); a state code with its label is left to the template."""
    if metric is None or metric.scale == 0:
        return str(value)
    return str(Decimal(value).scaleb(-metric.scale))


@router.get("/telemetry/devices", response_class=HTMLResponse)
def devices_page(
    request: Request,
    session: Tx,
    who: ConsoleUser,
    device_type: Annotated[str, Query(max_length=32)] = "",
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    """The caller's devices (the platform: every party's), with type, owner, lock state and the
    time of the newest stored reading."""
    principal = sign_in(request, who)
    items, total = service.list_devices(
        session, actor=principal, device_type=device_type or None, limit=PAGE, offset=offset
    )
    owners = parties.party_names(session, {d.owner_party_id for d in items})
    last = service.last_readings(session, [d.id for d in items])
    rows = [
        {"device": d, "owner": owners.get(d.owner_party_id, ""), "last": instant(last.get(d.id))}
        for d in items
    ]
    context = {
        "rows": rows, "total": total, "offset": offset, "page": PAGE, "device_type": device_type,
        "types": catalogue.DEVICE_TYPES,
    }  # fmt: skip
    return render(request, "telemetry/devices.html", context)


@router.get("/telemetry/devices/{handle:path}", response_class=HTMLResponse)
def device_page(
    request: Request,
    session: Tx,
    who: ConsoleUser,
    handle: str,
    purpose: Annotated[str, Query(max_length=32)] = "",
) -> Response:
    """One device: its type's metrics with units, its stored series (first and last reading,
    counts, last value) and, for its owner and the platform, its recent commands."""
    principal = sign_in(request, who)
    device = service.get_device(session, actor=principal, handle=handle, purpose=purpose or None)
    kind = catalogue.DEVICE_TYPES.get(device.device_type)
    series = [
        {
            "summary": s,
            "first": instant(s.first_ts_ms),
            "last": instant(s.last_ts_ms),
            "value": scaled(s.last_value, s.metric),
        }
        for s in service.series_of(session, device)
    ]
    history = []
    if principal.is_platform_admin or principal.acts_for(device.owner_party_id):
        history = commands.command_history(
            session, actor=principal, handle=device.handle, limit=RECENT_COMMANDS
        )
    context = {
        "device": device, "kind": kind, "owner": parties.party_name(session, device.owner_party_id),
        "series": series, "history": history, "purpose": purpose,
        "purposes": consent_core.PURPOSES,
    }  # fmt: skip
    return render(request, "telemetry/device.html", context)


def percent(bp: int | None) -> str:
    """Basis points as an exact percentage with two decimals (9166 → ``91.66 %``); — if None."""
    return "—" if bp is None else f"{bp // 100}.{bp % 100:02d} %"


def seconds(ms: int | None) -> str:
    """A duration in ms as whole seconds (``660 s``); — if None."""
    return "—" if ms is None else f"{ms // 1000:,} s"


def _reason_label(code: str, lang: str) -> str:
    return code if lang == "en" or code not in REASONS else REASONS[code][0]


def _quality_window(days: int) -> tuple[int, int]:
    """The ``days`` days up to the end of the current UTC hour, in epoch ms."""
    _start, end_ms = quality.window(None, None, now=clock.now())
    return end_ms - days * MS_PER_DAY, end_ms


@router.get("/telemetry/quality", response_class=HTMLResponse)
def quality_page(
    request: Request,
    session: Tx,
    who: ConsoleUser,
    settings: Annotated[Settings, Depends(app_settings)],
    device_type: Annotated[str, Query(max_length=32)] = "",
    days: Annotated[int, Query(ge=1, le=quality.MAX_WINDOW_DAYS)] = quality.DEFAULT_DAYS,
) -> Response:
    """The data quality of the caller's devices (the platform: every party's), worst first, with
    charts of quarantined readings by reason and completeness by device type."""
    principal = sign_in(request, who)
    lang = language(request)
    start_ms, end_ms = _quality_window(days)
    fleet = quality.fleet_quality(
        session, ParquetStore.from_settings(settings), actor=principal, start_ms=start_ms,
        end_ms=end_ms, device_type=device_type or None, now=clock.now(),
    )  # fmt: skip
    owners = parties.party_names(session, {d.device.owner_party_id for d in fleet.devices})
    types = catalogue.DEVICE_TYPES
    type_names = {key: (kind.label_en.capitalize() if lang == "en" else kind.label_zh)
                  for key, kind in types.items()}  # fmt: skip
    charts = {
        "reasons": [{"name": _reason_label(code, lang), "value": n}
                    for code, n in fleet.quarantined.items()],
        "completeness": [{"name": type_names.get(g.key, g.key), "value": g.completeness_bp / 100}
                         for g in fleet.by_type if g.completeness_bp is not None],
    }  # fmt: skip
    context = {
        "fleet": fleet, "owners": {str(k): v for k, v in owners.items()}, "types": types,
        "device_type": device_type, "days": days, "charts": charts, "type_names": type_names, "percent": percent,
        "seconds": seconds, "start": instant(start_ms), "end": instant(end_ms),
        "reason_label": lambda code: _reason_label(code, lang), "limit": quality.FLEET_LIMIT,
    }  # fmt: skip
    return render(request, "telemetry/quality.html", context)


@router.get("/telemetry/quality/{handle:path}", response_class=HTMLResponse)
def device_quality_page(
    request: Request,
    session: Tx,
    who: ConsoleUser,
    settings: Annotated[Settings, Depends(app_settings)],
    handle: str,
    days: Annotated[int, Query(ge=1, le=quality.MAX_WINDOW_DAYS)] = quality.DEFAULT_DAYS,
    purpose: Annotated[str, Query(max_length=32)] = "",
) -> Response:
    """One device's data quality: its series (completeness, interval, gaps, duplicates,
    conflicts), quarantined readings by reason, clock lead, and a chart of readings per hour."""
    principal = sign_in(request, who)
    lang = language(request)
    start_ms, end_ms = _quality_window(days)
    found = quality.device_quality(
        session, ParquetStore.from_settings(settings), actor=principal, handle=handle,
        start_ms=start_ms, end_ms=end_ms, purpose=purpose or None, now=clock.now(),
    )  # fmt: skip
    hourly = [
        {"name": instant(hour).astimezone(clock.BUSINESS_TZ).strftime("%m-%d %H:00"), "value": n}
        for hour, n in found.hourly
    ]  # fmt: skip
    context = {
        "q": found, "device": found.device, "kind": catalogue.DEVICE_TYPES.get(found.device.device_type),
        "owner": parties.party_name(session, found.device.owner_party_id), "days": days,
        "purpose": purpose, "hourly": hourly, "percent": percent, "seconds": seconds,
        "start": instant(start_ms), "end": instant(end_ms),
        "reason_label": lambda code: _reason_label(code, lang),
    }  # fmt: skip
    return render(request, "telemetry/quality_device.html", context)
