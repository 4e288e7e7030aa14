"""The bundle flowchart of a recommendation: the department path as an inline SVG.

Phases run left to right, the matters of a phase (handled in parallel) stack in its column,
each with its department and promised days, a joint step (并联审批, 联合验收 ...) named with its
lead department in the column's head; arrows are prerequisites and the critical path (the chain
of steps that sets the elapsed estimate) is drawn in red.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from graph.recommendation import PlannedMatter, Recommendation
from viz.page import render

BOX_W, BOX_H = 236, 92
GAP_X, GAP_Y = 76, 16
MARGIN_X, HEADER_H, MARGIN_Y = 96, 64, 24
LINE_CHARS = 15  # CJK characters per line of a matter name inside a box
MODES = {"parallel": "并联审批", "joint_review": "联合审查", "joint_acceptance": "联合验收"}


@dataclass(frozen=True, slots=True)
class Box:
    matter: PlannedMatter
    x: int
    y: int
    lines: list[str]

    @property
    def critical(self) -> bool:
        return self.matter.critical


@dataclass(frozen=True, slots=True)
class Arrow:
    source: str
    target: str
    path: str  # SVG path data
    critical: bool


@dataclass(frozen=True, slots=True)
class Column:
    phase: int
    x: int
    departments: list[str]
    days: int
    joint: list[str]  # the joint steps of the phase: "开工一件事 · 并联审批 · 牵头 住建局"


@dataclass(frozen=True, slots=True)
class Layout:
    columns: list[Column]
    boxes: list[Box]
    arrows: list[Arrow]
    width: int
    height: int
    start: tuple[int, int]  # the 受理 (application accepted) marker
    end: tuple[int, int]  # the 办结 (done) marker


def wrap(text: str, width: int = LINE_CHARS, lines: int = 2) -> list[str]:
    """Cut a Chinese name into at most `lines` lines of `width` characters (… when cut short)."""
    out = [text[i : i + width] for i in range(0, len(text), width)] or [""]
    if len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1][: width - 1] + "…"
    return out


def layout(rec: Recommendation) -> Layout:
    """Boxes per phase column, prerequisite arrows, and the start and end markers."""
    by_id = {m.id: m for m in rec.matters}
    columns: list[Column] = []
    boxes: dict[str, Box] = {}
    tallest = 0
    for index, phase in enumerate(rec.department_path):
        x = MARGIN_X + index * (BOX_W + GAP_X)
        joint = [
            f"{s.name} · {MODES.get(s.mode, s.mode)} · 牵头 {s.lead.name}"
            for s in phase.steps
            if s.kind == "joint"
        ]
        columns.append(
            Column(phase.phase, x, [d.name for d in phase.departments], phase.days, joint)
        )
        for row, matter_id in enumerate(phase.matters):
            y = HEADER_H + MARGIN_Y + row * (BOX_H + GAP_Y)
            boxes[matter_id] = Box(by_id[matter_id], x, y, wrap(by_id[matter_id].name))
        tallest = max(tallest, len(phase.matters))
    body = max(tallest, 1) * (BOX_H + GAP_Y) - GAP_Y
    middle = HEADER_H + MARGIN_Y + body // 2
    width = MARGIN_X * 2 + max(len(columns), 1) * (BOX_W + GAP_X) - GAP_X
    start, end = (MARGIN_X // 2 - 8, middle), (width - MARGIN_X // 2 + 8, middle)

    critical = rec.estimate.critical_path
    critical_steps = set(pairwise(critical))
    arrows = []
    for matter in rec.matters:
        for required in matter.requires:
            a, b = boxes[required], boxes[matter.id]
            if a.x == b.x:
                continue  # one joint step: handled together, no arrow inside the column
            arrows.append(
                Arrow(
                    required,
                    matter.id,
                    _curve(a.x + BOX_W, a.y + BOX_H // 2, b.x, b.y + BOX_H // 2),
                    (required, matter.id) in critical_steps,
                )
            )
    first = critical[0] if critical else None
    last = critical[-1] if critical else None
    last_phase = rec.department_path[-1].phase if rec.department_path else 0
    for box in boxes.values():
        if not box.matter.requires:
            arrows.append(
                Arrow(
                    "start",
                    box.matter.id,
                    _curve(start[0] + 14, start[1], box.x, box.y + BOX_H // 2),
                    box.matter.id == first,
                )
            )
        # Only the last column links to 办结: a curve from an earlier column would cross it.
        if box.matter.phase == last_phase:
            arrows.append(
                Arrow(
                    box.matter.id,
                    "end",
                    _curve(box.x + BOX_W, box.y + BOX_H // 2, end[0] - 14, end[1]),
                    box.matter.id == last,
                )
            )
    height = HEADER_H + MARGIN_Y * 2 + body
    return Layout(columns, list(boxes.values()), arrows, width, height, start, end)


def _curve(x1: int, y1: int, x2: int, y2: int) -> str:
    bend = max((x2 - x1) // 2, 20)
    return f"M{x1},{y1} C{x1 + bend},{y1} {x2 - bend},{y2} {x2},{y2}"


def flowchart_html(rec: Recommendation) -> str:
    """The self-contained flowchart page of one recommendation."""
    p = rec.position
    where = [p.industry.name, p.stage.name] + ([p.scenario.name] if p.scenario else [])
    names = {m.id: m.name for m in rec.matters}
    return render(
        "flowchart.html",
        title=" · ".join(where),
        rec=rec,
        layout=layout(rec),
        box_w=BOX_W,
        box_h=BOX_H,
        critical_names=[names[m] for m in rec.estimate.critical_path],
        scenarios="、".join(s.name for s in p.scenarios),
    )
