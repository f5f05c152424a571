"""What the benchmarks share: servers started as subprocesses (``chanrong serve`` and the bare
FastAPI floor), their PostgreSQL databases, wrk runs, timing helpers.

Everything listens on loopback only. Servers run in their own process group and are stopped
(SIGTERM, then SIGKILL) by ``Server.stop`` even when the benchmark fails half-way.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, make_url

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
VENV_BIN = ROOT / ".venv" / "bin"
LOOPBACK = "127.0.0.1"


def venv_tool(name: str) -> str:
    """A tool of the project's virtualenv (falling back to the running interpreter's directory)."""
    for candidate in (VENV_BIN / name, Path(sys.executable).parent / name):
        if candidate.exists():
            return str(candidate)
    raise FileNotFoundError(f"{name} not found in {VENV_BIN}; run `make` first")


def free_port() -> int:
    """A TCP port that is free on loopback right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def raise_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit so ``finally`` blocks stop the servers we started."""

    def _handler(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, _handler)


@dataclass
class Process:
    """A subprocess in its own process group, with its output in ``log``."""

    name: str
    proc: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        """Everything the process has written so far."""
        try:
            return self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.output().splitlines()[-lines:])

    def cpu_seconds(self) -> float:
        """User + system CPU time used so far by the live processes of the process's group (it
        and its workers, all their threads)."""
        ticks = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:  # the process ended meanwhile
                continue
            if int(fields[2]) == self.proc.pid:  # the group id: the leader's pid
                ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")

    def stop(self, grace_seconds: float = 10.0) -> None:
        """SIGTERM the process group, wait ``grace_seconds``, then SIGKILL it if still there."""
        if self.proc.poll() is not None:
            return
        for sig, wait in ((signal.SIGTERM, grace_seconds), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.proc.wait(timeout=wait)
                return
            except subprocess.TimeoutExpired:
                continue


@dataclass
class Server(Process):
    """A server subprocess listening on ``port``."""

    port: int = 0

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"


def start_server(
    name: str,
    argv: Sequence[str],
    *,
    port: int,
    ready_path: str,
    env: dict[str, str],
    cwd: Path,
    timeout: float = 60.0,
) -> Server:
    """Start ``argv`` in a new session and wait until ``GET ready_path`` answers 200."""
    log = cwd / f"{name}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(name, proc, log, port)
    deadline = time.monotonic() + timeout
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"{name} exited with {proc.returncode} before it was ready:\n{server.log_tail()}"
                )
            try:
                with urllib.request.urlopen(server.base_url + ready_path, timeout=2) as response:
                    if response.status == 200:
                        return server
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} not ready after {timeout:.0f}s:\n{server.log_tail()}")
            time.sleep(0.1)
    except BaseException:
        server.stop()
        raise


def clean_env() -> dict[str, str]:
    """This process's environment without any ``CHANRONG_*`` setting (servers get only ours)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("CHANRONG_")}


def chanrong_env(workdir: Path, url: str, workers: int = 1) -> dict[str, str]:
    """The environment of a benchmark's ``chanrong serve``: its data directory (so its signing
    key), its database, loopback, ``workers`` worker processes."""
    env = clean_env()
    env.update(
        CHANRONG_DATA_DIR=str(workdir),
        CHANRONG_DATABASE_URL=url,
        CHANRONG_HOST=LOOPBACK,
        CHANRONG_WORKERS=str(workers),
    )
    return env


def start_chanrong(workdir: Path, url: str, name: str, workers: int = 1) -> Server:
    """``chanrong serve`` (as ``make serve`` runs it) on the database at ``url`` with
    ``workers`` worker processes and ``workdir`` as its data directory; ready when ``/healthz``
    answers."""
    port = free_port()
    argv = [venv_tool("chanrong"), "serve", "--host", LOOPBACK, "--port", str(port)]
    env = chanrong_env(workdir, url, workers)
    return start_server(name, argv, port=port, ready_path="/healthz", env=env, cwd=workdir)


def start_bare(workdir: Path, workers: int = 1) -> Server:
    """The HTTP floor: ``bench/bare_app.py``, bare FastAPI routes served with the same uvicorn
    options as ``chanrong serve``, with ``workers`` worker processes."""
    port = free_port()
    argv = [sys.executable, str(BENCH / "bare_app.py"), "--host", LOOPBACK, "--port", str(port),
            "--workers", str(workers)]  # fmt: skip
    return start_server("bare", argv, port=port, ready_path="/bare", env=clean_env(), cwd=workdir)


# --- PostgreSQL -----------------------------------------------------------------------------


def create_pg_database(admin_url: str, name: str) -> str:
    """Create database ``name`` (dropping a leftover of that name) on the admin connection's
    server; returns its URL."""
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        admin.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_pg_database(admin_url: str, name: str) -> None:
    """Drop database ``name`` (the servers using it are stopped by then)."""
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


# --- HTTP -----------------------------------------------------------------------------------


def http_get(
    url: str, headers: dict[str, str] | None = None, timeout: float = 10.0
) -> tuple[int, Any]:
    """(status, decoded JSON body or text) of a GET, without raising on 4xx/5xx."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode("utf-8", errors="replace")


# --- wrk ----------------------------------------------------------------------------------------

WRK_LUA = """-- generated by bench/_common.py
local paths = {
%(paths)s
}
local auth = %(auth)s
if auth ~= "" then wrk.headers["Authorization"] = auth end

local threads = {}
function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(tid * 7919 + os.time())
  responses = 0
  non2xx = 0
end

