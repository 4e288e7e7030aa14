"""`chainkg analyze ...`: the planner analytics (graph/analytics.py) from the command line.

cli/main.py registers this app. Each command reads the configured backend or the catalog at
--data, like `chainkg recommend` (cli/common.py); `--json` prints the body the HTTP API answers
for the same question (GET/POST /v1/analytics/...). An unknown id or ids that do not fit
together are one red line on stderr and exit 1.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from api.analytics_schemas import BottlenecksOut, CandidatesOut, PositionDiffOut, WhatIfOut
from cli.common import JsonOpt, SourceOpt, emit_json, err, fail, out, query_store, write_failure
from graph import analytics as A
from graph.model import BundleMode, Ref
from viz.analytics_report import report_html, report_xlsx
from viz.page import write_page

analyze_app = typer.Typer(
    help="Planner analytics: what to integrate next, and what it would save.",
    no_args_is_help=True,
)


class Mode(StrEnum):
    NONE = "none"
    PARALLEL = "parallel"
    JOINT_REVIEW = "joint_review"
    JOINT_ACCEPTANCE = "joint_acceptance"


def _fields(value: object) -> dict[str, object]:
    return {name: getattr(value, name) for name in value.__dataclass_fields__}  # type: ignore[attr-defined]


def _names(refs: list[Ref], most: int = 6) -> Text:
    shown = "、".join(r.name for r in refs[:most])
    if len(refs) > most:
        shown += f" 等{len(refs)}项"
    return Text(shown)


def _arrow(before: int, after: int) -> str:
    return f"{before} → {after}"


@analyze_app.command()
def candidates(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(min=1, max=50, help="Candidates to list.")] = 10,
    min_size: Annotated[int, typer.Option(min=2, max=50, help="Fewest matters.")] = 2,
    max_size: Annotated[int, typer.Option(min=2, max=50, help="Most matters.")] = 16,
    leave_out: Annotated[
        list[str] | None,
        typer.Option("--leave-out", metavar="BUNDLE", help="Remove a bundle first (repeatable)."),
    ] = None,
    data: SourceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Candidate bundles: communities of co-occurring matters, with what each would save."""
    gone = list(leave_out or [])
    with query_store(ctx, data) as store:
        sv = A.survey(store)
        found = A.candidates(sv, limit=limit, min_size=min_size, max_size=max_size, leave_out=gone)
    if as_json:
        body = CandidatesOut.model_validate(
            {"catalog_version": sv.version, "leave_out": gone, "candidates": found}
        )
        emit_json(body.model_dump(mode="json"))
        return
    table = Table(title="candidate bundles", min_width=60)
    for column in ("#", "事项", "场景", "牵头部门", "材料", "跑动", "环节", "工作日", "最接近"):
        table.add_column(column)
    for c in found:
        s = c.savings
        closest = (
            f"{c.closest_bundle.bundle.name} {c.closest_bundle.jaccard}"
            if c.closest_bundle
            else "—"
        )
        table.add_row(
            str(c.rank),
            _names(c.matters),
            _names(c.scenarios, 3),
            Text(c.lead.name),
            _arrow(s.materials_before, s.materials_after),
            _arrow(s.visits_before, s.visits_after),
            _arrow(s.steps_before, s.steps_after),
            _arrow(s.days_before, s.days_after),
            Text(closest),
        )
    out.print(table)


