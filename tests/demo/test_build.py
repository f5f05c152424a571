"""Building the park through the services, and reading it back from the database."""

from __future__ import annotations

from collections import Counter

from chanrong.demo.build import DEMO_PASSWORD, build_park, park_status, summarise
from chanrong.demo.catalogue import EXPECTED_PARTIES_BY_KIND
from chanrong.demo.plan import DEFAULT_SEED, plan_park
from chanrong.identifiers import service as identifiers
from chanrong.parties import access
from chanrong.principal import Principal


def test_build_park(session):
    plan = plan_park(DEFAULT_SEED)
    assert park_status(session) == "absent"
    summary = build_park(session, seed=DEFAULT_SEED)
    assert summary.parties_by_kind == EXPECTED_PARTIES_BY_KIND
    assert summary.identifiers_by_type == dict(Counter(i.object_type for i in plan.identifiers))
    assert summary.prefixes == 54
    assert summary.users == 64
    assert summary.api_keys == len(summary.issued_keys) == 7
    assert len(summary.provinces) >= 8
    assert park_status(session) == "present"
    assert park_status(session, seed=7) == "other"
    again = summarise(session, plan)
    assert again.parties_by_role == summary.parties_by_role
    assert again.identifiers_by_type == summary.identifiers_by_type
    assert again.issued_keys == []

    for username in ("op-admin", "excavator-admin", "sew01-admin", "bank1-admin"):
        user, token = access.log_in(session, username=username, password=DEMO_PASSWORD, hours=1)
        assert user.username == username and token

    bank_token = next(k.token for k in summary.issued_keys if k.party == "bank1")
    bank = access.authenticate_api_key(session, bank_token)
    device = summary.sample_handles["EX"]
    seen_by_bank = identifiers.resolve(session, actor=bank, handle=device)
    assert seen_by_bank.withheld == 1
    seen_by_owner = identifiers.resolve(session, actor=Principal.system(), handle=device)
    assert {f["name"] for f in seen_by_owner.fields} >= {"maker_batch", "purchase_price"}
