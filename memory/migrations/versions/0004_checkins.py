"""check-ins: claims, drafting time, first due time, outcome

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 14:30:00

``claimed_at`` is when a scheduler worker took the row (wall clock); a row
left ``claimed`` by a worker that died returns to ``scheduled`` after a
timeout. ``drafted_at`` is the scheduler's "now" when the draft was made (the
cap of one check-in per customer per N days counts from it). ``first_due_at``
is the originally planned time, so lateness survives a deferral to daytime.
``outcome`` says in words why a row was skipped, cancelled or deferred.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch mode: SQLite cannot ALTER most things in place; on PostgreSQL it is plain ALTERs.
    with op.batch_alter_table("checkins") as batch:
        batch.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("drafted_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("first_due_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("outcome", sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("checkins") as batch:
        batch.drop_column("outcome")
        batch.drop_column("first_due_at")
        batch.drop_column("drafted_at")
        batch.drop_column("claimed_at")
