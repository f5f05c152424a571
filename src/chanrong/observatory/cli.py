"""``chanrong observatory``: import deals, load the named sample, indicators, reconciliation."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from chanrong.kit import tabular
from chanrong.observatory import service
from chanrong.principal import Principal
from chanrong.shell import console, open_database, progress

app = typer.Typer(help="Observatory of the sector's financing and listings.", no_args_is_help=True)


def _show(result: service.ImportResult | service.UpsertResult, report: Path | None) -> None:
    if isinstance(result, service.UpsertResult):
        console.print(result.summary())
    else:
        console.print(
            f"rounds created {result.created}, merged {result.merged}, unchanged "
            f"{result.unchanged}; organisations created {result.organisations_created}, listed "
            f"for review {result.review_listed}; refused {len(result.refused)}, flagged "
            f"{len(result.flagged)}"
        )
    for kind, items in (("refused", result.refused), ("flagged", result.flagged)):
        for line, errors in items[:20]:
            text = "; ".join(f"{e.field}: {e.message}" for e in errors)
            console.print(f"  {kind} line {line}: {text}", markup=False)
    if report:
        body = json.dumps(result.as_dict(), ensure_ascii=False, indent=2)
        report.write_text(body, encoding="utf-8")
        console.print(f"report written to {report}")


@app.command("import")
def import_file(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV or XLSX file."),
    report: Path | None = typer.Option(None, help="Write the JSON report of the rows here."),
    column: list[str] = typer.Option(
        [],
        help="FIELD=HEADER, e.g. company=企业全称; repeatable (deals fields: date, company, round, "
        "amount, investors, province, sector, source; other kinds: docs/cli.md).",
    ),
    kind: str = typer.Option("deals", help="deals, listings, financials or investors."),
) -> None:
    """Import deals, listings, financials or investor types; refused and flagged rows are
    reported; exit 1 if any was refused."""
    mapping = dict(item.split("=", 1) for item in column if "=" in item)
    rows = list(tabular.read_path(file))
    database = open_database()
    with database.transaction() as session, progress() as bar:
        task = bar.add_task(f"importing {file.name}", total=len(rows))

        def ticking() -> object:
            for item in rows:
                yield item
                bar.advance(task)

        result = service.import_rows(
            session, actor=Principal.system(), kind=kind, rows=ticking(), mapping=mapping
        )
    _show(result, report)
    if result.refused:
        raise typer.Exit(1)


@app.command("load-sample")
def load_sample() -> None:
    """Import the deals the 2024 report names (one investor's 14 deals and the named rounds)."""
    database = open_database()
    with database.transaction() as session:
        result = service.load_sample(session)
    _show(result, None)


@app.command("indicators")
def indicators(year: int = typer.Option(..., help="The year.")) -> None:
    """Print a year's indicators with the year before and the change, as JSON."""
    database = open_database()
    with database.transaction(write=False) as session:
        result = service.compute_indicators(session, year=year)
    console.print_json(json.dumps(result, ensure_ascii=False))


@app.command("reconcile")
def reconcile(year: int = typer.Option(2024, help="The year of the reference figures.")) -> None:
    """Compare the computed indicators with the report's published figures (gaps over 10%)."""
    database = open_database()
    with database.transaction(write=False) as session:
        rows = service.reconcile(session, year=year)
    table = Table("indicator", "reference", "unit", "qualifier", "computed", "gap", "status")
    for r in rows:
        table.add_row(
            r["indicator"], r["reference"], r["unit"], r["qualifier"], r["computed"] or "-",
            r["gap"] or "-", r["status"],
        )  # fmt: skip
    console.print(table)
    status = [r["status"] for r in rows]
    console.print(
        f"{status.count('ok')} agree, {status.count('gap')} gaps over 10%, "
        f"{status.count('not_computed')} not computed"
    )


@app.command("generate")
def generate(
    events: int = typer.Option(2_000, help="Number of financing rounds (2020-2024)."),
    orgs: int = typer.Option(500, help="Number of organisations."),
    seed: int = typer.Option(0, help="Seed: the same seed gives the same data."),
    out: Path | None = typer.Option(None, help="Write a deal file (CSV, or XLSX by suffix)."),
    into_db: bool = typer.Option(
        False, "--into-db", help="Bulk-insert into the observatory tables (large sizes)."
    ),
    batch: int = typer.Option(20_000, help="Rows per executemany batch (--into-db)."),
) -> None:
    """Generate a SYNTHETIC five-year deal dataset (sources ``synthetic:<seed>:...``)."""
    from chanrong.observatory.synthetic_deals import DealGenerator

    if (out is None) == (not into_db):
        console.print("give exactly one of --out FILE and --into-db")
        raise typer.Exit(2)
    console.print(f"SYNTHETIC data: {events:,} rounds, {orgs:,} organisations, seed {seed}")
    generator = DealGenerator(events=events, orgs=orgs, seed=seed)
    if out is not None:
        with progress() as bar:
            task = bar.add_task(f"writing {out.name}", total=None)
            rows = generator.write_file(out, tick=lambda: bar.advance(task))
            bar.update(task, total=rows, completed=rows)
        console.print(f"{rows:,} synthetic reports written to {out}")
        return
    database = open_database()
    with database.transaction() as session, progress() as bar:
        task = bar.add_task("inserting synthetic rounds", total=events)
        counts = generator.insert_into(session, batch=batch, tick=lambda n: bar.advance(task, n))
    console.print(", ".join(f"{k} {v:,}" for k, v in counts.items()))


@app.command("report")
def report(
    year: int = typer.Option(..., help="The year of the report."),
    out: Path = typer.Option(Path("observatory-report"), help="Directory to write into."),
    investor: str | None = typer.Option(
        None, help="The investor of table 1 (default: the one with most rounds)."
    ),
) -> None:
    """Write the annual report: HTML, PDF, the figures (PNG, SVG) and an XLSX of every table."""
    from chanrong.observatory.report import build_report

    database = open_database()
    with database.transaction(write=False) as session:
        files = build_report(session, year=year, out=out, investor=investor)
    for path in (files.html, files.pdf, files.xlsx):
        console.print(f"written {path}")
    console.print(
        f"{files.pdf_pages} PDF pages; {len(files.figures)} figures in {out / 'figures'} (PNG and SVG)"
    )
    if files.pdf_engine != "weasyprint":
        console.print("WeasyPrint unavailable: the PDF holds the figures and tables only")
