"""Planner analytics: candidate bundles, what-if, bottlenecks, position diff, the report.

Each answer is computed by graph/analytics.py over the served catalog (one pinned view per
request) from the planner's own default plans; the survey of every position those analyses
share is kept per catalog version (the content digest), so a new catalog is surveyed afresh.
Inputs are bounded (limits, list lengths, CHAINKG_MAX_ID_CHARS); an unknown id is 404, ids
that do not fit together (a stage of another industry, a removal the proposal does not hold,
sizes out of order) are 422.
"""

from __future__ import annotations

import threading
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response

from api.analytics_schemas import (
    BottlenecksOut,
    CandidatesOut,
    PositionDiffOut,
    WhatIfOut,
    WhatIfRequest,
)
from api.deps import BackendDep, run_read
from api.limits import IdStr
from api.problems import NOT_FOUND
from graph import analytics
from graph.model import BundleMode
from graph.store import GraphStore
from graph.stores.factory import Backend
from viz.analytics_report import report_html, report_xlsx

router = APIRouter(prefix="/analytics", tags=["analytics"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_KEEP = 2  # catalog versions whose surveys are kept
_lock = threading.Lock()
_surveys: dict[str, analytics.Survey] = {}


def current_survey(store: GraphStore) -> analytics.Survey:
    """The survey of the catalog `store` serves now (kept per catalog version)."""
    view = store.pinned()
    version = view.catalog_version()
    with _lock:
        kept = _surveys.get(version) if version else None
    if kept is not None:
        return kept
    fresh = analytics.survey(view)
    if version:
        with _lock:
            _surveys[version] = fresh
            while len(_surveys) > _KEEP:
                _surveys.pop(next(iter(_surveys)))
    return fresh


async def _survey(backend: Backend) -> analytics.Survey:
    return await run_read(backend, lambda: current_survey(backend.catalog))


Limit = Annotated[int, Query(ge=1, le=50, description="Rows per list")]
Size = Annotated[int, Query(ge=2, le=50)]
LeaveOut = Annotated[
    list[IdStr] | None,
    Query(max_length=10, description="Bundle ids removed before the search (repeatable)"),
]


@router.get("/candidates", response_model=CandidatesOut, responses=NOT_FOUND)
async def candidates(
    backend: BackendDep,
    limit: Limit = 10,
    min_size: Size = 2,
    max_size: Size = 16,
    leave_out: LeaveOut = None,
) -> CandidatesOut:
    """Candidate bundles: communities of co-occurring matters, with what each would save."""
    sv = await _survey(backend)
    gone = list(leave_out or [])
    found = await run_read(
        backend,
        lambda: analytics.candidates(
            sv, limit=limit, min_size=min_size, max_size=max_size, leave_out=gone
        ),
    )
    return CandidatesOut.model_validate(
        {"catalog_version": sv.version, "leave_out": gone, "candidates": found}
    )


@router.post("/what-if", response_model=WhatIfOut, responses=NOT_FOUND)
async def what_if(body: WhatIfRequest, backend: BackendDep) -> WhatIfOut:
    """A proposed bundle before and after, and the positions whose plans it would change."""
    sv = await _survey(backend)
    result = await run_read(
        backend,
        lambda: analytics.what_if(
            sv,
            matters=body.matters,
            bundle=body.bundle,
            add=body.add,
            remove=body.remove,
            mode=BundleMode(body.mode) if body.mode is not None else None,
            scenarios=body.scenarios,
        ),
    )
    return WhatIfOut.model_validate({"catalog_version": sv.version, **_fields(result)})


@router.get("/bottlenecks", response_model=BottlenecksOut)
async def bottlenecks(backend: BackendDep, limit: Limit = 10) -> BottlenecksOut:
    """Departments and matters on most critical paths, materials asked most, offline matters."""
    sv = await _survey(backend)
    found = analytics.bottlenecks(sv, limit=limit)
    return BottlenecksOut.model_validate({"catalog_version": sv.version, **_fields(found)})


@router.get("/position-diff", response_model=PositionDiffOut, responses=NOT_FOUND)
async def position_diff(
    backend: BackendDep,
    industry: Annotated[IdStr, Query(min_length=1, description="Industry id, e.g. nev")],
    from_stage: Annotated[IdStr, Query(min_length=1, description="e.g. nev.production")],
    to_stage: Annotated[IdStr, Query(min_length=1, description="e.g. nev.circulation")],
) -> PositionDiffOut:
    """What changes for an enterprise moving from one stage of its industry to another."""
    sv = await _survey(backend)
    diff = analytics.position_diff(sv, industry, from_stage, to_stage)
    return PositionDiffOut.model_validate({"catalog_version": sv.version, **_fields(diff)})


@router.get(
    "/report",
    response_class=HTMLResponse,
    responses={200: {"content": {"text/html": {}, XLSX: {}}}},
)
async def report(
    backend: BackendDep,
    format: Annotated[
        Literal["html", "xlsx"], Query(description="html page, or an .xlsx workbook")
    ] = "html",
) -> Response:
    """The planners' report: candidates, bottlenecks, stage diffs, the article's bundles."""
    sv = await _survey(backend)
    if format == "xlsx":
        body = await run_read(backend, lambda: report_xlsx(sv))
        return Response(
            body,
            media_type=XLSX,
            headers={"Content-Disposition": 'attachment; filename="analytics-report.xlsx"'},
        )
    return HTMLResponse(await run_read(backend, lambda: report_html(sv)))


def _fields(value: object) -> dict[str, object]:
    """A dataclass's fields by name (its nested dataclasses validated from attributes)."""
    return {name: getattr(value, name) for name in value.__dataclass_fields__}  # type: ignore[attr-defined]
