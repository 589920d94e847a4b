"""The seed file's lines a database has taken in, so that lines shipped later reach it and removed ones stay gone.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22

A database seeded before this revision knows only the seed lines it still holds: those are recorded as taken
in. A seed line an admin removed before this revision cannot be told from a new one and comes back once.
The row that instances lock while they take lines in is made here, so that two instances starting at once on a
new database never race to create it.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    seen = op.create_table(
        "synonym_seed_lines",
        sa.Column("line", sa.String(500), primary_key=True),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
    )
    connection = op.get_bind()
    synonyms = sa.table("synonyms", sa.column("line", sa.String), sa.column("added_by", sa.String),
                        sa.column("added_at", sa.DateTime(timezone=True)))
    rows = connection.execute(sa.select(synonyms.c.line, sa.func.min(synonyms.c.added_at))
                              .where(synonyms.c.added_by == "seed").group_by(synonyms.c.line)).all()
    if rows:
        op.bulk_insert(seen, [{"line": line, "taken_at": added_at} for line, added_at in rows])
    settings = sa.table("settings", sa.column("key", sa.String), sa.column("value", sa.String),
                        sa.column("updated_at", sa.DateTime(timezone=True)))
    if connection.execute(sa.select(settings.c.key).where(settings.c.key == "synonyms_seeded")).first() is None:
        op.bulk_insert(settings, [{"key": "synonyms_seeded", "value": "1", "updated_at": dt.datetime.now(dt.timezone.utc)}])


def downgrade() -> None:
    op.drop_table("synonym_seed_lines")
