"""``chanrong demo``: build the simulated industrial park and print what it holds."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import typer
from rich.columns import Columns
from rich.table import Table
from sqlalchemy.engine import make_url

from chanrong import db as db_module
from chanrong.demo import credit as demo_credit
from chanrong.demo import observatory as obs
from chanrong.demo import supplychain
from chanrong.demo.build import DEMO_PASSWORD, ParkSummary, build_park, park_status, summarise
from chanrong.demo.plan import DEFAULT_SEED, plan_park
from chanrong.demo.telemetry_cli import build_telemetry
from chanrong.identifiers.core import OBJECT_TYPES
from chanrong.money import format_cny
from chanrong.parties import reference
from chanrong.settings import Settings, get_settings
from chanrong.shell import console, open_database, progress
from chanrong.telemetry.store import READINGS_DIR


def demo(
    seed: int = typer.Option(DEFAULT_SEED, help="Random seed: one seed, one park."),
    reset: bool = typer.Option(
        False,
        "--reset",
        help="Rebuild from scratch. Default SQLite: deletes <data_dir>/chanrong.db. Any other "
        "database (PostgreSQL, a custom SQLite URL): drops every chanrong table, needs --yes. "
        "Either way the stored telemetry readings (<telemetry_dir>/readings/) are removed.",
    ),
    yes: bool = typer.Option(
        False, "--yes", "-y", help="Confirm --reset on a database other than the default SQLite."
    ),
    report: bool = typer.Option(
        True,
        "--report/--no-report",
        help="Write the observatory's 2024 report (HTML, PDF, XLSX) into <data_dir>/reports/.",
    ),
) -> None:
    """Build a simulated industrial park (模拟产业园区) into the configured database.

    The park (same seed, same park): the platform operator, 4 core enterprises, 50 SMEs in 12
    provinces, 9 financial institutions (3 banks, 2 insurers, 2 lessors, a factoring company, a
    fund); a prefix per enterprise with identifiers for its devices, product batches, purchase
    orders, contracts, delivery notes and invoices (several hundred in all);
    one admin per party (<code>-admin, e.g. op-admin, excavator-admin, bank1-admin) with the
    demo password "chanrong-demo"; an API key per core enterprise and bank. The observatory gets
    the real deals the 2024 report names and a SYNTHETIC five-year dataset (4,000 rounds over
    800 organisations, sources "synthetic:<seed>:..."); its 2024 annual report (HTML, PDF,
    XLSX, figures) is written into <data_dir>/reports/observatory-2024/ (--no-report skips it).
    About 110 of the park's devices report telemetry (sewing machines, excavators, motors,
    vans, an energy meter per factory, platform tenants): a SIMULATED week of readings up to
    the current hour, with light faults, is ingested into <data_dir>/telemetry/ and rolled up.

    Running it again is safe: when the park is already there it changes nothing and prints the
    summary again (API key tokens are only shown when the park is built), and the observatory
    data and report, the devices and their week are only loaded and written when missing.
    --reset rebuilds it (and removes the stored readings):
    on the default SQLite database it deletes the file; on PostgreSQL or a custom database URL
    it drops every chanrong table (all data, not only the park's) and needs --yes.
    """
    settings = get_settings()
    if reset:
        _reset(settings, confirmed=yes)
    database = open_database(migrate=True)
    where = _location(settings)
    try:
        with database.transaction() as session:
            status = park_status(session, seed)
            if status == "present":
                summary = summarise(session, plan_park(seed))
        if status == "other":
            console.print(
                f"[red]A demo park built with another seed is already in {where}.[/red] "
                "Run `chanrong demo` with that seed, or `chanrong demo --reset` to rebuild."
            )
            raise typer.Exit(1)
        if status == "present":
            console.print(
                f"[yellow]园区已存在 The park (seed {seed}) is already in {where}; the park is "
                "unchanged.[/yellow] Use --reset to rebuild it."
            )
            render_summary(summary, where=where, settings=settings)
            build_observatory(database, seed=seed, settings=settings, report=report)
            build_telemetry(database, seed=seed, settings=settings)
            build_supply_chain(database, seed=seed, settings=settings)
            build_instant_credit(database, seed=seed, settings=settings)
            return
        started = time.perf_counter()
        with progress() as bar:
            task = bar.add_task("模拟产业园区 building the park", total=None)

            def on_progress(stage: str, done: int, total: int) -> None:
                bar.update(task, description=stage, completed=done, total=total)

            with database.transaction() as session:
                summary = build_park(session, seed=seed, on_progress=on_progress)
            bar.update(task, description="完成 done")
        elapsed = time.perf_counter() - started
        console.print(f"[green]园区已建成 Park built in {elapsed:.1f} s (seed {seed}).[/green]")
        render_summary(summary, where=where, settings=settings)
        build_observatory(database, seed=seed, settings=settings, report=report)
        build_telemetry(database, seed=seed, settings=settings)
        build_supply_chain(database, seed=seed, settings=settings)
        build_instant_credit(database, seed=seed, settings=settings)
    finally:
        database.dispose()


def build_supply_chain(database: db_module.Database, *, seed: int, settings: Settings) -> None:
    """Write the park's trade, credit lines and certificates when missing; print a summary."""
    with database.transaction() as session:
        found = supplychain.build_supplychain(session, seed=seed)
    done = "SIMULATED 模拟数据, built now" if found.built else "already there, skipped"
    url = f"http://{settings.host}:{settings.port}/certificates"
    console.print(
        f"\n云证 payable certificates ({done}): {found.certificates} certificates "
        f"({format_cny(found.face_fen, '万元')}), {found.pieces} pieces ({found.live_pieces} "
        f"live), {found.financings} financed at banks ({format_cny(found.financed_fen, '万元')}), "
        f"{found.settled} settled at maturity, {found.credit_lines} credit lines (checkers "
        f"{', '.join(supplychain.checkers())}, password {DEMO_PASSWORD}); console {url}",
        markup=False, highlight=False, soft_wrap=True,
    )  # fmt: skip


def build_instant_credit(database: db_module.Database, *, seed: int, settings: Settings) -> None:
    """Let the park's SMEs apply for credit when they have not; print each decision."""
    with database.transaction() as session:
        found = demo_credit.build_credit(session, seed=seed)
    done = "SIMULATED 模拟数据, built now" if found.built else "already there, skipped"
    console.print(f"\n秒审批 instant credit ({done}); console http://{settings.host}:"
                  f"{settings.port}/credit:", markup=False, highlight=False, soft_wrap=True)  # fmt: skip
    for line in demo_credit.describe(found):
        console.print(f"  {line}", markup=False, highlight=False, soft_wrap=True)


def build_observatory(
    database: db_module.Database, *, seed: int, settings: Settings, report: bool
) -> None:
    """Fill the observatory (real sample + SYNTHETIC rounds) and write its report when missing."""
    started = time.perf_counter()
    out = obs.report_directory(settings.data_dir).resolve()
    with progress() as bar:
        task = bar.add_task(
            "产业观测 observatory: SYNTHETIC rounds 合成数据", total=obs.SYNTHETIC_EVENTS
        )
        with database.transaction() as session:
            fill = obs.fill_observatory(session, seed=seed, tick=lambda n: bar.advance(task, n))
        bar.update(task, completed=obs.SYNTHETIC_EVENTS)
        files = None
        if report and (fill.changed or not obs.report_present(out)):
            written = bar.add_task(f"{obs.REPORT_YEAR} 年报 annual report", total=None)
            with database.transaction(write=False) as session:
                files = obs.write_report(session, out)
            bar.update(written, total=1, completed=1)
    elapsed = time.perf_counter() - started
    render_observatory(fill, seed=seed, files=files, out=out if report else None, settings=settings)
    if fill.changed or files is not None:
        console.print(f"[green]产业观测 Observatory ready in {elapsed:.1f} s.[/green]")


def render_observatory(
    fill: obs.ObservatoryFill,
    *,
    seed: int,
    files: obs.ReportFiles | None,
    out: Path | None,
    settings: Settings,
) -> None:
    """Print what the observatory holds, where its report is and the console page."""
    sample = (
        f"{fill.sample_rounds} rounds the 2024 report names (real, public)"
        if fill.sample_rounds
        else "the deals the 2024 report names (already loaded)"
    )
    if fill.synthetic is None:
        synthetic = "SYNTHETIC 合成数据: already loaded, skipped"
    else:
        counts = fill.synthetic
        synthetic = (
            f"SYNTHETIC 合成数据 (not real): {counts['rounds']:,} rounds 2020-2024, "
            f"{counts['organisations']:,} organisations, {counts['investors']:,} investors, "
            f"{counts['listings']:,} listings (sources synthetic:{seed}:...)"
        )
    console.print(
        f"\n产业观测 observatory: {sample}; {synthetic}.\n"
        f"  {obs.REPORT_YEAR}: {fill.events:,} financing events, {fill.companies:,} companies "
        "financed",
        markup=False,
        highlight=False,
    )
    if out is not None:
        if files is not None:
            console.print(
                f"  年报 report {obs.REPORT_YEAR}: {files.html}, {files.pdf}, {files.xlsx} "
                f"({files.pdf_pages} PDF pages, {len(files.figures)} figures in {out / 'figures'})",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
            if files.pdf_engine != "weasyprint":
                console.print("  WeasyPrint unavailable: the PDF holds the figures and tables only")
        else:
            console.print(
                f"  年报 report {obs.REPORT_YEAR}: already in {out} (report.html, report.pdf)",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
    url = f"http://{settings.host}:{settings.port}"
    console.print(
        f"  控制台 console: {url}/observatory (after `make serve`; rewrite the report with "
        f"`chanrong observatory report --year {obs.REPORT_YEAR}`)",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


def _location(settings: Settings) -> str:
    url = make_url(settings.resolved_database_url())
    if url.get_backend_name() == "sqlite":
        return f"SQLite {url.database}"
    return url.render_as_string(hide_password=True)


def _reset(settings: Settings, *, confirmed: bool) -> None:
    if not settings.database_url:
        path = (settings.data_dir / "chanrong.db").resolve()
        for file in (path, *(Path(f"{path}{suffix}") for suffix in ("-wal", "-shm", "-journal"))):
            file.unlink(missing_ok=True)
        console.print(f"removed {path}")
        _remove_readings(settings)
        return
    where = _location(settings)
    if not confirmed:
        console.print(
            f"[red]Refusing --reset on {where}:[/red] it drops every chanrong table there, not "
            "only the demo park. Add --yes to confirm."
        )
        raise typer.Exit(2)
    from alembic import command

    database = open_database(migrate=False)
    try:
        config = db_module.alembic_config(settings.resolved_database_url())
        command.downgrade(config, "base")
    finally:
        database.dispose()
    console.print(f"dropped every chanrong table in {where}")
    _remove_readings(settings)


def _remove_readings(settings: Settings) -> None:
    # The Parquet files are listed in tm_files: with the tables gone nothing would ever read
    # them again, and a rebuilt park's device ids would collide with theirs.
    readings = (settings.resolved_telemetry_dir() / READINGS_DIR).resolve()
    if readings.exists():
        shutil.rmtree(readings)
        console.print(f"removed {readings}")


def _label(table: dict[str, tuple[str, str]], key: str) -> str:
    zh, en = table.get(key, (key, key))
    return f"{zh} {en}"


def _industry_label(code: str) -> str:
    zh, en = reference.DIVISION_NAMES.get(code[1:], ("", ""))
    if not zh:
        section = reference.INDUSTRY_SECTIONS.get(code[:1])
        zh, en = (section[0], section[1]) if section else ("", "")
    return f"{code} {zh} {en}".strip()


def render_summary(summary: ParkSummary, *, where: str, settings: Settings) -> None:
    """Print the park's summary: counts, coverage, logins, keys, where it is and how to serve."""
    kinds = Table("类型 kind", "数量 count", title="参与方 parties")
    for kind, count in summary.parties_by_kind.items():
        kinds.add_row(_label(reference.PARTY_KINDS, kind), str(count))
    kinds.add_row("[bold]合计 total[/bold]", f"[bold]{summary.parties}[/bold]")
    roles = Table("角色 role", "数量 count", title="角色 roles")
    for role, count in summary.parties_by_role.items():
        roles.add_row(_label(reference.ALL_ROLES, role), str(count))
    types = Table("类型 object type", "数量 count", title="标识 identifiers")
    for kind, count in summary.identifiers_by_type.items():
        types.add_row(_label(OBJECT_TYPES, kind), str(count))
    types.add_row("[bold]合计 total[/bold]", f"[bold]{summary.identifiers}[/bold]")
    types.add_row("企业前缀 prefixes", str(summary.prefixes))
    types.add_row("用户 users", str(summary.users))
    types.add_row("API 密钥 API keys", str(summary.api_keys))
    console.print(Columns([kinds, roles, types]))

    provinces = Table(
        "省份 province", "数量 count", title=f"省份 provinces ({len(summary.provinces)})"
    )
    for code, count in summary.provinces.items():
        provinces.add_row(_label(reference.PROVINCES, code), str(count))
    industries = Table(
        "行业 industry (GB/T 4754)",
        "数量 count",
        title=f"行业 industries ({len(summary.industries)})",
    )
    for code, count in summary.industries.items():
        industries.add_row(_industry_label(code), str(count))
    console.print(Columns([provinces, industries]))

    logins = Table("用户名 username", "参与方 party", "角色 roles", title="演示登录 demo logins")
    shown_segments: set[str] = set()
    for login in summary.logins:
        if login.kind == "enterprise" and "core_enterprise" not in login.roles:
            segment = login.party.rstrip("0123456789")
            if segment in shown_segments:
                continue
            shown_segments.add(segment)
        logins.add_row(
            login.username,
            login.party_name,
            ", ".join(reference.ALL_ROLES.get(r, (r, r))[0] for r in login.roles),
        )
    console.print(logins)
    console.print(
        f"密码 password for every demo login: [bold]{summary.password}[/bold]  "
        f"(one admin per party, {summary.users} in all: <code>-admin, e.g. sew02-admin; "
        "`chanrong parties list` lists every party)"
    )

    url = f"http://{settings.host}:{settings.port}"
    enterprise = next((k for k in summary.issued_keys if k.role == "core_enterprise"), None)
    bank = next((k for k in summary.issued_keys if k.role == "bank"), None)
    handle = summary.sample_handles.get("EX") or next(iter(summary.sample_handles.values()), "")
    if enterprise and bank:
        console.print(
            f"\nAPI 密钥 API keys ({len(summary.issued_keys)} issued, one per core enterprise and "
            "bank; tokens are shown only now):"
        )
        console.print(f"  {enterprise.party_name} ({enterprise.party}): ", end="")
        console.print(enterprise.token, markup=False, highlight=False)
        console.print(f"  {bank.party_name} ({bank.party}): ", end="")
        console.print(bank.token, markup=False, highlight=False)
        console.print("  Try (the owner sees protected fields; the bank sees them withheld):")
        for token in (enterprise.token, bank.token):
            console.print(
                f'  curl -H "Authorization: Bearer {token}" {url}/api/v1/identifiers/{handle}',
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
    else:
        console.print(
            "\nAPI key tokens were shown when the park was built; issue another with "
            "`chanrong parties issue-key <统一社会信用代码>`."
        )
    console.print(
        f"\n数据库 database: {where}\n"
        f"启动 serve: `make serve` → {url}/ (console 控制台), {url}/docs (API)",
        markup=False,
        highlight=False,
    )
