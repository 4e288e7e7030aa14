"""The pages of one tracked project (一码一图): the enterprise's status page, the flowchart of
its plan with each matter's live status, and the QR code of the status page.

The status page is for the applicant's phone: Chinese, 375 px wide without sideways scrolling,
self-contained (the data is written into the page, nothing is fetched), the QR code inline so
the window can print it. The flowchart reuses viz/flowchart.py's layout of the department path
and colours each box by its matter's status. Both read only the tracking records: the plan
snapshot the project was created from (rebuilt into a Recommendation; should a snapshot no
longer read as one, the tracked matters alone) and the matters' states.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import Any

import segno
from markupsafe import Markup
from pydantic import TypeAdapter, ValidationError

from graph.model import Ref
from graph.recommendation import (
    Estimate,
    Phase,
    PlannedMatter,
    PositionView,
    Recommendation,
    Savings,
)
from tracking.model import MatterState, Project
from tracking.projects import MatterProgress, local_day
from tracking.workflow import LABELS, Status
from viz.flowchart import BOX_H, BOX_W, MODES, Layout, layout
from viz.page import asset, render

QR_ERROR = "q"  # 25 % of the code may be smudged or covered and it still reads
QR_BORDER = 4  # the quiet zone the QR standard asks for, in modules
QR_PNG_SCALE = 8  # pixels per module in the PNG
QR_SVG_SCALE = 8  # user units per module in the standalone SVG
QR_INLINE_SCALE = 4  # CSS pixels per module on the page (before the page's own sizing)

# Fill and outline of each status (the page's badges, the flowchart's boxes and its legend).
STATUS_COLOURS: dict[Status, tuple[str, str]] = {
    Status.PENDING: ("#f0f4f8", "#829ab1"),
    Status.ACCEPTED: ("#dbeafe", "#2563eb"),
    Status.DEFERRED: ("#ccfbf1", "#0f766e"),
    Status.REVIEWING: ("#e0e7ff", "#4338ca"),
    Status.CORRECTION: ("#fef3c7", "#b45309"),
    Status.DONE: ("#dcfce7", "#15803d"),
    Status.NOT_ACCEPTED: ("#e5e7eb", "#374151"),
    Status.DENIED: ("#fae8ff", "#86198f"),
}
_PLAN = TypeAdapter(Recommendation)


# --- the QR code -----------------------------------------------------------------------------


def qr_code(url: str) -> segno.QRCode:
    """The QR code of `url`: error correction level Q, never boosted (a fixed, known level)."""
    return segno.make_qr(url, error=QR_ERROR, boost_error=False)


def qr_svg(url: str) -> bytes:
    """A standalone SVG document of the QR code (white background, quiet zone included)."""
    out = io.BytesIO()
    qr_code(url).save(
        out,
        kind="svg",
        scale=QR_SVG_SCALE,
        border=QR_BORDER,
        dark="#000",
        light="#fff",
        xmldecl=True,
        title="项目办理进度二维码",
    )
    return out.getvalue()


def qr_png(url: str) -> bytes:
    """A PNG of the QR code (white background, quiet zone included)."""
    out = io.BytesIO()
    qr_code(url).save(
        out, kind="png", scale=QR_PNG_SCALE, border=QR_BORDER, dark="#000", light="#fff"
    )
    return out.getvalue()


def qr_inline(url: str) -> Markup:
    """The QR code as an <svg> element for an HTML page: no namespace (HTML5 needs none, and
    the page then names no URL), a viewBox instead of a size so that CSS sizes it."""
    svg: str = qr_code(url).svg_inline(
        scale=QR_INLINE_SCALE,
        border=QR_BORDER,
        dark="#000",
        light="#fff",
        omitsize=True,
        svgclass="qr",
        lineclass="qr-line",
    )
    # segno writes only path data and the attributes above: nothing of the URL as markup.
    return Markup(svg)


# --- what the pages show ---------------------------------------------------------------------


def plan_of(project: Project) -> Recommendation | None:
    """The recommendation the project was created from, or None if its snapshot no longer
    reads as one (then the pages fall back on the tracked matters alone)."""
    try:
        return _PLAN.validate_python(project.plan)
    except ValidationError:
        return None


def day_text(day: date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def flag_text(p: MatterProgress) -> str:
    """What the applicant reads beside the status: days left, overdue, paused, closed."""
    state = p.state
    if p.flag == "overdue":
        return f"已超期 {-(p.days_left or 0)} 个工作日"
    if p.flag == "due_soon":
        return "今日到期" if p.days_left == 0 else f"剩 {p.days_left} 个工作日，即将到期"
    if p.flag == "on_track":
        return f"剩 {p.days_left} 个工作日"
    if p.flag == "paused":
        return "等待补正材料，办理时限暂停计算"
    if p.flag == "waiting":
        days = f"，承诺 {state.promised_days} 个工作日" if state.promised_days else "，即办"
        return "尚未受理，受理后开始计时" + days
    return f"{p.label}（{day_text(state.closed_on)}）" if state.closed_on else p.label


@dataclass(frozen=True, slots=True)
class MatterRow:
    id: str
    name: str
    department: str
    status: str  # the Status value (a CSS class: st-<value>)
    label: str  # 待受理, 已受理 ...
    flag: str  # overdue, due_soon, on_track, waiting, paused, closed
    flag_text: str
    due_on: str
    accepted_on: str
    promised_days: int
    corrections: int


@dataclass(frozen=True, slots=True)
class PhaseGroup:
    phase: int
    days: int | None  # the phase's decision time in the plan
    steps: list[str]  # its joint steps: "开工一件事 · 并联审批 · 牵头 住建局"
    matters: list[MatterRow]
    done: int


@dataclass(frozen=True, slots=True)
class Totals:
    matters: int
    done: int
    overdue: int
    due_soon: int
    closed: int


@dataclass(frozen=True, slots=True)
class YearWarning:
    year: int
    message: str  # the calendar's own words


def row(p: MatterProgress) -> MatterRow:
    s = p.state
    return MatterRow(
        id=s.matter_id,
        name=s.name,
        department=s.department_name,
        status=s.status.value,
        label=p.label,
        flag=p.flag,
        flag_text=flag_text(p),
        due_on=day_text(s.due_on),
        accepted_on=day_text(s.accepted_on),
        promised_days=s.promised_days,
        corrections=s.corrections,
    )


def totals(progress: list[MatterProgress]) -> Totals:
    return Totals(
        matters=len(progress),
        done=sum(1 for p in progress if p.state.status == Status.DONE),
        overdue=sum(1 for p in progress if p.flag == "overdue"),
        due_soon=sum(1 for p in progress if p.flag == "due_soon"),
        closed=sum(1 for p in progress if p.flag == "closed"),
    )


def phases(progress: list[MatterProgress], rec: Recommendation | None) -> list[PhaseGroup]:
    """The matters grouped by the phase of the department path, in the plan's order."""
    planned = {p.phase: p for p in rec.department_path} if rec else {}
    order = {m: i for p in (rec.department_path if rec else []) for i, m in enumerate(p.matters)}
    groups: list[PhaseGroup] = []
    for number in sorted({p.state.phase for p in progress}):
        members = sorted(
            (p for p in progress if p.state.phase == number),
            key=lambda p: (order.get(p.state.matter_id, len(order)), p.state.matter_id),
        )
        phase = planned.get(number)
        steps = [
            f"{s.name} · {MODES.get(s.mode, s.mode)} · 牵头 {s.lead.name}"
            for s in (phase.steps if phase else [])
            if s.kind == "joint"
        ]
        groups.append(
            PhaseGroup(
                phase=number,
                days=phase.days if phase else None,
                steps=steps,
                matters=[row(p) for p in members],
                done=sum(1 for p in members if p.state.status == Status.DONE),
            )
        )
    return groups


