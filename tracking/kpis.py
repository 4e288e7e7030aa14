"""The zone's service KPIs, computed from the tracking records (pure functions, no I/O but
`read_records`), each beside the figure the article gives for 郑州航空港 (2025), if any.

- projects_tracked (二维码跟踪项目): tracked projects, each with its 一码. Article: 163.
- guidance_sessions (定制辅导次数): consultations answered at the window from the 一库.
  Article: 352 定制辅导.
- first_pass_rate (一次通过率): matters 已办结 never sent back for 补正 / matters 已办结.
  Article: 92%.
- on_time_rate (按时办结率): matters closed on or before their due date / closed matters that
  had one.
- bundle_working_days (一件事实际用时): mean working days of a project's joint bundle step
  (department_path, kind "joint"), first 受理 to last 办结, the plans' estimate beside it.
- project_working_days (项目实际用时): the same for whole projects all of whose matters are
  已办结, beside their plans' estimate.
- window_share (窗口解决率): consultations answered at the window / all. Article: 80%.
- response_minutes (部门响应时间): mean minutes from routing to a department's answer.
  Article: 3 minutes.
- routed_on_time (部门按时响应率): routed consultations answered by their due time / those
  answered or past it.

A rate is a percentage (0–100) with the number of records it was computed over (`sample`);
with no records its value is None, never a division by zero. Working days are counted with
tracking.calendar.WorkingCalendar (China's holidays and 调休): the days after the first
acceptance up to and including the last closing, the time a matter waited for 补正 included.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tracking.calendar import WorkingCalendar
from tracking.model import Consultation, MatterState, Project
from tracking.store import TrackingStore
from tracking.workflow import Status

ARTICLE = "大河网 2025-07-24《政务服务如何“链”动千亿产业?郑州航空港这招有点“快”》"
REFERENCES = {
    "projects_tracked": 163.0,  # 163个企业投资重点项目全部实现专属二维码跟踪服务
    "guidance_sessions": 352.0,  # 累计开展定制辅导352次
    "first_pass_rate": 92.0,  # 项目审批一次通过率提升至92%
    "window_share": 80.0,  # 80%常见问题由窗口人员解决
    "response_minutes": 3.0,  # 20%复杂事项部门3分钟响应
}


@dataclass(frozen=True, slots=True)
class Kpi:
    name: str
    label: str  # 指标 (Chinese)
    value: float | None
    unit: str
    reference: float | None  # the article's figure, where it gives one
    basis: str  # how it is computed, one sentence
    basis_zh: str  # 口径, for the Chinese page
    sample: int  # records it was computed over (the denominator of a rate)
    estimate: float | None = None  # the plans' estimate for the same sample (working days)


@dataclass(frozen=True, slots=True)
class Records:
    """What the KPIs are computed from: every tracked project (plan and matters) and every
    consultation."""

    projects: list[Project]
    consultations: list[Consultation]

    @property
    def matters(self) -> list[MatterState]:
        return [m for p in self.projects for m in p.matters]


def read_records(store: TrackingStore, page: int = 500) -> Records:
    """Every project (with its plan and matters) and every consultation of the store."""
    projects: list[Project] = []
    offset = 0
    while True:
        summaries = store.list_projects(page, offset)
        projects += [store.project(s.code) for s in summaries]
        if len(summaries) < page:
            break
        offset += page
    return Records(projects, store.list_consultations())


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _mean(values: Sequence[float]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


def projects_tracked(projects: Sequence[Project]) -> Kpi:
    return Kpi(
        "projects_tracked",
        "二维码跟踪项目",
        float(len(projects)),
        "个",
        REFERENCES["projects_tracked"],
        "Projects tracked, each with its own code (一码) and status page.",
        "建档跟踪的项目数（每个项目一个专属二维码和进度页）。",
        len(projects),
    )


def guidance_sessions(consultations: Sequence[Consultation]) -> Kpi:
    window = sum(1 for c in consultations if c.outcome == "window")
    return Kpi(
        "guidance_sessions",
        "定制辅导次数",
        float(window),
        "次",
        REFERENCES["guidance_sessions"],
        "Consultations answered at the window from a knowledge-base guide (一库), each one "
        "guidance session.",
        "窗口依据联合辅导知识库（一库）当场解答的咨询次数，每次计一次辅导。",
        len(consultations),
    )


def first_pass_rate(matters: Iterable[MatterState]) -> Kpi:
    done = [m for m in matters if m.status == Status.DONE]
    first_pass = sum(1 for m in done if m.corrections == 0)
    return Kpi(
        "first_pass_rate",
        "一次通过率",
        _percent(first_pass, len(done)),
        "%",
        REFERENCES["first_pass_rate"],
        "Matters 已办结 that were never sent back for 补正, over all matters 已办结.",
        "已办结事项中从未退回补正的比例。",
        len(done),
    )


def on_time_rate(matters: Iterable[MatterState]) -> Kpi:
    closed = [m for m in matters if m.closed_on is not None and m.due_on is not None]
    on_time = sum(
        1
        for m in closed
        if m.closed_on is not None and m.due_on is not None and m.closed_on <= m.due_on
    )
    return Kpi(
        "on_time_rate",
        "按时办结率",
        _percent(on_time, len(closed)),
        "%",
        None,
        "Closed matters that had a due date and closed on or before it, over all closed "
        "matters that had one.",
        "有办理时限的已结事项中，在到期日当天或之前办结的比例。",
        len(closed),
    )


@dataclass(frozen=True, slots=True)
class Duration:
    """One completed piece of work: its planned and its actual working days."""

    project_code: str
    id: str  # the bundle id of a joint step, or the project code
    planned: int
    actual: int


def _actual(calendar: WorkingCalendar, states: Sequence[MatterState]) -> int | None:
    """Working days from the first acceptance to the last closing, when every matter is
    已办结 with both dates; None otherwise."""
    if not states or any(m.status != Status.DONE for m in states):
        return None
    accepted = [m.accepted_on for m in states if m.accepted_on is not None]
    closed = [m.closed_on for m in states if m.closed_on is not None]
    if len(accepted) != len(states) or len(closed) != len(states):
        return None
    days, _warnings = calendar.working_days_between(min(accepted), max(closed))
    return days


def _planned(item: dict[str, Any]) -> int:
    """A plan's expected elapsed working days (decision time, excluded periods and calendar
    windows), or its decision time when the plan has no elapsed figure."""
    return int(item.get("elapsed_days") or item.get("days") or item.get("parallel_days") or 0)


def bundle_durations(calendar: WorkingCalendar, projects: Iterable[Project]) -> list[Duration]:
    """Every joint bundle step of a project's plan (department_path, kind "joint") whose
    matters are all 已办结."""
    out = []
    for project in projects:
        states = {m.matter_id: m for m in project.matters}
        for phase in project.plan.get("department_path", []):
            for step in phase.get("steps", []):
                if step.get("kind") != "joint":
                    continue
                members = [states[m] for m in step.get("matters", []) if m in states]
                if len(members) != len(step.get("matters", [])):
                    continue
                actual = _actual(calendar, members)
                if actual is not None:
                    out.append(Duration(project.code, str(step["id"]), _planned(step), actual))
    return out


def project_durations(calendar: WorkingCalendar, projects: Iterable[Project]) -> list[Duration]:
    """Every project whose matters are all 已办结, against its plan's estimate."""
    out = []
    for project in projects:
        actual = _actual(calendar, project.matters)
        if actual is not None:
            estimate = project.plan.get("estimate", {})
            out.append(Duration(project.code, project.code, _planned(estimate), actual))
    return out


