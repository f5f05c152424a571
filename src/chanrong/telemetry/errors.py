"""Telemetry's errors (docs/errors.md lists each)."""

from __future__ import annotations

from chanrong.errors import ChanrongError, Conflict, Invalid, NotFound


class StoreInconsistent(ChanrongError):
    """The Parquet files of a partition do not hold the rows ``tm_files`` says they hold (a
    file was changed or removed behind the store's back); nothing is rewritten."""

    slug = "telemetry-store-inconsistent"
    title = "Telemetry store inconsistent"


class DeviceNotFound(NotFound):
    """No telemetry device is registered under that handle."""

    slug = "device-not-found"
    title = "Device not found"


class InvalidDevice(Invalid):
    """A device registration breaks a rule (device type, identifier object type, name)."""

    slug = "invalid-device"
    title = "Invalid device"


class DeviceTaken(Conflict):
    """A device is already registered on that identifier (one device per identifier)."""

    slug = "device-taken"
    title = "Device already registered"


class InvalidCommand(Invalid):
    """A device command's kind, params or reason breaks a rule."""

    slug = "invalid-command"
    title = "Invalid device command"


class InvalidWindow(Invalid):
    """A data-quality window is malformed: ``start`` or ``end`` is no time (rule ``format``),
    ``end`` is not after ``start`` (``order``), or the window is too long (``max_window``)."""

    slug = "invalid-window"
    title = "Invalid time window"


class InvalidRollupQuery(Invalid):
    """A rollup query names no device or fleet, an unknown grain or metric, or a bad window."""

    slug = "invalid-rollup-query"
    title = "Invalid rollup query"
