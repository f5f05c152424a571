"""Rules, the decision engine and the stored SYNTHETIC SME points table (pure, no database)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chanrong.credit import sme_model
from chanrong.credit.decisions import Decision, Inputs, decide
from chanrong.credit.features import SCORED
from chanrong.credit.points import PointsTable
from chanrong.credit.rules import DEFAULT_RULES, Facts, RuleSet, check

AS_OF = date(2026, 3, 2)
GOOD = {
    "sales_12m_fen": 2_000_000_000,
    "sales_growth_bp": 3_000,
    "buyer_hhi_bp": 2_000,
    "on_time_bp": 9_900,
    "receivables_to_sales_bp": 2_500,
    "device_utilisation_bp": 8_000,
}
POOR = {"sales_12m_fen": 20_000_000, "sales_growth_bp": -5_000, "buyer_hhi_bp": 9_000,
        "on_time_bp": 3_000, "receivables_to_sales_bp": 0, "device_utilisation_bp": 1_000}  # fmt: skip


def _facts(**overrides: object) -> Facts:
    base: dict[str, object] = {
        "product": "working_capital",
        "amount_fen": 500_000_00,
        "term_months": 6,
        "uscc": "91330200MA2H0000X1",
        "sales_12m_fen": 2_000_000_000,
        "top_buyer_share_bp": 3_000,
    }
    base.update(overrides)
    return Facts(**base)  # type: ignore[arg-type]


def test_the_stored_table_is_synthetic_versioned_and_reproducible() -> None:
    document = sme_model.stored()
    assert document["synthetic"] is True and "SYNTHETIC" in document["label"]
    table = sme_model.load_table()
    assert "SYNTHETIC" in table.version
    assert set(table.feature_names) <= set(SCORED)
    assert PointsTable.from_json(table.to_json()).digest() == table.digest()


def test_retraining_gives_the_stored_table() -> None:
    assert sme_model.train()["table"] == sme_model.stored()["table"]


def test_good_applicant_is_approved_with_an_offer_in_the_best_band() -> None:
    decision = decide(Inputs(_facts(), GOOD, AS_OF), DEFAULT_RULES, sme_model.load_table())
    assert decision.outcome == "approve" and decision.reasons == ()
    assert decision.offer is not None
    assert decision.offer.annual_rate_bp == DEFAULT_RULES.rate_bp(decision.points)
    assert decision.offer.amount_fen == 500_000_00
    assert sum(i.principal_fen for i in decision.offer.schedule) == 500_000_00


def test_poor_score_declines_with_score_and_adverse_reasons() -> None:
    decision = decide(Inputs(_facts(), POOR, AS_OF), DEFAULT_RULES, sme_model.load_table())
    assert decision.outcome == "decline" and decision.offer is None
    codes = [r.code for r in decision.reasons]
    assert codes[0] == "SCORE_BELOW_CUTOFF"
    assert len(codes) == 3 and all(c.startswith("LOW_") for c in codes[1:])


def test_each_rule_names_its_reason() -> None:
    rules = RuleSet(blacklist=("91330200MA2H0000X1",), per_sme_limit_fen=1_000_000_00)
    facts = _facts(identity_missing=("industry",), term_months=5, amount_fen=700_000_00,
                   sme_exposure_fen=400_000_00, top_buyer_share_bp=9_500,
                   sales_12m_fen=1_000_000_00)  # fmt: skip
    codes = [r.code for r in check(facts, rules)]
    assert codes == ["IDENTITY_INCOMPLETE", "TERM_NOT_OFFERED", "AMOUNT_ABOVE_SALES", "SME_LIMIT",
                     "BLACKLISTED", "BUYER_CONCENTRATION"]  # fmt: skip
    cert = _facts(product="certificate", holder_problem="the piece is spent", maturity_days=3,
                  piece_fen=100_000_00, term_months=0)  # fmt: skip
    assert [r.code for r in check(cert, DEFAULT_RULES)] == [
        "HOLDER_INVALID",
        "MATURITY_TOO_SHORT",
        "ABOVE_PIECE",
    ]
    long = _facts(product="certificate", maturity_days=400, piece_fen=10**12, term_months=0)
    assert [r.code for r in check(long, DEFAULT_RULES)] == ["MATURITY_TOO_LONG"]


def test_concentration_refers() -> None:
    decision = decide(Inputs(_facts(top_buyer_share_bp=9_000), GOOD, AS_OF), DEFAULT_RULES,
                      sme_model.load_table())  # fmt: skip
    assert decision.outcome == "refer"
    assert [r.code for r in decision.reasons] == ["BUYER_CONCENTRATION"]


def test_certificate_offer_discounts_to_maturity() -> None:
    facts = _facts(product="certificate", maturity_days=90, piece_fen=600_000_00, term_months=0)
    decision = decide(Inputs(facts, GOOD, AS_OF, "bullet"), DEFAULT_RULES, sme_model.load_table())
    assert decision.outcome == "approve" and decision.offer is not None
    assert decision.offer.day_count == "ACT/360"
    assert decision.offer.maturity_on == date(2026, 5, 31)


def test_rule_set_round_trip_and_problems() -> None:
    again = RuleSet.from_params("v2", DEFAULT_RULES.params())
    assert again.digest() == DEFAULT_RULES.digest() and again.version == "v2"
    with pytest.raises(ValueError, match="unknown"):
        RuleSet.from_params("v3", {"colour": 1})
    bad = RuleSet(refer_points=600, bands=((500, 100), (600, 200)), min_amount_fen=-1)
    assert set(bad.problems()) == {
        ("min_amount_fen", "non_negative"),
        ("refer_points", "below_approve"),
        ("bands", "descending"),
    }
    assert DEFAULT_RULES.problems() == []


features = st.fixed_dictionaries({
    name: st.one_of(st.none(), st.integers(min_value=-10_000, max_value=10**11)) for name in SCORED
})  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(values=features, amount=st.integers(min_value=0, max_value=10**10),
       term=st.sampled_from([1, 3, 6, 12]), share=st.one_of(st.none(), st.integers(0, 10_000)),
       blacklisted=st.booleans())  # fmt: skip
def test_every_decline_has_a_reason_and_recomputes_from_its_json(
    values: dict[str, int | None], amount: int, term: int, share: int | None, blacklisted: bool
) -> None:
    table = sme_model.load_table()
    rules = RuleSet(blacklist=("91330200MA2H0000X1",) if blacklisted else ())
    inputs = Inputs(_facts(amount_fen=amount, term_months=term, top_buyer_share_bp=share,
                           sales_12m_fen=values["sales_12m_fen"] or 0), values, AS_OF)  # fmt: skip
    decision: Decision = decide(inputs, rules, table)
    if decision.outcome != "approve":
        assert decision.reasons
    if decision.outcome == "decline":
        assert any(r.severity == "decline" for r in decision.reasons)
    stored = json.loads(json.dumps(inputs.to_dict()))
    again = decide(Inputs.from_dict(stored), RuleSet.from_params(rules.version, rules.params()),
                   PointsTable.from_json(table.to_json()))  # fmt: skip
    assert again.to_dict() == decision.to_dict()