def _days_kpi(
    name: str, label: str, durations: Sequence[Duration], basis: str, basis_zh: str
) -> Kpi:
    return Kpi(
        name,
        label,
        _mean([d.actual for d in durations]),
        "个工作日",
        None,
        basis,
        basis_zh,
        len(durations),
        estimate=_mean([d.planned for d in durations]),
    )


def bundle_working_days(calendar: WorkingCalendar, projects: Iterable[Project]) -> Kpi:
    return _days_kpi(
        "bundle_working_days",
        "一件事实际用时",
        bundle_durations(calendar, projects),
        "Mean working days from the first 受理 to the last 办结 of a project's joint bundle "
        "step (一件事 handled as one step), over the steps whose matters are all 已办结; "
        "`estimate` is the mean of the plans' expected elapsed days for the same steps.",
        "项目中并联办理的一件事（一个联办环节）从首个事项受理到最后一个事项办结的平均工作日，"
        "只计事项全部办结的环节；“预计”为同一批环节在方案中的预计用时。",
    )


def project_working_days(calendar: WorkingCalendar, projects: Iterable[Project]) -> Kpi:
    return _days_kpi(
        "project_working_days",
        "项目实际用时",
        project_durations(calendar, projects),
        "Mean working days from a project's first 受理 to its last 办结, over the projects "
        "whose matters are all 已办结; `estimate` is the mean of their plans' expected elapsed "
        "days.",
        "项目从首个事项受理到最后一个事项办结的平均工作日，只计事项全部办结的项目；"
        "“预计”为这些项目方案的预计用时。",
    )


