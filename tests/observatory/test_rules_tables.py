"""The rule tables are data: they load, they can be changed, and a broken table is refused.
Every rule is documented in docs/observatory-normalisation.md."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest

from chanrong.observatory.fx import RULES_DIR, FxTable
from chanrong.observatory.normalise import parse_amount
from chanrong.observatory.rules_table import KINDS, RULES, AmountRules
from chanrong.observatory.stages import ROUND_RULES, load_round_rules

DOC = Path(__file__).resolve().parents[2] / "docs" / "observatory-normalisation.md"
Y = 10_000_000_000


def _rows(name: str) -> list[dict[str, str]]:
    with (RULES_DIR / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_a_user_can_make_over_open_ended(tmp_path: Path) -> None:
    rows = _rows("amount_rules.csv")
    for row in rows:
        if row["rule_id"] == "P_OVER":
            row["high"] = ""
    rules = AmountRules.load(_write(tmp_path / "rules.csv", rows))
    assert parse_amount("超亿元").high_fen == 2 * Y
    changed = parse_amount("超亿元", rules=rules)
    assert (changed.low_fen, changed.high_fen, changed.open_ended) == (Y, None, True)


def test_a_user_can_adjust_a_rate(tmp_path: Path) -> None:
    rows = [{"year": "2024", "currency": "USD", "cny_per_unit": "7", "source": "my table"}]
    fx = FxTable.load(_write(tmp_path / "fx.csv", rows))
    result = parse_amount("1亿美元", fx=fx, year=2024)
    assert (result.low_fen, result.fx_rate, result.fx_source) == (7 * Y, Decimal(7), "my table")
    assert parse_amount("1亿欧元", fx=fx).flagged  # no EUR row in this table


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("kind", "sometimes", "unknown kind"),
        ("low", "abc", "not a decimal"),
        ("high", "0.5", "empty"),
    ],
)
def test_a_broken_table_is_refused(tmp_path: Path, column: str, value: str, message: str) -> None:
    rows = _rows("amount_rules.csv")
    target = next(r for r in rows if r["rule_id"] == "P_NEAR")
    target[column] = value
    with pytest.raises(ValueError, match=message):
        AmountRules.load(_write(tmp_path / "rules.csv", rows))


def test_rows_of_one_rule_must_agree(tmp_path: Path) -> None:
    rows = _rows("amount_rules.csv")
    next(r for r in rows if r["token"] == "接近")["low"] = "0.7"
    with pytest.raises(ValueError, match="disagree"):
        AmountRules.load(_write(tmp_path / "rules.csv", rows))


def test_a_bad_round_table_is_refused(tmp_path: Path) -> None:
    rows = _rows("rounds.csv")
    rows[0]["stage"] = "series_z"
    with pytest.raises(ValueError, match="unknown stage"):
        load_round_rules(_write(tmp_path / "rounds.csv", rows))
    rows[0]["stage"], rows[0]["pattern"] = "seed", "种子("
    with pytest.raises(ValueError, match="bad pattern"):
        load_round_rules(_write(tmp_path / "rounds.csv", rows))


def test_fx_table_refuses_bad_rates(tmp_path: Path) -> None:
    rows = [{"year": "2024", "currency": "USD", "cny_per_unit": "0", "source": "x"}]
    with pytest.raises(ValueError, match="positive"):
        FxTable.load(_write(tmp_path / "fx.csv", rows))


def test_every_rule_and_rate_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    missing = [r.rule_id for r in RULES.rules if f"`{r.rule_id}`" not in text]
    missing += [r.rule_id for r in ROUND_RULES if f"`{r.rule_id}`" not in text]
    missing += [kind for kind in KINDS if f"`{kind}`" not in text]
    missing += [rid for _, _, rid in RULES.currency_tokens() if f"`{rid}`" not in text]
    assert not missing, f"undocumented in {DOC.name}: {sorted(set(missing))}"
    for row in _rows("fx_rates.csv"):
        assert f"| {row['year']} | {row['currency']} | {row['cny_per_unit']} |" in text, row