function request()
  return wrk.format(nil, paths[math.random(#paths)])
end

function response(status, headers, body)
  responses = responses + 1
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end

function done(summary, latency, requests)
  local responses, non2xx = 0, 0
  for _, t in ipairs(threads) do
    responses = responses + t:get("responses")
    non2xx = non2xx + t:get("non2xx")
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%%d,"duration_us":%%d,"bytes":%%d,"responses":%%d,"non2xx":%%d,'
    .. '"connect_errors":%%d,"read_errors":%%d,"write_errors":%%d,"status_errors":%%d,'
    .. '"timeouts":%%d,"p50_us":%%d,"p90_us":%%d,"p99_us":%%d,"p999_us":%%d,'
    .. '"mean_us":%%.1f,"stdev_us":%%.1f,"max_us":%%d}\\n',
    summary.requests, summary.duration, summary.bytes, responses, non2xx,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.mean, latency.stdev, latency.max))
end
"""


def _lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_wrk_script(path: Path, paths: Sequence[str], authorization: str = "") -> Path:
    """A wrk Lua script that GETs random ``paths`` and prints a ``WRK_JSON {...}`` line."""
    body = ",\n".join("  " + _lua_string(p) for p in paths)
    path.write_text(WRK_LUA % {"paths": body, "auth": _lua_string(authorization)}, "utf-8")
    return path


def write_wrk_script_expr(path: Path, path_expr: str, authorization: str = "") -> Path:
    """Like ``write_wrk_script``, but each request's path is the Lua expression ``path_expr``
    (e.g. ``"/items/" .. math.random(0, 999999)``) rather than a pick from a list."""
    pick = "paths[math.random(#paths)]"
    script = WRK_LUA % {"paths": "", "auth": _lua_string(authorization)}
    if pick not in script:
        raise RuntimeError("WRK_LUA no longer picks from `paths`; update write_wrk_script_expr")
    path.write_text(script.replace(pick, f"({path_expr})"), "utf-8")
    return path


@dataclass(frozen=True)
class WrkResult:
    """Figures of one wrk run (latencies in milliseconds)."""

    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    p999_ms: float
    mean_ms: float
    max_ms: float
    non2xx: int
    socket_errors: int
    raw: str

    @property
    def failures(self) -> int:
        """Non-2xx answers plus socket errors and timeouts: must be zero."""
        return self.non2xx + self.socket_errors


def find_wrk() -> str:
    """Path of wrk, or a clear error saying how to get it."""
    found = shutil.which("wrk")
    if not found:
        raise FileNotFoundError("wrk is not installed: apt-get update && apt-get install -y wrk")
    return found


def run_wrk(
    url: str,
    script: Path,
    *,
    seconds: float,
    connections: int = 50,
    threads: int = 2,
    timeout_s: int = 5,
) -> WrkResult:
    """Run ``wrk -t -c -d --latency -s script url`` and parse the script's ``WRK_JSON`` line."""
    argv = [
        find_wrk(),
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        f"--timeout={timeout_s}s",
        "--latency",
        "-s",
        str(script),
        url,
    ]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("WRK_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no WRK_JSON line:\n{done.stdout}\n{done.stderr}")
    data = json.loads(line.removeprefix("WRK_JSON "))
    secs = data["duration_us"] / 1e6
    return WrkResult(
        requests=data["requests"],
        seconds=secs,
        rps=data["requests"] / secs if secs else 0.0,
        p50_ms=data["p50_us"] / 1000,
        p90_ms=data["p90_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        p999_ms=data["p999_us"] / 1000,
        mean_ms=data["mean_us"] / 1000,
        max_ms=data["max_us"] / 1000,
        non2xx=data["non2xx"],
        socket_errors=data["connect_errors"]
        + data["read_errors"]
        + data["write_errors"]
        + data["timeouts"],
        raw=done.stdout,
    )


# --- in-process timing ----------------------------------------------------------------------


def rate(count: int, fn: Callable[[], None]) -> float:
    """Operations per second of ``fn``, which performs ``count`` operations."""
    start = time.perf_counter()
    fn()
    return count / (time.perf_counter() - start)


def load_average() -> float:
    """The 1-minute load average (other work on the machine skews every figure)."""
    return os.getloadavg()[0]


def median(values: Sequence[float]) -> float:
    """The median of ``values``."""
    return float(statistics.median(values))


def clean_up(
    databases: list, *, admin_url: str | None, pg_name: str | None, workdir: Path, keep: bool
) -> None:
    """Dispose of the benchmark's databases, drop its PostgreSQL database, remove (or keep) its
    temporary directory."""
    for database in databases:
        database.dispose()
    if admin_url and pg_name:
        drop_pg_database(admin_url, pg_name)
    if keep:
        print(f"kept {workdir}", flush=True)
    else:
        shutil.rmtree(workdir, ignore_errors=True)


def conclude(
    figures: dict, *, targets: dict[str, bool], problems: list[str], started: float
) -> None:
    """Record in ``figures`` which targets were met, the problems found (a wrong result), the
    load after the run and the elapsed seconds since ``started`` (``time.perf_counter()``)."""
    figures["targets_met"] = targets
    figures["all_targets_met"] = all(targets.values())
    figures["problems"] = problems
    figures["correct"] = not problems
    figures["loadavg_after"] = round(load_average(), 2)
    figures["elapsed_s"] = round(time.perf_counter() - started, 1)


def emit(figures: dict, *, correct: bool, strict: bool) -> int:
    """Print the one-line JSON of figures last; the exit status: 1 when a result was wrong, or
    when ``strict`` and a target was missed, else 0."""
    print(json.dumps(figures, ensure_ascii=False, separators=(",", ":")), flush=True)
    if not correct:
        return 1
    return 1 if strict and not figures["all_targets_met"] else 0
