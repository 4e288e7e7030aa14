"""Tracked projects (一码): made from a recommendation, moved matter by matter through the
workflow, each deadline counted in working days.

Deadlines: the decision clock starts the working day after acceptance (已受理 or 容缺受理) and
runs the matter's promised working days (《行政许可法》第四十二条 counts 期限 from 受理之日起;
第八十二条: 期限以工作日计算, 不含法定节假日). While a matter waits on the applicant's correction
(需补正) the clock stops: the working days it spent there are added to its due date (a zone
rule, shown as such). Dates are those of China Standard Time, where the windows are.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import TypeAdapter

from graph.recommendation import Recommendation
from tracking.calendar import CalendarWarning, WorkingCalendar
from tracking.model import (
    AuditEntry,
    MatterState,
    NewMatter,
    NewProject,
    Project,
    StatusChange,
    StatusEvent,
)
from tracking.store import TrackingStore, VersionConflict
from tracking.workflow import (
    ACCEPTANCE,
    FINAL,
    LABELS,
    Actor,
    MatterRules,
    Status,
    TransitionRefused,
    check_actor,
    check_transition,
)

ZONE = ZoneInfo("Asia/Shanghai")
CODE_BYTES = 24  # 192 random bits: a project code cannot be guessed or enumerated
_PLAN = TypeAdapter(Recommendation)


def new_code() -> str:
    """192 random bits, URL-safe; never starting with `-` or `_`, so a code typed on a command
    line (`chainkg projects show CODE`) is never taken for an option."""
    while True:
        code = secrets.token_urlsafe(CODE_BYTES)
        if code[0].isalnum():
            return code


def utc_now() -> datetime:
    return datetime.now(UTC)


def local_day(moment: datetime) -> date:
    return moment.astimezone(ZONE).date()


@dataclass(frozen=True, slots=True)
class ProjectRequest:
    name: str
    enterprise: str
    industry: str
    stage: str
    scenario: str | None
    answers: dict[str, str]


def new_project(
    request: ProjectRequest,
    plan: Recommendation,
    catalog_version: str,
    actor: Actor,
    now: datetime,
) -> NewProject:
    """The project to store: the plan as it was served, its matters each 待受理."""
    matters = tuple(
        NewMatter(
            matter_id=m.id,
            name=m.name,
            department_id=m.department.id,
            department_name=m.department.name,
            promised_days=m.time_limit_days,
            phase=m.phase,
            licence=m.type == "行政许可",
            deferrable=m.deferrable,
            requires=tuple(m.requires),
        )
        for m in plan.matters
    )
    snapshot: dict[str, Any] = json.loads(_PLAN.dump_json(plan))
    return NewProject(
        code=new_code(),
        name=request.name,
        enterprise=request.enterprise,
        industry=request.industry,
        stage=request.stage,
        scenario=request.scenario,
        answers=dict(sorted(request.answers.items())),
        catalog_version=catalog_version,
        plan=snapshot,
        matters=matters,
        created_at=now,
        created_by=actor.label,
    )


def create_project(store: TrackingStore, project: NewProject, actor: Actor) -> Project:
    audit = AuditEntry(
        at=project.created_at,
        actor=actor.label,
        action="project.create",
        target=f"project:{project.code[:8]}",
        detail={
            "name": project.name,
            "enterprise": project.enterprise,
            "position": [project.industry, project.stage, project.scenario],
            "catalog_version": project.catalog_version,
            "matters": len(project.matters),
        },
    )
    return store.create_project(project, audit)


def change_status(
    store: TrackingStore,
    calendar: WorkingCalendar,
    code: str,
    matter_id: str,
    target: Status,
    actor: Actor,
    expected_version: int,
    comment: str,
    now: datetime,
) -> MatterState:
    """Move one matter, if the workflow and the actor's rights allow it and nobody changed it
    since `expected_version`. Raises NotFound, VersionConflict, TransitionRefused or
    NotPermitted; writes nothing then."""
    current = store.matter(code, matter_id)
    if current.version != expected_version:
        raise VersionConflict(current)
    rules = MatterRules(current.department_id, current.licence, current.deferrable)
    check_transition(current.status, target, rules)
    check_actor(actor, current.status, target, rules)
    if target in ACCEPTANCE:
        _check_prerequisites(store.project(code), current, target)
    today = local_day(now)
    change = _next_state(calendar, current, target, today)
    event = StatusEvent(code, matter_id, current.status, target, actor.label, now, comment)
    audit = AuditEntry(
        at=now,
        actor=actor.label,
        action="matter.status",
        target=f"project:{code[:8]}/matter:{matter_id}",
        detail={"from": current.status.value, "to": target.value, "comment": comment},
    )
    return store.apply_change(
        StatusChange(code, matter_id, expected_version, target, *change, event=event), audit
    )


def _check_prerequisites(project: Project, matter: MatterState, target: Status) -> None:
    """A matter is accepted once its statutory prerequisites in the project are 已办结."""
    states = {m.matter_id: m for m in project.matters}
    waiting = [r for r in matter.requires if r in states and states[r].status != Status.DONE]
    if waiting:
        names = "、".join(states[r].name for r in waiting)
        raise TransitionRefused(matter.status, target, f"waits for {names} (not yet 已办结)")


_Fields = tuple[date | None, date | None, date | None, int, date | None]


def _next_state(
    calendar: WorkingCalendar, current: MatterState, target: Status, today: date
) -> _Fields:
    """accepted_on, due_on, correction_since, corrections, closed_on after the move."""
    accepted_on, due_on = current.accepted_on, current.due_on
    since, corrections, closed_on = current.correction_since, current.corrections, None
    if target in ACCEPTANCE:
        accepted_on = today
        due_on = calendar.add_working_days(today, current.promised_days).due
    if target == Status.CORRECTION:
        since, corrections = today, corrections + 1
    elif current.status == Status.CORRECTION and since is not None:
        paused, _ = calendar.working_days_between(since, today)
        if due_on is not None and paused > 0:
            due_on = calendar.add_working_days(due_on, paused).due
        since = None
    if target in FINAL:
        closed_on = today
    return accepted_on, due_on, since, corrections, closed_on


Flag = Literal["overdue", "due_soon", "on_track", "waiting", "paused", "closed"]


@dataclass(frozen=True, slots=True)
class MatterProgress:
    """A matter's state as a reader sees it today: label, days left, flag."""

    state: MatterState
    label: str
    days_left: int | None
    flag: Flag
    warnings: tuple[CalendarWarning, ...] = ()


