"""SYNTHETIC financing deals (合成数据), five years (2020-2024), for the demo, import tests and the
benchmark. Nothing here is real: company names come from ``synthetic`` (random trade names,
generated USCCs), investor names likewise, amounts and dates are drawn from a seeded generator.

Every report carries the source ``synthetic:<seed>:<outlet>`` so synthetic data is recognisable
in the database and in files. The same ``(events, orgs, seed)`` always gives the same data.

What it looks like, roughly as the report describes the sector: organisations in the report's
sectors, weighted to Guangdong and the Yangtze delta (``synthetic.CITIES``); about half of the
rounds early (seed, angel, pre-A, A, A+); amounts as people write them (数千万元, 超亿元, 近亿元,
未透露, 3亿元, 500万美元 ...), about 1% deliberately unusable (a valuation, a cumulative figure)
so the importer flags them; ~8% of rounds reported twice by two outlets, the second report often
under a name variant (``synthetic._variant``); state-owned investors in ~10% of the 2022 rounds
rising to ~30% in 2024; ~4% of organisations listed, with yearly results.

Two outputs: ``write_file`` (a CSV/XLSX deal file that ``chanrong observatory import`` reads, one
row per report) and ``insert_into`` (a fast bulk path for large sizes, in ``synthetic_load``:
SQLAlchemy Core executemany in batches straight into the observatory tables, duplicate reports
already merged, amounts normalised by ``normalise.parse_amount`` cached by phrase).
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chanrong.kit import tabular
from chanrong.observatory.synthetic import CITIES, SyntheticCompany, _Maker, _variant
from chanrong.parties.reference import PROVINCES

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

YEARS = (2020, 2021, 2022, 2023, 2024)
YEAR_WEIGHTS = (17, 24, 22, 19, 18)
# Share of rounds with a state-owned investor, per year.
STATE_SHARE = {2020: 0.08, 2021: 0.09, 2022: 0.10, 2023: 0.19, 2024: 0.30}
SECTOR_WEIGHTS = (
    ("network", 10), ("platform", 28), ("security", 9), ("intelligent_equipment", 20),
    ("automation_edge", 15), ("solutions", 18),
)  # fmt: skip
SECTOR_WORDS = {
    "network": "标识解析", "platform": "工业软件", "security": "安全",
    "intelligent_equipment": "智能装备", "automation_edge": "边缘计算", "solutions": "解决方案",
}  # fmt: skip
# (stage, label as written, weight, amount scale in 万元 (low, high)): early stages ~55%.
STAGE_MIX = (
    ("seed", "种子轮", 5, (50, 500)), ("angel", "天使轮", 15, (100, 2000)),
    ("pre_a", "Pre-A轮", 10, (500, 5000)), ("a", "A轮", 19, (1000, 10000)),
    ("a_plus", "A+轮", 6, (1000, 10000)), ("pre_b", "Pre-B轮", 3, (3000, 15000)),
    ("b", "B轮", 12, (5000, 30000)), ("b_plus", "B+轮", 4, (5000, 30000)),
    ("c", "C轮", 7, (10000, 100000)), ("c_plus", "C+轮", 2, (10000, 100000)),
    ("d_plus", "D轮", 4, (20000, 200000)), ("strategic", "战略投资", 10, (1000, 100000)),
    ("pre_ipo", "Pre-IPO", 3, (20000, 100000)),
)  # fmt: skip
NICE_WAN = (
    50, 100, 200, 300, 500, 800, 1000, 1500, 2000, 3000, 5000, 8000, 10000, 12000, 15000,
    20000, 30000, 50000, 80000, 100000, 150000, 200000,
)  # fmt: skip
OUTLETS = ("36kr", "投资界", "IT桔子", "烯牛数据", "企名片", "创业邦", "亿欧")
VARIANTS = ("suffix_dropped", "city_toggled", "bracket_changed", "short_name")
DUPLICATE_SHARE = 0.08
MONTH_PRECISION_SHARE = 0.05
LISTED_SHARE = 0.04
BOARDS = (("star", "SSE", 35), ("chinext", "SZSE", 30), ("main", "SSE", 20), ("bse", "BSE", 15))
CSV_HEADER = ("日期", "公司", "轮次", "金额", "投资方", "省份", "赛道", "来源")
INVESTOR_KINDS = (("financial_vc", 55), ("corporate", 25), ("state_owned", 20))
STATE_LEVELS = (("central", 15), ("local", 40), ("guidance_fund", 35), ("state_financial", 10))


def source_label(seed: int, outlet: str) -> str:
    """The source of a synthetic report: ``synthetic:<seed>:<outlet>``."""
    return f"synthetic:{seed}:{outlet}"


@dataclass(frozen=True)
class SynOrg:
    id: int  # 1-based position
    company: SyntheticCompany
    name: str
    short_name: str
    province: str
    city: str
    sector: str
    listed: bool


@dataclass(frozen=True)
class SynInvestor:
    id: int
    name: str
    kind: str
    state_level: str | None


@dataclass(frozen=True)
class SynEvent:
    """One round and its reports: ``reports`` is ((outlet, company name as written, date), ...),
    the first the original report, a second one for a duplicate."""

    id: int
    org: int
    year: int
    day: date
    precision: str  # "day" or "month"
    stage: str
    label: str
    phrase: str
    investors: tuple[tuple[int, bool], ...]  # (investor id, lead)
    reports: tuple[tuple[str, str, date], ...]

    @property
    def date_text(self) -> str:
        return (
            self.day.isoformat()
            if self.precision == "day"
            else f"{self.day.year}年{self.day.month}月"
        )


def _weighted(rng: random.Random, pairs: Sequence[tuple[Any, int]]) -> Any:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _name_variant(maker: _Maker, org: SynOrg) -> str:
    """A name another source would use for ``org`` (suffix dropped, city toggled ...)."""
    return _variant(maker, org.company, maker.rng.choice(VARIANTS), False)[0]


def _wan_text(wan: int) -> str:
    return f"{wan / 10000:g}亿" if wan >= 10000 else f"{wan}万"


class DealGenerator:
    """A synthetic five-year dataset of ``events`` rounds over ``orgs`` organisations."""

    def __init__(self, *, events: int, orgs: int, seed: int = 0) -> None:
        if events < 0 or orgs < 1:
            raise ValueError("events must be >= 0 and orgs >= 1")
        self.events, self.n_orgs, self.seed = events, orgs, seed
        self.maker = _Maker(seed)
        self.rng = self.maker.rng
        self.orgs = self._organisations()
        self.investors = self._investors()

    # --- organisations and investors ----------------------------------------------------------

    def _organisations(self) -> list[SynOrg]:
        rng, out, names, codes = self.rng, [], set(), set()
        sectors = list(SECTOR_WEIGHTS)
        while len(out) < self.n_orgs:
            company = self.maker.company(sector=_weighted(rng, sectors))
            name = company.legal_name()
            if name in names or (company.uscc and company.uscc in codes):
                continue
            names.add(name)
            if company.uscc:
                codes.add(company.uscc)
            out.append(
                SynOrg(
                    id=len(out) + 1, company=company, name=name, short_name=company.short_name(),
                    province=company.city[2], city=company.city[0], sector=company.sector,
                    listed=rng.random() < LISTED_SHARE,
                )
            )  # fmt: skip
        return out

    def _investors(self) -> list[SynInvestor]:
        rng, out = self.rng, []
        for i in range(max(40, self.n_orgs // 5)):
            trade, _ = self.maker.trade()
            city = rng.choices(CITIES, weights=[c[3] for c in CITIES])[0][0]
            kind = _weighted(rng, INVESTOR_KINDS)
            level = None
            if kind == "state_owned":
                level = _weighted(rng, STATE_LEVELS)
                name = {
                    "central": f"中{trade}国有资本创业投资基金",
                    "local": f"{city}{trade}国资投资集团",
                    "guidance_fund": f"{city}{trade}产业引导基金",
                    "state_financial": f"{trade}金融资产投资有限公司",
                }[level]
            elif kind == "corporate":
                name = f"{trade}集团产业投资"
            else:
                name = f"{trade}{rng.choice(('资本', '创投', '投资', '基金'))}"
            out.append(SynInvestor(i + 1, name, kind, level))
        return out

    # --- events ------------------------------------------------------------------------------

    def _amount_phrase(self, rng: random.Random, scale: tuple[int, int]) -> str:
        kind = rng.random()
        if kind < 0.30:
            return rng.choice(("未透露", "未披露", "未透露", "", "金额未披露"))
        candidates = [w for w in NICE_WAN if scale[0] <= w <= scale[1]] or [scale[0]]
        wan = rng.choice(candidates)
        if kind < 0.65:
            if wan < 1000:
                return rng.choice(("数百万元", f"近{_wan_text(wan)}元", f"超{_wan_text(wan)}元"))
            if wan < 10000:
                return rng.choice(
                    ("数千万元", "数千万元", "千万级", f"约{_wan_text(wan)}元",
                     f"{_wan_text(wan)}元左右", "近亿元")
                )  # fmt: skip
            return rng.choice(
                ("超亿元", "近亿元", "数亿元", f"超{_wan_text(wan)}元", f"近{_wan_text(wan)}元",
                 "亿元及以上", "数千万美元")
            )  # fmt: skip
        if kind < 0.99:
            if rng.random() < 0.1:
                usd = max(100, min(5000, wan // 7 // 100 * 100))
                return rng.choice((f"{usd}万美元", f"{usd}万美金"))
            if wan >= 10000 and rng.random() < 0.15:
                return f"{wan / 10000:g}亿人民币"
            return f"{_wan_text(wan)}元"
        return rng.choice((f"估值{_wan_text(wan * 10)}元", f"累计超{_wan_text(wan * 3)}元"))

    def iter_events(self) -> Iterator[SynEvent]:
        """The rounds, in a fixed order (deterministic per seed, independent of earlier calls)."""
        rng = random.Random(f"{self.seed}:events")
        org_weights = list(itertools.accumulate(1 / (i + 10) ** 0.6 for i in range(self.n_orgs)))
        org_order = list(range(self.n_orgs))
        random.Random(f"{self.seed}:orgs").shuffle(org_order)
        state = [i for i in self.investors if i.kind == "state_owned"]
        others = [i for i in self.investors if i.kind != "state_owned"]

        def cum(pool: list[SynInvestor]) -> list[float]:
            return list(itertools.accumulate(1 / (i + 1) ** 0.8 for i in range(len(pool))))

        state_cum, other_cum = cum(state), cum(others)
        stages = [s[0] for s in STAGE_MIX]
        stage_cum = list(itertools.accumulate(s[2] for s in STAGE_MIX))
        by_stage = {s[0]: s for s in STAGE_MIX}
        year_cum = list(itertools.accumulate(YEAR_WEIGHTS))
        seen: dict[tuple[int, str], list[int]] = {}
        variants = _Maker(0)
        variants.rng = random.Random(f"{self.seed}:variants")
        for n in range(1, self.events + 1):
            org = org_order[bisect.bisect(org_weights, rng.random() * org_weights[-1])]
            year = YEARS[bisect.bisect(year_cum, rng.random() * year_cum[-1])]
            stage = stages[bisect.bisect(stage_cum, rng.random() * stage_cum[-1])]
            first = date(year, 1, 1).toordinal()
            days = date(year, 12, 31).toordinal() - first - 6
            # No two rounds of one company at one stage within 60 days: they would be one round.
            taken = seen.setdefault((org, stage), [])
            for _ in range(8):
                ordinal = first + rng.randrange(days)
                if all(abs(ordinal - t) > 60 for t in taken):
                    break
            else:
                stage = "strategic" if stage != "strategic" else "b"
                taken = seen.setdefault((org, stage), [])
            taken.append(ordinal)
            day = date.fromordinal(ordinal)
            precision = "month" if rng.random() < MONTH_PRECISION_SHARE else "day"
            if precision == "month":
                day = day.replace(day=1)
            label, scale = by_stage[stage][1], by_stage[stage][3]
            phrase = self._amount_phrase(rng, scale)
            investors: dict[int, bool] = {}
            if rng.random() < 0.85:
                if rng.random() < STATE_SHARE[year]:
                    pick = state[bisect.bisect(state_cum, rng.random() * state_cum[-1])]
                    investors[pick.id] = False
                for _ in range(rng.choice((1, 1, 2, 2, 3)) - (1 if investors else 0)):
                    pick = others[bisect.bisect(other_cum, rng.random() * other_cum[-1])]
                    investors[pick.id] = False
                if investors and rng.random() < 0.6:
                    investors[rng.choice(sorted(investors))] = True
            if not investors and rng.random() < STATE_SHARE[year]:
                investors[state[bisect.bisect(state_cum, rng.random() * state_cum[-1])].id] = True
            outlets = rng.sample(OUTLETS, 2)
            company = self.orgs[org]
            name = company.name if rng.random() < 0.85 else _name_variant(variants, company)
            reports = [(outlets[0], name, day)]
            if rng.random() < DUPLICATE_SHARE:
                later = min(day + timedelta(days=rng.randrange(0, 6)), date(year, 12, 31))
                if precision == "month":
                    later = day
                reports.append((outlets[1], _name_variant(variants, company), later))
            yield SynEvent(
                n, company.id, year, day, precision, stage, label, phrase,
                tuple(sorted(investors.items())), tuple(reports),
            )  # fmt: skip

    # --- listings and financials ----------------------------------------------------------------

    def listings(self) -> list[dict[str, Any]]:
        """Listings of the listed organisations (dates 2012-2024, ~60% before 2020)."""
        rng = random.Random(f"{self.seed}:listings")
        out = []
        for org in self.orgs:
            if not org.listed:
                continue
            year = rng.choice((2012, 2014, 2016, 2017, 2018, 2019, *YEARS, *YEARS[2:]))
            board = _weighted(rng, [((b, e), w) for b, e, w in BOARDS])
            listed_on = date(year, 1, 1) + timedelta(days=rng.randrange(360))
            delisted = None
            if rng.random() < 0.02:
                delisted = listed_on + timedelta(days=rng.randrange(400, 2000))
            out.append(
                {
                    "id": len(out) + 1, "organisation_id": org.id, "exchange": board[1],
                    "board": board[0], "listed_on": listed_on, "delisted_on": delisted,
                    "ipo_proceeds_fen": None if rng.random() < 0.05
                    else rng.randrange(300, 3_000) * 10**8,  # 3亿 - 30亿元, in fen
                }
            )  # fmt: skip
        return out

    def financials(self, listings: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Yearly revenue and net profit of the listed organisations from their listing year."""
        rng = random.Random(f"{self.seed}:financials")
        out = []
        for listing in listings:
            revenue = rng.randrange(10, 1_000) * 10**8  # 1千万 - 10亿元, in fen
            for year in range(max(2019, listing["listed_on"].year), 2025):
                revenue = revenue * rng.randrange(85, 135) // 100
                profit = revenue * rng.randrange(-15, 18) // 100
                out.append(
                    {
                        "id": len(out) + 1, "organisation_id": listing["organisation_id"],
                        "year": year, "revenue_fen": revenue, "net_profit_fen": profit,
                    }
                )  # fmt: skip
        return out

    # --- outputs --------------------------------------------------------------------------------

    def csv_rows(self) -> Iterator[list[str]]:
        """One row per report (``CSV_HEADER``), duplicates as a second row."""
        names = {i.id: i.name for i in self.investors}
        for e in self.iter_events():
            org = self.orgs[e.org - 1]
            cell = "、".join(f"{names[i]}（领投）" if lead else names[i] for i, lead in e.investors)
            for outlet, company, day in e.reports:
                when = day.isoformat() if e.precision == "day" else e.date_text
                yield [
                    when, company, e.label, e.phrase, cell, PROVINCES[org.province][0],
                    SECTOR_WORDS[org.sector], source_label(self.seed, outlet),
                ]  # fmt: skip

    def write_file(self, path: Path, tick: Callable[[], None] | None = None) -> int:
        """Write the deal file (CSV, or XLSX by suffix); returns the number of rows."""
        rows = []
        for row in self.csv_rows():
            rows.append(row)
            if tick:
                tick()
        if path.suffix.lower() == ".xlsx":
            tabular.write_xlsx(path, CSV_HEADER, rows, sheet="synthetic")
        else:
            tabular.write_csv(path, CSV_HEADER, rows)
        return len(rows)

    def insert_into(
        self,
        session: Session,
        *,
        batch: int = 20_000,
        tick: Callable[[int], None] | None = None,
    ) -> dict[str, int]:
        """Bulk-insert everything into the observatory tables (``synthetic_load.insert_into``:
        ids after the largest present, duplicate reports merged, ``tick(n)`` after each batch of
        ``n`` rounds; never commits)."""
        from chanrong.observatory import synthetic_load

        return synthetic_load.insert_into(self, session, batch=batch, tick=tick)
