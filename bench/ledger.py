"""Benchmark of the transparency log (chanrong.ledger) on SQLite and PostgreSQL, side by side,
against the peer implementation pymerkle and the hashlib floor.

1. Durable appends through ``ledger.service``: the log is built with ``record_many`` in batches of
   ``--batch`` events, each batch one ``Database.transaction()``; then ``record`` appends one event
   per transaction (each its own commit). SQLite runs as chanrong configures it (WAL,
   synchronous=NORMAL: durable against a crash of the process, not of the machine) and, on the
   same file through a second engine, with synchronous=FULL (the WAL is fsynced at every commit);
   PostgreSQL runs as the server is configured (fsync, synchronous_commit are printed). Floors: a
   one-row insert per transaction through the same ``Database.transaction()``, and the disk's
   fdatasync rate.
2. Inclusion proofs on the built log (1,000,000 entries; ``--quick``: 50,000) for random entries:
   in-process ``ledger.service.inclusion_proof`` (p50/p99), over HTTP (``GET
   /api/v1/ledger/entries/{seq}`` with an API key, ``chanrong serve`` under wrk with a Lua script
   picking random seqs), and ``merkle.verify_inclusion`` per CPU-second (one core).
3. The peer, pymerkle (``SqliteTree``, its persistent backend, and ``InmemoryTree``), on the very
   same entry bytes as the SQLite log: appends, root, proofs, verification; and the floor,
   SHA-256(0x00 || entry) with hashlib. pymerkle's root and proofs must equal chanrong's.

Correctness in the same run: the signed head verifies and matches the stored nodes, every sampled
proof verifies (a tampered one does not), HTTP answers verify against the served head, no wrk
answer is an error, and a call without a key gets 401.

Prints tables, then as its LAST LINE one JSON object with every figure. Exit status 1 when a
correctness check fails (and, with ``--strict``, when a performance target is missed).

    .venv/bin/python bench/ledger.py --quick     # under a minute
    .venv/bin/python bench/ledger.py             # 1M entries, several minutes

PostgreSQL: ``--postgres URL`` (or ``CHANRONG_BENCH_POSTGRES_URL``, default
postgresql+psycopg://postgres@127.0.0.1:5432/postgres) is only the admin connection: the run
creates a database of its own there and drops it at the end.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import platform
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

import pymerkle
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, event, select, text

from _common import (
    Server,
    WrkResult,
    clean_up,
    conclude,
    create_pg_database,
    emit,
    http_get,
    load_average,
    raise_on_sigterm,
    run_wrk,
    start_bare,
    start_chanrong,
    write_wrk_script,
    write_wrk_script_expr,
)
from chanrong import clock
from chanrong import db as db_module
from chanrong.ledger import merkle, service, signing
from chanrong.ledger.canonical import canonical
from chanrong.ledger.keys import signer
from chanrong.ledger.models import LedgerEntry
from chanrong.parties import access, uscc
from chanrong.parties import service as parties
from chanrong.principal import Principal
from chanrong.settings import get_settings

DEFAULT_PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
TARGET_BATCHED = 20_000.0  # entries/s, batched
TARGET_SINGLE = 3_000.0  # entries/s, one per transaction
TARGET_PROOF_P99_MS = 1.0
TARGET_HTTP_P99_MS = 10.0
TARGET_VERIFY = 30_000.0  # verifications per CPU-second

console = Console(width=132)


@dataclass(frozen=True)
class Profile:
    """How big and how long one run is."""

    entries: int  # size the log is built to (batched appends)
    batch: int  # events per transaction while building
    singles: int  # one-per-transaction appends per engine
    full_batches: int  # batches appended with synchronous=FULL
    proofs: int  # in-process inclusion proofs timed
    verifies: int  # verifications timed
    wrk_s: float
    warmup_s: float
    pymerkle_singles: int  # pymerkle SqliteTree.append_entry calls (one commit each)
    fsyncs: int  # fdatasync calls for the disk floor


QUICK = Profile(
    50_000,
    5_000,
    singles=300,
    full_batches=2,
    proofs=2_000,
    verifies=20_000,
    wrk_s=1,
    warmup_s=1,
    pymerkle_singles=200,
    fsyncs=200,
)
FULL = Profile(
    1_000_000,
    5_000,
    singles=2_000,
    full_batches=4,
    proofs=10_000,
    verifies=200_000,
    wrk_s=10,
    warmup_s=2,
    pymerkle_singles=1_000,
    fsyncs=1_000,
)


# --- the events appended ------------------------------------------------------------------------

KINDS = (
    "receivable.registered",
    "receivable.financed",
    "invoice.verified",
    "payment.settled",
    "consent.granted",
)
NOTES = ("宁波北仑 3号车间 数控机床货款", "汽车零部件 季度结算", "注塑模具 预付款", "")


class Events:
    """A deterministic stream of platform-like events (about 10% confidential)."""

    def __init__(self, actors: Sequence[Principal], codes: Sequence[str], seed: int) -> None:
        self.rng = random.Random(seed)
        self.actors = list(actors)
        self.codes = list(codes)
        self.n = 0

    def take(self, count: int) -> list[service.Event]:
        rng, out = self.rng, []
        for _ in range(count):
            self.n += 1
            ref = f"AR-2025-{self.n:09d}"
            payload = {
                "amount_fen": rng.randrange(10_000, 5_000_000_000),
                "currency": "CNY",
                "creditor": rng.choice(self.codes),
                "debtor": rng.choice(self.codes),
                "due_on": f"2025-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
                "reference": ref,
                "note": rng.choice(NOTES),
            }
            out.append(
                service.Event(
                    actor=rng.choice(self.actors),
                    event=rng.choice(KINDS),
                    subject=f"receivable:{ref}",
                    payload=payload,
                    confidential=self.n % 10 == 0,
                )
            )
        return out


# --- statistics -----------------------------------------------------------------------------


def pct(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile ``q`` (0..100) of ``values``."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def latency_figures(prefix: str, seconds: Sequence[float]) -> dict[str, float]:
    """p50/p99/max/mean in milliseconds and the rate, of per-operation wall times."""
    total = sum(seconds)
    return {
        f"{prefix}p50_ms": round(pct(seconds, 50) * 1000, 4),
        f"{prefix}p99_ms": round(pct(seconds, 99) * 1000, 4),
        f"{prefix}max_ms": round(max(seconds) * 1000, 4),
        f"{prefix}mean_ms": round(total / len(seconds) * 1000, 4),
        f"{prefix}per_s": round(len(seconds) / total, 1),
    }


@contextmanager
def phase(figures: dict[str, Any], name: str, message: str) -> Iterator[None]:
    """A spinner while a part runs; its wall seconds go to ``figures["phase_s"][name]``."""
    t0 = time.perf_counter()
    try:
        with console.status(message):
            yield
    finally:
        spent = figures.setdefault("phase_s", {})
        spent[name] = round(spent.get(name, 0.0) + time.perf_counter() - t0, 1)


@contextmanager
def clocks() -> Iterator[dict[str, float]]:
    """Wall and CPU seconds of the block (CPU = this process only)."""
    out: dict[str, float] = {}
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        yield out
    finally:
        out["wall"] = time.perf_counter() - wall
        out["cpu"] = time.process_time() - cpu


# --- databases ------------------------------------------------------------------------------


def sqlite_full_engine(url: str) -> Engine:
    """chanrong's SQLite engine, plus PRAGMA synchronous=FULL on every connection."""
    engine = db_module.make_engine(url)

    @event.listens_for(engine, "connect")
    def _full(dbapi_connection: Any, _record: Any) -> None:  # runs after chanrong's listener
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    return engine