def window_share(consultations: Sequence[Consultation]) -> Kpi:
    window = sum(1 for c in consultations if c.outcome == "window")
    return Kpi(
        "window_share",
        "窗口解决率",
        _percent(window, len(consultations)),
        "%",
        REFERENCES["window_share"],
        "Consultations answered at the window from a guide, over all consultations.",
        "窗口当场解答的咨询占全部咨询的比例（其余转相关部门答复）。",
        len(consultations),
    )


def _minutes(c: Consultation) -> float | None:
    if c.answered_at is None:
        return None
    return (c.answered_at - c.created_at).total_seconds() / 60


def response_minutes(consultations: Sequence[Consultation]) -> Kpi:
    minutes = [m for c in consultations if c.outcome == "routed" and (m := _minutes(c)) is not None]
    return Kpi(
        "response_minutes",
        "部门响应时间",
        _mean(minutes),
        "分钟",
        REFERENCES["response_minutes"],
        "Mean minutes from routing a consultation to the department's answer, over the "
        "routed consultations answered.",
        "转至部门的咨询从转出到部门答复的平均分钟数（只计已答复的）。",
        len(minutes),
    )


def routed_on_time(consultations: Sequence[Consultation], now: datetime) -> Kpi:
    judged = [
        c
        for c in consultations
        if c.outcome == "routed"
        and c.due_at is not None
        and (c.answered_at is not None or now > c.due_at)
    ]
    on_time = sum(
        1
        for c in judged
        if c.answered_at is not None and c.due_at is not None and c.answered_at <= c.due_at
    )
    return Kpi(
        "routed_on_time",
        "部门按时响应率",
        _percent(on_time, len(judged)),
        "%",
        None,
        "Routed consultations answered by their due time, over those answered or past it.",
        "转至部门的咨询中在时限内答复的比例（计已答复或已超时的）。",
        len(judged),
    )


def kpis(records: Records, calendar: WorkingCalendar, now: datetime) -> list[Kpi]:
    """Every KPI, in the order of the module doc."""
    matters = records.matters
    return [
        projects_tracked(records.projects),
        guidance_sessions(records.consultations),
        first_pass_rate(matters),
        on_time_rate(matters),
        bundle_working_days(calendar, records.projects),
        project_working_days(calendar, records.projects),
        window_share(records.consultations),
        response_minutes(records.consultations),
        routed_on_time(records.consultations, now),
    ]
