"""The SYNTHETIC deal generator: deterministic, labelled, the requested size, importable."""

from __future__ import annotations

import io

from sqlalchemy import func, select
from typer.testing import CliRunner

from chanrong.cli import app as cli
from chanrong.kit import tabular
from chanrong.observatory.importing import import_deals
from chanrong.observatory.indicators import compute_indicators
from chanrong.observatory.models import (
    Financials,
    Investor,
    Listing,
    Organisation,
    Round,
    RoundInvestor,
)
from chanrong.observatory.normalise import parse_amount
from chanrong.observatory.synthetic_deals import CSV_HEADER, YEARS, DealGenerator
from tests.factories import create_obs_organisation


def _csv(generator: DealGenerator) -> bytes:
    out = io.StringIO()
    out.write(",".join(CSV_HEADER) + "\n")
    for row in generator.csv_rows():
        out.write(",".join(row) + "\n")
    return out.getvalue().encode("utf-8")


def test_same_seed_same_data_other_seed_other_data():
    a = list(DealGenerator(events=300, orgs=80, seed=7).csv_rows())
    b = list(DealGenerator(events=300, orgs=80, seed=7).csv_rows())
    c = list(DealGenerator(events=300, orgs=80, seed=8).csv_rows())
    assert a == b and a != c
    again = DealGenerator(events=300, orgs=80, seed=7)
    assert list(again.iter_events()) == list(again.iter_events())


def test_counts_years_and_the_synthetic_label():
    g = DealGenerator(events=2_000, orgs=300, seed=1)
    events = list(g.iter_events())
    assert len(events) == 2_000 and len(g.orgs) == 300
    assert {e.year for e in events} == set(YEARS)
    assert all(r[0] for e in events for r in e.reports)
    rows = list(g.csv_rows())
    assert len(rows) == sum(len(e.reports) for e in events) > 2_000  # duplicates reported twice
    assert all(row[-1].startswith("synthetic:1:") for row in rows)
    early = sum(e.stage in {"seed", "angel", "pre_a", "a", "a_plus"} for e in events)
    assert 0.45 < early / len(events) < 0.65
    state = {i.id for i in g.investors if i.kind == "state_owned"}
    share = {
        y: sum(any(i in state for i, _ in e.investors) for e in events if e.year == y)
        / sum(e.year == y for e in events)
        for y in (2022, 2024)
    }
    assert 0.05 < share[2022] < 0.16 and 0.23 < share[2024] < 0.38


def test_amount_phrases_are_vague_exact_undisclosed_and_a_few_unusable():
    g = DealGenerator(events=3_000, orgs=300, seed=2)
    status = {}
    for e in g.iter_events():
        status.setdefault(parse_amount(e.phrase, year=e.year).status, set()).add(e.phrase)
    assert {"数千万元", "超亿元", "近亿元"} <= status["band"]
    assert any("美" in p for p in status["exact"])
    assert {"未透露", ""} <= status["undisclosed"]
    assert status["unparsed"] and all(("估值" in p) or ("累计" in p) for p in status["unparsed"])


def test_the_deal_file_imports_flags_only_unusable_amounts_and_merges_duplicates(session):
    g = DealGenerator(events=400, orgs=150, seed=3)
    events = list(g.iter_events())
    rows = list(tabular.read_rows(io.BytesIO(_csv(g)), filename="synthetic.csv"))
    result = import_deals(session, rows=rows)
    assert not result.refused
    phrase_of = {line: row["金额"] for line, row in rows}
    amount_flags = {
        line for line, errors in result.flagged if any(e.field == "amount" for e in errors)
    }
    unusable = {line for line, p in phrase_of.items() if "估值" in p or "累计" in p}
    assert amount_flags == unusable
    vague = {line for line, p in phrase_of.items() if p in {"数千万元", "超亿元", "近亿元"}}
    assert vague and not vague & amount_flags
    duplicates = sum(len(e.reports) == 2 for e in events)
    assert duplicates > 10
    # Most second reports (written under a name variant) are recognised as the same round.
    assert result.merged >= 0.8 * duplicates
    assert result.created + result.merged + result.unchanged == len(rows)
    assert abs(result.created - len(events)) <= 0.05 * len(events)
    merged = [r for r in session.scalars(select(Round)) if len(r.sources) == 2]
    assert merged and all(s.startswith("synthetic:3:") for r in merged for s in r.sources)


def test_bulk_insert_matches_the_generator(session):
    g = DealGenerator(events=1_500, orgs=200, seed=4)
    counts = g.insert_into(session, batch=500)
    assert counts["rounds"] == 1_500 and counts["organisations"] == 200
    assert session.scalar(select(func.count(Round.id))) == 1_500
    assert session.scalar(select(func.count(Organisation.id))) == 200
    assert (
        session.scalar(select(func.count()).select_from(RoundInvestor))
        == (counts["round_investors"])
    )
    assert session.scalar(select(func.count(Listing.id))) == counts["listings"]
    kinds = set(session.scalars(select(Investor.kind).distinct()))
    assert "state_owned" in kinds
    values = compute_indicators(session, year=2024)["values"]
    assert 0.2 < values["state_owned_share"] < 0.4
    assert values["events"] == sum(e.year == 2024 for e in g.iter_events())


def test_cli_writes_a_labelled_file(tmp_path):
    out = tmp_path / "deals.csv"
    result = CliRunner().invoke(
        cli, ["observatory", "generate", "--events", "50", "--orgs", "20", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "SYNTHETIC" in result.output
    text = out.read_text(encoding="utf-8-sig").splitlines()
    assert text[0] == ",".join(CSV_HEADER) and len(text) > 50
    assert all("synthetic:0:" in line for line in text[1:])


def test_bulk_insert_after_other_data_keeps_financials_with_their_listed_companies(session):
    create_obs_organisation(session)  # ids already taken: the generator's ids are offset
    create_obs_organisation(session)
    DealGenerator(events=600, orgs=150, seed=5).insert_into(session)
    unlisted = session.scalar(
        select(func.count(Financials.id)).where(
            ~select(Listing.id)
            .where(Listing.organisation_id == Financials.organisation_id)
            .exists()
        )
    )
    assert unlisted == 0
    values = compute_indicators(session, year=2024)["values"]
    assert values["listed_revenue_fen"] > 0
    yi = 10**10  # 1亿元 in fen
    # plausible magnitudes for the sector: IPOs of 3亿-30亿元, revenues under 30亿元 a company
    proceeds = session.scalars(select(Listing.ipo_proceeds_fen).where(Listing.ipo_proceeds_fen > 0))
    assert all(3 * yi <= p < 30 * yi for p in proceeds)
    assert values["listed_revenue_fen"] < 30 * yi * values["listed_with_financials"]
