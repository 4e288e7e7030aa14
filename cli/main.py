"""The `chainkg` command line: data to stdout, progress and logs to stderr, `--json` for scripts."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from api.settings import BackendKind
from cli.analyze import analyze_app
from cli.common import (
    AnswersOpt,
    CatalogOpt,
    IndustryArg,
    JsonOpt,
    OneLineErrors,
    ScenarioOpt,
    SourceOpt,
    StageArg,
    catalog_path,
    cli_settings,
    emit_json,
    err,
    fail,
    open_configured,
    out,
    print_problems,
    query_store,
    quiet_driver,
    read_catalog,
    reason,
    setup_logging,
    unreadable,
    write_failure,
)
from cli.tracking import kpis_command, projects_app, tokens_app
from cli.viz import viz_app
from graph.answers import parse_answers
from graph.errors import CatalogError, ChainKGError, InvalidRequest
from graph.model import Position
from graph.planner import recommend
from graph.recommendation import Recommendation
from graph.search import search as run_search

app = typer.Typer(
    cls=OneLineErrors,
    help="chainkg: industry-chain knowledge graph for government services (产业链政务服务知识图谱)",
    no_args_is_help=True,
    add_completion=False,
)
SEARCH_LIMIT = (1, 100)  # as GET /v1/search takes `limit`
PORTS = range(1, 65536)


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="Bind address (CHAINKG_HOST).")] = None,
    port: Annotated[
        int | None,
        typer.Option(min=PORTS.start, max=PORTS.stop - 1, help="Port, 1..65535 (CHAINKG_PORT)."),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="Worker processes on the one port (uvicorn's supervisor); each opens the "
            "backend and loads the catalog itself.",
        ),
    ] = 1,
    data: CatalogOpt = None,
) -> None:
    """Serve the HTTP API over the configured backend (default: embedded, shipped catalog).

    The catalog to load at start is validated first (once, before any worker starts), so a
    broken one stops here. A start-up load that the backend cannot take yet is retried in the
    background (/v1/ready says so).
    """
    import uvicorn

    from api.app import create_app
    from api.startup import prepare_startup
    from cli import serving

    settings = cli_settings()
    if data is not None:
        settings = settings.model_copy(update={"data": data})
    bind_host = host if host is not None else settings.host
    bind_port = port if port is not None else settings.port
    if not bind_host.strip():
        where = "--host " if host is not None else "CHAINKG_HOST="
        fail(f"{where}{bind_host!r}: expected an address to bind, e.g. 127.0.0.1", code=2)
    if bind_port not in PORTS:  # --port is bounded by its option, CHAINKG_PORT is not
        fail(f"invalid setting: CHAINKG_PORT={str(bind_port)!r}: expected 1..65535", code=2)
    try:
        serving.check_bindable(bind_host, bind_port, workers)
    except OSError as exc:
        fail(f"cannot listen on {bind_host}:{bind_port}: {reason(exc)}")
    backend = open_configured(ctx, settings)
    try:
        try:
            startup = prepare_startup(settings, backend)
        except OSError as exc:
            raise unreadable(exc, settings.catalog_path()) from None
    except CatalogError as exc:
        backend.close()
        print_problems(exc, settings.catalog_path())
        raise typer.Exit(1) from None
    logging.getLogger("chainkg").setLevel(settings.log_level.upper())
    banner = f"chainkg: {backend.name} backend, http://{bind_host}:{bind_port}/v1/docs"
    if workers > 1:
        backend.close()  # it validated the catalog; each worker opens its own
        err.print(f"{banner} ({workers} worker processes)", highlight=False)
        with serving.worker_environment(settings, bind_host, bind_port):
            uvicorn.run(
                serving.WORKER_APP,
                factory=True,
                workers=workers,
                host=bind_host,
                port=bind_port,
                log_level=settings.log_level,
            )
        return
    err.print(banner)
    try:
        uvicorn.run(
            create_app(settings, backend=backend, startup=startup),
            host=bind_host,
            port=bind_port,
            log_level=settings.log_level,
            workers=1,  # not WEB_CONCURRENCY: this process serves the backend it opened
        )
    finally:
        backend.close()


@app.command()
def check(
    path: Annotated[Path, typer.Argument(help="Catalog folder of CSVs or an .xlsx workbook.")],
    report: Annotated[bool, typer.Option("--report", help="Counts, sources and orphans.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Validate a catalog; print every error and warning as file:row:column; exit 1 on errors."""
    from loaders.catalog import check_catalog

    try:
        try:
            checked = check_catalog(path, cli_settings().catalog_limits())
        except OSError as exc:
            raise unreadable(exc, path) from None
    except CatalogError as exc:
        warnings = [str(w) for w in getattr(exc, "warnings", [])]
        if as_json:
            errors = [dataclasses.asdict(p) for p in exc.problems]
            emit_json({"ok": False, "errors": errors, "warnings": warnings})
        else:
            print_problems(exc, path)
            print_warnings(warnings)
        raise typer.Exit(1) from None
    from loaders.report import catalog_report, render_report

    catalog = checked.catalog
    summary = catalog_report(catalog)
    summary["warnings"] = [str(w) for w in checked.warnings]  # each at its file and row
    if as_json:
        emit_json({"ok": True, **summary})
    elif report:
        render_report(summary, out)
    else:
        out.print(
            f"{path}: ok, {catalog.total_rows()} rows "
            f"({summary['counts']['matters']} matters, {summary['counts']['scenarios']} scenarios)"
        )
    print_warnings(summary["warnings"])


