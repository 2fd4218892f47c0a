"""agent_runs.finish_reason: why a reply ended, so that a replayed answer keeps it

A cycle resumed after a crash replays the answers its killed run already paid for. Without
the finish reason a reply cut at the token limit ("length") came back as a complete one.
Rows from before this revision have "" (unknown): they are asked again, not replayed.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 04:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('agent_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('finish_reason', sa.String(length=40), server_default='', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('agent_runs', schema=None) as batch_op:
        batch_op.drop_column('finish_reason')
