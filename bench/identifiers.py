"""Benchmark of identifier resolution (标识解析), in-process and over HTTP, against its floors.

1. In-process: ``identifiers.service.resolve`` for a non-owner principal on random handles,
   against the floor of a plain primary-key ``select(Identifier)`` of the same rows through the
   same session (expunged, so every lookup reaches the database). SQLite always; PostgreSQL too
   with ``--postgres URL`` (or ``CHANRONG_BENCH_POSTGRES_URL``).
2. Over HTTP: ``chanrong serve`` (uvicorn, httptools, uvloop, 1 worker) on the seeded database,
   loaded by wrk at 50 connections with ``Authorization: Bearer`` on random handles, against a
   bare FastAPI route served the same way (``bench/bare_app.py``).
3. Correctness in the same run: every wrk answer must be 2xx; one resolution's body is checked;
   an unauthenticated call and a just-revoked key must get 401.

Prints a table, then as its LAST LINE one JSON object with every figure. Exit status 1 when a
correctness check fails (and, with ``--strict``, when a performance target is missed).

    .venv/bin/python bench/identifiers.py --quick     # under a minute
    .venv/bin/python bench/identifiers.py             # a few minutes

PostgreSQL: ``--postgres URL`` is an admin connection; the run creates a database of its own there
(``chanrong_bench_identifiers_<pid>``) and drops it at the end (``--keep`` keeps it).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import insert, select

from _common import (
    Server,
    WrkResult,
    create_pg_database,
    drop_pg_database,
    emit,
    http_get,
    load_average,
    median,
    raise_on_sigterm,
    rate,
    run_wrk,
    start_bare,
    start_chanrong,
    write_wrk_script,
)
from chanrong import clock
from chanrong import db as db_module
from chanrong.identifiers import core as id_core
from chanrong.identifiers import service as identifiers
from chanrong.identifiers.models import Identifier
from chanrong.parties import access, uscc
from chanrong.parties import service as parties
from chanrong.principal import Principal

SYSTEM = Principal.system()
OWNERS = 10
VIA_SERVICE = 50  # identifiers registered one by one through the service; the rest in bulk
TARGET_INPROC_RATIO = 2.0  # resolve may be at most 2x slower than the primary-key floor
TARGET_P99_MS = 25.0
TARGET_VS_BARE = 0.5
PUBLIC_FIELDS, PROTECTED_FIELDS = 5, 2

console = Console(width=110)


@dataclass(frozen=True)
class Profile:
    """How big and how long one run is."""

    identifiers: int
    inproc_ops: int
    inproc_rounds: int
    warmup_s: float
    wrk_s: float
    http_rounds: int


QUICK = Profile(2_000, inproc_ops=2_000, inproc_rounds=3, warmup_s=1, wrk_s=5, http_rounds=1)
FULL = Profile(10_000, inproc_ops=5_000, inproc_rounds=5, warmup_s=3, wrk_s=15, http_rounds=3)


@dataclass
class Seed:
    """What the benchmark registered: handles, their row ids, owners and the caller's keys."""

    handles: list[str] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)
    owner_of: dict[str, tuple[int, str]] = field(default_factory=dict)
    caller_party_id: int = 0
    token: str = ""
    revocable_key_id: int = 0
    revocable_token: str = ""


# --- seeding ------------------------------------------------------------------------------------


def _uscc(n: int) -> str:
    return uscc.complete(f"91330200{n:09d}"[:17])


def _record(j: int) -> list[dict[str, Any]]:
    raw = [
        {"name": "model", "type": "string", "value": f"JK-{9000 + j % 50}"},
        {"name": "serial_no", "type": "string", "value": f"SN{j:08d}"},
        {"name": "manufactured_on", "type": "date", "value": "2023-05-17"},
        {"name": "rated_power_kw", "type": "decimal", "value": "75.5"},
        {"name": "in_service", "type": "boolean", "value": j % 7 != 0},
        {"name": "purchase_price", "type": "money_fen", "value": 1_250_000_00 + j,
         "protected": True},
        {"name": "site", "type": "string", "value": "宁波市北仑区 3号车间", "protected": True},
    ]  # fmt: skip
    record, errors = id_core.check_record(raw)
    assert not errors, errors
    return [f.as_dict() for f in record]


