"""Part (c) of ``bench/credit.py``: payable certificate (云证) split, transfer and finance over
HTTP on PostgreSQL, measured with wrk; also runs alone.

A fresh PostgreSQL database is migrated and seeded through chanrong's own services: a bank with
two API keys (maker and checker approve the core enterprise's credit line), a core enterprise,
tier-1 suppliers each with its own tier-2 supplier (orders, deliveries and invoices between
them, so a transfer goes to an "own supplier"), confirmed receivables on the core enterprise,
certificates issued against them and split into a pool of held pieces. ``chanrong serve``, with
one worker process per CPU as a PostgreSQL deployment runs it, then answers wrk, whose Lua
script (the template bench/_certificates_wrk.lua) POSTs, each request on
a piece of its own with its own
``Idempotency-Key``: a split into two, a transfer offer to the holder's own supplier, or a
financing at the bank (the whole piece or three fifths of it), in turn. Every answer must be
2xx; afterwards the database must hold the invariants (the live pieces of each certificate
partition its face value, so no fen is in two live pieces), the ledger replay must equal the
stored pieces, and the operations applied must match the answers.

    .venv/bin/python bench/_credit_certificates.py --quick     # under a minute
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from _common import (
    Server,
    WrkResult,
    create_pg_database,
    drop_pg_database,
    load_average,
    raise_on_sigterm,
    run_wrk,
    start_chanrong,
)
from chanrong import clock
from chanrong import db as db_module
from chanrong.identifiers import service as identifiers
from chanrong.ledger.models import LedgerEntry
from chanrong.parties import access, uscc
from chanrong.parties import service as parties
from chanrong.principal import Principal
from chanrong.supplychain import core, lines, service, views
from chanrong.supplychain.models import Certificate, Piece
from chanrong.trade import documents, receivables

DEFAULT_PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
API = "/api/v1/supplychain"
SYSTEM = Principal.system()
TARGET_P99_MS = 50.0
UNIT_FEN = 10_000_00
"""Each pooled piece holds 10,000.00 yuan."""
WRK_THREADS = 2


@dataclass(frozen=True)
class Profile:
    """Sizes of one run: pooled pieces, wrk seconds and connections."""

    pieces: int
    seconds: float
    warmup_seconds: float
    connections: int
    floor_seconds: float = 2
    suppliers: int = 8
    pieces_per_certificate: int = 250
    curve: tuple[int, ...] = ()
    """Lighter loads (connections) run before the main one: where the p99 target still holds."""
    curve_seconds: float = 2


WORKERS = os.cpu_count() or 1
SETTLE_S = 1.0
QUICK = Profile(pieces=9_000, seconds=5, warmup_seconds=1, connections=32, curve=(8,))
FULL = Profile(pieces=50_000, seconds=20, warmup_seconds=2, connections=50, floor_seconds=5,
               curve=(8, 16, 32), curve_seconds=5)  # fmt: skip


@dataclass
class Seeded:
    """What the requests need: the pooled pieces (id, holder), the tokens and parties."""

    pieces: list[tuple[int, int]] = field(default_factory=list)
    tokens: dict[int, str] = field(default_factory=dict)
    supplier_of: dict[int, int] = field(default_factory=dict)
    bank_id: int = 0
    last_seq: int = 0


# --- seeding ------------------------------------------------------------------------------------


def _party(session: Any, n: int, *, kind: str, roles: list[str], size: str) -> Any:
    draft = parties.draft_or_raise(
        kind=kind, name=f"云证基准{'银行' if kind == 'institution' else '企业'}{n}有限公司",
        uscc_code=uscc.complete(f"91330200{n:09d}"[:17]), province="33", city="宁波市",
        industry="J66" if kind == "institution" else "C34", size=size, roles=roles,
    )  # fmt: skip
    party = parties.create_party(session, actor=SYSTEM, draft=draft)
    if kind == "enterprise":
        identifiers.register_prefix(session, actor=SYSTEM, party_id=party.id,
                                    prefix=f"88.2001.{n}")  # fmt: skip
    return party


def _admin(party: Any, key_id: int | None = None) -> Principal:
    return Principal(party.id, party.kind, frozenset({"admin"}), api_key_id=key_id)


def _trade(session: Any, seller: Any, buyer: Any, amount_fen: int, serial: int) -> int:
    """Order, delivery and invoice from ``seller`` to ``buyer``; the receivable registered and
    confirmed by the buyer. Returns the receivable id."""
    start = clock.today() - timedelta(days=30)
    order = documents.create_order(
        session, actor=_admin(buyer), seller_party_id=seller.id, buyer_party_id=buyer.id,
        order_date=start, amount_fen=amount_fen, payment_terms_days=90,
    )  # fmt: skip
    delivery = documents.create_delivery(session, actor=_admin(seller), order_id=order.id,
                                         delivered_on=start + timedelta(days=1),
                                         amount_fen=amount_fen)  # fmt: skip
    invoice = documents.create_invoice(
        session, actor=_admin(seller), order_id=order.id, delivery_id=delivery.id,
        invoice_number=f"7{serial:07d}", issued_on=start + timedelta(days=2),
        due_on=start + timedelta(days=92), amount_fen=amount_fen,
    )  # fmt: skip
    row = receivables.register_receivable(
        session, actor=_admin(seller), debtor_party_id=buyer.id, order_handle=order.handle,
        delivery_handle=delivery.handle, invoice_handle=invoice.handle, amount_fen=amount_fen,
    )  # fmt: skip
    receivables.confirm_receivable(session, actor=_admin(buyer), receivable_id=row.id)
    return row.id


def seed(database: db_module.Database, profile: Profile) -> Seeded:
    """The parties, keys, approved credit line, certificates and the pool of held pieces."""
    out = Seeded()
    per_cert = profile.pieces_per_certificate
    certs = -(-profile.pieces // per_cert)
    face = per_cert * UNIT_FEN
    with database.transaction() as session:
        bank = _party(session, 1, kind="institution", roles=["bank"], size="large")
        core_ent = _party(session, 2, kind="enterprise", roles=["core_enterprise", "buyer"],
                          size="large")  # fmt: skip
        maker, checker = (access.issue_api_key(session, actor=SYSTEM, party_id=bank.id,
                                               name=name, roles=["admin"])[0]
                          for name in ("maker", "checker"))  # fmt: skip
        change = lines.propose_line(session, actor=_admin(bank, maker.id), bank_party_id=bank.id,
                                    core_party_id=core_ent.id, limit_fen=certs * face)  # fmt: skip
        lines.decide_line(session, actor=_admin(bank, checker.id), change_id=change.id,
                          approve=True)  # fmt: skip
        line_id = int(lines.lines(session, actor=_admin(bank))[0]["id"])
        out.bank_id = bank.id
        tier1 = []
        for i in range(profile.suppliers):
            t1 = _party(session, 10 + i, kind="enterprise", roles=["supplier", "sme"], size="small")
            t2 = _party(session, 100 + i, kind="enterprise", roles=["supplier", "sme"],
                        size="small")  # fmt: skip
            _trade(session, t2, t1, 50_000_00, serial=1000 + i)  # tier 2 supplies tier 1
            out.tokens[t1.id] = access.issue_api_key(session, actor=SYSTEM, party_id=t1.id,
                                                     name="bench", roles=["admin"])[1]  # fmt: skip
            out.supplier_of[t1.id] = t2.id
            tier1.append(t1)
        maturity = clock.today() + timedelta(days=90)
        for c in range(certs):
            holder = tier1[c % len(tier1)]
            rid = _trade(session, holder, core_ent, face, serial=10_000 + c)
            issued = service.issue_certificate(session, actor=_admin(core_ent),
                                               credit_line_id=line_id, receivable_ids=[rid],
                                               maturity_on=maturity)  # fmt: skip
            children = service.split_piece(session, actor=_admin(holder),
                                           piece_id=issued.piece.id,
                                           amounts=[UNIT_FEN] * per_cert)  # fmt: skip
            out.pieces += [(row.id, holder.id) for row in children]
        out.last_seq = int(session.scalar(select(func.max(LedgerEntry.seq))) or 0)
    # interleave holders and certificates so neighbouring requests touch different rows
    out.pieces.sort(key=lambda p: (p[0] % per_cert, p[0]))
    return out


# --- the requests and the wrk script -------------------------------------------------------------


def write_requests(path: Path, seeded: Seeded, pieces: list[tuple[int, int]], tag: str) -> Path:
    """One request a line: ``path<TAB>holder<TAB>idempotency key<TAB>JSON body``, on distinct
    pieces, cycling split, transfer offer and finance; written to ``path`` (returned)."""
    rows = []
    for j, (piece_id, holder) in enumerate(pieces):
        kind = j % 3
        if kind == 0:
            op, body = "split", f'{{"amounts":[{UNIT_FEN // 4},{UNIT_FEN - UNIT_FEN // 4}]}}'
        elif kind == 1:
            op, body = "transfer", f'{{"to_party_id":{seeded.supplier_of[holder]}}}'
        else:
            amount = UNIT_FEN if j % 2 else UNIT_FEN * 3 // 5
            op, body = "finance", (
                f'{{"amount_fen":{amount},"bank_party_id":{seeded.bank_id},'
                f'"annual_rate_bp":400,"day_count":"ACT/365","registration_ref":"ZD-{tag}-{j}"}}'
            )  # fmt: skip
        rows.append(f"{API}/pieces/{piece_id}/{op}\t{holder}\tbench-{tag}-{j}\t{body}\n")
    path.write_text("".join(rows), "utf-8")
    return path


LUA = Path(__file__).with_name("_certificates_wrk.lua").read_text("utf-8")
"""The wrk Lua script as a %-format template (``threads``, ``datafile``, ``tokens``; ``%%`` is a
literal ``%``), kept in bench/_certificates_wrk.lua."""


def write_script(path: Path, datafile: Path, tokens: dict[int, str], threads: int) -> Path:
    """The wrk Lua script POSTing the lines of ``datafile`` (each of ``threads`` its share)."""
    table = ", ".join(f'[{party}] = "{token}"' for party, token in sorted(tokens.items()))
    path.write_text(LUA % {"threads": threads, "datafile": str(datafile), "tokens": table}, "utf-8")
    return path


# --- checks -------------------------------------------------------------------------------------


def check_database(url: str, seeded: Seeded) -> tuple[dict[str, int], list[str]]:
    """The invariants over every certificate, the ledger replay, and the operations applied
    after seeding (by ledger event), with the problems found."""
    problems: list[str] = []
    database = db_module.Database(url)
    try:
        with database.transaction(write=False) as session:
            faces = dict(session.execute(select(Certificate.id, Certificate.face_fen)).all())
            live: dict[int, list[tuple[int, int]]] = {c: [] for c in faces}
            rows = session.execute(select(Piece.certificate_id, Piece.start_fen, Piece.end_fen)
                                   .where(Piece.status.in_(core.LIVE)))  # fmt: skip
            for cert_id, start, end in rows:
                live[cert_id].append((start, end))
            for cert_id, ranges in live.items():  # consecutive from 0 to face: no fen twice
                ranges.sort()
                edges = [0] + [e for _, e in ranges]
                if edges[-1] != faces[cert_id] or any(s != edges[k] for k, (s, _) in
                                                      enumerate(ranges)):  # fmt: skip
                    problems.append(f"certificate {cert_id}: its live pieces do not partition "
                                    f"its face value {faces[cert_id]} fen")  # fmt: skip
            stored = views.stored_book(session)
            problems += [f"core.violations: {v}" for v in core.violations(stored)[:5]]
            if views.replay_ledger(session).snapshot() != stored.snapshot():
                problems.append("the ledger replay differs from the stored pieces")
            counts = dict(session.execute(
                select(LedgerEntry.event, func.count()).where(LedgerEntry.seq > seeded.last_seq)
                .group_by(LedgerEntry.event)).all())  # fmt: skip
            partial = session.scalar(
                select(func.count()).select_from(Piece)
                .where(Piece.status == core.FINANCED, Piece.end_fen - Piece.start_fen < UNIT_FEN))  # fmt: skip
    finally:
        database.dispose()
    financed = counts.get("supplychain.piece.financed", 0)
    applied = {
        "split": counts.get("supplychain.piece.split", 0) - int(partial or 0),
        "transfer": counts.get("supplychain.transfer.offered", 0),
        "finance": financed,
    }
    return applied, problems


# --- the part -----------------------------------------------------------------------------------


def _load(server: Server, workdir: Path, seeded: Seeded, tag: str, pieces: list[tuple[int, int]],
          seconds: float, connections: int, problems: list[str]) -> WrkResult:  # fmt: skip
    """One wrk run of ``seconds`` at ``connections`` over ``pieces``; a non-2xx answer, a socket
    error or running out of pieces is a problem."""
    threads = min(WRK_THREADS, connections)
    # the previous run's requests still in flight when its wrk stopped finish first: else the
    # first requests of this run queue behind them (a one-connection p99 of 100 ms, not 12)
    time.sleep(SETTLE_S)
    data = write_requests(workdir / f"certificates-{tag}.tsv", seeded, pieces, tag)
    script = write_script(workdir / f"certificates-{tag}.lua", data, seeded.tokens, threads)
    result = run_wrk(server.base_url, script, seconds=seconds, connections=connections,
                     threads=threads)  # fmt: skip
    for line in result.raw.splitlines():
        if line.startswith("WRK_SAMPLE "):
            problems.append(f"certificates ({tag}): a non-2xx answer: {line[11:]}")
    if '"exhausted":0,' not in result.raw:
        problems.append(f"certificates ({tag}): the {len(pieces)} pieces ran out; raise them")
    if result.failures:
        problems.append(f"certificates ({tag}): {result.non2xx} non-2xx answers and "
                        f"{result.socket_errors} socket errors")  # fmt: skip
    return result


def _issued(run: WrkResult) -> int:
    """The requests the run's wrk script handed out (answered or still in flight at its end)."""
    line = next(x for x in run.raw.splitlines() if x.startswith("WRK_JSON "))
    return int(json.loads(line[len("WRK_JSON ") :])["issued"])


