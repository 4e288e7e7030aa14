"""Pictures for planners: the service matrix (JSON, HTML, CSV, XLSX), chain map and flowchart.

Pages are self-contained HTML (no external URL), so a browser on an intranet with no internet
shows them. Bad input comes out as problem+json through the shared handlers.
"""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response
from pydantic import Field

from api.deps import StoreDep
from api.limits import AnswerItems, IdStr
from api.problems import NOT_FOUND
from api.schemas import Model, Ref
from graph.answers import parse_answers
from graph.matrix import service_matrix
from graph.model import Position
from graph.planner import recommend
from viz.chain_map import DEFAULT_MAX_NODES, build_chain_map, chain_map_html, position_paths
from viz.flowchart import flowchart_html
from viz.service_matrix import matrix_csv, matrix_html, matrix_xlsx

router = APIRouter(tags=["viz"])
IndustryQuery = Annotated[
    IdStr | None, Query(description="Industry id, e.g. nev; omitted: every industry")
]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class MatrixRowOut(Model):
    key: str = Field(description="Unique row key: a stage id, or `<stage id>/<bundle id>`.")
    kind: Literal["stage", "bundle"]
    id: str
    name: str
    industry: Ref
    stage: Ref
    bundle_kind: str | None
    lead_departments: list[str] = Field(
        description="Department ids: a bundle's lead; for a stage, the leads of its bundles."
    )
    total: int = Field(description="Distinct matters in the row.")


class MatrixColumnOut(Model):
    id: str
    name: str
    total: int = Field(description="Distinct matters of this department over the stage rows.")


class MatrixCellOut(Model):
    row: str = Field(description="The row's key.")
    column: str = Field(description="The department id.")
    count: int
    lead: bool = Field(description="The department leads the row's bundle(s).")
    matters: list[Ref]


class ServiceMatrixOut(Model):
    """Stages (in chain order, each followed by its bundles) by departments; blank cells omitted."""

    industries: list[Ref]
    rows: list[MatrixRowOut]
    columns: list[MatrixColumnOut]
    cells: list[MatrixCellOut]
    total: int = Field(description="Distinct matters over every stage row.")


@router.get("/service-matrix", response_model=ServiceMatrixOut, responses=NOT_FOUND)
def service_matrix_json(store: StoreDep, industry: IndustryQuery = None) -> ServiceMatrixOut:
    """Departments by stages and bundles: distinct matters per cell, leads and totals."""
    return ServiceMatrixOut.model_validate(service_matrix(store, industry))


@router.get(
    "/viz/service-matrix",
    response_class=HTMLResponse,
    responses={**NOT_FOUND, 200: {"content": {"text/html": {}, "text/csv": {}, XLSX: {}}}},
)
def service_matrix_page(
    store: StoreDep,
    industry: IndustryQuery = None,
    format: Annotated[
        Literal["html", "csv", "xlsx"], Query(description="html page, or a csv/xlsx export")
    ] = "html",
) -> Response:
    """The service matrix as a page, or exported as CSV (UTF-8 with BOM) or .xlsx."""
    matrix = service_matrix(store, industry)
    stem = f"service-matrix-{industry}" if industry else "service-matrix"
    if format == "csv":
        return Response(
            matrix_csv(matrix),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{stem}.csv"'},
        )
    if format == "xlsx":
        return Response(
            matrix_xlsx(matrix),
            media_type=XLSX,
            headers={"Content-Disposition": f'attachment; filename="{stem}.xlsx"'},
        )
    query = urlencode({"industry": industry}) + "&" if industry else ""
    return HTMLResponse(matrix_html(matrix, export_base=f"service-matrix?{query}format="))


@router.get("/viz/chain-map", response_class=HTMLResponse, responses=NOT_FOUND)
def chain_map_page(
    store: StoreDep,
    industry: IndustryQuery = None,
    max_nodes: Annotated[
        int, Query(ge=10, le=50_000, description="Fold levels above this many nodes")
    ] = DEFAULT_MAX_NODES,
) -> HTMLResponse:
    """The chain map: an overview that opens on click, focus, and a position's path.

    The path is the data of POST /v1/recommendations (no answers), embedded in the page.
    """
    chain = build_chain_map(store, industry, max_nodes)
    return HTMLResponse(chain_map_html(chain, position_paths(store, industry)))


@router.get("/viz/flowchart", response_class=HTMLResponse, responses=NOT_FOUND)
def flowchart_page(
    store: StoreDep,
    industry: Annotated[IdStr, Query(min_length=1, description="Industry id, e.g. nev")],
    stage: Annotated[IdStr, Query(min_length=1, description="Stage id, e.g. nev.construction")],
    scenario: Annotated[IdStr | None, Query(description="One scenario; omitted: all")] = None,
    answer: Annotated[
        AnswerItems | None, Query(description="CONDITION_ID=OPTION, repeatable")
    ] = None,
) -> HTMLResponse:
    """The recommendation's department path as a flowchart, critical path marked."""
    rec = recommend(store, Position(industry, stage, scenario), parse_answers(answer or []))
    return HTMLResponse(flowchart_html(rec))
