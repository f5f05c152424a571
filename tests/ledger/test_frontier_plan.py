"""The append's read of the log's frontier stays a primary-key lookup per node, however small
the log was when the database planned it: PostgreSQL keeps the plan of a prepared statement for
the life of a connection, so a plan that walks a level of ``ledger_nodes`` slows every append as
the log grows (it did: certificate operations fell from 440 to 240 a second within a minute)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from chanrong.ledger import service


def _plan(session: Session) -> list[str]:
    connection = session.connection()
    sql = str(service._FRONTIER.compile(dialect=connection.dialect))
    if connection.dialect.name == "postgresql":
        return [row[0] for row in connection.exec_driver_sql("EXPLAIN " + sql)]
    return [row[3] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql)]


def test_each_frontier_node_is_looked_up_by_its_whole_key(session: Session) -> None:
    plan = _plan(session)
    nodes = [i for i, line in enumerate(plan) if "ledger_nodes" in line or " n USING" in line]
    assert nodes, plan
    for i in nodes:
        if session.get_bind().dialect.name == "postgresql":
            condition = plan[i + 1]
            assert "Index Cond" in condition, plan
            assert "level =" in condition and "idx =" in condition, plan
        else:
            assert "level=? AND idx=?" in plan[i], plan
