"""The synonym table, kept in the database so that admins can edit it by command and instances share it.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "synonyms",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("line", sa.String(500), nullable=False),
        sa.Column("added_by", sa.String(100), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("synonyms")
