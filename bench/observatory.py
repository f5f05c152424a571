"""Benchmark of the observatory's indicators and figure data on a SYNTHETIC five-year dataset,
side by side with the same computations written plainly in pandas, on SQLite and PostgreSQL.

1. The dataset: ``chanrong.observatory.synthetic_deals.DealGenerator`` (1,000,000 rounds over
   50,000 organisations; ``--quick``: 50,000 rounds, 5,000 organisations), bulk-inserted into a
   temporary SQLite file and a temporary PostgreSQL database (created and dropped).
2. chanrong: ``indicators.compute_series`` over the years 2020-2024 (every indicator, the year
   before and the change; the breakdowns by sector, province, Yangtze delta, most active
   investors; listings, IPO proceeds, listed revenue and profit) plus the one figure series the
   indicators do not give: the deals of the most active investor of the last year, as a table.
   Timed from the database to the Python dicts, in a fresh session. The financing figures read
   the yearly rollups the import keeps (``observatory.rollups``); their cost is shown apart: a
   full rebuild (what a bulk load pays) and a refresh of 1,000 organisations (what an import
   touching them pays), and the indicators with a stage filter, which read the rounds.
3. pandas: the same tables loaded into DataFrames (``pandas.read_sql``, timed apart as "load"),
   then the same figures with merges and groupbys ("compute").

Fairness: chanrong's time starts with the data in the database, as pandas' does (the rollups
being part of chanrong's stored data, kept current by every write); the like-for-like
comparison is therefore chanrong against pandas load + compute (the target). Compute alone is
also shown: it is what an analyst with the DataFrames already in memory pays.

Correctness in the same run: pandas' figures equal chanrong's, and SQLite's equal PostgreSQL's,
value for value. Prints tables, then as its LAST LINE one JSON object with every figure. Exit
status 1 when a check fails (and, with ``--strict``, when a target is missed).

    .venv/bin/python bench/observatory.py --quick     # under a minute
    .venv/bin/python bench/observatory.py             # 1M rounds, several minutes

PostgreSQL: ``--postgres URL`` (or ``CHANRONG_BENCH_POSTGRES_URL``, default
postgresql+psycopg://postgres@127.0.0.1:5432/postgres) is only the admin connection.
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

from _common import clean_up, conclude, create_pg_database, emit, load_average, raise_on_sigterm
from chanrong import db as db_module
from chanrong.observatory import rollups
from chanrong.observatory.indicators import (
    TOP_INVESTORS,
    TOP_PROVINCES,
    YANGTZE_DELTA,
    Filters,
    compute_series,
)
from chanrong.observatory.models import (
    Financials,
    Investor,
    Listing,
    Organisation,
    Round,
    RoundInvestor,
)
from chanrong.observatory.stages import EARLY_STAGES
from chanrong.observatory.synthetic_deals import YEARS, DealGenerator

DEFAULT_PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
TARGET_SECONDS = 3.0
TARGET_SPEEDUP = 5.0
REFRESHED_ORGS = 1_000  # organisations an import touches, for the incremental refresh figure
SEED = 20251127
FINANCING_KEYS = (
    "events", "companies_financed", "disclosed_sum_fen", "estimated_fen", "estimated_low_fen",
    "estimated_high_fen", "open_ended_events", "events_with_amount", "undisclosed_events",
    "average_amount_fen", "early_stage_events", "early_stage_share", "state_owned_events",
    "state_owned_share",
)  # fmt: skip
LISTING_KEYS = (
    "listed_companies", "new_listings", "new_listings_by_board", "ipo_proceeds_fen",
    "ipo_proceeds_average_fen", "listed_with_financials", "listed_revenue_fen",
    "listed_profit_fen", "listed_turned_profitable",
)  # fmt: skip

console = Console(width=132)


@dataclass(frozen=True)
class Profile:
    events: int
    orgs: int
    repeats: int


QUICK = Profile(50_000, 5_000, 3)
FULL = Profile(1_000_000, 50_000, 2)


# --- chanrong ---------------------------------------------------------------------------------


def investor_table(session: Any, name: str) -> list[tuple[Any, ...]]:
    """The figure table: one investor's deals (date, company, round, amount phrase, lead)."""
    query = (
        select(
            Round.id, Round.date_start, Organisation.name, Round.round_label, Round.amount_text,
            RoundInvestor.lead,
        )
        .join(RoundInvestor, RoundInvestor.round_id == Round.id)
        .join(Investor, Investor.id == RoundInvestor.investor_id)
        .join(Organisation, Organisation.id == Round.organisation_id)
        .where(Investor.name == name)
        .order_by(Round.date_start, Round.id)
    )  # fmt: skip
    return [tuple(r) for r in session.execute(query)]


