"""Tracked projects (一码): create from a plan, read by code, move matters, department queues."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from api.auth import AnyRoleDep, AuditorDep, StaffDep, TrackingDep, WindowDep
from api.deps import BackendDep, CalendarDep, ClockDep
from api.problems import NOT_FOUND, VERSIONED, PreconditionRequired
from api.schemas import Ref
from api.tracking_schemas import (
    AuditEntryOut,
    MatterProgressOut,
    ProjectOut,
    ProjectPosition,
    ProjectRequest,
    ProjectSummaryOut,
    ProjectTotals,
    QueueItemOut,
    StatusEventOut,
    StatusRequest,
)
from graph.model import Position
from graph.planner import recommend
from tracking import projects as tracked
from tracking.calendar import WorkingCalendar
from tracking.model import MatterState, Project
from tracking.projects import MatterProgress

router = APIRouter(tags=["tracking"])

CodePath = Annotated[
    str,
    Path(
        min_length=16,
        max_length=64,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="The project's code (from POST /v1/projects, or its QR code).",
    ),
]
MatterPath = Annotated[str, Path(min_length=1, max_length=100)]


def status_page(request: Request, code: str) -> str:
    public: str = request.app.state.public_url
    return f"{public.rstrip('/')}/v1/projects/{code}/page"


def matter_out(p: MatterProgress) -> dict[str, Any]:
    m = p.state
    return {
        "id": m.matter_id,
        "name": m.name,
        "department": Ref(id=m.department_id, name=m.department_name),
        "phase": m.phase,
        "requires": list(m.requires),
        "status": m.status,
        "status_label": p.label,
        "version": m.version,
        "accepted_on": m.accepted_on,
        "due_on": m.due_on,
        "days_left": p.days_left,
        "flag": p.flag,
        "corrections": m.corrections,
        "closed_on": m.closed_on,
        "updated_at": m.updated_at,
    }


def project_out(
    project: Project, calendar: WorkingCalendar, now: datetime, page: str
) -> ProjectOut:
    today = tracked.local_day(now)
    progress = [tracked.progress(calendar, m, today) for m in project.matters]
    warnings = sorted({w.message for p in progress for w in p.warnings})
    return ProjectOut(
        code=project.code,
        name=project.name,
        enterprise=project.enterprise,
        position=ProjectPosition(
            industry=project.industry,
            stage=project.stage,
            scenario=project.scenario,
            answers=project.answers,
        ),
        catalog_version=project.catalog_version,
        created_at=project.created_at,
        created_by=project.created_by,
        status_page=page,
        totals=ProjectTotals(
            matters=len(progress),
            done=sum(1 for p in progress if p.state.status == "done"),
            open=sum(1 for p in progress if p.flag != "closed"),
            overdue=sum(1 for p in progress if p.flag == "overdue"),
            due_soon=sum(1 for p in progress if p.flag == "due_soon"),
        ),
        matters=[MatterProgressOut(**matter_out(p)) for p in progress],
        warnings=warnings,
    )


@router.post(
    "/projects",
    status_code=201,
    response_model=ProjectOut,
    responses=NOT_FOUND,
)
async def create_project(
    body: ProjectRequest,
    request: Request,
    response: Response,
    backend: BackendDep,
    tracking: TrackingDep,
    actor: WindowDep,
    clock: ClockDep,
    calendar: CalendarDep,
) -> ProjectOut:
    """Track a project: its plan is made now and kept with the catalog version it came from."""
    position = Position(body.industry, body.stage, body.scenario)

    def make() -> ProjectOut:
        view = backend.catalog.pinned()
        plan = recommend(view, position, body.answers)
        now = clock()
        request_ = tracked.ProjectRequest(
            body.name, body.enterprise, body.industry, body.stage, body.scenario, body.answers
        )
        new = tracked.new_project(request_, plan, view.catalog_version(), actor, now)
        project = tracked.create_project(tracking, new, actor)
        return project_out(project, calendar, now, status_page(request, project.code))

    out = await run_in_threadpool(make)
    response.headers["Location"] = f"/v1/projects/{out.code}"
    return out


@router.get("/projects", response_model=list[ProjectSummaryOut])
async def list_projects(
    tracking: TrackingDep,
    _actor: AnyRoleDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[ProjectSummaryOut]:
    """Tracked projects, newest first (any role)."""
    found = await run_in_threadpool(tracking.list_projects, limit, offset)
    return [ProjectSummaryOut.model_validate(p, from_attributes=True) for p in found]


@router.get("/projects/{code}", response_model=ProjectOut, responses=NOT_FOUND)
async def get_project(
    code: CodePath,
    request: Request,
    tracking: TrackingDep,
    clock: ClockDep,
    calendar: CalendarDep,
) -> ProjectOut:
    """Every matter with its status, department, due date and working days left (by code)."""
    project = await run_in_threadpool(tracking.project, code)
    return project_out(project, calendar, clock(), status_page(request, code))


@router.get("/projects/{code}/plan", responses=NOT_FOUND)
async def get_plan(code: CodePath, tracking: TrackingDep) -> dict[str, Any]:
    """The recommendation the project was created from, as it was served then."""
    project = await run_in_threadpool(tracking.project, code)
    return {"catalog_version": project.catalog_version, "plan": project.plan}


@router.get("/projects/{code}/history", response_model=list[StatusEventOut], responses=NOT_FOUND)
async def get_history(code: CodePath, tracking: TrackingDep) -> list[StatusEventOut]:
    """Every status change of the project's matters: who, when, from, to and why."""

    def read() -> list[StatusEventOut]:
        tracking.project(code)  # NotFound for an unknown code
        return [
            StatusEventOut.model_validate(e, from_attributes=True) for e in tracking.history(code)
        ]

    return await run_in_threadpool(read)


