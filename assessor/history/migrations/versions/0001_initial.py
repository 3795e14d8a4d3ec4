"""The first history schema: runs, finding spans and asset spans.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("scope", sa.String(1024), nullable=False, index=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tool_version", sa.String(64), nullable=False),
        sa.Column("probes", sa.JSON, nullable=False),
        sa.Column("packs", sa.JSON, nullable=False),
        sa.Column("gaps", sa.JSON, nullable=False),
        sa.Column("open_by_severity", sa.JSON, nullable=False),
        sa.Column("asset_count", sa.Integer, nullable=False),
        sa.Column("finding_count", sa.Integer, nullable=False),
    )
    op.create_table(
        "finding_spans",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("scope", sa.String(1024), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("rule_id", sa.String(64), nullable=False),
        sa.Column("asset_id", sa.Text, nullable=False),
        sa.Column("account", sa.Text, nullable=False),
        sa.Column("region", sa.Text, nullable=True),
        sa.Column("service", sa.String(128), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_run", sa.Integer, nullable=False),
        sa.Column("closed_run", sa.Integer, nullable=True),
    )
    op.create_index("finding_spans_open", "finding_spans", ["scope", "closed_run"])
    op.create_index("finding_spans_runs", "finding_spans", ["opened_run", "closed_run"])
    op.create_table(
        "asset_spans",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("scope", sa.String(1024), nullable=False),
        sa.Column("asset_id", sa.Text, nullable=False),
        sa.Column("opened_run", sa.Integer, nullable=False),
        sa.Column("closed_run", sa.Integer, nullable=True),
    )
    op.create_index("asset_spans_open", "asset_spans", ["scope", "closed_run"])


def downgrade() -> None:
    op.drop_table("asset_spans")
    op.drop_table("finding_spans")
    op.drop_table("runs")