def chanrong_figures(database: db_module.Database) -> dict[str, Any]:
    """Every indicator of every year, and the most active investor's deal table."""
    with database.transaction(write=False) as session:
        years = compute_series(session, years=YEARS)
        top = years[YEARS[-1]]["most_active_investors"][0]["name"]
        table = investor_table(session, top)
    return {"years": years, "investor": top, "investor_deals": table}


def refresh_rollups(database: db_module.Database, organisation_ids: list[int] | None) -> None:
    """Rebuild the yearly rollups (all), or keep those of some organisations current across a
    change to their rounds, as an import does (here: one round of each gets one more investor
    link, so every one of them and their investors' rows change)."""
    with database.transaction() as session:
        if organisation_ids is None:
            rollups.refresh(session)
            return
        with rollups.tracking(session, organisation_ids):
            touch_rounds(session, organisation_ids)


def touch_rounds(session: Any, organisation_ids: list[int]) -> None:
    """Link the first investor to the first round of each organisation where it is missing."""
    investor = session.scalar(select(Investor.id).order_by(Investor.id).limit(1))
    firsts = session.execute(
        select(Round.organisation_id, func.min(Round.id))
        .where(Round.organisation_id.in_(organisation_ids))
        .group_by(Round.organisation_id)
    )
    linked = set(
        session.scalars(select(RoundInvestor.round_id).where(RoundInvestor.investor_id == investor))
    )
    session.add_all(
        RoundInvestor(round_id=round_id, investor_id=investor, lead=False)
        for _, round_id in firsts
        if round_id not in linked
    )


def filtered_figures(database: db_module.Database) -> None:
    """Every year's indicators with a stage filter: computed from the rounds, not the rollups."""
    with database.transaction(write=False) as session:
        compute_series(session, years=YEARS, filters=Filters(stage="a"))


def comparable(figures: dict[str, Any]) -> dict[str, Any]:
    """The part of chanrong's answer pandas computes too (values and breakdowns per year)."""
    out: dict[str, Any] = {}
    for year, r in figures["years"].items():
        out[str(year)] = {
            "values": {k: r["values"][k] for k in (*FINANCING_KEYS, *LISTING_KEYS)},
            "by_sector": r["by_sector"],
            "by_province": r["by_province"],
            "yangtze_delta": r["yangtze_delta"],
            "most_active_investors": r["most_active_investors"],
        }
    out["investor"] = figures["investor"]
    out["investor_deals"] = [
        [i, d.isoformat(), n, lbl, t, bool(lead)]
        for i, d, n, lbl, t, lead in figures["investor_deals"]
    ]
    return out


# --- pandas -------------------------------------------------------------------------------------


def pandas_load(database: db_module.Database) -> dict[str, pd.DataFrame]:
    """The observatory tables as DataFrames (integer columns nullable)."""
    queries = {
        "rounds": select(
            Round.id, Round.organisation_id, Round.year, Round.date_start, Round.round_label,
            Round.stage, Round.amount_kind, Round.amount_low_fen, Round.amount_high_fen,
            Round.amount_text,
        ),
        "orgs": select(Organisation.id, Organisation.name, Organisation.sector,
                       Organisation.province),
        "links": select(RoundInvestor.round_id, RoundInvestor.investor_id, RoundInvestor.lead),
        "investors": select(Investor.id, Investor.name, Investor.kind),
        "listings": select(Listing.id, Listing.organisation_id, Listing.board, Listing.listed_on,
                           Listing.delisted_on, Listing.ipo_proceeds_fen),
        "financials": select(Financials.id, Financials.organisation_id, Financials.year,
                             Financials.revenue_fen, Financials.net_profit_fen),
    }  # fmt: skip
    frames = {}
    with database.engine.connect() as conn:
        for name, query in queries.items():
            frames[name] = pd.read_sql(query, conn, dtype_backend="numpy_nullable")
    return frames


