"""Prebuilt reads and writes (``db.read``, ``db.read_after`` and ``db.write`` through
``chanrong.prepared``) and ``db.insert_row``: the same rows, types and errors as SQLAlchemy's own
path, inside the session's transaction."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Table, bindparam, exc, func, select, text, update
from sqlalchemy.orm import Session

from chanrong import db
from chanrong.credit.models import Application
from chanrong.ledger.models import LedgerEntry
from chanrong.parties.models import Party
from tests.factories import create_party

_PARTY = select(Party.id, Party.name, Party.kind, Party.created_at).where(
    Party.id == bindparam("party_id")
)
_COUNT_KIND = select(func.count()).select_from(Party).where(Party.kind == bindparam("kind"))
_IN_LIST = select(Party.id).where(Party.id.in_(bindparam("ids", expanding=True)))
_NO_COLUMNS = text("SELECT 1")
_RENAME = update(Party).where(Party.id == bindparam("party_id")).values(name=bindparam("new_name"))
_CLEAR_KIND = update(Party).where(Party.id == bindparam("party_id")).values(kind=None)
_LAST_ENTRY = select(LedgerEntry.seq, LedgerEntry.created_at).order_by(LedgerEntry.seq.desc())


def test_rows_equal_sqlalchemys_own(session: Session) -> None:
    party = create_party(session, name="甲公司")
    prebuilt = db.read(session, _PARTY, {"party_id": party.id}).one()
    plain = session.execute(_PARTY, {"party_id": party.id}).one()
    assert tuple(prebuilt) == tuple(plain)
    assert (prebuilt.id, prebuilt.name, prebuilt.kind) == (party.id, "甲公司", party.kind)
    # the column's TypeDecorator turns the stored value into an aware UTC datetime
    assert isinstance(prebuilt.created_at, datetime) and prebuilt.created_at.tzinfo == UTC


def test_sees_the_transactions_own_unflushed_changes(session: Session) -> None:
    party = create_party(session)
    before = db.read(session, _COUNT_KIND, {"kind": "institution"}).scalar()
    party.kind = "institution"  # changed, not flushed
    assert db.read(session, _COUNT_KIND, {"kind": "institution"}).scalar() == before + 1
    assert db.read(session, _PARTY, {"party_id": party.id}).one().kind == "institution"


def test_accessors(session: Session) -> None:
    party = create_party(session)
    missing = db.read(session, _PARTY, {"party_id": -1})
    assert missing.first() is None and missing.scalar() is None and missing.all() == []
    with pytest.raises(LookupError):
        missing.one()
    assert db.read(session, _PARTY, {"party_id": party.id}).scalar() == party.id


def test_values_that_change_the_sql_take_sqlalchemys_path(session: Session) -> None:
    a, b = create_party(session), create_party(session)
    found = db.read(session, _IN_LIST, {"ids": [a.id, b.id]}).scalars().all()
    assert sorted(found) == sorted([a.id, b.id])


def test_a_statement_without_declared_columns_gives_plain_tuples(session: Session) -> None:
    assert db.read(session, _NO_COLUMNS, {}).one() == (1,)


def test_a_missing_parameter_is_an_error(session: Session) -> None:
    with pytest.raises(exc.InvalidRequestError, match="party_id"):
        db.read(session, _PARTY, {})


def test_insert_row_returns_the_id_and_converts_like_the_orm(session: Session) -> None:
    applicant, bank = create_party(session), create_party(session, kind="institution")
    values = {
        "applicant_party_id": applicant.id, "bank_party_id": bank.id, "product": "working_capital",
        "amount_fen": 100_000_00, "term_months": 6, "repayment": "bullet", "piece_id": None,
        "outcome": "decline", "reasons": [{"code": "R1", "text": "理由"}], "points": 500,
        "inputs": {"as_of": date(2026, 1, 2).isoformat()}, "features": {}, "result": {"x": 1},
        "rules_version": 1, "rules_digest": "d", "table_version": "t", "table_digest": "d",
        "status": "decided", "decided_at": datetime(2026, 1, 2, 3, 4, tzinfo=UTC),
        "ledger_seq": 0,
    }  # fmt: skip
    table: Table = Application.__table__  # type: ignore[assignment]
    new_id = db.insert_row(session, table, values)
    stored = session.get(Application, new_id)
    assert stored is not None
    assert stored.reasons == [{"code": "R1", "text": "理由"}]
    assert stored.decided_at == datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    assert db.insert_row(session, table, values) == new_id + 1


def test_insert_rows_returning_ids_gives_each_row_its_id_in_order(session: Session) -> None:
    applicant, bank = create_party(session), create_party(session, kind="institution")
    values = {
        "applicant_party_id": applicant.id, "bank_party_id": bank.id, "product": "working_capital",
        "amount_fen": 0, "term_months": 6, "repayment": "bullet", "piece_id": None,
        "outcome": "decline", "reasons": [], "points": 500, "inputs": {}, "features": {},
        "result": {}, "rules_version": 1, "rules_digest": "d", "table_version": "t",
        "table_digest": "d", "status": "decided", "decided_at": datetime(2026, 1, 2, tzinfo=UTC),
    }  # fmt: skip
    seqs = [907, 3, 512, 44, 1]
    rows = [{**values, "amount_fen": seq * 100, "ledger_seq": seq} for seq in seqs]
    table: Table = Application.__table__  # type: ignore[assignment]
    ids = db.insert_rows_returning_ids(session, table, rows, key="ledger_seq")
    assert len(set(ids)) == len(rows)
    for new_id, seq in zip(ids, seqs, strict=True):
        stored = session.get(Application, new_id)
        assert stored is not None and (stored.ledger_seq, stored.amount_fen) == (seq, seq * 100)
    assert db.insert_rows_returning_ids(session, table, [], key="ledger_seq") == []


def test_insert_row_raises_sqlalchemys_integrity_error(session: Session) -> None:
    table: Table = Application.__table__  # type: ignore[assignment]
    with pytest.raises(exc.IntegrityError), session.begin_nested():
        db.insert_row(session, table, {"applicant_party_id": -5, "bank_party_id": -6})


def test_reads_the_log_in_order(session: Session) -> None:
    from chanrong.ledger.service import Event, record
    from chanrong.principal import Principal

    receipt = record(session, Event(Principal.system(), "test.read", "x:1", {}))
    last = db.read(session, _LAST_ENTRY, {}).first()
    assert last.seq == receipt.seq and last.created_at.tzinfo == UTC


def test_write_changes_the_row_and_expires_the_held_instance(session: Session) -> None:
    party = create_party(session, name="旧名")
    assert db.write(session, _RENAME, {"party_id": party.id, "new_name": "新名"},
                    stale=(Party, party.id)) == 1  # fmt: skip
    assert party.name == "新名"  # reloaded, not the value from before
    assert db.read(session, _PARTY, {"party_id": party.id}).one().name == "新名"
    assert db.write(session, _RENAME, {"party_id": -1, "new_name": "无"}) == 0


def test_write_raises_sqlalchemys_integrity_error(session: Session) -> None:
    party = create_party(session)
    with pytest.raises(exc.IntegrityError), session.begin_nested():
        db.write(session, _CLEAR_KIND, {"party_id": party.id})


def test_write_refuses_a_statement_whose_sql_depends_on_its_values(session: Session) -> None:
    widen = update(Party).where(Party.id.in_(bindparam("ids", expanding=True))).values(name="x")
    with pytest.raises(ValueError, match="does not depend"):
        db.write(session, widen, {"ids": [1, 2]})


def test_read_after_runs_both_and_gives_the_second_ones_rows(session: Session) -> None:
    party = create_party(session, name="乙公司")
    rows = db.read_after(session, _RENAME, {"party_id": party.id, "new_name": "丙公司"},
                         _PARTY, {"party_id": party.id})  # fmt: skip
    assert rows.one().name == "丙公司"  # the second statement saw the first one's change


def test_a_savepoint_opened_before_a_prebuilt_write_rolls_it_back(session: Session) -> None:
    party = create_party(session, name="原名")
    db.read(session, _PARTY, {"party_id": party.id})  # the connection is kept from here on
    with pytest.raises(RuntimeError), session.begin_nested():
        db.write(session, _RENAME, {"party_id": party.id, "new_name": "撤销"})
        raise RuntimeError("refused after the write")
    assert db.read(session, _PARTY, {"party_id": party.id}).one().name == "原名"
