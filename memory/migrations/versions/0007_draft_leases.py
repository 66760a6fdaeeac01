"""drafts: leases for workers, a revision for every surface's card

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 17:40:00

A worker that claims a draft writes its id and a lease end (``claimed_by``,
``lease_until``) and renews the lease while it drafts; a draft whose lease ran
out is claimed again by any live worker (``claims`` counts how often, so a
draft that kills every worker ends ``failed`` instead of going round for
ever). ``revision`` goes up on every change a rep would see, and each review
card remembers the revision it shows (``review_cards.shown_revision``; its
``posted_at`` stays empty while one process posts it, so no other posts it
twice), so any
process running a surface can tell which cards are behind, whoever wrote the
draft. On PostgreSQL a trigger sends ``NOTIFY rapport_drafts`` with the new
status, which wakes workers and card relays at once (they poll as well).
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

NOTIFY_FUNCTION = """
CREATE OR REPLACE FUNCTION rapport_draft_changed() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('rapport_drafts', NEW.status);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql
"""


def upgrade() -> None:
    with op.batch_alter_table("drafts") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(100), nullable=True))
        batch.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("claims", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("revision", sa.Integer(), nullable=False, server_default="1"))
    op.create_index("ix_drafts_updated_at", "drafts", ["updated_at"])
    with op.batch_alter_table("review_cards") as batch:
        batch.add_column(
            sa.Column("shown_revision", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True))
    # Cards posted before this migration are on screen.
    op.execute("UPDATE review_cards SET posted_at = created_at")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(NOTIFY_FUNCTION)
        # Heartbeats only move the lease: they wake nobody.
        op.execute(
            "CREATE TRIGGER drafts_notify_insert AFTER INSERT ON drafts "
            "FOR EACH ROW EXECUTE FUNCTION rapport_draft_changed()"
        )
        op.execute(
            "CREATE TRIGGER drafts_notify_update AFTER UPDATE ON drafts FOR EACH ROW "
            "WHEN (OLD.revision IS DISTINCT FROM NEW.revision "
            "OR OLD.status IS DISTINCT FROM NEW.status) "
            "EXECUTE FUNCTION rapport_draft_changed()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS drafts_notify_update ON drafts")
        op.execute("DROP TRIGGER IF EXISTS drafts_notify_insert ON drafts")
        op.execute("DROP FUNCTION IF EXISTS rapport_draft_changed()")
    with op.batch_alter_table("review_cards") as batch:
        batch.drop_column("posted_at")
        batch.drop_column("shown_revision")
    op.drop_index("ix_drafts_updated_at", table_name="drafts")
    with op.batch_alter_table("drafts") as batch:
        batch.drop_column("revision")
        batch.drop_column("claims")
        batch.drop_column("lease_until")
        batch.drop_column("claimed_by")
