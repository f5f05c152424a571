"""What a bank may see of an SME outside an application: its credit features only under a live
``trade`` grant for ``credit_assessment`` (``consent.service.readable``, audited), or only its
score under a derived-only grant (the ``credit.sme_score`` indicator, disclosed through
``consent.service.derive``). Importing this module registers the indicator."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from chanrong import clock
from chanrong.consent import service as consent
from chanrong.credit import service
from chanrong.credit.features import scored_values, sme_features
from chanrong.principal import Principal

SCOPE = "trade"
PURPOSE = "credit_assessment"
INDICATOR = "credit.sme_score"


def features_subject(party_id: int) -> str:
    """The consent subject of a party's credit features."""
    return f"credit-features:party/{party_id}"


def features_for(session: Session, *, actor: Principal, party_id: int,
                 purpose: str = PURPOSE) -> dict[str, Any]:  # fmt: skip
    """The SME's features today (values with window, source, inputs) for the SME itself, or for
    a party holding its live raw ``trade`` grant for ``credit_assessment`` (audited; 403
    ``no-grant`` or ``derived-only`` otherwise). Device utilisation counts under the reader's
    telemetry grant only."""
    access = consent.readable(session, actor=actor, owner_party_id=party_id, scope=SCOPE,
                              purpose=purpose, subject=features_subject(party_id))  # fmt: skip
    reader = None if actor.acts_for(party_id) else actor.party_id
    features = sme_features(session, party_id, as_of=clock.today(), bank_party_id=reader)
    return {
        "party_id": party_id,
        "as_of": clock.today().isoformat(),
        "features": {name: f.to_dict() for name, f in features.items()},
        "access": None if access is None else consent.receipt(session, access),
    }


def sme_score(session: Session, party_id: int) -> dict[str, Any]:
    """The SME's score today from its trade features (device utilisation missing): points,
    the implied probability of default in basis points and the table's version."""
    table, _digest = service.table()
    values = scored_values(sme_features(session, party_id, as_of=clock.today()))
    points = table.total(values)
    return {"points": points, "pd_bp": round(table.probability_of_default(points) * 10_000),
            "table_version": table.version}  # fmt: skip


def score_for(session: Session, *, actor: Principal, party_id: int,
              purpose: str = PURPOSE) -> dict[str, Any]:  # fmt: skip
    """The SME's score only, disclosed under any live ``trade`` grant for ``credit_assessment``
    (derived-only suffices; audited), through ``consent.service.derive``."""
    value, access = consent.derive(session, actor=actor, owner_party_id=party_id, purpose=purpose,
                                   indicator=INDICATOR)  # fmt: skip
    return {"party_id": party_id, **value,
            "access": None if access is None else consent.receipt(session, access)}  # fmt: skip


consent.register_indicator(
    consent.Indicator(
        name=INDICATOR,
        scope=SCOPE,
        compute=sme_score,
        label=("经营数据信用分", "credit score from operating data"),
    )
)
