"""The records of tracking: projects, their matters' states, status events, tokens,
consultations and the audit log (transactional data, kept in SQL beside the catalog graph)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from tracking.workflow import Role, Status


@dataclass(frozen=True, slots=True)
class NewMatter:
    """A matter of a project as its plan gave it (snapshot: a later catalog changes nothing)."""

    matter_id: str
    name: str
    department_id: str
    department_name: str
    promised_days: int
    phase: int
    licence: bool
    deferrable: bool
    requires: tuple[str, ...] = ()  # the plan's statutory prerequisites within the project


@dataclass(frozen=True, slots=True)
class NewProject:
    code: str
    name: str
    enterprise: str
    industry: str
    stage: str
    scenario: str | None
    answers: dict[str, str]
    catalog_version: str
    plan: dict[str, Any]  # the recommendation as served (JSON), with the catalog's version
    matters: tuple[NewMatter, ...]
    created_at: datetime
    created_by: str


@dataclass(frozen=True, slots=True)
class MatterState:
    """Where one matter of one project stands; `version` grows with every change (ETag)."""

    project_code: str
    matter_id: str
    name: str
    department_id: str
    department_name: str
    promised_days: int
    phase: int
    licence: bool
    deferrable: bool
    status: Status
    version: int
    requires: tuple[str, ...] = ()
    accepted_on: date | None = None
    due_on: date | None = None
    correction_since: date | None = None  # in 需补正 since (the clock stops meanwhile)
    corrections: int = 0  # times sent back for 补正 (first-pass rate)
    closed_on: date | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Project:
    code: str
    name: str
    enterprise: str
    industry: str
    stage: str
    scenario: str | None
    answers: dict[str, str]
    catalog_version: str
    plan: dict[str, Any]
    created_at: datetime
    created_by: str
    matters: list[MatterState] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ProjectSummary:
    code: str
    name: str
    enterprise: str
    industry: str
    stage: str
    scenario: str | None
    created_at: datetime
    matters: int
    done: int


@dataclass(frozen=True, slots=True)
class StatusEvent:
    """One change of a matter's status: who, when, from, to, why."""

    project_code: str
    matter_id: str
    from_status: Status
    to_status: Status
    actor: str
    at: datetime
    comment: str
    id: int = 0


@dataclass(frozen=True, slots=True)
class StatusChange:
    """A change to write if the matter is still at `expected_version` (compare and swap)."""

    project_code: str
    matter_id: str
    expected_version: int
    status: Status
    accepted_on: date | None
    due_on: date | None
    correction_since: date | None
    corrections: int
    closed_on: date | None
    event: StatusEvent


@dataclass(frozen=True, slots=True)
class TokenRecord:
    """A bearer token as stored: its digest only (the token itself is shown once)."""

    id: str
    digest: str
    role: Role
    department_id: str | None
    label: str
    created_at: datetime
    revoked_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Consultation:
    """A question asked at the window (一窗通办): answered there from a guide, or routed to
    the department of the best-matching matter with a deadline for its answer."""

    id: str
    question: str
    industry: str | None
    stage: str | None
    matter_id: str | None
    outcome: str  # "window" (answered from a guide) | "routed"
    guide_id: str | None
    department_id: str | None
    answer: str | None
    created_at: datetime
    created_by: str
    due_at: datetime | None = None
    answered_at: datetime | None = None
    answered_by: str | None = None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One write, as the append-only audit log keeps it."""

    at: datetime
    actor: str
    action: str  # "project.create", "matter.status", "token.create", ...
    target: str
    detail: dict[str, Any]
    id: int = 0