@analyze_app.command("what-if")
def what_if(
    ctx: typer.Context,
    matter: Annotated[
        list[str] | None, typer.Option("--matter", help="A matter of the proposal (repeatable).")
    ] = None,
    bundle: Annotated[str | None, typer.Option(help="An existing bundle to change.")] = None,
    add: Annotated[list[str] | None, typer.Option("--add", help="Add a matter.")] = None,
    remove: Annotated[list[str] | None, typer.Option("--remove", help="Remove a matter.")] = None,
    mode: Annotated[
        Mode | None, typer.Option(help="The bundle's mode (default: the bundle's, else none).")
    ] = None,
    scenario: Annotated[
        list[str] | None, typer.Option("--scenario", help="A scenario it serves (repeatable).")
    ] = None,
    data: SourceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """A proposed bundle before and after, and the positions whose plans it would change."""
    if not matter and bundle is None:
        fail("name --matter (repeatable) or --bundle", code=2)
    chosen = None if mode is None else BundleMode("" if mode == Mode.NONE else mode.value)
    with query_store(ctx, data) as store:
        sv = A.survey(store)
        result = A.what_if(
            sv,
            matters=matter or [],
            bundle=bundle,
            add=add or [],
            remove=remove or [],
            mode=chosen,
            scenarios=scenario,
        )
    if as_json:
        body = WhatIfOut.model_validate({"catalog_version": sv.version, **_fields(result)})
        emit_json(body.model_dump(mode="json"))
        return
    title = f"what-if: {result.base.name if result.base else '拟集成一件事'}"
    table = Table(title=title, min_width=60)
    for column in ("", "事项", "材料", "跑动", "环节", "工作日", "部门"):
        table.add_column(column)
    for label, f in (("before", result.before), ("after", result.after)):
        table.add_row(
            label,
            str(f.matters),
            str(f.materials),
            str(f.visits),
            str(f.steps),
            str(f.days),
            str(f.departments),
        )
    out.print(table)
    serves = "、".join(s.name for s in result.serves) or "—"
    out.print(Text(f"牵头部门: {result.lead.name}; 服务场景: {serves}"))
    changes = Table(title=f"positions whose plans change ({len(result.positions)})", min_width=60)
    for column in ("industry", "stage", "scenario", "+事项", "-事项", "+材料", "环节", "工作日"):
        changes.add_column(column)
    for p in result.positions:
        changes.add_row(
            p.industry,
            p.stage,
            p.scenario or "—",
            _names(p.matters_added, 3),
            _names(p.matters_removed, 3),
            _names(p.materials_added, 3),
            _arrow(p.before.steps, p.after.steps),
            _arrow(p.before.days, p.after.days),
        )
    out.print(changes)


@analyze_app.command()
def bottlenecks(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(min=1, max=50, help="Rows per list.")] = 10,
    data: SourceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Departments and matters on most critical paths, materials asked most, offline matters."""
    with query_store(ctx, data) as store:
        sv = A.survey(store)
        found = A.bottlenecks(sv, limit=limit)
    if as_json:
        body = BottlenecksOut.model_validate({"catalog_version": sv.version, **_fields(found)})
        emit_json(body.model_dump(mode="json"))
        return
    err.print(f"{found.plans} scenario plans analysed", highlight=False)
    departments = Table(title="departments on critical paths", min_width=60)
    for column in ("部门", "paths", "days"):
        departments.add_column(column)
    for d in found.departments:
        departments.add_row(Text(d.department.name), str(d.paths), str(d.days))
    out.print(departments)
    matters = Table(title="matters on critical paths", min_width=60)
    for column in ("事项", "部门", "paths", "days"):
        matters.add_column(column)
    for m in found.matters:
        matters.add_row(Text(m.matter.name), Text(m.department.name), str(m.paths), str(m.days))
    out.print(matters)
    materials = Table(title="materials asked most", min_width=60)
    for column in ("材料", "plans", "matters", "免提交"):
        materials.add_column(column)
    for x in found.materials:
        materials.add_row(
            Text(x.material.name), str(x.plans), str(x.matters), "是" if x.shared else "否"
        )
    out.print(materials)
    offline = Table(title="matters still offline", min_width=60)
    for column in ("事项", "部门", "plans", "visits"):
        offline.add_column(column)
    for o in found.offline:
        offline.add_row(Text(o.matter.name), Text(o.department.name), str(o.plans), str(o.visits))
    out.print(offline)


@analyze_app.command("position-diff")
def position_diff(
    ctx: typer.Context,
    industry: Annotated[str, typer.Option("--industry", help="Industry id, e.g. nev.")],
    from_stage: Annotated[str, typer.Option("--from", help="Stage id, e.g. nev.production.")],
    to_stage: Annotated[str, typer.Option("--to", help="Stage id, e.g. nev.circulation.")],
    data: SourceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """What changes for an enterprise moving from one stage of its industry to another."""
    with query_store(ctx, data) as store:
        sv = A.survey(store)
        diff = A.position_diff(sv, industry, from_stage, to_stage)
    if as_json:
        body = PositionDiffOut.model_validate({"catalog_version": sv.version, **_fields(diff)})
        emit_json(body.model_dump(mode="json"))
        return
    table = Table(
        title=f"{diff.industry.name}: {diff.from_stage.name} → {diff.to_stage.name}", min_width=60
    )
    table.add_column("")
    table.add_column("count")
    table.add_column("names")
    for label, refs in (
        ("new matters", diff.new_matters),
        ("continued matters", diff.continued_matters),
        ("materials held", diff.materials_held),
        ("new materials", diff.new_materials),
        ("departments again", diff.departments_again),
        ("new departments", diff.new_departments),
        ("prerequisites met", diff.prerequisites_met),
    ):
        table.add_row(label, str(len(refs)), _names(refs, 8))
    out.print(table)


@analyze_app.command()
def report(
    ctx: typer.Context,
    output: Annotated[
        Path, typer.Option("-o", "--output", help="FILE.html (a page) or FILE.xlsx (a workbook).")
    ],
    data: SourceOpt = None,
) -> None:
    """The planners' report: candidates, bottlenecks, stage diffs, the article's bundles."""
    suffix = output.suffix.lower()
    if suffix not in {".html", ".xlsx"}:
        fail(f"-o {output}: expected a .html or .xlsx file", code=2)
    if output.is_dir():
        fail(f"-o {output}: a folder is there; expected a file to write", code=2)
    with query_store(ctx, data) as store:
        sv = A.survey(store)
        content: str | bytes = report_xlsx(sv) if suffix == ".xlsx" else report_html(sv)
    try:
        written = write_page(output, content)
        size = written.stat().st_size
    except OSError as exc:
        fail(f"cannot write {output}: {write_failure(exc, output)}")
    err.print(f"wrote {written} ({size / 1024:.0f} KB)", highlight=False)
