"""console sessions: a per-login session version

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 15:30:00

The console's session cookie carries the login's ``session_version`` from the
moment of sign-in; a cookie whose version is no longer the login's is refused.
Signing out and changing the password bump it, which ends every session of
that login at once. Existing logins start at 0 (their cookies, issued before
this migration, carry no version and are refused: everyone signs in again).
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch mode: SQLite cannot ALTER most things in place; on PostgreSQL it is a plain ALTER.
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("session_version", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("session_version")