def seed(database: db_module.Database, count: int) -> Seed:
    """Parties, prefixes and ``count`` identifiers, registered through chanrong's services."""
    out = Seed()
    with database.transaction() as session:
        prefixes = []
        for i in range(OWNERS):
            draft = parties.draft_or_raise(
                kind="enterprise", name=f"宁波基准精密制造{i}有限公司", uscc_code=_uscc(i + 1),
                province="33", city="宁波市", industry="C34", size="small", roles=["supplier"],
            )  # fmt: skip
            party = parties.create_party(session, actor=SYSTEM, draft=draft)
            prefix = identifiers.register_prefix(
                session, actor=SYSTEM, party_id=party.id, prefix=f"88.1001.{100 + i}"
            )
            prefixes.append((prefix, party))
        bank = parties.create_party(
            session,
            actor=SYSTEM,
            draft=parties.draft_or_raise(
                kind="institution", name="基准测试银行股份有限公司", uscc_code=_uscc(99),
                province="33", city="宁波市", roles=["bank"], industry="J66",
            ),
        )  # fmt: skip
        out.caller_party_id = bank.id
        _, out.token = access.issue_api_key(
            session, actor=SYSTEM, party_id=bank.id, name="bench", roles=["viewer"]
        )
        revocable, out.revocable_token = access.issue_api_key(
            session, actor=SYSTEM, party_id=bank.id, name="bench-revoke", roles=["viewer"]
        )
        out.revocable_key_id = revocable.id
        now = clock.now()
        bulk = []
        for j in range(count):
            prefix, party = prefixes[j % OWNERS]
            handle = f"{prefix.prefix}/DEV-{j:06d}"
            out.owner_of[handle] = (party.id, party.name)
            if j < VIA_SERVICE:
                identifiers.register_identifier(
                    session, actor=SYSTEM, handle=handle, object_type="device",
                    fields=_record(j),
                )  # fmt: skip
            else:
                bulk.append(
                    {"handle": handle, "prefix_id": prefix.id, "owner_party_id": party.id,
                     "object_type": "device", "fields": _record(j), "created_at": now,
                     "updated_at": now}
                )  # fmt: skip
        if bulk:
            session.execute(insert(Identifier), bulk)
        rows = session.execute(select(Identifier.handle, Identifier.id)).all()
    ids = dict(rows)
    out.handles = sorted(out.owner_of)
    out.ids = [ids[h] for h in out.handles]
    return out


def prepare(url: str, count: int) -> Seed:
    """Migrate the database at ``url`` and seed it."""
    database = db_module.Database(url)
    try:
        db_module.upgrade(database)
        return seed(database, count)
    finally:
        database.dispose()


# --- in-process -----------------------------------------------------------------------------


