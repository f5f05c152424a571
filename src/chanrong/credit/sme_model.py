"""The SME scorecard, trained on a SYNTHETIC labelled dataset (there is no labelled SME data).

**SYNTHETIC**: every applicant and outcome here is generated from the documented model below,
not observed. The points table it compiles to is stored as versioned data in the package
(``credit/data/sme-points-SYNTHETIC-1.json``, with ``"synthetic": true`` in its metadata) and
loaded by `load_table`; training runs offline (``python -m chanrong.credit.sme_model``), never in
the request path.

The generating model (docs/credit-decisions.md), per applicant, with a seeded NumPy generator:

- annual sales: ``log10(sales in yuan) ~ Normal(6.3, 0.5)`` (about 2 million yuan);
- sales growth (bp): ``Normal(800, 2,000)`` clipped to [-8,000, 20,000]; missing for 10 %;
- buyers: ``1 + Poisson(3)``, sales shares ``Dirichlet(1, …, 1)``, giving the HHI (bp);
- payment punctuality (bp of amount paid on time): ``10,000 · Beta(8, 1.5)``; missing for 10 %;
- confirmed receivables to sales (bp): ``10,000 · Uniform(0, 0.3)``;
- device utilisation (bp): ``10,000 · Beta(4, 3)``, missing (no grant) for 50 %;
- log-odds of default ``z = -2.1 - 0.9 (log10 sales - 6.3) - 0.6 growth/10⁴
  + 1.2 (hhi/10⁴ - 0.4) - 4.0 (on_time/10⁴ - 0.84) - 2.0 (recv/10⁴ - 0.15)
  - 1.5 (util/10⁴ - 0.57)``, a missing term contributing 0 except missing punctuality (+0.3);
  default ``~ Bernoulli(1 / (1 + e^-z))`` (about 12 % bad).
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

from chanrong.credit.points import PointsTable

VERSION = "sme-SYNTHETIC-1"
DATA_FILE = "sme-points-SYNTHETIC-1.json"
SEED = 20261127
ROWS = 20_000
LABEL = "SYNTHETIC: trained on generated SME data, not on observed outcomes"


def synthetic_rows(n: int = ROWS, seed: int = SEED) -> list[dict[str, Any]]:
    """``n`` SYNTHETIC applicants with the scored features and ``outcome`` ("bad"/"good")."""
    import numpy as np

    rng = np.random.default_rng(seed)
    log_sales = rng.normal(6.3, 0.5, n)
    growth = np.clip(rng.normal(800, 2000, n), -8000, 20000)
    growth_missing = rng.random(n) < 0.10
    buyers = 1 + rng.poisson(3, n)
    hhi = np.array([float(np.sum(rng.dirichlet(np.ones(k)) ** 2)) for k in buyers]) * 10_000
    on_time = 10_000 * rng.beta(8, 1.5, n)
    on_time_missing = rng.random(n) < 0.10
    recv = 10_000 * rng.uniform(0, 0.3, n)
    util = 10_000 * rng.beta(4, 3, n)
    util_missing = rng.random(n) < 0.50
    z = (-2.1 - 0.9 * (log_sales - 6.3) + 1.2 * (hhi / 1e4 - 0.4) - 2.0 * (recv / 1e4 - 0.15)
         + np.where(growth_missing, 0.0, -0.6 * growth / 1e4)
         + np.where(on_time_missing, 0.3, -4.0 * (on_time / 1e4 - 0.84))
         + np.where(util_missing, 0.0, -1.5 * (util / 1e4 - 0.57)))  # fmt: skip
    bad = rng.random(n) < 1.0 / (1.0 + np.exp(-z))
    rows = []
    for i in range(n):
        rows.append({
            "sales_12m_fen": round(float(10 ** log_sales[i] * 100)),
            "sales_growth_bp": None if growth_missing[i] else round(float(growth[i])),
            "buyer_hhi_bp": round(float(hhi[i])),
            "on_time_bp": None if on_time_missing[i] else round(float(on_time[i])),
            "receivables_to_sales_bp": round(float(recv[i])),
            "device_utilisation_bp": None if util_missing[i] else round(float(util[i])),
            "outcome": "bad" if bad[i] else "good",
        })  # fmt: skip
    return rows


def fit(n: int = ROWS, seed: int = SEED) -> tuple[Any, Any]:
    """The fitted scorecard (``scorecard.FittedScorecard``) on ``n`` SYNTHETIC rows and the rows
    as a DataFrame (scored features as floats, NaN missing, and ``outcome``)."""
    import pandas as pd

    from chanrong.credit.features import SCORED
    from chanrong.credit.scorecard import FeatureSpec, fit_scorecard

    frame = pd.DataFrame(synthetic_rows(n, seed))
    for name in SCORED:
        frame[name] = pd.to_numeric(frame[name], errors="coerce").astype(float)
    specs = [FeatureSpec(name, "numeric") for name in SCORED]
    return fit_scorecard(frame, target="outcome", event="bad", features=specs), frame


def train(n: int = ROWS, seed: int = SEED) -> dict[str, Any]:
    """Fit the scorecard on the SYNTHETIC rows and return the stored document: metadata
    (``synthetic``, label, model, rows, seed, bad rate, in-sample AUC) and the points table."""
    from sklearn.metrics import roc_auc_score

    from chanrong.credit.features import SCORED

    fitted, frame = fit(n, seed)
    table = fitted.compile(version=VERSION)
    rows = frame[list(SCORED)].astype(object).where(frame[list(SCORED)].notna(), None)
    points = [table.total(r) for r in rows.to_dict("records")]
    bad = (frame["outcome"] == "bad").to_numpy()
    return {
        "synthetic": True,
        "label": LABEL,
        "model": "chanrong.credit.sme_model (docstring): generated features and outcomes",
        "rows": n,
        "seed": seed,
        "bad_rate": round(float(bad.mean()), 4),
        "in_sample_auc": round(float(roc_auc_score(bad, [-p for p in points])), 4),
        "information_value": {k: round(v, 4) for k, v in fitted.information_value.items()},
        "table": table.to_dict(),
    }


@lru_cache(maxsize=1)
def stored() -> dict[str, Any]:
    """The stored document (metadata and table) shipped with the package."""
    text = resources.files("chanrong.credit").joinpath("data", DATA_FILE).read_text("utf-8")
    return json.loads(text)


@lru_cache(maxsize=1)
def load_table() -> PointsTable:
    """The SME points table shipped with the package (SYNTHETIC; see the module doc)."""
    return PointsTable.from_dict(stored()["table"])


def main() -> None:
    """Retrain and write the stored document (run offline after changing the model)."""
    from pathlib import Path

    document = train()
    path = Path(__file__).with_name("data") / DATA_FILE
    path.write_text(json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n",
                    "utf-8")  # fmt: skip
    print(f"wrote {path}: bad rate {document['bad_rate']}, AUC {document['in_sample_auc']}")


if __name__ == "__main__":
    main()