@router.post(
    "/projects/{code}/matters/{matter_id}/status",
    response_model=MatterProgressOut,
    responses={**NOT_FOUND, **VERSIONED},
)
async def change_status(
    code: CodePath,
    matter_id: MatterPath,
    body: StatusRequest,
    response: Response,
    tracking: TrackingDep,
    actor: StaffDep,
    clock: ClockDep,
    calendar: CalendarDep,
    if_match: Annotated[  # a plain string (not nullable): a header cannot be null
        str,
        Header(
            max_length=40,
            pattern=r'^((W/)?"?[0-9]{1,9}"?)?$',  # the quotes are tolerated missing
            description='The version read, as its ETag ("3").',
        ),
    ] = "",
) -> MatterProgressOut:
    """Move a matter to its next status (window: 受理 decisions; officer: its department's)."""
    expected = _expected_version(body.version, if_match or None)

    def move() -> MatterState:
        return tracked.change_status(
            tracking,
            calendar,
            code,
            matter_id,
            body.status,
            actor,
            expected,
            body.comment,
            clock(),
        )

    state = await run_in_threadpool(move)
    response.headers["ETag"] = f'"{state.version}"'
    today = tracked.local_day(clock())
    return MatterProgressOut(**matter_out(tracked.progress(calendar, state, today)))


@router.get(
    "/projects/{code}/matters/{matter_id}",
    response_model=MatterProgressOut,
    responses=NOT_FOUND,
)
async def get_matter(
    code: CodePath,
    matter_id: MatterPath,
    response: Response,
    tracking: TrackingDep,
    clock: ClockDep,
    calendar: CalendarDep,
) -> MatterProgressOut:
    """One matter of a project, with its version as the ETag (send it back as If-Match)."""
    state = await run_in_threadpool(tracking.matter, code, matter_id)
    response.headers["ETag"] = f'"{state.version}"'
    today = tracked.local_day(clock())
    return MatterProgressOut(**matter_out(tracked.progress(calendar, state, today)))


@router.get(
    "/departments/{department_id}/queue", response_model=list[QueueItemOut], responses=NOT_FOUND
)
async def department_queue(
    department_id: Annotated[str, Path(min_length=1, max_length=100)],
    backend: BackendDep,
    tracking: TrackingDep,
    _actor: AnyRoleDep,
    clock: ClockDep,
    calendar: CalendarDep,
) -> list[QueueItemOut]:
    """A department's open matters across projects, overdue first, then by due date (催办)."""

    def read() -> list[QueueItemOut]:
        backend.catalog.department_detail(department_id)  # NotFound for an unknown department
        items = tracked.queue(tracking, calendar, department_id, tracked.local_day(clock()))
        return [QueueItemOut(project_code=p.state.project_code, **matter_out(p)) for p in items]

    return await run_in_threadpool(read)


@router.get("/audit", response_model=list[AuditEntryOut])
async def audit_log(
    tracking: TrackingDep,
    _actor: AuditorDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AuditEntryOut]:
    """The audit log, newest first (admin, planner). Append-only: no operation edits it."""
    entries = await run_in_threadpool(tracking.audit_log, limit)
    return [AuditEntryOut.model_validate(e, from_attributes=True) for e in entries]


def _expected_version(version: int | None, if_match: str | None) -> int:
    """The version the writer read: the body's, or the If-Match ETag's (they must agree)."""
    from_header: int | None = None
    if if_match is not None:
        tag = if_match.strip().removeprefix("W/").strip('"')
        if not tag.isdigit() or len(tag) > 9:
            raise PreconditionRequired(
                f'If-Match must be a version ETag such as "3", not {if_match!r}'
            )
        from_header = int(tag)
    if version is not None and from_header is not None and version != from_header:
        raise PreconditionRequired("the body's version and the If-Match header disagree")
    found = version if version is not None else from_header
    if found is None:
        raise PreconditionRequired(
            'send the version you read (If-Match: "<version>" or `version` in the body), so '
            "that a change made meanwhile is not overwritten"
        )
    return found
