"""credit repayments: what each instalment has been paid, and the repayments recorded on loans

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import chanrong.db

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "credit_repayments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("loan_id", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("interest_fen", sa.BigInteger(), nullable=False),
        sa.Column("principal_fen", sa.BigInteger(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("allocation", sa.JSON(), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("recorded_at", chanrong.db.UTCDateTime(), nullable=False),
        sa.Column("ledger_seq", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["loan_id"],
            ["credit_loans.id"],
            name=op.f("fk_credit_repayments_loan_id_credit_loans"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_repayments")),
    )
    with op.batch_alter_table("credit_repayments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_credit_repayments_loan_id"), ["loan_id"], unique=False)
    with op.batch_alter_table("credit_instalments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("interest_paid_fen", sa.BigInteger(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("principal_paid_fen", sa.BigInteger(), server_default="0", nullable=False)
        )
    with op.batch_alter_table("credit_loans", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_credit_loans_financing_id"), ["financing_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("credit_loans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_loans_financing_id"))
    with op.batch_alter_table("credit_instalments", schema=None) as batch_op:
        batch_op.drop_column("principal_paid_fen")
        batch_op.drop_column("interest_paid_fen")
    with op.batch_alter_table("credit_repayments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_repayments_loan_id"))
    op.drop_table("credit_repayments")
