"""`chainkg viz ...`: write the chain map, service matrix and flowchart pages to files.

api/cli.py registers this app; the store comes from its `_memory_store`, imported when a
command runs so that neither module needs the other at import time.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from api.answers import parse_answers
from graph.errors import ChainKGError
from graph.matrix import service_matrix
from graph.memory import MemoryStore
from graph.model import Position
from graph.planner import recommend
from viz.chain_map import DEFAULT_MAX_NODES, build_chain_map, chain_map_html
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


err = Console(stderr=True)
CatalogOpt = Annotated[
    Path | None,
    typer.Option(
        "--data", help="Catalog folder or .xlsx (default: CHAINKG_DATA or the shipped one)."
    ),
]
IndustryOpt = Annotated[
    str | None, typer.Option(help="Industry id, e.g. nev (default: every industry).")
]


def _memory_store(data: Path | None) -> MemoryStore:
    from api.cli import _memory_store as load  # the same loading and error report as chainkg

    return load(data)


def _output(option: Path | None, default: str) -> Path:
    return option if option is not None else Path(default)


def _done(path: Path) -> None:
    err.print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KB)", highlight=False)


@viz_app.command("chain-map")
def chain_map(
    industry: IndustryOpt = None,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="HTML file to write.")
    ] = None,
    max_nodes: Annotated[
        int, typer.Option(min=10, help="Fold levels (matters first) above this many nodes.")
    ] = DEFAULT_MAX_NODES,
    data: CatalogOpt = None,
) -> None:
    """The chain map: industry → stages → scenarios → bundles → matters → departments."""
    store = _memory_store(data)
    try:
        html = chain_map_html(build_chain_map(store, industry, max_nodes))
    except ChainKGError as exc:
        err.print(f"[red]{exc}[/red]", highlight=False)
        raise typer.Exit(1) from None
    _done(write_page(_output(output, "chain-map.html"), html))


@viz_app.command("service-matrix")
def service_matrix_cmd(
    industry: IndustryOpt = None,
    format: Annotated[
        MatrixFormat, typer.Option("--format", help="html page, or csv / xlsx export.")
    ] = MatrixFormat.HTML,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="File to write.")] = None,
    data: CatalogOpt = None,
) -> None:
    """Departments by stages and bundles: how many matters each carries, leads marked."""
    store = _memory_store(data)
    try:
        matrix = service_matrix(store, industry)
    except ChainKGError as exc:
        err.print(f"[red]{exc}[/red]", highlight=False)
        raise typer.Exit(1) from None
    content: str | bytes
    if format == MatrixFormat.CSV:
        content = matrix_csv(matrix)
    elif format == MatrixFormat.XLSX:
        content = matrix_xlsx(matrix)
    else:
        content = matrix_html(matrix)
    _done(write_page(_output(output, f"service-matrix.{format.value}"), content))


@viz_app.command()
def flowchart(
    industry: Annotated[str, typer.Option(help="Industry id, e.g. nev.")],
    stage: Annotated[str, typer.Option(help="Stage id, e.g. nev.construction.")],
    scenario: Annotated[
        str | None, typer.Option(help="One scenario (default: all of the stage).")
    ] = None,
    answer: Annotated[
        list[str] | None, typer.Option(help="Answer a question: CONDITION_ID=OPTION (repeatable).")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="HTML file to write.")
    ] = None,
    data: CatalogOpt = None,
) -> None:
    """The department path of a recommendation as a flowchart, critical path marked."""
    store = _memory_store(data)
    try:
        rec = recommend(store, Position(industry, stage, scenario), parse_answers(answer or []))
    except ChainKGError as exc:
        err.print(f"[red]{exc}[/red]", highlight=False)
        raise typer.Exit(1) from None
    _done(write_page(_output(output, "flowchart.html"), flowchart_html(rec)))