def measure_inproc(url: str, data: Seed, profile: Profile) -> dict[str, float]:
    """Resolutions/s against primary-key lookups/s of the same rows, through one session."""
    rng = random.Random(20240601)
    picks = [rng.randrange(len(data.handles)) for _ in range(profile.inproc_ops)]
    handles = [data.handles[i] for i in picks]
    keys = [data.ids[i] for i in picks]
    n = len(picks)
    database = db_module.Database(url)
    try:
        with database.transaction() as session:
            caller = access.authenticate_api_key(session, data.token)
            assert not caller.acts_for(data.owner_of[handles[0]][0])
            sample = identifiers.resolve(session, actor=caller, handle=handles[0])
            if sample.withheld != PROTECTED_FIELDS or len(sample.fields) != PUBLIC_FIELDS:
                raise AssertionError(f"resolve showed a non-owner {sample.fields!r}")

            def resolve_all() -> None:
                for handle in handles:
                    identifiers.resolve(session, actor=caller, handle=handle)

            def floor_all() -> None:
                for k in keys:
                    row = session.execute(select(Identifier).where(Identifier.id == k)).scalar_one()
                    session.expunge(row)

            resolve_all(), floor_all()  # warm-up: statement caches, page cache
            resolve_rates, floor_rates = [], []
            for _ in range(profile.inproc_rounds):
                floor_rates.append(rate(n, floor_all))
                resolve_rates.append(rate(n, resolve_all))

        def request_path() -> None:
            # What one HTTP request does below FastAPI: a transaction, the key, the resolution.
            for handle in handles:
                with database.transaction() as s:
                    principal = access.authenticate_api_key(s, data.token)
                    identifiers.resolve(s, actor=principal, handle=handle)

        request_path_rate = rate(n, request_path)
    finally:
        database.dispose()
    resolve_rate, floor_rate = median(resolve_rates), median(floor_rates)
    return {
        "resolve_per_s": round(resolve_rate, 1),
        "floor_per_s": round(floor_rate, 1),
        "ratio": round(floor_rate / resolve_rate, 3),
        "request_path_per_s": round(request_path_rate, 1),
    }


# --- HTTP -----------------------------------------------------------------------------------