def durability(database: db_module.Database) -> dict[str, Any]:
    """The durability settings in force on this database's connections."""
    with database.transaction(write=False) as session:
        if database.dialect == "sqlite":
            level = session.execute(text("PRAGMA synchronous")).scalar()
            mode = session.execute(text("PRAGMA journal_mode")).scalar()
            names = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}
            return {"journal_mode": mode, "synchronous": names.get(level, level)}
        return {
            name: session.execute(text(f"SHOW {name}")).scalar()
            for name in ("fsync", "synchronous_commit", "wal_sync_method", "full_page_writes")
        }


@dataclass
class Seeded:
    """Parties, the API key and the actors the benchmark's events come from."""

    token: str = ""
    actors: list[Principal] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)


def seed(database: db_module.Database) -> Seeded:
    """Parties and a viewer API key, through chanrong's services (they log their own events)."""
    system = Principal.system()
    out = Seeded(actors=[system])
    with database.transaction() as session:
        for i in range(4):
            code = uscc.complete(f"91330206{i + 1:09d}"[:17])
            draft = parties.draft_or_raise(
                kind="enterprise",
                name=f"宁波账本基准制造{i}有限公司",
                uscc_code=code,
                province="33",
                city="宁波市",
                industry="C34",
                size="small",
                roles=["supplier"],
            )
            party = parties.create_party(session, actor=system, draft=draft)
            out.actors.append(Principal(party.id, party.kind, frozenset({"member"})))
            out.codes.append(code)
        bank = parties.create_party(
            session,
            actor=system,
            draft=parties.draft_or_raise(
                kind="institution",
                name="账本基准测试银行股份有限公司",
                uscc_code=uscc.complete("91330206999999999"[:17]),
                province="33",
                city="宁波市",
                roles=["bank"],
                industry="J66",
            ),
        )
        _, out.token = access.issue_api_key(
            session, actor=system, party_id=bank.id, name="bench-ledger", roles=["viewer"]
        )
    return out


def make_floor_table(database: db_module.Database) -> None:
    with database.transaction() as session:
        session.execute(
            text("CREATE TABLE bench_floor (id BIGINT PRIMARY KEY, body TEXT NOT NULL)")
        )


# --- appends --------------------------------------------------------------------------------