def run_certificates_part(f: dict, *, quick: bool, workdir: Path, problems: list[str],
                          admin_url: str | None = None,
                          profile: Profile | None = None) -> None:  # fmt: skip
    """Part (c): seed a PostgreSQL database of its own, serve it with ``chanrong serve`` and load
    it with wrk; records ``certificates_*`` figures in ``f`` (operations/s, p50/p99 in ms, non-2xx,
    operations) and ``f["certificates_targets"]`` ({"certificates_p99": p99 < 50 ms}); appends
    wrong results (non-2xx, a broken invariant, a replay mismatch) to ``problems``."""
    profile = profile or (QUICK if quick else FULL)
    admin_url = admin_url or os.environ.get("CHANRONG_BENCH_POSTGRES_URL") or DEFAULT_PG_ADMIN
    name = f"chanrong_bench_certificates_{os.getpid()}"
    url = create_pg_database(admin_url, name)
    server = None
    started = time.perf_counter()
    try:
        database = db_module.Database(url)
        try:
            db_module.upgrade(database)
            seeded = seed(database, profile)
        finally:
            database.dispose()
        f["certificates_seed_s"] = round(time.perf_counter() - started, 1)
        # each run draws fresh pieces: room for 800 operations/s on one connection and 1,500/s
        # in the warm-up; the main run gets the rest (a run that runs out is a problem)
        floor_n = min(len(seeded.pieces) // 5, round(profile.floor_seconds * 800))
        warm_n = min(len(seeded.pieces) // 5, round(profile.warmup_seconds * 1_500))
        warm, floor = seeded.pieces[:warm_n], seeded.pieces[warm_n : warm_n + floor_n]
        pool = seeded.pieces[warm_n + floor_n :]
        curve_n = min(len(seeded.pieces) // 8, round(profile.curve_seconds * 1_000))
        curve_pieces = {c: pool[i * curve_n : (i + 1) * curve_n]
                        for i, c in enumerate(profile.curve)}  # fmt: skip
        pool = pool[len(profile.curve) * curve_n :]
        # PostgreSQL takes concurrent writers: one worker process per CPU, as deployed
        server = start_chanrong(workdir, url, "chanrong-certificates", workers=WORKERS)
        runs = {
            "warm": _load(server, workdir, seeded, "warm", warm, profile.warmup_seconds,
                          profile.connections, problems),
            "floor": _load(server, workdir, seeded, "floor", floor, profile.floor_seconds, 1,
                           problems),
        }  # fmt: skip
        curve = []
        for connections, pieces in curve_pieces.items():
            run = runs[f"curve{connections}"] = _load(server, workdir, seeded,
                                                      f"curve{connections}", pieces,
                                                      profile.curve_seconds, connections,
                                                      problems)  # fmt: skip
            curve.append({"connections": connections, "ops_per_s": round(run.rps, 1),
                          "p50_ms": round(run.p50_ms, 2), "p99_ms": round(run.p99_ms, 2)})  # fmt: skip
        cpu_before = server.cpu_seconds()
        result = runs["main"] = _load(server, workdir, seeded, "main", pool, profile.seconds,
                                      profile.connections, problems)  # fmt: skip
        cpu_ms = (server.cpu_seconds() - cpu_before) * 1000 / max(1, result.requests)
        f.update(
            certificates_ops=result.requests,
            certificates_ops_per_s=round(result.rps, 1),
            certificates_p50_ms=round(result.p50_ms, 2),
            certificates_p90_ms=round(result.p90_ms, 2),
            certificates_p99_ms=round(result.p99_ms, 2),
            certificates_max_ms=round(result.max_ms, 2),
            certificates_non_2xx=result.non2xx,
            certificates_socket_errors=result.socket_errors,
            certificates_connections=profile.connections,
            certificates_seconds=round(result.seconds, 1),
            certificates_pool=len(pool),
            certificates_server_cpu_ms_per_op=round(cpu_ms, 2),
            certificates_workers=WORKERS,
            certificates_one_connection_ops_per_s=round(runs["floor"].rps, 1),
            certificates_one_connection_p50_ms=round(runs["floor"].p50_ms, 2),
            certificates_one_connection_p99_ms=round(runs["floor"].p99_ms, 2),
            certificates_warmup_ops=runs["warm"].requests,
            certificates_curve=curve,
            certificates_p99_target_holds_up_to_connections=max(
                [c["connections"] for c in curve if c["p99_ms"] < TARGET_P99_MS]
                + ([profile.connections] if result.p99_ms < TARGET_P99_MS else []),
                default=None,
            ),
        )
        server.stop()
        server = None
        applied, found = check_database(url, seeded)
        total = sum(applied.values())
        answered = sum(run.requests for run in runs.values())
        issued = sum(_issued(run) for run in runs.values())
        f["certificates_applied"] = applied
        f["certificates_invariants_ok"] = not found
        problems += [f"certificates: {p}" for p in found]
        # requests still in flight when wrk stopped may be applied without an answer counted
        if not answered <= total <= issued:
            problems.append(f"certificates: {total} operations applied for {answered} answers "
                            f"and {issued} requests")  # fmt: skip
        f["certificates_targets"] = {"certificates_p99": result.p99_ms < TARGET_P99_MS}
    finally:
        if server is not None:
            server.stop()
        drop_pg_database(admin_url, name)
        f["certificates_elapsed_s"] = round(time.perf_counter() - started, 1)


# --- standalone ---------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Run part (c) alone: a table, then the JSON line of figures."""
    from rich.console import Console
    from rich.table import Table

    from _common import conclude, emit

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short run (< 1 min)")
    parser.add_argument("--postgres", metavar="URL",
                        default=os.environ.get("CHANRONG_BENCH_POSTGRES_URL", DEFAULT_PG_ADMIN),
                        help="admin connection; a database of its own is created and dropped")  # fmt: skip
    parser.add_argument("--strict", action="store_true", help="exit 1 when the target is missed")
    args = parser.parse_args(argv)
    raise_on_sigterm()
    started = time.perf_counter()
    workdir = Path(tempfile.mkdtemp(prefix="chanrong-bench-certificates-"))
    f: dict[str, Any] = {"bench": "credit_certificates", "mode": "quick" if args.quick else "full",
                         "cpus": os.cpu_count(), "python": platform.python_version(),
                         "loadavg_before": round(load_average(), 2)}  # fmt: skip
    problems: list[str] = []
    try:
        run_certificates_part(f, quick=args.quick, workdir=workdir, problems=problems,
                              admin_url=args.postgres)  # fmt: skip
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    conclude(f, targets=f.pop("certificates_targets", {}), problems=problems, started=started)
    table = Table(title="payable certificates over HTTP on PostgreSQL (wrk)")
    for column in ("figure", "value"):
        table.add_column(column)
    keys = ("ops_per_s", "p50_ms", "p90_ms", "p99_ms", "max_ms", "ops", "non_2xx", "connections",
            "server_cpu_ms_per_op", "one_connection_ops_per_s", "one_connection_p50_ms",
            "one_connection_p99_ms", "curve", "p99_target_holds_up_to_connections", "pool",
            "invariants_ok", "applied", "seed_s")  # fmt: skip
    for key in keys:
        table.add_row(key, str(f.get(f"certificates_{key}")))
    table.add_row("p99 < 50 ms", str(f["targets_met"].get("certificates_p99")))
    console = Console(width=100)
    console.print(table)
    if problems:
        console.print("[bold red]problems:[/bold red] " + "; ".join(problems))
    return emit(f, correct=f["correct"], strict=args.strict)


if __name__ == "__main__":
    sys.exit(main())
