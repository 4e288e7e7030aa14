"""The tracking tables, as SQLAlchemy Core sees them (the migrations create them; a test checks
that the migrated database and this module agree)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

projects = Table(
    "projects",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("name", Text, nullable=False),
    Column("enterprise", Text, nullable=False),
    Column("industry", String(100), nullable=False),
    Column("stage", String(100), nullable=False),
    Column("scenario", String(100)),
    Column("answers", JSON, nullable=False),
    Column("catalog_version", String(32), nullable=False),
    Column("plan", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(200), nullable=False),
)
Index("ix_projects_created_at", projects.c.created_at)

project_matters = Table(
    "project_matters",
    metadata,
    Column("project_code", String(64), ForeignKey("projects.code"), primary_key=True),
    Column("matter_id", String(100), primary_key=True),
    Column("name", Text, nullable=False),
    Column("department_id", String(100), nullable=False),
    Column("department_name", Text, nullable=False),
    Column("promised_days", Integer, nullable=False),
    Column("phase", Integer, nullable=False),
    Column("licence", Boolean, nullable=False),
    Column("deferrable", Boolean, nullable=False),
    Column("requires", JSON, nullable=False),
    Column("status", String(32), nullable=False),
    Column("version", Integer, nullable=False),
    Column("accepted_on", Date),
    Column("due_on", Date),
    Column("correction_since", Date),
    Column("corrections", Integer, nullable=False),
    Column("closed_on", Date),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
Index("ix_project_matters_department", project_matters.c.department_id, project_matters.c.status)

status_events = Table(
    "status_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("project_code", String(64), ForeignKey("projects.code"), nullable=False),
    Column("matter_id", String(100), nullable=False),
    Column("from_status", String(32), nullable=False),
    Column("to_status", String(32), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("comment", Text, nullable=False),
)
Index("ix_status_events_project", status_events.c.project_code)

tokens = Table(
    "tokens",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("digest", String(64), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("department_id", String(100)),
    Column("label", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
)

consultations = Table(
    "consultations",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("question", Text, nullable=False),
    Column("industry", String(100)),
    Column("stage", String(100)),
    Column("matter_id", String(100)),
    Column("outcome", String(16), nullable=False),
    Column("guide_id", String(100)),
    Column("department_id", String(100)),
    Column("answer", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("due_at", DateTime(timezone=True)),
    Column("answered_at", DateTime(timezone=True)),
    Column("answered_by", String(200)),
)
Index("ix_consultations_department", consultations.c.department_id)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(64), nullable=False),
    Column("target", String(200), nullable=False),
    Column("detail", JSON, nullable=False),
)
