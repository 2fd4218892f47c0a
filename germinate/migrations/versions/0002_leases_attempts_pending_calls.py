"""leases, ticket attempts, pending ledger rows, approval patch ids

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 01:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('leases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project', sa.String(length=200), nullable=False),
    sa.Column('ticket_id', sa.String(length=300), nullable=False),
    sa.Column('owner', sa.String(length=300), nullable=False),
    sa.Column('cycle_id', sa.String(length=64), nullable=False),
    sa.Column('flow_run_id', sa.String(length=64), nullable=False),
    sa.Column('acquired_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('project', 'ticket_id', name='uq_lease_ticket')
    )
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('reason', sa.Text(), server_default='', nullable=False))
    with op.batch_alter_table('agent_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('output_known', sa.Boolean(), server_default=sa.true(), nullable=False))
    with op.batch_alter_table('approvals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('patch_id', sa.String(length=64), server_default='', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('approvals', schema=None) as batch_op:
        batch_op.drop_column('patch_id')
    with op.batch_alter_table('agent_runs', schema=None) as batch_op:
        batch_op.drop_column('output_known')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_column('reason')
        batch_op.drop_column('attempts')
    op.drop_table('leases')
