"""Conversation context and flood counts in the database, shared by every instance.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29

With several instances behind one load balancer, a chat's next message may reach another instance: its
follow-up context and its flood count must be where every instance sees them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("sender", sa.String(100), nullable=True),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
    )
    op.create_index("ix_conversations_sender", "conversations", ["sender"])
    op.create_index("ix_conversations_expires_at", "conversations", ["expires_at"])
    op.create_table(
        "flood_states",
        sa.Column("sender", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("recent", sa.Text(), nullable=False),
        sa.Column("told", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
    )
    op.create_index("ix_flood_states_expires_at", "flood_states", ["expires_at"])


def downgrade() -> None:
    op.drop_table("flood_states")
    op.drop_table("conversations")