def print_warnings(warnings: list[str]) -> None:
    """Every warning, after their count, on stderr."""
    if warnings:
        err.print(f"[yellow]{len(warnings)} warning(s)[/yellow]")
        for warning in warnings:
            err.print(f"  {warning}", highlight=False, markup=False)


@app.command(name="recommend")
def recommend_cmd(
    ctx: typer.Context,
    industry: IndustryArg,
    stage: StageArg,
    scenario: ScenarioOpt = None,
    answer: AnswersOpt = None,
    data: SourceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The bundle, matters, materials and department path for a position in the chain.

    Reads the configured backend (Neo4j with CHAINKG_BACKEND=neo4j), or the catalog at --data.
    """
    try:
        answers = parse_answers(answer or [])
    except InvalidRequest as exc:
        fail(f"--{exc}", code=2)
    with query_store(ctx, data) as store:
        rec = recommend(store, Position(industry, stage, scenario), answers)
    if as_json:
        emit_json(dataclasses.asdict(rec))
    else:
        _render_recommendation(rec)


MODES = {"parallel": "并联审批", "joint_review": "联合审查", "joint_acceptance": "联合验收"}


def _render_recommendation(rec: Recommendation) -> None:
    p = rec.position
    where = f"{p.industry.name} / {p.stage.name}"
    where += f" / {p.scenario.name}" if p.scenario else f" ({len(p.scenarios)} 个场景)"
    out.print(f"[bold]{where}[/bold]")
    if rec.bundles:
        out.print("一件事: " + "、".join(b.name for b in rec.bundles))
    if not rec.matters:
        if rec.pending_questions:
            out.print("尚无确定的事项：本位置的事项取决于办理情形，请先回答下列问题（--answer）。")
        else:
            out.print("本位置没有需要办理的事项。")
        _render_notes(rec)
        return
    matters = {m.id: m for m in rec.matters}
    path = Table(title="部门路径 department path", show_lines=True)
    for column in ("阶段", "步骤（牵头部门）", "事项 — 办理部门", "承诺时限"):
        path.add_column(column)
    for phase in rec.department_path:
        for step in phase.steps:
            if step.kind == "joint":
                label = f"{step.name}（{MODES.get(step.mode, step.mode)}）\n牵头: {step.lead.name}"
            else:
                label = "—"
            # One line per matter, each with its own department (a step may span several).
            lines = [f"{matters[m].name} — {matters[m].department.name}" for m in step.matters]
            path.add_row(str(phase.phase), label, "\n".join(lines), f"{step.days} 天")
    out.print(path)
    table = Table(title="事项 matters")
    for column in ("阶段", "事项", "部门", "类型", "承诺/法定", "关键"):
        table.add_column(column)
    for m in rec.matters:
        table.add_row(
            str(m.phase),
            m.name,
            m.department.name,
            m.type,
            f"{m.time_limit_days}/{m.legal_days}",
            "★" if m.critical else "",
        )
    out.print(table)
    mats = Table(title="材料 (每项只交一次)")
    mats.add_column("材料")
    mats.add_column("用于")
    mats.add_column("")
    for material in rec.materials:
        flags = "免提交" if material.shared else ("可告知承诺" if material.commitment else "")
        mats.add_row(material.name, str(len(material.used_by)) + " 个事项", flags)
    out.print(mats)
    e, s = rec.estimate, rec.savings
    out.print(
        f"时限（工作日）: 串联 {e.serial_days} 天, 审批决定 {e.parallel_days} 天, "
        f"预计历时 {e.elapsed_days} 天（含法定不计时段与公告期）"
    )
    for item in e.excluded:
        out.print(f"  不计入审批时限: {matters[item.matter].name} {item.kind} {item.days} 天")
    out.print(
        f"材料 {s.materials_before} → {s.materials_after}, 跑动 {s.visits_before} → "
        f"{s.visits_after}, 环节 {s.steps_before} → {s.steps_after}"
    )
    _render_notes(rec)


def _render_notes(rec: Recommendation) -> None:
    for held in rec.prerequisites_held:
        place = (
            f"（{held.places[0].stage.name} · {held.places[0].scenario.name}）"
            if held.places
            else ""
        )
        out.print(f"须已取得: {held.name}{place}", highlight=False, markup=False)
    for other in rec.by_others:
        out.print(f"由他方办理: {other.name}（{other.party}，{other.department.name}）")
    for a in rec.assumptions:
        out.print(
            f"假定: {a.question} → {a.option} [--answer {a.id}=…]", highlight=False, markup=False
        )
    for q in rec.pending_questions:
        opts = " / ".join(
            f"{o.value}" + (f" (+{'、'.join(x.name for x in o.adds)})" if o.adds else "")
            for o in q.options
        )
        out.print(f"待答: {q.question} [--answer {q.id}=…] {opts}", highlight=False, markup=False)
    if rec.other_scenarios:
        names = "、".join(s.name for s in rec.other_scenarios)
        out.print(f"另可选择的场景（--scenario）: {names}")


@app.command()
def search(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(help="Chinese text, e.g. 施工.")],
    limit: Annotated[
        int,
        typer.Option(min=SEARCH_LIMIT[0], max=SEARCH_LIMIT[1], help="Most results, 1..100."),
    ] = 20,
    data: SourceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Search matters, bundles, guides, scenarios and departments.

    Reads the configured backend (Neo4j with CHAINKG_BACKEND=neo4j), or the catalog at --data.
    """
    with query_store(ctx, data) as store:
        hits = run_search(store, text, limit=limit)
    if as_json:
        emit_json([dataclasses.asdict(h) for h in hits])
        return
    table = Table()
    for column in ("kind", "id", "名称", "score"):
        table.add_column(column)
    for h in hits:
        table.add_row(h.kind, h.id, h.name, f"{h.score:.1f}")
    out.print(table)


@app.command()
def load(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="Catalog folder of CSVs or an .xlsx workbook.")],
    backend: Annotated[
        BackendKind | None, typer.Option(help="memory or neo4j (default: CHAINKG_BACKEND).")
    ] = None,
) -> None:
    """Validate a catalog and load it into the configured backend, replacing the one there (atomic).

    A shared backend (Neo4j) keeps what is loaded; an embedded one (memory) lives in each
    serving process (it loads CHAINKG_DATA at start), so there this is a dry run that times
    validation and graph building and keeps nothing.
    """
    import time

    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    settings = cli_settings()
    if backend is not None:
        settings = settings.model_copy(update={"backend": backend})
    started = time.perf_counter()
    catalog = read_catalog(path)
    read_s = time.perf_counter() - started
    rows = catalog.total_rows()
    failure = "load failed, the previous catalog is unchanged: "
    target = open_configured(ctx, settings, failure)
    try:
        with (
            quiet_driver(),
            Progress(
                TextColumn("loading"),
                BarColumn(),
                TextColumn("{task.completed}/{task.total} rows"),
                TimeElapsedColumn(),
                console=err,
                disable=not err.is_terminal,
                transient=True,
            ) as bar,
        ):
            task = bar.add_task("load", total=rows)
            report = target.load(catalog, progress=lambda done, _: bar.update(task, completed=done))
            bar.update(task, completed=rows)
    except ChainKGError as exc:
        fail(f"{failure}{exc}")
    finally:
        target.close()
    speed = f"{rows / max(report.to_serving_s, 1e-9):,.0f} rows/s"
    if target.shared:
        message = (
            f"loaded {rows} rows into {target.name}: serving after {report.to_serving_s:.2f} s "
            f"({speed}), old catalog removed in {report.cleanup_s:.2f} s more; reading and "
            f"validation {read_s:.2f} s"
        )
    else:
        message = (
            f"dry run (the {target.name} backend keeps nothing; a serving process loads "
            f"CHAINKG_DATA at start): built {rows} rows in {report.to_serving_s:.2f} s "
            f"({speed}; reading and validation {read_s:.2f} s)"
        )
    err.print(message, highlight=False)