def progress(calendar: WorkingCalendar, state: MatterState, today: date) -> MatterProgress:
    label = LABELS[state.status]
    if state.status in FINAL:
        return MatterProgress(state, label, None, "closed")
    if state.status == Status.CORRECTION:
        return MatterProgress(state, label, None, "paused")
    if state.due_on is None:
        return MatterProgress(state, label, None, "waiting")
    left = calendar.days_left(state.due_on, today)
    flag: Flag = calendar.status_of(state.due_on, today)
    _, warnings = calendar.working_days_between(today, state.due_on)
    return MatterProgress(state, label, left, flag, warnings)


def queue(
    store: TrackingStore, calendar: WorkingCalendar, department_id: str, today: date
) -> list[MatterProgress]:
    """A department's open matters across projects, overdue first, then by due date (催办)."""
    rank = {"overdue": 0, "due_soon": 1, "on_track": 2, "paused": 3, "waiting": 4}
    items = [progress(calendar, m, today) for m in store.open_matters(department_id)]
    return sorted(
        items,
        key=lambda p: (
            rank.get(p.flag, 5),
            p.state.due_on or date.max,
            p.state.project_code,
            p.state.matter_id,
        ),
    )


def without_plan(project: Project) -> Project:
    """The project without its plan snapshot (lists and summaries)."""
    return replace(project, plan={})