def _i(value: Any) -> int:
    return 0 if pd.isna(value) else int(value)


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _amounts(row: Any) -> dict[str, Any]:
    low, mid_high = _i(row["low"]), _i(row["mid_high"])
    return {
        "estimated_fen": (low + mid_high) // 2,
        "estimated_low_fen": low,
        "estimated_high_fen": None if _i(row["open"]) else _i(row["high"]),
    }


def _group(row: Any) -> dict[str, Any]:
    return {"events": _i(row["events"]), "companies": _i(row["companies"]), **_amounts(row)}


AGG = {
    "events": ("id", "size"), "companies": ("organisation_id", "nunique"),
    "early": ("early", "sum"), "state": ("state", "sum"), "low": ("low", "sum"),
    "mid_high": ("mid_high", "sum"), "exact": ("exact", "sum"), "high": ("high", "sum"),
    "open": ("open", "sum"), "with_amount": ("low", "count"),
}  # fmt: skip


def pandas_figures(t: dict[str, pd.DataFrame]) -> dict[str, Any]:
    """The same figures as ``chanrong_figures``, written plainly in pandas."""
    inv, links = t["investors"], t["links"]
    orgs = t["orgs"].rename(columns={"id": "org_id", "name": "org_name"})
    r = t["rounds"].merge(orgs, left_on="organisation_id", right_on="org_id", how="inner")
    state_ids = inv.loc[inv["kind"] == "state_owned", "id"]
    r["state"] = r["id"].isin(links.loc[links["investor_id"].isin(state_ids), "round_id"])
    r["early"] = r["stage"].isin(sorted(EARLY_STAGES))
    r["low"] = r["amount_low_fen"]
    r["mid_high"] = (r["amount_high_fen"] - 1).fillna(r["amount_low_fen"])
    r["exact"] = r["amount_low_fen"].where(r["amount_kind"] == "exact")
    r["high"] = r["amount_high_fen"] - 1
    r["open"] = r["amount_low_fen"].notna() & r["amount_high_fen"].isna()
    yearly = r.groupby("year").agg(**AGG)
    by_sector = (
        r.assign(sector=r["sector"].fillna("unknown")).groupby(["year", "sector"]).agg(**AGG)
    )
    by_province = r[r["province"].notna()].groupby(["year", "province"]).agg(**AGG)
    delta = r[r["province"].isin(YANGTZE_DELTA)].groupby("year").agg(**AGG)
    li = links.merge(r[["id", "year"]], left_on="round_id", right_on="id")
    active = (
        li.groupby(["year", "investor_id"])
        .agg(events=("round_id", "nunique"), led=("lead", "sum"))
        .reset_index()
        .merge(inv, left_on="investor_id", right_on="id")
    )
    listings = t["listings"].merge(orgs, left_on="organisation_id", right_on="org_id")
    fin = t["financials"]
    out: dict[str, Any] = {}
    for year in YEARS:
        values: dict[str, Any] = {}
        row = yearly.loc[year] if year in yearly.index else None
        events = _i(row["events"]) if row is not None else 0
        with_amount = _i(row["with_amount"]) if row is not None else 0
        amounts = _amounts(row) if row is not None else _amounts(dict.fromkeys(AGG, 0))
        early, state = (_i(row["early"]), _i(row["state"])) if row is not None else (0, 0)
        values.update(
            events=events, companies_financed=_i(row["companies"]) if row is not None else 0,
            disclosed_sum_fen=_i(row["exact"]) if row is not None else 0, **amounts,
            open_ended_events=_i(row["open"]) if row is not None else 0,
            events_with_amount=with_amount, undisclosed_events=events - with_amount,
            average_amount_fen=amounts["estimated_fen"] // with_amount if with_amount else None,
            early_stage_events=early, early_stage_share=_share(early, events),
            state_owned_events=state, state_owned_share=_share(state, events),
        )  # fmt: skip
        end, start = pd.Timestamp(year, 12, 31), pd.Timestamp(year, 1, 1)
        on = pd.to_datetime(listings["listed_on"])
        off = pd.to_datetime(listings["delisted_on"])
        listed_now = listings[(on <= end) & (off.isna() | (off > end))]
        new = listings[(on >= start) & (on <= end)]
        boards = new.groupby("board").agg(n=("id", "size"), proceeds=("ipo_proceeds_fen", "sum"),
                                          with_proceeds=("ipo_proceeds_fen", "count"))  # fmt: skip
        proceeds, with_proceeds = _i(boards["proceeds"].sum()), _i(boards["with_proceeds"].sum())
        now = fin[
            (fin["year"] == year) & fin["organisation_id"].isin(listed_now["organisation_id"])
        ]
        before = fin[fin["year"] == year - 1][["organisation_id", "net_profit_fen"]]
        both = now.merge(before, on="organisation_id", how="left", suffixes=("", "_before"))
        turned = (both["net_profit_fen"] > 0) & (both["net_profit_fen_before"] <= 0)
        values.update(
            listed_companies=int(listed_now["organisation_id"].nunique()),
            new_listings=len(new),
            new_listings_by_board={b: int(n) for b, n in sorted(boards["n"].items())},
            ipo_proceeds_fen=proceeds,
            ipo_proceeds_average_fen=proceeds // with_proceeds if with_proceeds else None,
            listed_with_financials=len(now),
            listed_revenue_fen=_i(now["revenue_fen"].sum()),
            listed_profit_fen=_i(now["net_profit_fen"].sum()),
            listed_turned_profitable=int(turned.fillna(False).sum()),
        )
        sectors = by_sector.loc[year] if year in by_sector.index.get_level_values(0) else None
        provinces = [{"province": p, **_group(g)} for p, g in by_province.loc[year].iterrows()]
        provinces.sort(key=lambda p: (-p["events"], -p["estimated_fen"], p["province"]))
        top = active[active["year"] == year].sort_values(
            ["events", "name"], ascending=[False, True]
        )[:TOP_INVESTORS]
        out[str(year)] = {
            "values": values,
            "by_sector": {s: _group(g) for s, g in sorted((sectors if sectors is not None else
                                                           pd.DataFrame()).iterrows())},
            "by_province": provinces[:TOP_PROVINCES],
            "yangtze_delta": _group(delta.loc[year]),
            "most_active_investors": [
                {"name": x.name, "kind": x.kind, "events": int(x.events), "led": int(x.led)}
                for x in top.itertuples()
            ],
        }  # fmt: skip
    name = out[str(YEARS[-1])]["most_active_investors"][0]["name"]
    who = inv.loc[inv["name"] == name, "id"]
    deals = (
        links[links["investor_id"].isin(who)]
        .merge(r, left_on="round_id", right_on="id")
        .sort_values(["date_start", "round_id"])
    )
    out["investor"] = name
    out["investor_deals"] = [
        [int(x.round_id), pd.Timestamp(x.date_start).date().isoformat(), x.org_name,
         x.round_label, x.amount_text, bool(x.lead)]
        for x in deals.itertuples()
    ]  # fmt: skip
    return out