def build(
    database: db_module.Database, events: Events, total: int, batch: int, label: str
) -> dict[str, Any]:
    """Append batches of ``batch`` events, one transaction each, until the log has ``total``."""
    with database.transaction(write=False) as session:
        size = service.tree_size(session)
    batches: list[tuple[int, float]] = []
    started = time.perf_counter()
    with console.status(f"{label}: building the log to {total:,} entries") as status:
        while size < total:
            count = min(batch, total - size)
            chunk = events.take(count)
            t0 = time.perf_counter()
            with database.transaction() as session:
                service.record_many(session, chunk)
            batches.append((count, time.perf_counter() - t0))
            size += count
            if len(batches) % 20 == 0:
                done = sum(n for n, _ in batches)
                status.update(
                    f"{label}: {size:,} of {total:,} entries, "
                    f"{done / sum(t for _, t in batches):,.0f}/s"
                )
    tail = batches[-max(1, len(batches) // 10) :]
    return {
        "batched_per_s": round(sum(n for n, _ in batches) / sum(t for _, t in batches), 1),
        "batched_tail_per_s": round(sum(n for n, _ in tail) / sum(t for _, t in tail), 1),
        "batched_batch_p99_ms": round(pct([t for _, t in batches], 99) * 1000, 2),
        "batched_entries": sum(n for n, _ in batches),
        "build_s": round(time.perf_counter() - started, 1),
    }


def append_batches(
    database: db_module.Database, events: Events, count: int, batch: int
) -> dict[str, Any]:
    """``count`` batches (rate only), for the synchronous=FULL comparison."""
    seconds = 0.0
    for _ in range(count):
        chunk = events.take(batch)
        t0 = time.perf_counter()
        with database.transaction() as session:
            service.record_many(session, chunk)
        seconds += time.perf_counter() - t0
    return {"batched_per_s": round(count * batch / seconds, 1), "batched_entries": count * batch}


def append_singles(database: db_module.Database, events: Events, count: int) -> dict[str, Any]:
    """``count`` events, each ``record``ed in its own transaction (its own commit)."""
    chunk = events.take(count)
    seconds = []
    for ev in chunk:
        t0 = time.perf_counter()
        with database.transaction() as session:
            service.record(session, ev)
        seconds.append(time.perf_counter() - t0)
    return latency_figures("single_", seconds)


def floor_singles(database: db_module.Database, count: int) -> dict[str, Any]:
    """The floor of one-per-transaction appends: a one-row insert per ``Database.transaction()``."""
    body = "x" * 300
    with database.transaction(write=False) as session:
        start = session.execute(text("SELECT COALESCE(MAX(id), 0) FROM bench_floor")).scalar()
    seconds = []
    insert = text("INSERT INTO bench_floor (id, body) VALUES (:id, :body)")
    for i in range(count):
        t0 = time.perf_counter()
        with database.transaction() as session:
            session.execute(insert, {"id": start + i + 1, "body": body})
        seconds.append(time.perf_counter() - t0)
    return latency_figures("floor_single_", seconds)


def fdatasync_rate(directory: Path, count: int) -> float:
    """4 KiB write + fdatasync per operation, in the benchmark's directory: the disk's floor."""
    path = directory / "fsync.probe"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        block = b"\0" * 4096
        t0 = time.perf_counter()
        for _ in range(count):
            os.write(fd, block)
            os.fdatasync(fd)
        return count / (time.perf_counter() - t0)
    finally:
        os.close(fd)
        path.unlink()


# --- proofs ---------------------------------------------------------------------------------


@dataclass
class ProofRun:
    """In-process proof figures plus the samples kept for verification and cross-checks."""

    figures: dict[str, Any]
    size: int
    root: bytes
    samples: list[tuple[int, bytes, list[bytes]]]  # (seq, leaf hash, proof)
    problems: list[str]


def noise_probe(rounds: int) -> None:
    """A fixed CPU task (``rounds`` node hashes). Timed next to each proof and as long as a
    typical proof, its p99 is the machine's noise (other processes, scheduling): a floor that no
    code of ours can go below."""
    h = b"\0" * 32
    for _ in range(rounds):
        h = hashlib.sha256(b"\x01" + h + h).digest()


def measure_proofs(database: db_module.Database, count: int, rng: random.Random) -> ProofRun:
    """``service.inclusion_proof`` for random entries in one read transaction; checks the head."""
    problems: list[str] = []
    with database.transaction(write=False) as session:
        size = service.tree_size(session)
        seqs = [rng.randrange(size) for _ in range(count)]
        clock = time.perf_counter
        warm = []
        for seq in seqs[: min(200, count)]:  # warm-up: statement caches, page cache
            t0 = clock()
            service.inclusion_proof(session, seq, size)
            warm.append(clock() - t0)
        t0 = clock()
        noise_probe(10_000)
        rounds = max(1, round(pct(warm, 50) / ((clock() - t0) / 10_000)))
        seconds, proofs, noise = [], [], []
        for seq in seqs:
            t0 = clock()
            proof = service.inclusion_proof(session, seq, size)
            t1 = clock()
            noise_probe(rounds)
            noise.append(clock() - t1)
            seconds.append(t1 - t0)
            proofs.append(proof)
        t0 = clock()
        root = service.root_at(session, size)
        root_ms = (clock() - t0) * 1000
        head = signing.verify_head(signer().key.public_key(), service.latest_head(session))
        if (head.tree_size, head.root) != (size, root):
            problems.append(f"signed head ({head.tree_size}) differs from the stored tree ({size})")
        kept = sorted(set(seqs[:2_000]))
        rows = session.execute(
            select(LedgerEntry.seq, LedgerEntry.leaf_hash, LedgerEntry.body).where(
                LedgerEntry.seq.in_(kept)
            )
        ).all()
    leaves = {seq: leaf for seq, leaf, _ in rows}
    bad_leaves = [seq for seq, leaf, body in rows if merkle.leaf_hash(body.encode()) != leaf]
    if bad_leaves:
        problems.append(f"stored leaf hashes do not recompute: {bad_leaves[:5]}")
    proof_of = dict(zip(seqs, proofs, strict=True))
    samples = [(seq, leaves[seq], proof_of[seq]) for seq in kept]
    figures = latency_figures("proof_", seconds)
    probe = latency_figures("noise_", noise)
    figures.update({k: probe[k] for k in ("noise_p50_ms", "noise_p99_ms", "noise_max_ms")})
    figures["root_at_ms"] = round(root_ms, 3)
    figures["proof_hashes_mean"] = round(sum(map(len, proofs)) / len(proofs), 1)
    return ProofRun(figures, size, root, samples, problems)


def measure_verify(run: ProofRun, count: int) -> dict[str, Any]:
    """``merkle.verify_inclusion`` on the sampled proofs: all must pass, a tampered one fail."""
    size, root, samples = run.size, run.root, run.samples
    for seq, leaf, proof in samples:
        try:
            merkle.verify_inclusion(seq, size, leaf, proof, root)
        except merkle.ProofError as exc:
            run.problems.append(f"proof of {seq} does not verify: {exc}")
            break
    seq, leaf, proof = samples[0]
    tampered = [bytes([proof[0][0] ^ 1]) + proof[0][1:], *proof[1:]]
    try:
        merkle.verify_inclusion(seq, size, leaf, tampered, root)
        run.problems.append("a tampered proof verified")
    except merkle.ProofError:
        pass
    work = [samples[i % len(samples)] for i in range(count)]
    verify = merkle.verify_inclusion
    with clocks() as spent:
        for seq, leaf, proof in work:
            verify(seq, size, leaf, proof, root)
    return {
        "verify_per_cpu_s": round(count / spent["cpu"], 1),
        "verify_per_s": round(count / spent["wall"], 1),
    }


# --- HTTP -----------------------------------------------------------------------------------


def check_http(server: Server, token: str, size: int, rng: random.Random) -> list[str]:
    """The served head verifies with the log's key; served entries and proofs verify against it."""
    problems: list[str] = []
    auth = {"Authorization": f"Bearer {token}"}
    status, body = http_get(server.base_url + "/api/v1/ledger/head", auth)
    if status != 200 or not isinstance(body, dict):
        return [f"head: HTTP {status} {body!r:.200}"]
    if body["public_key_pem"] != signer().public_pem:
        problems.append("the server signs with another key than the benchmark's")
    try:
        head = signing.verify_head(signer().key.public_key(), body["sth"])
    except signing.SignatureError as exc:
        return [*problems, f"served head does not verify: {exc}"]
    if head.tree_size != size:
        problems.append(f"served head has {head.tree_size} entries, the log {size}")
    for seq in [0, size - 1, *(rng.randrange(size) for _ in range(8))]:
        status, entry = http_get(f"{server.base_url}/api/v1/ledger/entries/{seq}", auth)
        if status != 200 or not isinstance(entry, dict):
            problems.append(f"entry {seq}: HTTP {status} {entry!r:.200}")
            continue
        leaf = merkle.leaf_hash(canonical(entry["entry"]))
        if base64.b64encode(leaf).decode() != entry["leaf_hash"]:
            problems.append(f"entry {seq}: leaf hash does not recompute")
        try:
            merkle.verify_inclusion(
                seq,
                head.tree_size,
                leaf,
                [base64.b64decode(p) for p in entry["inclusion_proof"]],
                head.root,
            )
        except merkle.ProofError as exc:
            problems.append(f"entry {seq}: served proof does not verify: {exc}")
    status, _ = http_get(f"{server.base_url}/api/v1/ledger/entries/0")
    if status != 401:
        problems.append(f"no API key: HTTP {status}, expected 401")
    status, _ = http_get(f"{server.base_url}/api/v1/ledger/entries/{size}", auth)
    if status != 404:
        problems.append(f"entry past the end: HTTP {status}, expected 404")
    return problems


def wrk_figures(prefix: str, result: WrkResult, cpu_ms: float) -> dict[str, Any]:
    return {
        f"{prefix}rps": round(result.rps, 1),
        f"{prefix}p50_ms": round(result.p50_ms, 3),
        f"{prefix}p90_ms": round(result.p90_ms, 3),
        f"{prefix}p99_ms": round(result.p99_ms, 3),
        f"{prefix}max_ms": round(result.max_ms, 3),
        f"{prefix}requests": result.requests,
        f"{prefix}failures": result.failures,
        f"{prefix}cpu_ms_per_request": round(cpu_ms, 3),
    }


def wait_idle(server: Server, timeout: float = 10.0) -> None:
    """Wait until the server has drained what a finished wrk run left queued (its CPU is idle),
    so that it does not land on the next run's first requests."""
    deadline = time.monotonic() + timeout
    cpu = server.cpu_seconds()
    while time.monotonic() < deadline:
        time.sleep(0.1)
        now = server.cpu_seconds()
        if now - cpu < 0.005:
            return
        cpu = now


def measure_http(
    workdir: Path,
    logs: Sequence[tuple[str, str, int]],
    token_of: dict[str, str],
    profile: Profile,
    connections: Sequence[int],
) -> dict[str, Any]:
    """Each database's ``chanrong serve``, and the bare route, under wrk at each connection count
    (after a check of the answers)."""
    servers: dict[str, Server] = {}
    scripts: dict[str, Path] = {}
    figures: dict[str, Any] = {}
    rng = random.Random(7)
    try:
        scripts["bare_"] = write_wrk_script(
            workdir / "bare.lua", ["/bare"], "Bearer crk_000000000000_unused"
        )
        starts: dict[str, Callable[[], Server]] = {"bare_": lambda: start_bare(workdir)}
        for key, url, _size in logs:
            starts[key] = partial(start_chanrong, workdir, url, f"{key}chanrong")
        with ThreadPoolExecutor(len(starts)) as pool:  # start them side by side
            futures = {key: pool.submit(start) for key, start in starts.items()}
            for key, future in futures.items():
                try:
                    servers[key] = future.result()
                except Exception:
                    for other in futures.values():
                        if other.exception() is None:
                            other.result().stop()
                    raise
        for key, _url, size in logs:
            figures[f"{key}http_problems"] = check_http(servers[key], token_of[key], size, rng)
            scripts[key] = write_wrk_script_expr(
                workdir / f"{key}ledger.lua",
                f'"/api/v1/ledger/entries/" .. math.random(0, {size - 1})',
                f"Bearer {token_of[key]}",
            )
        for key, server in servers.items():
            if profile.warmup_s:
                run_wrk(
                    server.base_url + "/",
                    scripts[key],
                    seconds=profile.warmup_s,
                    connections=max(connections),
                )
            for c in connections:
                wait_idle(server)
                cpu = server.cpu_seconds()
                result = run_wrk(
                    server.base_url + "/",
                    scripts[key],
                    seconds=profile.wrk_s,
                    connections=c,
                    threads=min(2, c),
                )
                cpu = server.cpu_seconds() - cpu
                if server.proc.poll() is not None:
                    raise RuntimeError(f"{server.name} died under load:\n{server.log_tail()}")
                figures.update(
                    wrk_figures(f"{key}http_c{c}_", result, 1000 * cpu / max(1, result.requests))
                )
    finally:
        for server in servers.values():
            server.stop()
    return figures


# --- pymerkle and the floor -----------------------------------------------------------------


def read_bodies(database: db_module.Database) -> list[bytes]:
    """Every entry's bytes, in order (what chanrong hashed)."""
    with database.transaction(write=False) as session:
        return [
            b.encode() for b in session.scalars(select(LedgerEntry.body).order_by(LedgerEntry.seq))
        ]


def timed_calls(fn: Callable[[int], Any], args: Sequence[int]) -> tuple[list[float], list[Any]]:
    """Wall seconds of each ``fn(a)``, and the results."""
    clock, seconds, results = time.perf_counter, [], []
    for a in args:
        t0 = clock()
        results.append(fn(a))
        seconds.append(clock() - t0)
    return seconds, results


def measure_peer(
    workdir: Path, bodies: list[bytes], run: ProofRun, profile: Profile, rng: random.Random
) -> dict[str, Any]:
    """pymerkle (SqliteTree, InmemoryTree) and hashlib on chanrong's entry bytes."""
    n, out = len(bodies), {"pymerkle_version": pymerkle.__version__}
    problems: list[str] = []
    sha256 = hashlib.sha256
    with clocks() as spent:
        leaves = [sha256(b"\x00" + b).digest() for b in bodies]
    out["hashlib_leaf_per_s"] = round(n / spent["wall"], 1)
    with clocks() as spent:
        for b in bodies:
            merkle.leaf_hash(b)
    out["chanrong_leaf_hash_per_s"] = round(n / spent["wall"], 1)
    with clocks() as spent:
        mem_root = merkle.root_of(leaves)
    out["chanrong_root_of_memory_s"] = round(spent["wall"], 3)
    if mem_root != run.root:
        problems.append("merkle.root_of over the bodies differs from the stored root")

    # SqliteTree: append_entries per batch (one transaction each), as chanrong builds.
    tree = pymerkle.SqliteTree(str(workdir / "pymerkle.db"))
    try:
        out["pymerkle_sqlite_pragmas"] = {
            "journal_mode": tree.con.execute("PRAGMA journal_mode").fetchone(),
            "synchronous": {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}.get(
                tree.con.execute("PRAGMA synchronous").fetchone()
            ),
        }
        with clocks() as spent:
            for i in range(0, n, profile.batch):
                tree.append_entries(bodies[i : i + profile.batch])
        out["pymerkle_sqlite_batched_per_s"] = round(n / spent["wall"], 1)
        with clocks() as spent:
            root = tree.get_root()
        out["pymerkle_sqlite_root_cold_s"] = round(spent["wall"], 3)
        with clocks() as spent:
            tree.get_root()
        out["pymerkle_sqlite_root_warm_ms"] = round(spent["wall"] * 1000, 3)
        if root != run.root:
            problems.append("pymerkle's root differs from chanrong's")
        picks = [rng.randrange(1, n + 1) for _ in range(profile.proofs)]
        timed_calls(tree.prove_inclusion, picks[:200])  # warm-up (the subroot cache)
        seconds, theirs = timed_calls(tree.prove_inclusion, picks)
        out.update(latency_figures("pymerkle_sqlite_proof_", seconds))
        for seq, leaf, proof in run.samples[:50]:
            if tree.prove_inclusion(seq + 1).path != [leaf, *proof]:
                problems.append(f"pymerkle's proof of {seq} differs from chanrong's")
                break
        proofs = [(tree.get_leaf(p.index), p) for p in theirs[:2_000]]
        work = [proofs[i % len(proofs)] for i in range(profile.verifies)]
        verify = pymerkle.verify_inclusion
        with clocks() as spent:
            for base, proof in work:
                verify(base, root, proof)
        out["pymerkle_verify_per_cpu_s"] = round(len(work) / spent["cpu"], 1)
        extra = bodies[: profile.pymerkle_singles]
        seconds, _ = timed_calls(lambda i: tree.append_entry(extra[i]), range(len(extra)))
        out.update(latency_figures("pymerkle_sqlite_single_", seconds))
    finally:
        tree.close()

    # InmemoryTree: entry by entry (no storage at all).
    mem = pymerkle.InmemoryTree()
    append = mem.append_entry
    with clocks() as spent:
        for b in bodies:
            append(b)
    out["pymerkle_memory_append_per_s"] = round(n / spent["wall"], 1)
    with clocks() as spent:
        mem_root = mem.get_root()
    out["pymerkle_memory_root_ms"] = round(spent["wall"] * 1000, 4)
    if mem_root != run.root:
        problems.append("pymerkle InmemoryTree's root differs from chanrong's")
    timed_calls(mem.prove_inclusion, picks[:200])
    out.update(
        latency_figures("pymerkle_memory_proof_", timed_calls(mem.prove_inclusion, picks)[0])
    )
    del mem
    out["peer_problems"] = problems
    return out


def measure_components(events: Events, count: int) -> dict[str, Any]:
    """Per-entry costs inside ``record_many`` that do not touch the database."""
    chunk = events.take(count)
    ts = int(clock.now().timestamp() * 1000)
    with clocks() as spent:
        bodies = [canonical(service._entry(i, ts, ev, None)) for i, ev in enumerate(chunk)]
    canonical_us = spent["cpu"] / count * 1e6
    with clocks() as spent:
        for b in bodies:
            merkle.leaf_hash(b)
    leaf_us = spent["cpu"] / count * 1e6
    key = signer().key
    heads = [signing.TreeHead(i + 1, ts, hashlib.sha256(b"%d" % i).digest()) for i in range(2_000)]
    with clocks() as spent:
        for head in heads:
            signing.sign_head(key, head)
    return {
        "canonical_us_per_entry": round(canonical_us, 2),
        "leaf_hash_us_per_entry": round(leaf_us, 3),
        "sign_head_us": round(spent["cpu"] / len(heads) * 1e6, 2),
        "entry_bytes_mean": round(sum(map(len, bodies)) / len(bodies), 1),
    }


# --- report ---------------------------------------------------------------------------------

BACKENDS = (
    ("sqlite_", "SQLite\nWAL, sync=NORMAL"),
    ("sqlite_full_", "SQLite\nWAL, sync=FULL"),
    ("pg_", "PostgreSQL"),
)


def _num(value: Any, fmt: str) -> str:
    return "—" if value is None else fmt.format(value)


def _met(text_: str, ok: bool | None) -> str:
    if ok is None or text_ == "—":
        return text_
    return f"[green]{text_} ✓[/green]" if ok else f"[bold red]{text_} ✗[/bold red]"


def _speedup(ours: float | None, theirs: float | None, *, rate: bool) -> str:
    """How many times faster chanrong is than the peer (rates: ours/theirs; times: theirs/ours)."""
    if not ours or not theirs:
        return "—"
    return f"{(ours / theirs) if rate else (theirs / ours):.2f}x"


def report(f: dict[str, Any], connections: Sequence[int]) -> None:
    """The human-readable tables."""
    t = f["targets_met"]
    table = Table(
        title=f"transparency log — {f['mode']} run: {f['sqlite_log_size']:,} entries, "
        f"{f['cpus']} CPUs, load {f['loadavg_before']:.1f}→{f['loadavg_after']:.1f}"
    )
    table.add_column("measure")
    for _, name in BACKENDS:
        table.add_column(name, justify="right")
    table.add_column("target / note")

    def row(label: str, show: Callable[[str], str], note: str = "", target: str = "") -> None:
        cells = [_met(show(p), t.get(p + target) if target else None) for p, _ in BACKENDS]
        table.add_row(label, *cells, note)

    def one(key: str, fmt: str) -> Callable[[str], str]:
        return lambda p: _num(f.get(p + key), fmt)

    def two(a: str, b: str, fmt: str) -> Callable[[str], str]:
        return lambda p: (
            "—" if f.get(p + a) is None else f"{fmt.format(f[p + a])} / {fmt.format(f[p + b])}"
        )

    row(
        f"appends/s, batched ({f['batch']:,} per tx)",
        one("batched_per_s", "{:,.0f}"),
        f"≥ {TARGET_BATCHED:,.0f}/s",
        "batched",
    )
    row("  same, last 10% of the build", one("batched_tail_per_s", "{:,.0f}"), "log at full size")
    row(
        "appends/s, one per transaction",
        one("single_per_s", "{:,.0f}"),
        f"≥ {TARGET_SINGLE:,.0f}/s",
        "single",
    )
    row("  per transaction p50 / p99 (ms)", two("single_p50_ms", "single_p99_ms", "{:.2f}"))
    row(
        "  floor: 1-row insert per tx/s",
        one("floor_single_per_s", "{:,.0f}"),
        "same Database.transaction()",
    )
    table.add_section()
    row(
        "inclusion proof p50 / p99 (ms)",
        two("proof_p50_ms", "proof_p99_ms", "{:.3f}"),
        f"p99 < {TARGET_PROOF_P99_MS:g} ms, in-process",
        "proof_p99",
    )
    row("  proofs/s (one session)", one("proof_per_s", "{:,.0f}"))
    row(
        "  noise: fixed CPU task p50 / p99",
        two("noise_p50_ms", "noise_p99_ms", "{:.3f}"),
        "same loop; the machine's floor",
    )
    row("root_at (ms)", one("root_at_ms", "{:.3f}"), "from stored nodes")
    row(
        "verifications per CPU-second",
        one("verify_per_cpu_s", "{:,.0f}"),
        f"≥ {TARGET_VERIFY:,.0f}",
        "verify",
    )
    for c in connections:
        if f"bare_http_c{c}_rps" not in f:
            continue
        table.add_section()
        b = f"bare_http_c{c}_"
        target = "http_p99" if c == connections[0] else ""
        note = f"p99 < {TARGET_HTTP_P99_MS:g} ms" if target else "closed loop: p50 ≈ c / rate"
        row(
            f"HTTP entry + proof, c={c}: req/s",
            one(f"http_c{c}_rps", "{:,.0f}"),
            f"bare FastAPI route: {f[b + 'rps']:,.0f}",
        )
        row(
            "  p50 / p99 (ms)",
            two(f"http_c{c}_p50_ms", f"http_c{c}_p99_ms", "{:.2f}"),
            f"{note}; bare: {f[b + 'p50_ms']:.2f} / {f[b + 'p99_ms']:.2f}",
            target,
        )
        row(
            "  server CPU per request (ms)",
            one(f"http_c{c}_cpu_ms_per_request", "{:.2f}"),
            f"bare: {f[b + 'cpu_ms_per_request']:.2f}",
        )
        row("  errors (non-2xx + socket)", one(f"http_c{c}_failures", "{:,}"), "0")
    if any(f"{p}http_ok" in f for p, _ in BACKENDS):
        table.add_section()
        row("HTTP answers verify", one("http_ok", "{}"), "head, entries, proofs, 401, 404")
    console.print(table)
    if "peer_problems" in f:
        report_peer(f)
    report_parts(f)


def report_peer(f: dict[str, Any]) -> None:
    """pymerkle and the floors, side by side with chanrong."""
    t = f["targets_met"]
    peer = Table(
        title=f"peer and floor, on the same {f['sqlite_log_size']:,} entry bytes "
        f"(mean {f['entry_bytes_mean']:.0f} B)"
    )
    for column in (
        "measure",
        "chanrong",
        "pymerkle SqliteTree",
        "pymerkle InmemoryTree",
        "floor",
        "chanrong speed\nvs SqliteTree",
    ):
        peer.add_column(column, justify="left" if column == "measure" else "right")
    g = f.get
    pragmas = "/".join(str(v) for v in g("pymerkle_sqlite_pragmas", {}).values())
    peer.add_row(
        "leaf hashes/s",
        _num(g("chanrong_leaf_hash_per_s"), "{:,.0f}"),
        "—",
        "—",
        _num(g("hashlib_leaf_per_s"), "{:,.0f}") + "\n(hashlib)",
        "",
    )
    peer.add_row(
        f"appends/s, batches of {f['batch']:,}",
        _num(g("sqlite_batched_per_s"), "{:,.0f}") + "\n(SQLite NORMAL)",
        _num(g("pymerkle_sqlite_batched_per_s"), "{:,.0f}"),
        _num(g("pymerkle_memory_append_per_s"), "{:,.0f}") + "\n(1 by 1, no storage)",
        "",
        _speedup(g("sqlite_batched_per_s"), g("pymerkle_sqlite_batched_per_s"), rate=True),
    )
    peer.add_row(
        "appends/s, one commit each",
        _num(g("sqlite_full_single_per_s"), "{:,.0f}") + "\n(SQLite FULL)",
        _num(g("pymerkle_sqlite_single_per_s"), "{:,.0f}") + f"\n({pragmas})",
        "",
        f"{f['fdatasync_per_s']:,.0f}\n(fdatasync/s)",
        _speedup(g("sqlite_full_single_per_s"), g("pymerkle_sqlite_single_per_s"), rate=True),
    )
    cold = g("pymerkle_sqlite_root_cold_s")
    peer.add_row(
        "root (ms)",
        _num(g("sqlite_root_at_ms"), "{:.3f}") + "\n(stored nodes)",
        ("—" if cold is None else f"{cold * 1000:,.1f} cold\n")
        + _num(g("pymerkle_sqlite_root_warm_ms"), "{:.3f}")
        + " warm",
        _num(g("pymerkle_memory_root_ms"), "{:.4f}"),
        _num(g("chanrong_root_of_memory_s"), "{:.2f}") + " s\n(root_of, memory)",
        _speedup(g("sqlite_root_at_ms"), g("pymerkle_sqlite_root_warm_ms"), rate=False) + " warm",
    )
    for q in ("p50", "p99"):
        peer.add_row(
            f"inclusion proof {q} (ms)",
            _num(g(f"sqlite_proof_{q}_ms"), "{:.3f}") + "\n(SQLite)",
            _num(g(f"pymerkle_sqlite_proof_{q}_ms"), "{:.3f}"),
            _num(g(f"pymerkle_memory_proof_{q}_ms"), "{:.3f}"),
            "",
            _speedup(g(f"sqlite_proof_{q}_ms"), g(f"pymerkle_sqlite_proof_{q}_ms"), rate=False),
        )
    peer.add_row(
        "verifications per CPU-second",
        _met(_num(g("verify_per_cpu_s"), "{:,.0f}"), t.get("verify")),
        _num(g("pymerkle_verify_per_cpu_s"), "{:,.0f}"),
        "(same function)",
        "",
        _speedup(g("verify_per_cpu_s"), g("pymerkle_verify_per_cpu_s"), rate=True),
    )
    agree = "[green]yes[/green]" if not f["peer_problems"] else "[bold red]NO[/bold red]"
    peer.add_row("roots and proofs agree", agree, agree, agree, "", "")
    console.print(peer)


def report_parts(f: dict[str, Any]) -> None:
    """Where an append's CPU goes, the durability measured, problems and the machine's load."""
    parts = Table(title="where an append's CPU goes outside the database (per entry)")
    for column in (
        "RFC 8785 canonical JSON",
        "SHA-256 leaf",
        "Ed25519 head (per tx)",
        "fdatasync (disk)",
        "durability measured",
    ):
        parts.add_column(column, justify="right")
    parts.add_row(
        f"{f['canonical_us_per_entry']:.1f} µs",
        f"{f['leaf_hash_us_per_entry']:.2f} µs",
        f"{f['sign_head_us']:.1f} µs",
        f"{1e6 / f['fdatasync_per_s']:.0f} µs",
        "\n".join(
            f"{k[:-1]}: " + ", ".join(f"{a}={b}" for a, b in v.items())
            for k, v in f["durability"].items()
        ),
    )
    console.print(parts)
    if f.get("problems"):
        console.print("[bold red]problems:[/bold red] " + "; ".join(f["problems"]))
    busy = max(f["loadavg_before"], f["loadavg_after"])
    if busy > 1.0:
        console.print(
            f"[yellow]load average reached {busy:.1f} on {f['cpus']} CPUs: other work on "
            "this machine slows every figure; run again on a quiet machine.[/yellow]"
        )


# --- main -----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="50,000 entries, short runs (< 1 min)")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        default=os.environ.get("CHANRONG_BENCH_POSTGRES_URL", DEFAULT_PG_ADMIN),
        help="admin connection; a temporary database is created and dropped "
        "there (default: $CHANRONG_BENCH_POSTGRES_URL or local postgres)",
    )
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--entries", type=int, help="size of the log to build")
    parser.add_argument("--batch", type=int, help="events per transaction while building")
    parser.add_argument("--seconds", type=float, help="length of each measured wrk run")
    parser.add_argument(
        "--connections",
        type=int,
        nargs="+",
        default=[1, 4, 50],
        help="wrk connection counts; the p99 target applies to the smallest (default: 1 4 50)",
    )
    parser.add_argument("--no-http", action="store_true", help="skip the HTTP part")
    parser.add_argument("--no-peer", action="store_true", help="skip pymerkle and the floor")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 when a performance target is missed too"
    )
    args = parser.parse_args(argv)
    profile = QUICK if args.quick else FULL
    if args.entries:
        profile = replace(profile, entries=args.entries)
    if args.batch:
        profile = replace(profile, batch=args.batch)
    if args.seconds:
        profile = replace(profile, wrk_s=args.seconds)
    connections = sorted(set(args.connections))
    raise_on_sigterm()

    started = time.perf_counter()
    workdir = Path(tempfile.mkdtemp(prefix="chanrong-bench-ledger-"))
    # The signing key is created under the data directory: the benchmark's own, shared with the
    # servers it starts (their environment gets the same CHANRONG_DATA_DIR).
    for name in [k for k in os.environ if k.startswith("CHANRONG_")]:
        del os.environ[name]
    os.environ["CHANRONG_DATA_DIR"] = str(workdir)

    get_settings.cache_clear()

    pg_name = f"chanrong_bench_ledger_{os.getpid()}"
    pg_created = False
    figures: dict[str, Any] = {
        "bench": "ledger",
        "mode": "quick" if args.quick else "full",
        "entries_target": profile.entries,
        "batch": profile.batch,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "sqlite_version": sqlite3.sqlite_version,
        "connections": connections,
        "wrk_seconds": profile.wrk_s,
        "singles": profile.singles,
        "proofs": profile.proofs,
        "verifies": profile.verifies,
        "loadavg_before": round(load_average(), 2),
    }
    problems: list[str] = []
    databases: list[Any] = []
    try:
        sqlite_url = f"sqlite:///{workdir / 'ledger.db'}"
        logs = [("sqlite_", sqlite_url)]
        if not args.no_postgres:
            pg_url = create_pg_database(args.postgres, pg_name)
            pg_created = True
            logs.append(("pg_", pg_url))
            figures["pg_server_version"] = None
        figures["fdatasync_per_s"] = round(fdatasync_rate(workdir, profile.fsyncs), 1)
        figures["durability"] = {}
        tokens: dict[str, str] = {}
        sizes: dict[str, int] = {}
        runs: dict[str, ProofRun] = {}
        for key, url in logs:
            database = db_module.Database(url)
            databases.append(database)
            with phase(figures, f"{key}seed", f"{key[:-1]}: migrating and seeding"):
                db_module.upgrade(database)
                make_floor_table(database)
                seeded = seed(database)
            tokens[key] = seeded.token
            figures["durability"][key] = durability(database)
            if key == "pg_":
                with database.transaction(write=False) as session:
                    figures["pg_server_version"] = session.execute(
                        text("SHOW server_version")
                    ).scalar()
            events = Events(seeded.actors, seeded.codes, seed=20251127)
            if key == "sqlite_":
                figures.update(measure_components(Events(seeded.actors, seeded.codes, 1), 20_000))
            figures.update(
                {
                    key + k: v
                    for k, v in build(
                        database, events, profile.entries, profile.batch, key[:-1]
                    ).items()
                }
            )
            with phase(figures, f"{key}singles", f"{key[:-1]}: one append per transaction"):
                figures.update(
                    {
                        key + k: v
                        for k, v in append_singles(database, events, profile.singles).items()
                    }
                )
                figures.update(
                    {key + k: v for k, v in floor_singles(database, profile.singles).items()}
                )
            if key == "sqlite_":
                full = db_module.Database(bind=sqlite_full_engine(url))
                databases.append(full)
                figures["durability"]["sqlite_full_"] = durability(full)
                with phase(figures, "sqlite_full", "sqlite with synchronous=FULL"):
                    for k, v in append_batches(
                        full, events, profile.full_batches, profile.batch
                    ).items():
                        figures["sqlite_full_" + k] = v
                    for k, v in append_singles(full, events, profile.singles).items():
                        figures["sqlite_full_" + k] = v
                    for k, v in floor_singles(full, profile.singles).items():
                        figures["sqlite_full_" + k] = v
            with phase(figures, f"{key}proofs", f"{key[:-1]}: proofs and verification"):
                run = measure_proofs(database, profile.proofs, random.Random(99))
                runs[key] = run
                figures.update({key + k: v for k, v in run.figures.items()})
                figures.update(
                    {key + k: v for k, v in measure_verify(run, profile.verifies).items()}
                )
            sizes[key] = run.size
            figures[f"{key}log_size"] = run.size
            problems += [f"{key[:-1]}: {p}" for p in run.problems]
        figures["verify_per_cpu_s"] = figures["sqlite_verify_per_cpu_s"]

        if not args.no_http:
            with phase(figures, "http", "HTTP: chanrong serve and the bare route under wrk"):
                http = measure_http(
                    workdir, [(k, u, sizes[k]) for k, u in logs], tokens, profile, connections
                )
            figures.update(http)
            for key, _ in logs:
                http_problems = figures[f"{key}http_problems"]
                failures = sum(figures[f"{key}http_c{c}_failures"] for c in connections)
                if failures:
                    http_problems.append(f"{failures} wrk answers were errors")
                figures[f"{key}http_ok"] = "yes" if not http_problems else "NO"
                problems += [f"{key}http: {p}" for p in http_problems]
            bare_failures = sum(figures[f"bare_http_c{c}_failures"] for c in connections)
            if bare_failures:
                problems.append(f"bare route: {bare_failures} wrk answers were errors")

        if not args.no_peer:
            with phase(figures, "peer", "pymerkle and the hashlib floor on the same entries"):
                bodies = read_bodies(databases[0])
                peer = measure_peer(workdir, bodies, runs["sqlite_"], profile, random.Random(5))
                del bodies
            figures.update(peer)
            problems += [f"peer: {p}" for p in peer["peer_problems"]]

        targets: dict[str, bool] = {}
        for key, _ in (*logs, ("sqlite_full_", "")):
            if f"{key}batched_per_s" in figures:
                targets[f"{key}batched"] = figures[f"{key}batched_per_s"] >= TARGET_BATCHED
            if f"{key}single_per_s" in figures:
                targets[f"{key}single"] = figures[f"{key}single_per_s"] >= TARGET_SINGLE
            if f"{key}proof_p99_ms" in figures:
                targets[f"{key}proof_p99"] = figures[f"{key}proof_p99_ms"] < TARGET_PROOF_P99_MS
            c = connections[0]
            if f"{key}http_c{c}_p99_ms" in figures:
                targets[f"{key}http_p99"] = figures[f"{key}http_c{c}_p99_ms"] < TARGET_HTTP_P99_MS
        targets["verify"] = figures["verify_per_cpu_s"] >= TARGET_VERIFY
        conclude(figures, targets=targets, problems=problems, started=started)
        report(figures, connections)
    finally:
        clean_up(
            databases,
            admin_url=args.postgres if pg_created else None,
            pg_name=pg_name,
            workdir=workdir,
            keep=args.keep,
        )
    return emit(figures, correct=not problems, strict=args.strict)


if __name__ == "__main__":
    sys.exit(main())
