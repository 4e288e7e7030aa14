"""The tracking store contract: one protocol, kept in SQL (SQLite embedded, PostgreSQL shared).

Every write is one transaction that also appends its audit entry, so a write is either there
with its entry or not at all; a write that returns has been committed (durable on disk).
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, runtime_checkable

from graph.errors import ChainKGError
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


class VersionConflict(ChainKGError):
    """The matter changed since the version the writer read; `current` is where it stands."""

    def __init__(self, current: MatterState) -> None:
        self.current = current
        super().__init__(
            f"matter '{current.matter_id}' of project {current.project_code[:6]}... is at "
            f"version {current.version} now"
        )


class AlreadyAnswered(ChainKGError):
    """A consultation that has its answer already (the first answer stands)."""

    def __init__(self, current: Consultation) -> None:
        self.current = current
        super().__init__(f"consultation {current.id} was answered at {current.answered_at}")


@runtime_checkable
class TrackingStore(Protocol):
    """Tracked projects, tokens, consultations and the audit log."""

    # --- projects ----------------------------------------------------------------------------
    def create_project(self, project: NewProject, audit: AuditEntry) -> Project:
        """Store a project with its matters, each 待受理 at version 1."""
        ...

    def project(self, code: str) -> Project:
        """The project with every matter's state; NotFound for an unknown code."""
        ...

    def list_projects(self, limit: int, offset: int) -> list[ProjectSummary]:
        """Projects, newest first."""
        ...

    def count_projects(self) -> int: ...

    def matter(self, code: str, matter_id: str) -> MatterState:
        """One matter's state; NotFound for an unknown project or matter."""
        ...

    def apply_change(self, change: StatusChange, audit: AuditEntry) -> MatterState:
        """Write `change` if the matter is still at its expected version, with its event and
        audit entry, in one transaction; VersionConflict (with the state now) otherwise."""
        ...

    def history(self, code: str) -> list[StatusEvent]:
        """Every status event of a project, oldest first."""
        ...

    def open_matters(self, department_id: str | None = None) -> list[MatterState]:
        """Matters not closed (of one department, or of all), across projects."""
        ...

    def all_matters(self) -> list[MatterState]: ...

    def all_events(self) -> list[StatusEvent]: ...

    # --- tokens ------------------------------------------------------------------------------
    def add_token(self, token: TokenRecord, audit: AuditEntry) -> None: ...

    def token_by_digest(self, digest: str) -> TokenRecord | None: ...

    def list_tokens(self) -> list[TokenRecord]: ...

    def revoke_token(self, token_id: str, at: datetime, audit: AuditEntry) -> TokenRecord:
        """Mark a token revoked (kept, for the audit log's sake); NotFound if unknown."""
        ...

    # --- consultations -----------------------------------------------------------------------
    def add_consultation(self, consultation: Consultation, audit: AuditEntry) -> None: ...

    def consultation(self, consultation_id: str) -> Consultation: ...

    def answer_consultation(
        self, consultation_id: str, answer: str, by: str, at: datetime, audit: AuditEntry
    ) -> Consultation:
        """Record a department's answer; ChainKGError if it was answered already."""
        ...

    def list_consultations(
        self, department_id: str | None = None, open_only: bool = False
    ) -> list[Consultation]: ...

    # --- audit log ---------------------------------------------------------------------------
    def audit_log(self, limit: int = 100) -> list[AuditEntry]:
        """The newest entries first (the log is append-only: nothing edits or deletes it)."""
        ...

    def close(self) -> None: ...