# --- running ------------------------------------------------------------------------------------


def diff(a: Any, b: Any, path: str = "") -> list[str]:
    """Where two JSON-like values differ (at most a few paths)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out: list[str] = []
        for k in sorted(set(a) | set(b), key=str):
            out += diff(a.get(k), b.get(k), f"{path}.{k}")
        return out[:10]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [
            d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in diff(x, y, f"{path}[{i}]")
        ][:10]
    return [] if a == b else [f"{path}: {a!r} != {b!r}"[:200]]


def timed(fn: Any, repeats: int) -> tuple[Any, list[float]]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return result, times


def run_backend(
    key: str, database: db_module.Database, profile: Profile, f: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    db_module.upgrade(database)
    generator = DealGenerator(events=profile.events, orgs=profile.orgs, seed=SEED)
    start = time.perf_counter()
    with database.transaction() as session:
        counts = generator.insert_into(session)
    f[f"{key}insert_s"] = round(time.perf_counter() - start, 2)
    f[f"{key}insert_rows_per_s"] = round(
        (counts["rounds"] + counts["round_investors"]) / f[f"{key}insert_s"]
    )
    f.update({f"{key}count_{k}": v for k, v in counts.items()})
    with database.engine.connect() as conn:  # fresh statistics, as after any bulk load
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
    ours, times = timed(lambda: chanrong_figures(database), profile.repeats)
    f[f"{key}chanrong_s"] = round(min(times), 3)
    f[f"{key}chanrong_first_s"] = round(times[0], 3)
    tables, load_times = timed(lambda: pandas_load(database), 1)
    f[f"{key}pandas_load_s"] = round(load_times[0], 3)
    theirs, pd_times = timed(lambda: pandas_figures(tables), profile.repeats)
    f[f"{key}pandas_compute_s"] = round(min(pd_times), 3)
    f[f"{key}pandas_total_s"] = round(f[f"{key}pandas_load_s"] + f[f"{key}pandas_compute_s"], 3)
    f[f"{key}speedup_total"] = round(f[f"{key}pandas_total_s"] / f[f"{key}chanrong_s"], 2)
    f[f"{key}speedup_compute"] = round(f[f"{key}pandas_compute_s"] / f[f"{key}chanrong_s"], 2)
    _, filtered = timed(lambda: filtered_figures(database), 1)
    f[f"{key}chanrong_stage_filter_s"] = round(filtered[0], 3)
    # Last, as they change the data (after every comparison is computed):
    _, rebuild = timed(lambda: refresh_rollups(database, None), 1)
    f[f"{key}rollup_rebuild_s"] = round(rebuild[0], 3)
    some = list(range(1, min(REFRESHED_ORGS, profile.orgs) + 1))
    _, partial = timed(lambda: refresh_rollups(database, some), 1)
    f[f"{key}rollup_refresh_1000_orgs_s"] = round(partial[0], 3)
    mine = comparable(ours)
    return mine, theirs


def report(f: dict[str, Any], keys: list[tuple[str, str]]) -> None:
    table = Table(
        title=f"observatory indicators — {f['mode']} run: {f['events']:,} rounds, "
        f"{f['orgs']:,} organisations (SYNTHETIC), {f['cpus']} CPUs, "
        f"load {f['loadavg_before']:.1f}→{f['loadavg_after']:.1f}"
    )
    table.add_column("measure")
    for _, name in keys:
        table.add_column(name, justify="right")
    table.add_column("target / note")

    def row(label: str, key: str, fmt: str, note: str = "", ok: str = "") -> None:
        cells = []
        for p, _ in keys:
            v = f.get(p + key)
            text_ = "—" if v is None else fmt.format(v)
            if ok and v is not None:
                good = f["targets_met"].get(p + ok)
                text_ = f"[green]{text_} ✓[/green]" if good else f"[bold red]{text_} ✗[/bold red]"
            cells.append(text_)
        table.add_row(label, *cells, note)

    row("bulk insert (s)", "insert_s", "{:.1f}", "rounds + links + orgs + listings")
    row("  rounds+links inserted/s", "insert_rows_per_s", "{:,.0f}", "executemany batches")
    table.add_section()
    row("chanrong: all indicators, 5 years (s)", "chanrong_s", "{:.3f}",
        f"< {TARGET_SECONDS:g} s; best of runs", "seconds")  # fmt: skip
    row("  first run (s)", "chanrong_first_s", "{:.3f}", "cold caches")
    row("  with a stage filter (s)", "chanrong_stage_filter_s", "{:.3f}",
        "from the rounds, not the rollups")  # fmt: skip
    row("rollups: full rebuild (s)", "rollup_rebuild_s", "{:.3f}", "paid at bulk load")
    row("rollups: change 1,000 organisations (s)", "rollup_refresh_1000_orgs_s", "{:.3f}",
        "a round each gets an investor; rollups kept")  # fmt: skip
    row("pandas: load tables (s)", "pandas_load_s", "{:.3f}", "read_sql into DataFrames")
    row("pandas: compute (s)", "pandas_compute_s", "{:.3f}", "merges + groupbys")
    row("pandas: load + compute (s)", "pandas_total_s", "{:.3f}", "like for like")
    row("speedup vs pandas load + compute", "speedup_total", "{:.2f}x",
        f"≥ {TARGET_SPEEDUP:g}x (the target)", "speedup")  # fmt: skip
    row("speedup vs pandas compute only", "speedup_compute", "{:.2f}x", "DataFrames in memory")
    table.add_section()
    row("pandas figures equal chanrong's", "pandas_equal", "{}", "every value, every year")
    console.print(table)
    if "backends_equal" in f:
        console.print(f"SQLite and PostgreSQL figures identical: {f['backends_equal']}")
    for p in f["problems"]:
        console.print(f"[bold red]problem:[/bold red] {p}", markup=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="50,000 rounds (< 1 min)")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        default=os.environ.get("CHANRONG_BENCH_POSTGRES_URL", DEFAULT_PG_ADMIN),
        help="admin connection; a temporary database is created and dropped there",
    )
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--events", type=int, help="rounds to generate")
    parser.add_argument("--orgs", type=int, help="organisations to generate")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    profile = QUICK if args.quick else FULL
    profile = Profile(args.events or profile.events, args.orgs or profile.orgs, profile.repeats)
    raise_on_sigterm()
    started = time.perf_counter()
    workdir = Path(tempfile.mkdtemp(prefix="chanrong-bench-observatory-"))
    pg_name = f"chanrong_bench_observatory_{os.getpid()}"
    pg_created = False
    f: dict[str, Any] = {
        "bench": "observatory",
        "mode": "quick" if args.quick else "full",
        "synthetic": True,
        "seed": SEED,
        "events": profile.events,
        "orgs": profile.orgs,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "pandas": pd.__version__,
        "sqlite_version": sqlite3.sqlite_version,
        "loadavg_before": round(load_average(), 2),
    }
    problems: list[str] = []
    databases: list[db_module.Database] = []
    keys = [("sqlite_", "SQLite")]
    results: dict[str, dict[str, Any]] = {}
    try:
        backends = [("sqlite_", f"sqlite:///{workdir / 'observatory.db'}")]
        if not args.no_postgres:
            backends.append(("pg_", create_pg_database(args.postgres, pg_name)))
            pg_created = True
            keys.append(("pg_", "PostgreSQL"))
        for key, url in backends:
            console.print(f"[bold]{key[:-1]}[/bold]: generating, inserting, computing ...")
            database = db_module.Database(url)
            databases.append(database)
            mine, theirs = run_backend(key, database, profile, f)
            results[key] = mine
            gaps = diff(mine, theirs)
            f[f"{key}pandas_equal"] = "yes" if not gaps else "NO"
            problems += [f"{key[:-1]} pandas differs: {g}" for g in gaps]
        if len(results) == 2:
            gaps = diff(results["sqlite_"], results["pg_"])
            f["backends_equal"] = not gaps
            problems += [f"sqlite vs postgresql: {g}" for g in gaps]
        targets = {}
        for key, _ in keys:
            targets[f"{key}seconds"] = f[f"{key}chanrong_s"] < TARGET_SECONDS
            targets[f"{key}speedup"] = f[f"{key}speedup_total"] >= TARGET_SPEEDUP
        conclude(f, targets=targets, problems=problems, started=started)
        report(f, keys)
    finally:
        clean_up(
            databases,
            admin_url=args.postgres if pg_created else None,
            pg_name=pg_name,
            workdir=workdir,
            keep=args.keep,
        )
    return emit(f, correct=not problems, strict=args.strict)


if __name__ == "__main__":
    sys.exit(main())
