"""The demo park's supply-chain finance, built on a fresh database through the services: the
counts, the certificate invariants, the ledger replaying to the stored state, pieces two tiers
deep, financings and the settlement, maker-checker lines, and a re-run changing nothing."""

from __future__ import annotations

from datetime import timedelta

from chanrong import clock
from chanrong.demo import supplychain as sc
from chanrong.demo.build import DEMO_PASSWORD, build_park
from chanrong.demo.plan import DEFAULT_SEED, plan_park
from chanrong.parties import access
from chanrong.parties import service as parties
from chanrong.principal import Principal
from chanrong.supplychain import core, lines, views
from chanrong.supplychain.models import CreditLineChange
from chanrong.trade import receivables

WAN = sc.WAN


def test_supplychain_demo(session):
    build_park(session, seed=DEFAULT_SEED)
    assert not sc.present(session, DEFAULT_SEED)
    summary = sc.build_supplychain(session, seed=DEFAULT_SEED)
    assert summary == sc.SupplyChainSummary(
        credit_lines=4, certificates=4, face_fen=746 * WAN, pieces=21, live_pieces=9,
        financings=4, financed_fen=420 * WAN, settled=1, built=True,
    )  # fmt: skip

    book = views.stored_book(session)
    assert core.violations(book) == []
    assert views.replay_ledger(session).snapshot() == book.snapshot()

    plan = plan_park(DEFAULT_SEED)
    ids = {p.code: i for p in plan.parties
           for i in parties.party_ids_by_uscc(session, [p.uscc]).values()}  # fmt: skip
    code_of = {i: c for c, i in ids.items()}
    today = clock.today()
    by_issuer = {code_of[c.issuer]: c for c in book.certificates.values()}
    assert set(by_issuer) == {"excavator", "autolog", "garment", "refinery"}
    for code, cert in by_issuer.items():
        live = [
            p for p in book.pieces.values() if p.certificate_id == cert.id and p.status in core.LIVE
        ]
        if code == "refinery":  # matured 20 days ago, settled to the bank and the holder
            assert cert.maturity_on == cert.settled_on == today - timedelta(days=20) and not live
            paid = {code_of[p.paid_to]: p.amount for p in book.pieces.values()
                    if p.certificate_id == cert.id and p.status == core.SETTLED}  # fmt: skip
            assert paid == {"bank3": 100 * WAN, "metermaker": 50 * WAN}
        else:
            assert cert.settled_on is None and cert.maturity_on > today
            assert sum(p.amount for p in live) == cert.face_fen
            assert cert.issued_on < today and (cert.maturity_on - cert.issued_on).days <= 183

    holders = {code_of[p.holder] for p in book.pieces.values()
               if p.certificate_id == by_issuer["excavator"].id and p.status in core.LIVE}  # fmt: skip
    assert holders == {"elec01", "metal02", "cncmaker"}  # tier 1, 2 and 3
    pending = [p for p in book.pieces.values() if p.status == core.PENDING]
    assert [(code_of[p.holder], code_of[p.pending_to]) for p in pending] == [
        ("sew01", "logistics01")
    ]

    financed = views.financings(session, actor=Principal.system())
    assert sorted(code_of[f.bank_party_id] for f in financed) == [
        "bank1",
        "bank1",
        "bank2",
        "bank3",
    ]
    for f in financed:
        assert f.proceeds_fen == f.amount_fen - f.discount_fen - f.fees_fen > 0
        assert f.days == (f.maturity_on - f.financed_on).days and f.registration_ref

    changes = session.query(CreditLineChange).all()
    assert len(changes) == 4 and all(c.status == "approved" for c in changes)
    assert all(c.proposed_by != c.decided_by for c in changes)  # two bank users
    for username in sc.checkers():
        user, _token = access.log_in(session, username=username, password=DEMO_PASSWORD, hours=1)
        assert user.roles == ["admin"]
    limits = {code_of[int(str(x["core_party_id"]))]: x["limit_fen"]
              for x in lines.lines(session, actor=Principal.system())}  # fmt: skip
    assert limits == {"excavator": 8_000 * WAN, "autolog": 5_000 * WAN, "garment": 3_000 * WAN,
                      "refinery": 6_000 * WAN}  # fmt: skip

    core_admin = Principal(ids["excavator"], "enterprise", frozenset({"admin"}))
    payables = receivables.list_receivables(
        session, actor=core_admin, party_id=ids["excavator"], side="debtor", status=None, limit=10
    )
    assert [(r.status, r.certificate_id) for r in payables] == [
        ("confirmed", by_issuer["excavator"].id)
    ]
    tier2 = Principal(ids["elec01"], "enterprise", frozenset({"admin"}))
    owed = receivables.list_receivables(
        session, actor=tier2, party_id=ids["elec01"], side="debtor", status=None, limit=10
    )
    assert [(code_of[r.supplier_party_id], r.status) for r in owed] == [("metal02", "confirmed")]

    assert sc.present(session, DEFAULT_SEED)
    again = sc.build_supplychain(session, seed=DEFAULT_SEED)
    assert again == sc.SupplyChainSummary(**{**summary.__dict__, "built": False})
    assert views.stored_book(session).snapshot() == book.snapshot()
