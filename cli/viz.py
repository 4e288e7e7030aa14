"""`chainkg viz ...`: write the chain map, service matrix and flowchart pages to files.

cli/main.py registers this app. Each command reads the configured backend (Neo4j with
CHAINKG_BACKEND=neo4j) or the catalog at --data, like `chainkg recommend` (cli/common.py).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from cli.common import (
    AnswersOpt,
    IndustryArg,
    ScenarioOpt,
    SourceOpt,
    StageArg,
    err,
    fail,
    query_store,
    write_failure,
)
from graph.answers import parse_answers
from graph.errors import InvalidRequest
from graph.matrix import service_matrix
from graph.model import Position
from graph.planner import recommend
from viz.chain_map import DEFAULT_MAX_NODES, build_chain_map, chain_map_html, position_paths
from viz.flowchart import flowchart_html
from viz.page import write_page
from viz.service_matrix import matrix_csv, matrix_html, matrix_xlsx

viz_app = typer.Typer(
    help="Self-contained pages for planners (open offline): chain map, service matrix, flowchart.",
    no_args_is_help=True,
)


class MatrixFormat(StrEnum):
    HTML = "html"
    CSV = "csv"
    XLSX = "xlsx"


IndustryOpt = Annotated[
    str | None, typer.Option(help="Industry id, e.g. nev (default: every industry).")
]


def _output(option: Path | None, default: str) -> Path:
    """The file to write (`-o`, else `default` here); a folder is refused before any work."""
    path = option if option is not None else Path(default)
    if path.is_dir():
        fail(f"-o {path}: a folder is there; expected a file to write", code=2)
    return path


def _write(path: Path, content: str | bytes) -> None:
    """Write the page or export and say so; a path that cannot be written is one line, exit 1."""
    try:
        written = write_page(path, content)
        size = written.stat().st_size
    except OSError as exc:
        fail(f"cannot write {path}: {write_failure(exc, path)}")
    err.print(f"wrote {written} ({size / 1024:.0f} KB)", highlight=False)


@viz_app.command("chain-map")
def chain_map(
    ctx: typer.Context,
    industry: IndustryOpt = None,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="HTML file to write.")
    ] = None,
    max_nodes: Annotated[
        int, typer.Option(min=10, help="Fold levels (matters first) above this many nodes.")
    ] = DEFAULT_MAX_NODES,
    data: SourceOpt = None,
) -> None:
    """The chain map: industry → stages → scenarios → bundles → matters → departments."""
    target = _output(output, "chain-map.html")
    with query_store(ctx, data) as store:
        chain = build_chain_map(store, industry, max_nodes)
        html = chain_map_html(chain, position_paths(store, industry))
    _write(target, html)


@viz_app.command("service-matrix")
def service_matrix_cmd(
    ctx: typer.Context,
    industry: IndustryOpt = None,
    format: Annotated[
        MatrixFormat, typer.Option("--format", help="html page, or csv / xlsx export.")
    ] = MatrixFormat.HTML,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="File to write.")] = None,
    data: SourceOpt = None,
) -> None:
    """Departments by stages and bundles: how many matters each carries, leads marked."""
    target = _output(output, f"service-matrix.{format.value}")
    with query_store(ctx, data) as store:
        matrix = service_matrix(store, industry)
    content: str | bytes
    if format == MatrixFormat.CSV:
        content = matrix_csv(matrix)
    elif format == MatrixFormat.XLSX:
        content = matrix_xlsx(matrix)
    else:
        content = matrix_html(matrix)
    _write(target, content)


@viz_app.command()
def flowchart(
    ctx: typer.Context,
    industry: IndustryArg,
    stage: StageArg,
    scenario: ScenarioOpt = None,
    answer: AnswersOpt = None,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="HTML file to write.")
    ] = None,
    data: SourceOpt = None,
) -> None:
    """The department path of a recommendation as a flowchart, critical path marked."""
    try:
        answers = parse_answers(answer or [])
    except InvalidRequest as exc:
        fail(f"--{exc}", code=2)
    target = _output(output, "flowchart.html")
    with query_store(ctx, data) as store:
        rec = recommend(store, Position(industry, stage, scenario), answers)
    _write(target, flowchart_html(rec))