def year_warnings(progress: list[MatterProgress]) -> list[YearWarning]:
    """One warning per year that was counted without an official holiday calendar."""
    found: dict[int, str] = {}
    for p in progress:
        for w in p.warnings:
            found.setdefault(w.day.year, w.message)
    return [YearWarning(year, message) for year, message in sorted(found.items())]


def position_text(project: Project, rec: Recommendation | None) -> dict[str, str]:
    """The project's place in the chain, named as the plan named it (ids without a plan)."""
    if rec is None:
        return {
            "industry": project.industry,
            "stage": project.stage,
            "scenario": project.scenario or "本阶段全部场景",
            "bundles": "",
        }
    p = rec.position
    return {
        "industry": p.industry.name,
        "stage": p.stage.name,
        "scenario": p.scenario.name
        if p.scenario
        else "全部场景：" + "、".join(s.name for s in p.scenarios),
        "bundles": "、".join(b.name for b in rec.bundles),
    }


def _common(
    project: Project, rec: Recommendation | None, progress: list[MatterProgress], today: date
) -> dict[str, Any]:
    return {
        "project": project,
        "rec": rec,
        "position": position_text(project, rec),
        "totals": totals(progress),
        "warnings": year_warnings(progress),
        "today": day_text(today),
        "created": day_text(local_day(project.created_at)),
        "labels": [(s.value, LABELS[s]) for s in Status],
        "colours": {s.value: c for s, c in STATUS_COLOURS.items()},
        "page_css": asset("project_page.css"),
    }


def project_page_html(
    project: Project, progress: list[MatterProgress], today: date, page_url: str
) -> str:
    """The status page of one project (for the enterprise's phone; prints the QR code)."""
    rec = plan_of(project)
    return render(
        "project_page.html",
        **_common(project, rec, progress, today),
        groups=phases(progress, rec),
        page_url=page_url,
        qr=qr_inline(page_url),
    )


# --- the flowchart with live statuses ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StatusBox:
    """A box of the flowchart layout with its matter's current status."""

    matter_id: str
    x: int
    y: int
    lines: list[str]
    department: str
    critical: bool
    status: str  # Status value, or "" for a planned matter the project does not track
    label: str
    flag: str
    flag_text: str
    tooltip: str


