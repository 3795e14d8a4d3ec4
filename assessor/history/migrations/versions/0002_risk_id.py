"""Each finding span remembers its risk, so a diff counts new and resolved risks.

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("finding_spans", sa.Column("risk_id", sa.String(32), nullable=True))


def downgrade() -> None:
    op.drop_column("finding_spans", "risk_id")
