"""The tracking store in SQL through SQLAlchemy Core: SQLite (embedded) or PostgreSQL (shared).

SQLite runs in WAL mode with synchronous=FULL, so a write that returned survives a crash of
the process or of the machine; write transactions take the write lock when they begin
(BEGIN IMMEDIATE), so two writers queue instead of failing on a lock upgrade. The schema is
made by the Alembic migrations in migrations/, run when the store opens (under an advisory
lock on PostgreSQL, so that several workers starting at once migrate once).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection, Engine, RowMapping

from graph.errors import BackendUnavailable, NotFound
from tracking.model import (
    AuditEntry,
    Consultation,
    MatterState,
    NewProject,
    Project,
    ProjectSummary,
    StatusChange,
    StatusEvent,
    TokenRecord,
)
from tracking.store import AlreadyAnswered, VersionConflict
from tracking.stores.schema import (
    audit_log,
    consultations,
    project_matters,
    projects,
    status_events,
    tokens,
)
from tracking.workflow import FINAL, Role, Status

log = logging.getLogger("chainkg.tracking")

_MIGRATION_LOCK = 0x636B67  # pg_advisory_xact_lock key ("ckg")


def sqlite_url(path: Path) -> str:
    return f"sqlite+pysqlite:///{path}"


def open_sql_store(url: str) -> SqlTrackingStore:
    """A store on the database at `url`, migrated to the current schema.

    Raises BackendUnavailable when the database cannot be reached or opened."""
    try:
        engine = _engine(url)
        migrate(engine)
    except sa.exc.SQLAlchemyError as exc:
        raise BackendUnavailable(f"tracking database {_safe(url)}: {_reason(exc)}") from exc
    return SqlTrackingStore(engine)


def _engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        database = sa.engine.make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": 30})

        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi: Any, _record: Any) -> None:
            dbapi.isolation_level = None  # transactions are begun below, not by the driver
            cursor = dbapi.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @sa.event.listens_for(engine, "begin")
        def _begin(conn: Connection) -> None:
            # Reads see a snapshot without any lock (WAL); writes queue for the write lock.
            reading = conn.get_execution_options().get("chainkg_read", False)
            conn.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")

        return engine
    return sa.create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def migrate(engine: Engine) -> None:
    """Bring the database to the newest schema revision (a no-op when it is there)."""
    config = Config()
    config.set_main_option(
        "script_location", str(resources.files("tracking.stores") / "migrations")
    )
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK})
        config.attributes["connection"] = conn
        command.upgrade(config, "head")


class SqlTrackingStore:
    """TrackingStore over SQLAlchemy Core (see the module doc)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        try:
            with self.engine.begin() as conn:
                yield conn
        except sa.exc.OperationalError as exc:
            raise BackendUnavailable(f"tracking database: {_reason(exc)}") from exc

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        try:
            with self.engine.connect().execution_options(chainkg_read=True) as conn:
                yield conn
        except sa.exc.OperationalError as exc:
            raise BackendUnavailable(f"tracking database: {_reason(exc)}") from exc

    # --- projects ----------------------------------------------------------------------------
    def create_project(self, project: NewProject, audit: AuditEntry) -> Project:
        with self._write() as conn:
            conn.execute(
                projects.insert().values(
                    code=project.code,
                    name=project.name,
                    enterprise=project.enterprise,
                    industry=project.industry,
                    stage=project.stage,
                    scenario=project.scenario,
                    answers=project.answers,
                    catalog_version=project.catalog_version,
                    plan=project.plan,
                    created_at=project.created_at,
                    created_by=project.created_by,
                )
            )
            if project.matters:
                conn.execute(
                    project_matters.insert(),
                    [
                        {
                            "project_code": project.code,
                            "matter_id": m.matter_id,
                            "name": m.name,
                            "department_id": m.department_id,
                            "department_name": m.department_name,
                            "promised_days": m.promised_days,
                            "phase": m.phase,
                            "licence": m.licence,
                            "deferrable": m.deferrable,
                            "requires": list(m.requires),
                            "status": Status.PENDING.value,
                            "version": 1,
                            "corrections": 0,
                            "updated_at": project.created_at,
                        }
                        for m in project.matters
                    ],
                )
            _audit(conn, audit)
        return self.project(project.code)

    def project(self, code: str) -> Project:
        with self._read() as conn:
            row = conn.execute(projects.select().where(projects.c.code == code)).mappings()
            found = row.first()
            if found is None:
                raise NotFound("project", code[:12] + ("..." if len(code) > 12 else ""))
            matters = conn.execute(
                project_matters.select()
                .where(project_matters.c.project_code == code)
                .order_by(project_matters.c.phase, project_matters.c.matter_id)
            ).mappings()
            return Project(
                code=found["code"],
                name=found["name"],
                enterprise=found["enterprise"],
                industry=found["industry"],
                stage=found["stage"],
                scenario=found["scenario"],
                answers=dict(found["answers"]),
                catalog_version=found["catalog_version"],
                plan=dict(found["plan"]),
                created_at=_utc(found["created_at"]),
                created_by=found["created_by"],
                matters=[_matter(m) for m in matters],
            )

    def list_projects(self, limit: int, offset: int) -> list[ProjectSummary]:
        done = sa.func.sum(sa.case((project_matters.c.status == Status.DONE.value, 1), else_=0))
        query = (
            sa.select(
                projects,
                sa.func.count(project_matters.c.matter_id).label("matters"),
                done.label("done"),
            )
            .select_from(projects.outerjoin(project_matters))
            .group_by(projects.c.code)
            .order_by(projects.c.created_at.desc(), projects.c.code)
            .limit(limit)
            .offset(offset)
        )
        with self._read() as conn:
            return [
                ProjectSummary(
                    code=r["code"],
                    name=r["name"],
                    enterprise=r["enterprise"],
                    industry=r["industry"],
                    stage=r["stage"],
                    scenario=r["scenario"],
                    created_at=_utc(r["created_at"]),
                    matters=int(r["matters"] or 0),
                    done=int(r["done"] or 0),
                )
                for r in conn.execute(query).mappings()
            ]

    def count_projects(self) -> int:
        with self._read() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(projects)).scalar_one())

    def matter(self, code: str, matter_id: str) -> MatterState:
        with self._read() as conn:
            return self._matter_in(conn, code, matter_id)

    @staticmethod
    def _matter_in(conn: Connection, code: str, matter_id: str) -> MatterState:
        row = (
            conn.execute(
                project_matters.select().where(
                    project_matters.c.project_code == code,
                    project_matters.c.matter_id == matter_id,
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            raise NotFound("matter of this project", matter_id)
        return _matter(row)

    def apply_change(self, change: StatusChange, audit: AuditEntry) -> MatterState:
        with self._write() as conn:
            updated = conn.execute(
                project_matters.update()
                .where(
                    project_matters.c.project_code == change.project_code,
                    project_matters.c.matter_id == change.matter_id,
                    project_matters.c.version == change.expected_version,
                )
                .values(
                    status=change.status.value,
                    version=project_matters.c.version + 1,
                    accepted_on=change.accepted_on,
                    due_on=change.due_on,
                    correction_since=change.correction_since,
                    corrections=change.corrections,
                    closed_on=change.closed_on,
                    updated_at=change.event.at,
                )
            )
            if updated.rowcount != 1:
                raise VersionConflict(self._matter_in(conn, change.project_code, change.matter_id))
            e = change.event
            conn.execute(
                status_events.insert().values(
                    project_code=e.project_code,
                    matter_id=e.matter_id,
                    from_status=e.from_status.value,
                    to_status=e.to_status.value,
                    actor=e.actor,
                    at=e.at,
                    comment=e.comment,
                )
            )
            _audit(conn, audit)
            return self._matter_in(conn, change.project_code, change.matter_id)

    def history(self, code: str) -> list[StatusEvent]:
        with self._read() as conn:
            rows = conn.execute(
                status_events.select()
                .where(status_events.c.project_code == code)
                .order_by(status_events.c.id)
            ).mappings()
            return [_event(r) for r in rows]

    def open_matters(self, department_id: str | None = None) -> list[MatterState]:
        query = project_matters.select().where(
            project_matters.c.status.not_in([s.value for s in FINAL])
        )
        if department_id is not None:
            query = query.where(project_matters.c.department_id == department_id)
        with self._read() as conn:
            return [_matter(r) for r in conn.execute(query).mappings()]

    def all_matters(self) -> list[MatterState]:
        with self._read() as conn:
            return [_matter(r) for r in conn.execute(project_matters.select()).mappings()]

    def all_events(self) -> list[StatusEvent]:
        with self._read() as conn:
            query = status_events.select().order_by(status_events.c.id)
            return [_event(r) for r in conn.execute(query).mappings()]

    # --- tokens ------------------------------------------------------------------------------
    def add_token(self, token: TokenRecord, audit: AuditEntry) -> None:
        with self._write() as conn:
            conn.execute(
                tokens.insert().values(
                    id=token.id,
                    digest=token.digest,
                    role=token.role.value,
                    department_id=token.department_id,
                    label=token.label,
                    created_at=token.created_at,
                    revoked_at=token.revoked_at,
                )
            )
            _audit(conn, audit)

    def token_by_digest(self, digest: str) -> TokenRecord | None:
        with self._read() as conn:
            row = conn.execute(tokens.select().where(tokens.c.digest == digest)).mappings().first()
            return None if row is None else _token(row)

    def list_tokens(self) -> list[TokenRecord]:
        with self._read() as conn:
            rows = conn.execute(tokens.select().order_by(tokens.c.created_at, tokens.c.id))
            return [_token(r) for r in rows.mappings()]

    def revoke_token(self, token_id: str, at: datetime, audit: AuditEntry) -> TokenRecord:
        with self._write() as conn:
            conn.execute(
                tokens.update()
                .where(tokens.c.id == token_id, tokens.c.revoked_at.is_(None))
                .values(revoked_at=at)
            )
            row = conn.execute(tokens.select().where(tokens.c.id == token_id)).mappings().first()
            if row is None:
                raise NotFound("token", token_id)
            _audit(conn, audit)
            return _token(row)

    # --- consultations -----------------------------------------------------------------------
    def add_consultation(self, consultation: Consultation, audit: AuditEntry) -> None:
        c = consultation
        with self._write() as conn:
            conn.execute(
                consultations.insert().values(
                    id=c.id,
                    question=c.question,
                    industry=c.industry,
                    stage=c.stage,
                    matter_id=c.matter_id,
                    outcome=c.outcome,
                    guide_id=c.guide_id,
                    department_id=c.department_id,
                    answer=c.answer,
                    created_at=c.created_at,
                    created_by=c.created_by,
                    due_at=c.due_at,
                    answered_at=c.answered_at,
                    answered_by=c.answered_by,
                )
            )
            _audit(conn, audit)

    def consultation(self, consultation_id: str) -> Consultation:
        with self._read() as conn:
            return self._consultation_in(conn, consultation_id)

    @staticmethod
    def _consultation_in(conn: Connection, consultation_id: str) -> Consultation:
        row = (
            conn.execute(consultations.select().where(consultations.c.id == consultation_id))
            .mappings()
            .first()
        )
        if row is None:
            raise NotFound("consultation", consultation_id)
        return _consultation(row)

    def answer_consultation(
        self, consultation_id: str, answer: str, by: str, at: datetime, audit: AuditEntry
    ) -> Consultation:
        with self._write() as conn:
            updated = conn.execute(
                consultations.update()
                .where(consultations.c.id == consultation_id, consultations.c.answer.is_(None))
                .values(answer=answer, answered_at=at, answered_by=by)
            )
            if updated.rowcount != 1:
                current = self._consultation_in(conn, consultation_id)  # NotFound if unknown
                raise AlreadyAnswered(current)
            _audit(conn, audit)
            return self._consultation_in(conn, consultation_id)

    def list_consultations(
        self, department_id: str | None = None, open_only: bool = False
    ) -> list[Consultation]:
        query = consultations.select().order_by(consultations.c.created_at, consultations.c.id)
        if department_id is not None:
            query = query.where(consultations.c.department_id == department_id)
        if open_only:
            query = query.where(consultations.c.answer.is_(None))
        with self._read() as conn:
            return [_consultation(r) for r in conn.execute(query).mappings()]

    # --- audit log ---------------------------------------------------------------------------
    def audit_log(self, limit: int = 100) -> list[AuditEntry]:
        with self._read() as conn:
            rows = conn.execute(audit_log.select().order_by(audit_log.c.id.desc()).limit(limit))
            return [
                AuditEntry(
                    at=_utc(r["at"]),
                    actor=r["actor"],
                    action=r["action"],
                    target=r["target"],
                    detail=dict(r["detail"]),
                    id=r["id"],
                )
                for r in rows.mappings()
            ]


def _audit(conn: Connection, entry: AuditEntry) -> None:
    conn.execute(
        audit_log.insert().values(
            at=entry.at,
            actor=entry.actor,
            action=entry.action,
            target=entry.target,
            detail=entry.detail,
        )
    )


def _utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes: every stored one is UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _opt_utc(value: datetime | None) -> datetime | None:
    return None if value is None else _utc(value)


def _day(value: date | None) -> date | None:
    return value


def _matter(r: RowMapping) -> MatterState:
    return MatterState(
        project_code=r["project_code"],
        matter_id=r["matter_id"],
        name=r["name"],
        department_id=r["department_id"],
        department_name=r["department_name"],
        promised_days=r["promised_days"],
        phase=r["phase"],
        licence=bool(r["licence"]),
        deferrable=bool(r["deferrable"]),
        status=Status(r["status"]),
        version=r["version"],
        requires=tuple(r["requires"]),
        accepted_on=_day(r["accepted_on"]),
        due_on=_day(r["due_on"]),
        correction_since=_day(r["correction_since"]),
        corrections=r["corrections"],
        closed_on=_day(r["closed_on"]),
        updated_at=_opt_utc(r["updated_at"]),
    )


def _event(r: RowMapping) -> StatusEvent:
    return StatusEvent(
        project_code=r["project_code"],
        matter_id=r["matter_id"],
        from_status=Status(r["from_status"]),
        to_status=Status(r["to_status"]),
        actor=r["actor"],
        at=_utc(r["at"]),
        comment=r["comment"],
        id=r["id"],
    )


def _token(r: RowMapping) -> TokenRecord:
    return TokenRecord(
        id=r["id"],
        digest=r["digest"],
        role=Role(r["role"]),
        department_id=r["department_id"],
        label=r["label"],
        created_at=_utc(r["created_at"]),
        revoked_at=_opt_utc(r["revoked_at"]),
    )


def _consultation(r: RowMapping) -> Consultation:
    return Consultation(
        id=r["id"],
        question=r["question"],
        industry=r["industry"],
        stage=r["stage"],
        matter_id=r["matter_id"],
        outcome=r["outcome"],
        guide_id=r["guide_id"],
        department_id=r["department_id"],
        answer=r["answer"],
        created_at=_utc(r["created_at"]),
        created_by=r["created_by"],
        due_at=_opt_utc(r["due_at"]),
        answered_at=_opt_utc(r["answered_at"]),
        answered_by=r["answered_by"],
    )


def _safe(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "(an invalid URL)"


def _reason(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)
    return str(orig or exc).strip().splitlines()[0]
