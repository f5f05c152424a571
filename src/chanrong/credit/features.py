"""SME features from the platform's own data, each with its inputs' window and source.

The pure part (`compute_trade_features`, `utilisation_bp`) works on plain values: trade facts
(anything with the fields of ``trade.service.TradeFact``), confirmed receivable amounts, and the
time devices spent in each state. `sme_features` reads them inside a session: trade through
``trade.service.trade_history`` and ``confirmed_amounts``, device utilisation through
``telemetry.rollups_query.fleet_rollups`` **only** under a live ``telemetry`` grant from the SME
to the bank for ``credit_assessment`` (read and audited by consent); without it the feature is
missing (``None``), which the scorecard scores as a missing value.

Windows are half-open date ranges ``[start, end)`` ending at the decision date ``as_of``:
the last 365 days (``12m``) and the 365 days before them (``prev12m``, for growth). Units:
amounts in fen, shares and ratios in basis points (1 % = 100 bp), integers throughout so a
recorded feature set recomputes to the same points.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol

from sqlalchemy.orm import Session

WINDOW_DAYS = 365
SCORED = (
    "sales_12m_fen",
    "sales_growth_bp",
    "buyer_hhi_bp",
    "on_time_bp",
    "receivables_to_sales_bp",
    "device_utilisation_bp",
)
TRADE_SOURCE = "trade.service.trade_history"
RECEIVABLE_SOURCE = "trade.service.confirmed_amounts"
TELEMETRY_SOURCE = "telemetry.rollups_query.fleet_rollups"
UTILISATION_STATES = {"power_state": (1,), "run_state": (2,)}  # on; running


class TradeFactLike(Protocol):
    """The fields of ``trade.service.TradeFact`` the features use."""

    counterparty_party_id: int
    role: str
    amount_fen: int
    order_date: date
    due_on: date
    paid_on: date | None


@dataclass(frozen=True)
class Feature:
    """One feature value with where it came from: ``source`` (the function read), the window
    ``[start, end)`` of its inputs and a few input counts (``inputs``) for the record."""

    name: str
    value: int | None
    source: str
    start: date
    end: date
    inputs: Mapping[str, int]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (dates ISO)."""
        return {"name": self.name, "value": self.value, "source": self.source,
                "start": self.start.isoformat(), "end": self.end.isoformat(),
                "inputs": dict(self.inputs)}  # fmt: skip


def windows(as_of: date) -> tuple[tuple[date, date], tuple[date, date]]:
    """The current and previous 365-day windows ending at ``as_of`` (half-open)."""
    start = as_of - timedelta(days=WINDOW_DAYS)
    return (start, as_of), (start - timedelta(days=WINDOW_DAYS), start)


def ratio_bp(part: int, whole: int) -> int:
    """``part / whole`` in basis points, rounded half up (``whole`` > 0, both >= 0)."""
    return (2 * part * 10_000 + whole) // (2 * whole)


def hhi_bp(amounts: Iterable[int]) -> int | None:
    """Herfindahl–Hirschman index of the shares of ``amounts`` in basis points (10,000 = one
    buyer takes all): ``round(10,000 × Σ a_i² / (Σ a_i)²)`` half up; None without amounts."""
    values = [a for a in amounts if a > 0]
    total = sum(values)
    if total == 0:
        return None
    return (2 * 10_000 * sum(a * a for a in values) + total * total) // (2 * total * total)