@dataclass(frozen=True, slots=True)
class StepProgress:
    """A joint step (并联审批, 联合验收 ...) of the path and how far its matters are."""

    phase: int
    name: str
    done: int
    matters: int
    status: str  # the step's status: done once all are, else the least advanced matter's


def status_boxes(chart: Layout, by_id: dict[str, MatterProgress]) -> list[StatusBox]:
    boxes = []
    for box in chart.boxes:
        m = box.matter
        p = by_id.get(m.id)
        days = f"承诺 {m.time_limit_days} 个工作日" if m.time_limit_days else "即办"
        if p is None:
            status, label, flag, text = "", "未跟踪", "", ""
        else:
            status, label, flag, text = p.state.status.value, p.label, p.flag, flag_text(p)
        due = f"\n到期：{day_text(p.state.due_on)}" if p and p.state.due_on else ""
        tooltip = f"{m.name}\n{m.department.name} · {m.type} · {days}\n状态：{label}{due}"
        boxes.append(
            StatusBox(
                matter_id=m.id,
                x=box.x,
                y=box.y,
                lines=box.lines,
                department=m.department.name,
                critical=m.critical,
                status=status,
                label=label,
                flag=flag,
                flag_text=text,
                tooltip=tooltip + (f"\n{text}" if text else ""),
            )
        )
    return boxes


_ADVANCE = [
    Status.CORRECTION,
    Status.PENDING,
    Status.ACCEPTED,
    Status.DEFERRED,
    Status.REVIEWING,
    Status.NOT_ACCEPTED,
    Status.DENIED,
    Status.DONE,
]


def step_progress(rec: Recommendation, states: dict[str, MatterState]) -> list[StepProgress]:
    found = []
    for phase in rec.department_path:
        for step in phase.steps:
            if step.kind != "joint":
                continue
            mine = [states[m] for m in step.matters if m in states]
            statuses = [s.status for s in mine]
            if statuses and all(s == Status.DONE for s in statuses):
                status = Status.DONE
            elif statuses:
                status = min(statuses, key=_ADVANCE.index)
            else:
                status = Status.PENDING
            found.append(
                StepProgress(
                    phase=phase.phase,
                    name=f"{step.name} · {MODES.get(step.mode, step.mode)}",
                    done=sum(1 for s in statuses if s == Status.DONE),
                    matters=len(step.matters),
                    status=status.value,
                )
            )
    return found


def plan_from_matters(project: Project) -> Recommendation:
    """A plan drawn from the tracked matters alone (phases, departments, prerequisites), for a
    project whose snapshot no longer reads as a Recommendation: the flowchart still draws."""
    matters = sorted(project.matters, key=lambda m: (m.phase, m.matter_id))
    tracked_ids = {m.matter_id for m in matters}
    planned = [
        PlannedMatter(
            id=m.matter_id,
            code="",
            name=m.name,
            type="行政许可" if m.licence else "",
            level="",
            department=Ref(m.department_id, m.department_name),
            time_limit_days=m.promised_days,
            legal_days=m.promised_days,
            visits=0,
            online=False,
            fee=0.0,
            phase=m.phase,
            requires=[r for r in m.requires if r in tracked_ids],
            reasons=[],
            critical=False,
            source="",
        )
        for m in matters
    ]
    path = []
    for number in sorted({m.phase for m in matters}):
        members = [m for m in planned if m.phase == number]
        departments = {m.department.id: m.department for m in members}
        path.append(
            Phase(
                phase=number,
                departments=[departments[d] for d in sorted(departments)],
                matters=[m.id for m in members],
                days=max(m.time_limit_days for m in members),
            )
        )
    serial = sum(m.time_limit_days for m in planned)
    parallel = sum(p.days for p in path)
    return Recommendation(
        position=PositionView(
            industry=Ref(project.industry, project.industry),
            stage=Ref(project.stage, project.stage),
            stage_kind="",
            scenario=Ref(project.scenario, project.scenario) if project.scenario else None,
            scenarios=[],
        ),
        bundles=[],
        matters=planned,
        materials=[],
        department_path=path,
        estimate=Estimate(serial, parallel, [], parallel),
        savings=Savings(0, 0, 0, 0, 0, 0),
        pending_questions=[],
    )


def project_flowchart_html(project: Project, progress: list[MatterProgress], today: date) -> str:
    """The flowchart (一图) of the project's plan, each matter's box in its current status."""
    snapshot = plan_of(project)
    rec = snapshot or plan_from_matters(project)
    chart = layout(rec)
    by_id = {p.state.matter_id: p for p in progress}
    steps = step_progress(rec, {p.state.matter_id: p.state for p in progress})
    names = {m.id: m.name for m in rec.matters}
    return render(
        "project_page.flowchart.html",
        **_common(project, snapshot, progress, today),
        plan=rec,
        from_snapshot=snapshot is not None,
        layout=chart,
        boxes=status_boxes(chart, by_id),
        steps=steps,
        steps_by_phase={c.phase: [s for s in steps if s.phase == c.phase] for c in chart.columns},
        box_w=BOX_W,
        box_h=BOX_H,
        critical_names=[names[m] for m in rec.estimate.critical_path if m in names],
    )