@app.command()
def synth(
    scale: Annotated[int, typer.Option(min=1, help="How many times the base catalog.")],
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder to write the CSVs into (new or empty).")
    ],
    data: CatalogOpt = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="Write into a non-empty --out folder, replacing its table CSVs."
        ),
    ] = False,
) -> None:
    """Write a deterministic synthetic catalog N times the base one (for benchmarks)."""
    from loaders.synthetic import synth as make
    from loaders.writer import write_catalog

    path = catalog_path(data)
    _check_synth_target(out_dir, path, force)
    base = read_catalog(path)
    try:
        rows = write_catalog(make(base, scale), out_dir)
    except OSError as exc:
        fail(f"cannot write {out_dir}: {write_failure(exc, out_dir)}")
    err.print(f"wrote {rows} rows ({scale}x {path}) to {out_dir}")


def _check_synth_target(out_dir: Path, source: Path, force: bool) -> None:
    """Refuse an --out that is a file, the catalog being read, or (without --force) a folder
    that holds anything: writing there would replace or mix with what it holds."""
    if out_dir.exists() and not out_dir.is_dir():
        fail(f"--out {out_dir}: a file is there; expected a folder (new or empty)", code=2)
    if not out_dir.is_dir():
        return
    if source.is_dir() and out_dir.resolve() == source.resolve():
        fail(f"--out {out_dir} is the catalog being read; write the copy elsewhere", code=2)
    try:
        held = sum(1 for _ in out_dir.iterdir())
    except OSError as exc:
        fail(f"--out {out_dir}: cannot list the folder: {reason(exc)}")
    if held and not force:
        fail(
            f"--out {out_dir} is not empty ({held} entries): the catalog's CSVs would replace "
            "files of the same names and mix with the rest; choose a new folder, or pass "
            "--force to write there",
            code=2,
        )


app.add_typer(viz_app, name="viz")
app.add_typer(tokens_app, name="tokens")
app.add_typer(projects_app, name="projects")
app.add_typer(analyze_app, name="analyze")
app.command("kpis")(kpis_command)


def main() -> None:
    """Console-script entry point."""
    setup_logging()
    app()


if __name__ == "__main__":
    main()