def compute_trade_features(
    history: Sequence[TradeFactLike], confirmed_fen: Sequence[int], as_of: date
) -> dict[str, Feature]:
    """The trade features of one SME from its trade ``history`` over both windows and the
    amounts of its receivables confirmed by buyers falling due in the current window.

    - ``sales_12m_fen``: invoiced sales (role seller) with the order in the current window;
    - ``sales_growth_bp``: sales over the previous window's, minus 1, in bp (None without
      previous sales);
    - ``buyer_hhi_bp`` and ``top_buyer_share_bp``: concentration of current sales by buyer;
    - ``on_time_bp``: of the SME's purchases (role buyer) due before ``as_of`` in the current
      window, the share by amount paid on or before the due date (None without such invoices);
    - ``confirmed_receivables_fen`` and ``receivables_to_sales_bp`` (None without sales).
    """
    (cur_start, cur_end), (prev_start, prev_end) = windows(as_of)
    sales = prev_sales = invoices = 0
    by_buyer: dict[int, int] = defaultdict(int)
    due_total = on_time = due_count = 0
    for fact in history:
        current = cur_start <= fact.order_date < cur_end
        if fact.role == "seller":
            if current:
                sales += fact.amount_fen
                invoices += 1
                by_buyer[fact.counterparty_party_id] += fact.amount_fen
            elif prev_start <= fact.order_date < prev_end:
                prev_sales += fact.amount_fen
        elif fact.role == "buyer" and current and fact.due_on < as_of:
            due_total += fact.amount_fen
            due_count += 1
            if fact.paid_on is not None and fact.paid_on <= fact.due_on:
                on_time += fact.amount_fen
    confirmed = sum(confirmed_fen)

    def cur(name: str, value: int | None, source: str = TRADE_SOURCE, **inputs: int) -> Feature:
        return Feature(name, value, source, cur_start, cur_end, inputs)

    growth = None if prev_sales == 0 else ratio_bp(sales, prev_sales) - 10_000
    top = max(by_buyer.values(), default=0)
    return {
        "sales_12m_fen": cur("sales_12m_fen", sales, invoices=invoices),
        "sales_growth_bp": Feature("sales_growth_bp", growth, TRADE_SOURCE, prev_start, cur_end,
                                   {"sales_fen": sales, "previous_sales_fen": prev_sales}),
        "buyer_hhi_bp": cur("buyer_hhi_bp", hhi_bp(by_buyer.values()), buyers=len(by_buyer)),
        "top_buyer_share_bp": cur("top_buyer_share_bp", ratio_bp(top, sales) if sales else None,
                                  buyers=len(by_buyer)),
        "on_time_bp": cur("on_time_bp", ratio_bp(on_time, due_total) if due_total else None,
                          due_invoices=due_count, due_fen=due_total),
        "confirmed_receivables_fen": cur("confirmed_receivables_fen", confirmed, RECEIVABLE_SOURCE,
                                         receivables=len(confirmed_fen)),
        "receivables_to_sales_bp": cur("receivables_to_sales_bp",
                                       ratio_bp(confirmed, sales) if sales else None,
                                       RECEIVABLE_SOURCE, sales_fen=sales),
    }  # fmt: skip


def utilisation_bp(state_ms: Iterable[tuple[str, Mapping[int, int]]]) -> tuple[int | None, int]:
    """Device utilisation from state time: the share of observed time in the productive states
    (``power_state`` on, ``run_state`` running), in bp, and the observed milliseconds; None
    when no state time was observed. ``state_ms`` holds (metric name, {state code: ms})."""
    busy = total = 0
    for metric, states in state_ms:
        productive = UTILISATION_STATES.get(metric)
        if productive is None:
            continue
        for code, ms in states.items():
            total += ms
            if code in productive:
                busy += ms
    return (ratio_bp(busy, total) if total else None), total


def scored_values(features: Mapping[str, Feature]) -> dict[str, int | None]:
    """The values the scorecard needs, by feature name (missing ones None)."""
    return {name: features[name].value if name in features else None for name in SCORED}


def sme_features(session: Session, party_id: int, *, as_of: date,
                 bank_party_id: int | None = None) -> dict[str, Feature]:  # fmt: skip
    """Every feature of SME ``party_id`` at ``as_of`` read from the platform (see the module
    doc); device utilisation only when ``bank_party_id`` holds a live telemetry grant from the
    SME for ``credit_assessment`` (the read is audited by consent), else None."""
    from chanrong.trade import service as trade

    (cur_start, cur_end), (prev_start, _prev_end) = windows(as_of)
    history = trade.trade_history(session, party_id, start=prev_start, end=cur_end)
    confirmed = trade.confirmed_amounts(session, party_id, start=cur_start, end=cur_end)
    out = compute_trade_features(history, confirmed, as_of)
    out["device_utilisation_bp"] = _utilisation(session, party_id, bank_party_id, as_of)
    return out


def _utilisation(
    session: Session, party_id: int, bank_party_id: int | None, as_of: date
) -> Feature:
    from chanrong.errors import Forbidden
    from chanrong.principal import Principal
    from chanrong.telemetry import rollups_query

    start = as_of - timedelta(days=30)
    value, observed, devices = None, 0, 0
    if bank_party_id is not None:
        bank = Principal(bank_party_id, "institution", frozenset({"viewer"}))
        lo = int(datetime.combine(start, time(), UTC).timestamp() * 1000)
        hi = int(datetime.combine(as_of, time(), UTC).timestamp() * 1000)
        try:
            rows = rollups_query.fleet_rollups(
                session, actor=bank, owner_party_id=party_id, start_ms=lo, end_ms=hi,
                grain="day", purpose="credit_assessment",
            )  # fmt: skip
        except Forbidden:
            rows = []
        value, observed = utilisation_bp(
            (r.metric.name, r.state_ms) for r in rows if r.state_ms is not None
        )
        devices = max((r.devices for r in rows), default=0)
    return Feature("device_utilisation_bp", value, TELEMETRY_SOURCE, start, as_of,
                   {"observed_ms": observed, "devices": devices})  # fmt: skip
