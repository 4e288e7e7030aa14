"""Tracking: projects and their matters, status events, tokens, consultations, audit log.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# The history tables only grow: the database itself refuses an UPDATE or DELETE on them, so
# no code path (nor a hand-typed statement) can rewrite who did what.
APPEND_ONLY = ("audit_log", "status_events")


def upgrade() -> None:
    tz = sa.DateTime(timezone=True)
    op.create_table(
        "projects",
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("enterprise", sa.Text, nullable=False),
        sa.Column("industry", sa.String(100), nullable=False),
        sa.Column("stage", sa.String(100), nullable=False),
        sa.Column("scenario", sa.String(100)),
        sa.Column("answers", sa.JSON, nullable=False),
        sa.Column("catalog_version", sa.String(32), nullable=False),
        sa.Column("plan", sa.JSON, nullable=False),
        sa.Column("created_at", tz, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
    )
    op.create_index("ix_projects_created_at", "projects", ["created_at"])
    op.create_table(
        "project_matters",
        sa.Column("project_code", sa.String(64), sa.ForeignKey("projects.code"), primary_key=True),
        sa.Column("matter_id", sa.String(100), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("department_id", sa.String(100), nullable=False),
        sa.Column("department_name", sa.Text, nullable=False),
        sa.Column("promised_days", sa.Integer, nullable=False),
        sa.Column("phase", sa.Integer, nullable=False),
        sa.Column("licence", sa.Boolean, nullable=False),
        sa.Column("deferrable", sa.Boolean, nullable=False),
        sa.Column("requires", sa.JSON, nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("accepted_on", sa.Date),
        sa.Column("due_on", sa.Date),
        sa.Column("correction_since", sa.Date),
        sa.Column("corrections", sa.Integer, nullable=False),
        sa.Column("closed_on", sa.Date),
        sa.Column("updated_at", tz, nullable=False),
    )
    op.create_index("ix_project_matters_department", "project_matters", ["department_id", "status"])
    op.create_table(
        "status_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("project_code", sa.String(64), sa.ForeignKey("projects.code"), nullable=False),
        sa.Column("matter_id", sa.String(100), nullable=False),
        sa.Column("from_status", sa.String(32), nullable=False),
        sa.Column("to_status", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("at", tz, nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
    )
    op.create_index("ix_status_events_project", "status_events", ["project_code"])
    op.create_table(
        "tokens",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("digest", sa.String(64), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("department_id", sa.String(100)),
        sa.Column("label", sa.Text, nullable=False),
        sa.Column("created_at", tz, nullable=False),
        sa.Column("revoked_at", tz),
    )
    op.create_table(
        "consultations",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("industry", sa.String(100)),
        sa.Column("stage", sa.String(100)),
        sa.Column("matter_id", sa.String(100)),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("guide_id", sa.String(100)),
        sa.Column("department_id", sa.String(100)),
        sa.Column("answer", sa.Text),
        sa.Column("created_at", tz, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("due_at", tz),
        sa.Column("answered_at", tz),
        sa.Column("answered_by", sa.String(200)),
    )
    op.create_index("ix_consultations_department", "consultations", ["department_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", tz, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(200), nullable=False),
        sa.Column("detail", sa.JSON, nullable=False),
    )
    _append_only(op.get_bind().dialect.name)


def _append_only(dialect: str) -> None:
    if dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION chainkg_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$"
        )
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION chainkg_append_only()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION chainkg_append_only()"
            )
    else:  # SQLite
        for table in APPEND_ONLY:
            for verb in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                )


def downgrade() -> None:
    raise NotImplementedError("the tracking history is never dropped by a migration")
