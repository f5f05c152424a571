"""The log's node reads stay a primary-key lookup per node, however small the log was when the
database planned them: PostgreSQL keeps the plan of a prepared statement for the life of a
connection, so a plan that walks a level of ``ledger_nodes`` slows every append as the log grows
(it did: certificate operations fell from 440 to 240 a second within a minute)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from chanrong.ledger import service


def _plan(session: Session, statement: Any, params: dict[str, Any]) -> list[str]:
    explain = (
        "EXPLAIN " if session.get_bind().dialect.name == "postgresql" else "EXPLAIN QUERY PLAN "
    )
    rows = session.execute(text(explain + statement.element.text), params)
    return [row[0] if len(row) == 1 else row[3] for row in rows]


@pytest.mark.parametrize("read", ["frontier", "proof nodes"])
def test_each_node_is_looked_up_by_its_whole_key(session: Session, read: str) -> None:
    if read == "frontier":
        statement, params = service._FRONTIER, {}
    else:
        statement, params = service._nodes_statement(session, {(0, 5), (1, 1), (3, 0)})
    plan = _plan(session, statement, params)
    nodes = [i for i, line in enumerate(plan) if "ledger_nodes" in line or " n USING" in line]
    assert nodes, plan
    for i in nodes:
        if session.get_bind().dialect.name == "postgresql":
            condition = plan[i + 1]
            assert "Index Cond" in condition, plan
            assert "level =" in condition and "idx =" in condition, plan
        else:
            assert "level=? AND idx=?" in plan[i], plan
