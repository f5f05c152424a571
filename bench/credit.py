"""Benchmark of instant credit decisions (秒审批), in-process and over HTTP.

(a) In-process: one decision (rules + the compiled SME points table + the offer with its
    repayment schedule, `credit.decisions.decide`) on SYNTHETIC applicants, p50 and p99 of single
    calls, against the same scorecard applied through the training library's own transform
    (optbinning WOE transform + scikit-learn on a one-row DataFrame, plus the same rules: the
    naive baseline). Target p99 < 1 ms. Correctness: both paths give the same points for every
    applicant.
(b) Over HTTP: ``chanrong serve`` (uvicorn, one worker process per CPU) on a seeded SQLite
    file, wrk at 50 connections POSTing ``/api/v1/credit/applications`` with random SMEs' API
    keys: every request computes the SME's features from its trade, decides (on a read
    snapshot), then records the application and logs it in the ledger (with the decisions that
    queued meanwhile, in one transaction) before it answers. Every other SME has granted the
    bank its telemetry for credit assessment, so half the decisions also read device
    utilisation under that grant and write the read's audit record with the decision. p50, p99, decisions/s; targets p99 < 50 ms and >= 1,000 decisions/s.
    Against a bare FastAPI route served the same way with as many workers (the HTTP floor),
    and beside the same use case called in-process one after another (what a decision costs
    without HTTP), with the server's CPU per decision. Correctness: every answer 2xx, one ``credit.decided`` ledger
    entry per application, one audit record per application of a granting SME, a sample of
    decisions recomputes to the recorded result.
(c) Certificates (云证) over HTTP on PostgreSQL (``_credit_certificates.py``): ``chanrong serve``
    (one worker per CPU) on a fresh PostgreSQL database, wrk POSTing split, transfer and finance requests (each on
    its own piece, each with an Idempotency-Key): operations/s, p50, p99 at 50 connections
    (32 in --quick); target p99 < 50 ms. Before it, lighter loads (8, 16, 32 connections; 8 in
    --quick) show up to which load the target holds.
    Correctness: every answer 2xx, the live pieces of every certificate partition its face value,
    and the ledger replay equals the stored pieces.

Prints a table, then as its LAST LINE one JSON object with every figure. Exit status 1 when a
correctness check fails (and, with ``--strict``, when a performance target is missed).

    .venv/bin/python bench/credit.py --quick     # under a minute
    .venv/bin/python bench/credit.py
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

from _common import (
    clean_up,
    conclude,
    emit,
    load_average,
    raise_on_sigterm,
    run_wrk,
    start_bare,
    start_chanrong,
    write_wrk_script,
)
from _credit_certificates import run_certificates_part
from chanrong import clock
from chanrong import db as db_module
from chanrong.consent import service as consent
from chanrong.consent.models import AccessRecord, Grant
from chanrong.credit import service as credit
from chanrong.credit import sme_model
from chanrong.credit.decisions import Inputs, decide
from chanrong.credit.features import SCORED
from chanrong.credit.models import Application
from chanrong.credit.rules import DEFAULT_RULES, Facts, check
from chanrong.identifiers import service as identifiers
from chanrong.ledger.models import LedgerEntry
from chanrong.parties import access, uscc
from chanrong.parties import service as parties
from chanrong.principal import Principal
from chanrong.trade import documents

SYSTEM = Principal.system()
TARGET_INPROC_P99_MS = 1.0
TARGET_HTTP_P99_MS = 50.0
TARGET_RPS = 1_000.0
WORKERS = os.cpu_count() or 1
console = Console(width=110)


@dataclass(frozen=True)
class Profile:
    """How big and how long one run is."""

    applicants: int
    baseline_applicants: int
    smes: int
    warmup_s: float
    wrk_s: float
    use_case_decisions: int


QUICK = Profile(applicants=5_000, baseline_applicants=300, smes=12, warmup_s=1, wrk_s=5,
                use_case_decisions=500)  # fmt: skip
FULL = Profile(applicants=20_000, baseline_applicants=1_000, smes=40, warmup_s=3, wrk_s=15,
               use_case_decisions=2_000)  # fmt: skip


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _facts(sales: int) -> Facts:
    return Facts(product="working_capital", amount_fen=100_000_00, term_months=6,
                 uscc="91330200MA2H0000X1", sales_12m_fen=sales, top_buyer_share_bp=4_000)  # fmt: skip


# --- (a) in-process ---------------------------------------------------------------------------


def measure_inproc(profile: Profile) -> dict[str, Any]:
    """Single-decision latencies of the compiled path and the library path, and agreement."""
    import pandas as pd

    table, digest = credit.table()
    rows = sme_model.synthetic_rows(profile.applicants, seed=7)
    today = clock.today()
    inputs = [Inputs(_facts(r["sales_12m_fen"]), {k: r[k] for k in SCORED}, today) for r in rows]
    for item in inputs[:200]:  # warm-up
        decide(item, DEFAULT_RULES, table, digest)
    compiled = []
    for item in inputs:
        start = time.perf_counter_ns()
        decide(item, DEFAULT_RULES, table, digest)
        compiled.append((time.perf_counter_ns() - start) / 1e6)
    fitted, _frame = sme_model.fit()
    intercept = fitted.intercept_points()
    baseline, mismatches = [], 0
    for item in inputs[: profile.baseline_applicants]:
        start = time.perf_counter_ns()
        check(item.facts, DEFAULT_RULES)
        one = pd.DataFrame([{k: float("nan") if v is None else float(v)
                             for k, v in item.features.items()}])  # fmt: skip
        points = intercept + int(fitted.points_frame(one).iloc[0].sum())
        baseline.append((time.perf_counter_ns() - start) / 1e6)
        if points != table.total(item.features):
            mismatches += 1
    p50, p99 = _pct(compiled, 0.5), _pct(compiled, 0.99)
    b50, b99 = _pct(baseline, 0.5), _pct(baseline, 0.99)
    return {"decisions": len(compiled), "p50_ms": round(p50, 4), "p99_ms": round(p99, 4),
            "baseline_decisions": len(baseline), "baseline_p50_ms": round(b50, 3),
            "baseline_p99_ms": round(b99, 3), "speedup_p50": round(b50 / p50, 1),
            "points_mismatches": mismatches}  # fmt: skip


# --- (b) HTTP ---------------------------------------------------------------------------------


GRANT_EVERY = 2
"""Every ``GRANT_EVERY``-th SME grants the bank its telemetry for credit assessment."""


def seed(url: str, smes: int) -> tuple[int, list[str]]:
    """A bank and ``smes`` SMEs, each having sold to three buyers in the last year, every
    ``GRANT_EVERY``-th with a live telemetry grant to the bank; returns the bank id and one API
    key per SME."""
    database = db_module.Database(url)
    db_module.upgrade(database)
    tokens: list[str] = []
    serial = iter(range(1, 10**6))

    def party(kind: str, roles: list[str]) -> Any:
        n = next(serial)
        draft = parties.draft_or_raise(
            kind=kind, name=f"基准企业{n}有限公司", uscc_code=uscc.complete(f"91330200{n:09d}"[:17]),
            province="33", city="宁波市", industry="J66" if kind == "institution" else "C35",
            size="small", roles=roles,
        )  # fmt: skip
        created = parties.create_party(session, actor=SYSTEM, draft=draft)
        if kind == "enterprise":
            identifiers.register_prefix(session, actor=SYSTEM, party_id=created.id,
                                        prefix=f"88.1001.{5000 + n}")  # fmt: skip
        return created

    try:
        with database.transaction() as session:
            bank = party("institution", ["bank"])
            buyers = [party("enterprise", ["core_enterprise"]) for _ in range(3)]
            today = clock.today()
            for i in range(smes):
                sme = party("enterprise", ["supplier", "sme"])
                seller = Principal(sme.id, "enterprise", frozenset({"admin"}))
                for j, buyer in enumerate(buyers):
                    day = today - timedelta(days=20 + 40 * j + i)
                    amount = (400_000_00 + 37_000_00 * ((i * 3 + j) % 11)) * 100
                    order = documents.create_order(
                        session, actor=Principal(buyer.id, "enterprise", frozenset({"admin"})),
                        seller_party_id=sme.id, buyer_party_id=buyer.id, order_date=day,
                        amount_fen=amount, payment_terms_days=90)  # fmt: skip
                    delivery = documents.create_delivery(
                        session, actor=seller, order_id=order.id,
                        delivered_on=day + timedelta(days=1), amount_fen=amount)  # fmt: skip
                    documents.create_invoice(
                        session, actor=seller, order_id=order.id, delivery_id=delivery.id,
                        invoice_number=f"{i:04d}{j:04d}", issued_on=day + timedelta(days=2),
                        due_on=day + timedelta(days=60), amount_fen=amount)  # fmt: skip
                if i % GRANT_EVERY == 0:
                    consent.give_grant(session, actor=seller, recipient_party_id=bank.id,
                                       scope="telemetry", purpose="credit_assessment",
                                       expires_at=clock.now() + timedelta(days=30))  # fmt: skip
                _key, token = access.issue_api_key(session, actor=SYSTEM, party_id=sme.id,
                                                   name="bench", roles=["admin"])  # fmt: skip
                tokens.append(token)
            bank_id = bank.id
    finally:
        database.dispose()
    return bank_id, tokens


POST_REQUEST = """function request()
  local i = math.random(#tokens)
  return wrk.format("POST", "/api/v1/credit/applications",
    {["Authorization"] = "Bearer " .. tokens[i], ["Content-Type"] = "application/json"}, body)
end"""


def write_post_script(path: Path, tokens: list[str], bank_id: int) -> Path:
    """A wrk script POSTing one application per request with a random SME's key."""
    write_wrk_script(path, ["/"])
    script = path.read_text("utf-8")
    old = "function request()\n  return wrk.format(nil, paths[math.random(#paths)])\nend"
    if old not in script:
        raise RuntimeError("WRK_LUA changed: update bench/credit.py's POST script")
    listed = ", ".join(f'"{t}"' for t in tokens)
    body = json.dumps({"bank_party_id": bank_id, "product": "working_capital",
                       "amount_fen": 100_000_00, "term_months": 6})  # fmt: skip
    head = f"tokens = {{{listed}}}\nbody = '{body}'\n"
    path.write_text(head + script.replace(old, POST_REQUEST), "utf-8")
    return path


def verify(url: str, sample: int = 50) -> dict[str, Any]:
    """Applications vs ``credit.decided`` entries, audit records vs applications of SMEs that
    granted their telemetry, and a sample recomputed."""
    database = db_module.Database(url)
    try:
        with database.transaction(write=False) as session:
            applications = session.scalar(select(func.count(Application.id))) or 0
            logged = session.scalar(select(func.count(LedgerEntry.seq))
                                    .where(LedgerEntry.event == "credit.decided")) or 0  # fmt: skip
            rows = session.scalars(select(Application).order_by(func.random()).limit(sample))
            differ = sum(1 for r in rows if credit.recompute(session, r).to_dict() != r.result)
            outcomes = dict(session.execute(select(Application.outcome, func.count())
                                            .group_by(Application.outcome)).all())  # fmt: skip
            granting = select(Grant.owner_party_id).where(Grant.scope == "telemetry")
            of_granting = session.scalar(select(func.count(Application.id))
                                         .where(Application.applicant_party_id.in_(granting))) or 0  # fmt: skip
            audits = session.scalar(select(func.count(AccessRecord.id))
                                    .where(AccessRecord.scope == "telemetry")) or 0  # fmt: skip
    finally:
        database.dispose()
    return {"applications": applications, "logged": logged, "recompute_differs": differ,
            "outcomes": outcomes, "of_granting_smes": of_granting, "audits": audits}  # fmt: skip


def measure_use_case(url: str, bank_id: int, tokens: list[str], n: int) -> dict[str, Any]:
    """``n`` applications one after another in-process on the seeded file, each one transaction
    as a request runs it (authenticate the key, ``credit.service.apply``: features from trade,
    rules, scorecard, the application row and its ledger entry; commit): the use case's own
    cost, without HTTP. p50 and p99 of the wall time, CPU per decision; then the CPU of the two
    halves the server runs apart (``_split_use_case``)."""
    database = db_module.Database(url)
    walls: list[float] = []
    try:
        cpu = time.process_time()
        for i in range(n):
            began = time.perf_counter()
            with database.transaction() as session:
                caller = access.authenticate_api_key(session, tokens[i % len(tokens)])
                credit.apply(session, actor=caller, bank_party_id=bank_id,
                             product="working_capital", amount_fen=100_000_00, term_months=6)  # fmt: skip
            walls.append((time.perf_counter() - began) * 1000)
        cpu_ms = (time.process_time() - cpu) * 1000 / n
        decide_ms, record_ms = _split_use_case(database, bank_id, tokens, n)
    finally:
        database.dispose()
    return {"decisions": n, "p50_ms": round(_pct(walls, 0.5), 3),
            "p99_ms": round(_pct(walls, 0.99), 3), "cpu_ms_per_decision": round(cpu_ms, 3),
            "decide_cpu_ms": round(decide_ms, 3), "record_cpu_ms_in_batches": round(record_ms, 3),
            "batch": BATCH}  # fmt: skip


BATCH = 8  # about the batch the server's writer thread records under the (b) load


def _split_use_case(database: db_module.Database, bank_id: int, tokens: list[str],
                    n: int) -> tuple[float, float]:  # fmt: skip
    """CPU (ms) per decision of the two halves the server runs: the decision on a read
    transaction (key check included), and its record in batches of ``BATCH``."""
    decided = []
    cpu = time.process_time()
    for i in range(n):
        with database.transaction(write=False) as session:
            caller = access.authenticate_api_key(session, tokens[i % len(tokens)])
            decided.append(credit.decide_application(
                session, actor=caller, bank_party_id=bank_id, product="working_capital",
                amount_fen=100_000_00, term_months=6))  # fmt: skip
    decide_ms = (time.process_time() - cpu) * 1000 / n
    cpu = time.process_time()
    for start in range(0, n, BATCH):
        with database.transaction() as session:
            credit.record_decisions(session, decided[start : start + BATCH])
    return decide_ms, (time.process_time() - cpu) * 1000 / n


def measure_http(workdir: Path, url: str, bank_id: int, tokens: list[str],
                 profile: Profile) -> dict[str, Any]:  # fmt: skip
    """wrk against the bare floor and the decision endpoint."""
    servers = []
    try:
        bare = start_bare(workdir, workers=WORKERS)
        servers.append(bare)
        server = start_chanrong(workdir, url, "credit-chanrong", workers=WORKERS)
        servers.append(server)
        bare_script = write_wrk_script(workdir / "bare.lua", ["/bare"], "Bearer crk_0_unused")
        post = write_post_script(workdir / "post.lua", tokens, bank_id)
        run_wrk(server.base_url + "/", post, seconds=profile.warmup_s)
        floor = run_wrk(bare.base_url + "/", bare_script, seconds=profile.wrk_s)
        cpu_before = server.cpu_seconds()
        result = run_wrk(server.base_url + "/", post, seconds=profile.wrk_s)
        cpu_ms = (server.cpu_seconds() - cpu_before) * 1000 / max(1, result.requests)
        if server.proc.poll() is not None:
            raise RuntimeError(f"server died:\n{server.log_tail()}")
    finally:
        for s in servers:
            s.stop()
    return {"rps": round(result.rps, 1), "p50_ms": round(result.p50_ms, 2),
            "p99_ms": round(result.p99_ms, 2), "max_ms": round(result.max_ms, 2),
            "requests": result.requests, "failures": result.failures,
            "server_cpu_ms_per_decision": round(cpu_ms, 2),
            "bare_rps": round(floor.rps, 1), "bare_p99_ms": round(floor.p99_ms, 2),
            "vs_bare": round(result.rps / floor.rps, 3) if floor.rps else 0.0}  # fmt: skip


def report(f: dict[str, Any]) -> None:
    """The human-readable table."""
    t = f["targets_met"]
    table = Table(title=f"credit decisions — {f['mode']} run, {f['cpus']} CPUs")
    for column in ("measure", "chanrong", "baseline / floor", "ratio", "target", "met"):
        table.add_column(column)
    met = {True: "[green]yes[/green]", False: "[bold red]NO[/bold red]", None: "—"}
    table.add_row("(a) decision in-process p50", f"{f['inproc_p50_ms']:.4f} ms",
                  f"{f['inproc_baseline_p50_ms']:.3f} ms", f"{f['inproc_speedup_p50']:.0f}x faster",
                  "", "")  # fmt: skip
    table.add_row("(a) decision in-process p99", f"{f['inproc_p99_ms']:.4f} ms",
                  f"{f['inproc_baseline_p99_ms']:.3f} ms", "", "< 1 ms",
                  met[t.get("inproc_p99_under_1ms")])  # fmt: skip
    if "use_case_p50_ms" in f:
        table.add_row("(b) use case in-process p50 / p99", f"{f['use_case_p50_ms']:.2f} / "
                      f"{f['use_case_p99_ms']:.2f} ms", "", "", "", "")  # fmt: skip
        table.add_row("(b) use case CPU per decision", f"{f['use_case_cpu_ms_per_decision']:.2f} ms",
                      "", "", "", "")  # fmt: skip
        table.add_row(f"(b) CPU: decide; record (batches of {f['use_case_batch']})",
                      f"{f['use_case_decide_cpu_ms']:.2f}; {f['use_case_record_cpu_ms_in_batches']:.2f} ms",
                      "", "", "", "")  # fmt: skip
    if "http_rps" in f:
        table.add_row(f"(b) HTTP decisions/s ({f['http_workers']} workers)", f"{f['http_rps']:,.0f}", f"{f['http_bare_rps']:,.0f}",
                      f"{f['http_vs_bare']:.2f}x bare", "≥ 1,000/s",
                      met[t.get("http_1000_per_s")])  # fmt: skip
        table.add_row("(b) HTTP p50", f"{f['http_p50_ms']:.2f} ms", "", "", "", "")
        table.add_row("(b) HTTP p99", f"{f['http_p99_ms']:.2f} ms", f"{f['http_bare_p99_ms']:.2f} ms",
                      "", "< 50 ms", met[t.get("http_p99_under_50ms")])  # fmt: skip
        table.add_row("(b) server CPU per decision", f"{f['http_server_cpu_ms_per_decision']:.2f} ms",
                      "", "", "", "")  # fmt: skip
        table.add_row("(b) failures; recorded = logged", f"{f['http_failures']}",
                      f"{f['http_applications']} / {f['http_logged']}", "", "0; equal", "")  # fmt: skip
        table.add_row("(b) audits = decisions under grant", f"{f['http_audits']}",
                      f"{f['http_of_granting_smes']}", "", "equal", "")  # fmt: skip
    if "certificates_ops_per_s" in f:
        table.add_row(f"(c) certificate ops/s (PostgreSQL, {f['certificates_workers']} workers)",
                      f"{f['certificates_ops_per_s']:,.0f}", "", "", "split, transfer, finance",
                      "")  # fmt: skip
        table.add_row("(c) server CPU per operation", f"{f['certificates_server_cpu_ms_per_op']:.2f} ms",
                      "", "", "", "")  # fmt: skip
        table.add_row(f"(c) certificate ops p50 / p99 ({f['certificates_connections']} conns)",
                      f"{f['certificates_p50_ms']:.1f} / {f['certificates_p99_ms']:.1f} ms", "", "",
                      "p99 < 50 ms", met[t.get("certificates_p99")])  # fmt: skip
        for c in f["certificates_curve"]:
            table.add_row(f"(c) at {c['connections']} connections: ops/s, p50 / p99",
                          f"{c['ops_per_s']:,.0f}; {c['p50_ms']:.1f} / {c['p99_ms']:.1f} ms", "",
                          "", "", "")  # fmt: skip
    console.print(table)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small run, 5 s wrk (< 1 min)")
    parser.add_argument("--no-http", action="store_true", help="only part (a)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    profile = QUICK if args.quick else FULL
    raise_on_sigterm()
    started = time.perf_counter()
    random.seed(1)
    workdir = Path(tempfile.mkdtemp(prefix="chanrong-bench-credit-"))
    url = f"sqlite:///{workdir / 'chanrong.db'}"
    figures: dict[str, Any] = {"bench": "credit", "mode": "quick" if args.quick else "full",
                               "cpus": os.cpu_count(), "python": platform.python_version(),
                               "connections": 50, "wrk_seconds": profile.wrk_s,
                               "http_workers": WORKERS,
                               "table_version": sme_model.VERSION,
                               "loadavg_before": round(load_average(), 2)}  # fmt: skip
    targets: dict[str, bool] = {}
    problems: list[str] = []
    try:
        with console.status("(a) in-process decisions"):
            inproc = measure_inproc(profile)
        figures.update({f"inproc_{k}": v for k, v in inproc.items()})
        targets["inproc_p99_under_1ms"] = inproc["p99_ms"] < TARGET_INPROC_P99_MS
        if inproc["points_mismatches"]:
            problems.append(f"{inproc['points_mismatches']} applicants scored differently")
        if not args.no_http:
            with console.status(f"(b) seeding {profile.smes} SMEs, then wrk"):
                bank_id, tokens = seed(url, profile.smes)
                use_case = measure_use_case(url, bank_id, tokens, profile.use_case_decisions)
                figures.update({f"use_case_{k}": v for k, v in use_case.items()})
                http = measure_http(workdir, url, bank_id, tokens, profile)
                checked = verify(url)
            figures.update({f"http_{k}": v for k, v in {**http, **checked}.items()})
            targets["http_p99_under_50ms"] = http["p99_ms"] < TARGET_HTTP_P99_MS
            targets["http_1000_per_s"] = http["rps"] >= TARGET_RPS
            if http["failures"]:
                problems.append(f"{http['failures']} failed requests")
            if checked["applications"] != checked["logged"]:
                problems.append("applications and credit.decided entries differ")
            if not 0 < checked["audits"] == checked["of_granting_smes"]:
                problems.append(f"{checked['audits']} audit records for "
                                f"{checked['of_granting_smes']} decisions under grant")  # fmt: skip
            if checked["recompute_differs"]:
                problems.append(f"{checked['recompute_differs']} decisions recompute differently")
            with console.status("(c) certificates over HTTP on PostgreSQL"):
                run_certificates_part(figures, quick=args.quick, workdir=workdir,
                                      problems=problems)  # fmt: skip
            targets.update(figures.pop("certificates_targets", {}))
        conclude(figures, targets=targets, problems=problems, started=started)
        report(figures)
    finally:
        clean_up([], admin_url=None, pg_name=None, workdir=workdir, keep=args.keep)
    return emit(figures, correct=not problems, strict=args.strict)


if __name__ == "__main__":
    sys.exit(main())
