"""The planners' report: what to integrate next and what it would save, as a self-contained
Chinese HTML page (charts drawn inline as SVG, nothing fetched) and an .xlsx workbook.

Its figures are graph/analytics.py's over the served catalog: the top candidates, the
bottlenecks, the diff of each industry's consecutive stages, and whether the candidate search
finds the article's own bundles (those whose source is the article, at most 16, families
first: each is a leave-one-out search over the whole catalog). Every workbook cell goes
through viz.service_matrix.neutralise, so catalog text never runs as a formula.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from itertools import pairwise

import pandas as pd
from markupsafe import Markup, escape

from graph import analytics as A
from graph.model import Ref
from viz.page import render
from viz.service_matrix import neutralise

BAR = "#2f6fb0"
# The article's bundles checked for recovery: at most the article's 16 special bundles' worth
# (each is a leave-one-out search over the whole catalog), families first.
RECOVERY_MAX = 16
KIND_ORDER = {"one_category": 0, "chain_special": 1, "one_thing": 2}
BAR_AFTER = "#3aa17e"


@dataclass(frozen=True, slots=True)
class Report:
    version: str
    candidates: list[A.Candidate]
    bottlenecks: A.Bottlenecks
    diffs: list[A.PositionDiff]
    recoveries: list[A.Recovery]


def build_report(survey: A.Survey, *, limit: int = 10) -> Report:
    diffs = []
    by_industry: dict[str, list[tuple[int, str]]] = {}
    for industry, stage in survey.stages.values():
        by_industry.setdefault(industry.id, []).append((stage.order, stage.id))
    for industry_id in sorted(by_industry):
        ordered = [s for _, s in sorted(by_industry[industry_id])]
        diffs += [A.position_diff(survey, industry_id, a, b) for a, b in pairwise(ordered)]
    article = sorted(
        (b for b in survey.atlas.bundles.values() if b.source == "article"),
        key=lambda b: (KIND_ORDER.get(str(b.kind), 9), b.id),
    )[:RECOVERY_MAX]
    return Report(
        version=survey.version,
        candidates=A.candidates(survey, limit=limit),
        bottlenecks=A.bottlenecks(survey, limit=limit),
        diffs=diffs,
        recoveries=A.recovery(survey, sorted(b.id for b in article)),
    )


def bar_chart(
    rows: list[tuple[str, float, float | None]],
    *,
    unit: str,
    legend: tuple[str, str] | None = None,
) -> Markup:
    """Horizontal bars, one row per (label, value[, second value]), as an inline SVG."""
    label_w, bar_w, row_h = 230, 420, 26 if legend else 20
    top = 22 if legend else 4
    height = top + row_h * len(rows) + 6
    most = max([v for _, v, _ in rows] + [w for _, _, w in rows if w is not None] + [1])
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{label_w + bar_w + 70}" '
        f'height="{height}" viewBox="0 0 {label_w + bar_w + 70} {height}" class="chart">'
    ]
    if legend:
        parts.append(
            f'<rect x="{label_w}" y="4" width="10" height="10" fill="{BAR}"/>'
            f'<text x="{label_w + 14}" y="13" font-size="11">{escape(legend[0])}</text>'
            f'<rect x="{label_w + 90}" y="4" width="10" height="10" fill="{BAR_AFTER}"/>'
            f'<text x="{label_w + 104}" y="13" font-size="11">{escape(legend[1])}</text>'
        )
    for i, (label, value, second) in enumerate(rows):
        y = top + i * row_h
        short = label if len(label) <= 16 else label[:15] + "…"
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 13}" font-size="12" text-anchor="end">'
            f"<title>{escape(label)}</title>{escape(short)}</text>"
        )
        half = (row_h - 4) / (2 if second is not None else 1)
        for j, (v, colour) in enumerate(((value, BAR), (second, BAR_AFTER))):
            if v is None:
                continue
            w = max(1.0, bar_w * v / most)
            yy = y + 2 + j * half
            parts.append(
                f'<rect x="{label_w}" y="{yy:.1f}" width="{w:.1f}" height="{half - 1:.1f}" '
                f'fill="{colour}"/><text x="{label_w + w + 4:.1f}" y="{yy + half - 3:.1f}" '
                f'font-size="11">{v:g}{escape(unit)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def report_html(survey: A.Survey) -> str:
    report = build_report(survey)
    c = report.candidates
    b = report.bottlenecks
    charts = {
        "candidate_days": bar_chart(
            [
                (
                    f"{x.rank}. {x.matters[0].name}等{len(x.matters)}项",
                    x.savings.days_before,
                    x.savings.days_after,
                )
                for x in c
            ],
            unit="日",
            legend=("集成前", "集成后"),
        ),
        "candidate_materials": bar_chart(
            [
                (
                    f"{x.rank}. {x.matters[0].name}等{len(x.matters)}项",
                    x.savings.materials_before,
                    x.savings.materials_after,
                )
                for x in c
            ],
            unit="份",
            legend=("集成前", "集成后"),
        ),
        "departments": bar_chart(
            [(d.department.name, d.days, None) for d in b.departments], unit="日"
        ),
        "materials": bar_chart([(m.material.name, m.plans, None) for m in b.materials], unit="次"),
    }
    return render("analytics_report.html", report=report, charts=charts)


def _names(refs: list[Ref]) -> str:
    return "、".join(r.name for r in refs)


def report_frames(report: Report) -> dict[str, pd.DataFrame]:
    """The report's tables, one per sheet, in Chinese."""
    candidates = pd.DataFrame(
        [
            {
                "排名": x.rank,
                "事项": _names(x.matters),
                "事项数": len(x.matters),
                "场景": _names(x.scenarios),
                "服务位置数": x.positions,
                "建议牵头部门": x.lead.name,
                "牵头部门关键路径工作日": x.lead_days,
                "涉及部门": _names(x.departments),
                "材料（前）": x.savings.materials_before,
                "材料（后）": x.savings.materials_after,
                "跑动（前）": x.savings.visits_before,
                "跑动（后）": x.savings.visits_after,
                "环节（前）": x.savings.steps_before,
                "环节（后）": x.savings.steps_after,
                "时限工作日（前）": x.savings.days_before,
                "时限工作日（后）": x.savings.days_after,
                "最接近的现有一件事": x.closest_bundle.bundle.name if x.closest_bundle else "",
                "Jaccard": x.closest_bundle.jaccard if x.closest_bundle else None,
            }
            for x in report.candidates
        ]
    )
    b = report.bottlenecks
    departments = pd.DataFrame(
        [
            {
                "部门": d.department.name,
                "关键路径数": d.paths,
                "贡献工作日": d.days,
                "事项": "、".join(d.matters),
            }
            for d in b.departments
        ]
    )
    matters = pd.DataFrame(
        [
            {
                "事项": m.matter.name,
                "部门": m.department.name,
                "关键路径数": m.paths,
                "贡献工作日": m.days,
            }
            for m in b.matters
        ]
    )
    materials = pd.DataFrame(
        [
            {
                "材料": m.material.name,
                "方案数": m.plans,
                "事项数": m.matters,
                "已免提交": "是" if m.shared else "否",
                "可告知承诺": "是" if m.commitment else "否",
            }
            for m in b.materials
        ]
    )
    offline = pd.DataFrame(
        [
            {"事项": m.matter.name, "部门": m.department.name, "方案数": m.plans, "跑动": m.visits}
            for m in b.offline
        ]
    )
    diffs = pd.DataFrame(
        [
            {
                "产业": d.industry.name,
                "从": d.from_stage.name,
                "到": d.to_stage.name,
                "新增事项": _names(d.new_matters),
                "已有材料": _names(d.materials_held),
                "新材料": _names(d.new_materials),
                "再次对接部门": _names(d.departments_again),
                "新部门": _names(d.new_departments),
            }
            for d in report.diffs
        ]
    )
    recoveries = pd.DataFrame(
        [
            {
                "文章一件事": r.bundle.name,
                "事项数": r.matters,
                "目录中（Jaccard）": r.present.jaccard if r.present else 0.0,
                "移除后（Jaccard）": r.left_out.jaccard if r.left_out else 0.0,
            }
            for r in report.recoveries
        ]
    )
    return {
        "候选一件事": candidates,
        "瓶颈部门": departments,
        "瓶颈事项": matters,
        "高频材料": materials,
        "线下事项": offline,
        "阶段衔接": diffs,
        "文章一件事复现": recoveries,
    }


def report_xlsx(survey: A.Survey) -> bytes:
    """The report's tables as a workbook: one sheet each, every text cell plain text."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in report_frames(build_report(survey)).items():
            safe = frame.map(neutralise)
            safe.columns = pd.Index([neutralise(c) for c in frame.columns])
            safe.to_excel(writer, sheet_name=name, index=False)
            sheet = writer.sheets[name]
            for line in sheet.iter_rows():
                for written in line:
                    if isinstance(written.value, str):
                        written.data_type = "s"  # text, whatever it starts with
    return buffer.getvalue()