def check_answers(server: Server, url: str, data: Seed, revoke: bool) -> dict[str, Any]:
    """Sample-check one resolution's body; no key and (once) a just-revoked key get 401."""
    handle = data.handles[len(data.handles) // 2]
    prefix, suffix = handle.split("/")
    path = f"{server.base_url}/api/v1/identifiers/{prefix}/{suffix}"
    problems: list[str] = []
    status, body = http_get(path, {"Authorization": f"Bearer {data.token}"})
    owner_id, owner_name = data.owner_of[handle]
    expected = {
        "handle": handle,
        "object_type": "device",
        "owner_party_id": owner_id,
        "owner_name": owner_name,
        "withheld": PROTECTED_FIELDS,
    }
    if status != 200 or not isinstance(body, dict):
        problems.append(f"resolve {handle}: HTTP {status} {body!r:.200}")
    else:
        problems += [
            f"{k}={body.get(k)!r}, expected {v!r}" for k, v in expected.items() if body.get(k) != v
        ]
        fields = body.get("fields", [])
        names = [f.get("name") for f in fields]
        if len(fields) != PUBLIC_FIELDS or {"purchase_price", "site"} & set(names):
            problems.append(f"fields shown to a non-owner: {names}")
        if any(f.get("protected") for f in fields):
            problems.append("a protected field was shown to a non-owner")
    status, _ = http_get(path)
    if status != 401:
        problems.append(f"no API key: HTTP {status}, expected 401")
    if revoke:
        status, _ = http_get(path, {"Authorization": f"Bearer {data.revocable_token}"})
        if status != 200:
            problems.append(f"key before revocation: HTTP {status}, expected 200")
        database = db_module.Database(url)
        try:
            with database.transaction() as session:
                access.revoke_api_key(session, actor=SYSTEM, key_id=data.revocable_key_id)
        finally:
            database.dispose()
        status, _ = http_get(path, {"Authorization": f"Bearer {data.revocable_token}"})
        if status != 401:
            problems.append(f"key just revoked: HTTP {status}, expected 401")
    return {"ok": not problems, "problems": problems, "handle": handle}


@dataclass
class Load:
    """The wrk runs of one server, aggregated over rounds (medians; failures and maxima summed)."""

    runs: list[tuple[WrkResult, float]] = field(default_factory=list)

    def _median(self, attr: str) -> float:
        return median([getattr(r, attr) for r, _ in self.runs])

    def figures(self, prefix: str) -> dict[str, Any]:
        return {
            f"{prefix}rps": round(self._median("rps"), 1),
            f"{prefix}p50_ms": round(self._median("p50_ms"), 3),
            f"{prefix}p90_ms": round(self._median("p90_ms"), 3),
            f"{prefix}p99_ms": round(self._median("p99_ms"), 3),
            f"{prefix}max_ms": round(max(r.max_ms for r, _ in self.runs), 3),
            f"{prefix}cpu_ms_per_request": round(median([cpu for _, cpu in self.runs]), 3),
            f"{prefix}requests": sum(r.requests for r, _ in self.runs),
            f"{prefix}non2xx": sum(r.non2xx for r, _ in self.runs),
            f"{prefix}failures": sum(r.failures for r, _ in self.runs),
            # A run without a single answer is a hung server (e.g. a deadlock), not a fast one.
            f"{prefix}stalled_runs": sum(1 for r, _ in self.runs if r.requests == 0),
            f"{prefix}rounds_rps": [round(r.rps, 1) for r, _ in self.runs],
        }


def measure_http(
    workdir: Path, databases: list[tuple[str, str, Seed]], profile: Profile, connections: int
) -> tuple[dict[str, Load], dict[str, dict[str, Any]]]:
    """Bare routes and chanrong (per database) under wrk, interleaved round by round.

    All servers are started first (an idle server costs nothing) and each round loads them one
    after the other, so a burst of other work on the machine hits every server alike.
    """
    servers: list[Server] = []
    loads: dict[str, tuple[Server, Path]] = {}  # name -> (server, wrk script)
    checks: dict[str, dict[str, Any]] = {}
    try:
        bare = start_bare(workdir)
        servers.append(bare)
        for name, route in (("bare_", "/bare"), ("bare_async_", "/bare-async")):
            script = write_wrk_script(
                workdir / f"{name}.lua", [route], "Bearer crk_000000000000_unused"
            )
            loads[name] = (bare, script)
        for key, url, data in databases:
            server = start_chanrong(workdir, url, f"{key}chanrong")
            servers.append(server)
            checks[f"{key}http_"] = check_answers(server, url, data, revoke=True)
            paths = [f"/api/v1/identifiers/{h}" for h in data.handles]
            script = write_wrk_script(workdir / f"{key}chanrong.lua", paths, f"Bearer {data.token}")
            loads[f"{key}http_"] = (server, script)
        results = {name: Load() for name in loads}
        for server, script in loads.values():
            if profile.warmup_s:
                run_wrk(server.base_url + "/", script, seconds=profile.warmup_s,
                        connections=connections)  # fmt: skip
        for _ in range(profile.http_rounds):
            for name, (server, script) in loads.items():
                cpu = server.cpu_seconds()
                result = run_wrk(server.base_url + "/", script, seconds=profile.wrk_s,
                                 connections=connections)  # fmt: skip
                cpu = server.cpu_seconds() - cpu
                if server.proc.poll() is not None:
                    raise RuntimeError(f"{server.name} died under load:\n{server.log_tail()}")
                results[name].runs.append((result, 1000 * cpu / max(1, result.requests)))
    finally:
        for server in servers:
            server.stop()
    return results, checks


# --- report ---------------------------------------------------------------------------------


def _ms(value: float) -> str:
    return f"{value:.2f} ms"


def _met(ok: bool | None) -> str:
    return "—" if ok is None else ("[green]yes[/green]" if ok else "[bold red]NO[/bold red]")


def report(figures: dict[str, Any]) -> None:
    """The human-readable table."""
    t = figures["targets_met"]
    table = Table(title=f"identifier resolution — {figures['mode']} run, "
                        f"{figures['identifiers']:,} identifiers, {figures['cpus']} CPUs")  # fmt: skip
    for column in ("measure", "chanrong", "floor", "ratio", "target", "met"):
        table.add_column(column, justify="left" if column in ("measure", "target") else "right")
    for db_name, key in (("SQLite", ""), ("PostgreSQL", "pg_")):
        if f"{key}inproc_resolve_per_s" not in figures:
            continue
        table.add_row(
            f"in-process resolve/s ({db_name})",
            f"{figures[key + 'inproc_resolve_per_s']:,.0f}",
            f"{figures[key + 'inproc_floor_per_s']:,.0f}",
            f"{figures[key + 'inproc_ratio']:.2f}x",
            f"floor/resolve ≤ {TARGET_INPROC_RATIO:.0f}x",
            _met(t.get(key + "inproc_within_2x")),
        )
        table.add_row(
            f"  tx + API key + resolve/s ({db_name})",
            f"{figures[key + 'inproc_request_path_per_s']:,.0f}", "", "", "(information)", "",
        )  # fmt: skip
    for db_name, key in (("SQLite", "http_"), ("PostgreSQL", "pg_http_")):
        if f"{key}rps" not in figures:
            continue
        table.add_section()
        table.add_row(
            f"HTTP requests/s ({db_name})",
            f"{figures[key + 'rps']:,.0f}",
            f"{figures['bare_rps']:,.0f}",
            f"{figures[key + 'vs_bare']:.2f}x",
            f"≥ {TARGET_VS_BARE:.2f}x bare",
            _met(t.get(key + "half_of_bare")),
        )
        if key == "http_":
            table.add_row(
                "  bare `async def` route requests/s", "", f"{figures['bare_async_rps']:,.0f}",
                "", "(information)", "",
            )  # fmt: skip
        table.add_row(
            f"HTTP p50 ({db_name})", _ms(figures[key + "p50_ms"]), _ms(figures["bare_p50_ms"]),
            "", "", "",
        )  # fmt: skip
        table.add_row(
            f"HTTP p99 ({db_name})",
            _ms(figures[key + "p99_ms"]),
            _ms(figures["bare_p99_ms"]),
            "",
            f"< {TARGET_P99_MS:.0f} ms",
            _met(t.get(key + "p99_under_25ms")),
        )
        cpu, bare_cpu = figures[key + "cpu_ms_per_request"], figures["bare_cpu_ms_per_request"]
        table.add_row(
            f"server CPU per request ({db_name})", _ms(cpu), _ms(bare_cpu),
            f"{cpu / bare_cpu:.2f}x" if bare_cpu else "", "(information)", "",
        )  # fmt: skip
        table.add_row(
            f"non-2xx, socket errors, hung runs ({db_name})",
            f"{figures[key + 'failures']:,} of {figures[key + 'requests']:,}",
            f"{figures['bare_failures']:,}", "", "0", _met(t.get(key + "zero_failures")),
        )  # fmt: skip
        table.add_row(
            f"sample body, no key, revoked key ({db_name})",
            "ok" if figures[key + "sample_ok"] else "; ".join(figures[key + "problems"]),
            "", "", "as expected", _met(t.get(key + "sample_ok")),
        )  # fmt: skip
    console.print(table)
    console.print(
        f"wrk -t2 -c{figures['connections']} -d{figures['wrk_seconds']:.0f}s --latency, "
        f"{figures['http_rounds']} round(s) interleaved with the floor after a "
        f"{figures['warmup_seconds']:.0f}s warm-up (medians); HTTP floor = bare FastAPI `def` "
        "route served with the same uvicorn options. In-process: medians of "
        f"{figures['inproc_rounds']} rounds of {figures['inproc_ops']:,} random handles."
    )
    busy = max(figures["loadavg_before"], figures.get("loadavg_after", 0.0))
    if busy > 1.0:
        console.print(
            f"[yellow]load average reached {busy:.1f} on {figures['cpus']} CPUs: other work on "
            "this machine skews these figures; compare CPU per request, or run again.[/yellow]"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small data, ~5 s wrk runs (< 1 min)")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        default=os.environ.get("CHANRONG_BENCH_POSTGRES_URL", ""),
        help="also run on PostgreSQL, in a database created (and dropped) through this admin "
        "connection (default: $CHANRONG_BENCH_POSTGRES_URL)",
    )
    parser.add_argument("--identifiers", type=int, help="how many identifiers to register")
    parser.add_argument("--seconds", type=float, help="length of each measured wrk run")
    parser.add_argument("--connections", type=int, default=50, help="wrk connections (50)")
    parser.add_argument("--no-http", action="store_true", help="only the in-process part")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 when a performance target is missed too"
    )
    args = parser.parse_args(argv)
    profile = QUICK if args.quick else FULL
    if args.identifiers:
        profile = replace(profile, identifiers=args.identifiers)
    if args.seconds:
        profile = replace(profile, wrk_s=args.seconds)
    raise_on_sigterm()

    started = time.perf_counter()
    workdir = Path(tempfile.mkdtemp(prefix="chanrong-bench-"))
    sqlite_url = f"sqlite:///{workdir / 'chanrong.db'}"
    figures: dict[str, Any] = {
        "bench": "identifiers",
        "mode": "quick" if args.quick else "full",
        "identifiers": profile.identifiers,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "connections": args.connections,
        "wrk_seconds": profile.wrk_s,
        "warmup_seconds": profile.warmup_s,
        "inproc_ops": profile.inproc_ops,
        "inproc_rounds": profile.inproc_rounds,
        "http_rounds": profile.http_rounds,
        "loadavg_before": round(load_average(), 2),
    }
    targets: dict[str, bool] = {}
    correctness: list[bool] = []
    pg_name = f"chanrong_bench_identifiers_{os.getpid()}"
    pg_url = ""
    try:
        databases = [("", sqlite_url)]
        if args.postgres:
            pg_url = create_pg_database(args.postgres, pg_name)
            databases.append(("pg_", pg_url))
        seeds: dict[str, Seed] = {}
        for key, url in databases:
            with console.status(
                f"seeding {profile.identifiers:,} identifiers ({key or 'sqlite_'})"
            ):
                seeds[key] = prepare(url, profile.identifiers)
            with console.status(f"in-process ({key or 'sqlite_'})"):
                inproc = measure_inproc(url, seeds[key], profile)
            figures.update({f"{key}inproc_{k}": v for k, v in inproc.items()})
            targets[f"{key}inproc_within_2x"] = inproc["ratio"] <= TARGET_INPROC_RATIO
        if not args.no_http:
            with console.status("HTTP: bare FastAPI route and chanrong serve under wrk"):
                loads, checks = measure_http(
                    workdir, [(k, u, seeds[k]) for k, u in databases], profile, args.connections
                )
            bare_rps = loads["bare_"].figures("bare_")["bare_rps"]
            for name, load in loads.items():
                figures.update(load.figures(name))
                figures[f"{name}failures"] += figures[f"{name}stalled_runs"]
                correctness.append(figures[f"{name}failures"] == 0)
            for name, check in checks.items():
                rps = figures[f"{name}rps"]
                figures[f"{name}vs_bare"] = round(rps / bare_rps, 3)
                figures[f"{name}sample_ok"] = check["ok"]
                figures[f"{name}problems"] = check["problems"]
                targets[f"{name}p99_under_25ms"] = figures[f"{name}p99_ms"] < TARGET_P99_MS
                targets[f"{name}half_of_bare"] = rps >= TARGET_VS_BARE * bare_rps
                targets[f"{name}zero_failures"] = figures[f"{name}failures"] == 0
                targets[f"{name}sample_ok"] = check["ok"]
                correctness.append(check["ok"])
        figures["loadavg_after"] = round(load_average(), 2)
        figures["targets_met"] = targets
        figures["all_targets_met"] = all(targets.values())
        figures["elapsed_s"] = round(time.perf_counter() - started, 1)
        report(figures)
    finally:
        if pg_url and not args.keep:
            drop_pg_database(args.postgres, pg_name)
        if args.keep:
            console.print(f"kept {workdir}" + (f" and {pg_name}" if pg_url else ""))
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return emit(figures, correct=all(correctness), strict=args.strict)


if __name__ == "__main__":
    sys.exit(main())
