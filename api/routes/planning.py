"""Recommendations and search: the questions window staff and portals ask."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response
from pydantic import TypeAdapter

from api.deps import BackendDep, RecommendationCacheDep, StoreDep, run_read
from api.problems import NOT_FOUND
from api.schemas import RecommendationOut, RecommendationRequest, SearchHitOut
from graph.model import Position
from graph.planner import recommend
from graph.recommendation import Recommendation
from graph.search import search as run_search

router = APIRouter(tags=["planning"])


# The planner's dataclasses serialise straight to JSON in pydantic-core: no model is built and
# validated again per response (the documented shape, RecommendationOut, is the same one; the
# success-shape and schemathesis tests hold the two together).
_RECOMMENDATION_JSON = TypeAdapter(Recommendation)


@router.post(
    "/recommendations",
    response_model=RecommendationOut,
    response_class=JSONResponse,
    responses=NOT_FOUND,
)
async def recommendations(
    body: RecommendationRequest, backend: BackendDep, cache: RecommendationCacheDep
) -> Response:
    """Matters, materials (each once), department path, estimate and savings for a position."""
    position = Position(body.industry, body.stage, body.scenario)
    answers = body.answers

    def respond() -> bytes:
        view = backend.catalog.pinned()  # the version and the plan come from one catalog

        def compute() -> bytes:
            return _RECOMMENDATION_JSON.dump_json(recommend(view, position, answers))

        version = view.catalog_version()
        if not version:  # a catalog of unknown version (loaded by an older chainkg): no cache
            return compute()
        return cache.get_or_compute((version, position, tuple(sorted(answers.items()))), compute)

    return Response(await run_read(backend, respond), media_type="application/json")


@router.get("/search", response_model=list[SearchHitOut])
def search(
    store: StoreDep,
    q: Annotated[str, Query(min_length=1, max_length=100, description="Chinese text, e.g. 施工")],
    kind: Annotated[
        str | None, Query(pattern="^(matter|bundle|guide|scenario|department)$")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[SearchHitOut]:
    """Matters, bundles, guides, scenarios and departments ranked by how well they match."""
    return [SearchHitOut.model_validate(h) for h in run_search(store, q, limit=limit, kind=kind)]
