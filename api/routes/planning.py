"""Recommendations and search: the questions window staff and portals ask."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import StoreDep
from api.problems import NOT_FOUND
from api.schemas import RecommendationOut, RecommendationRequest, SearchHitOut
from graph.model import Position
from graph.planner import recommend
from graph.search import search as run_search

router = APIRouter(tags=["planning"])


@router.post("/recommendations", response_model=RecommendationOut, responses=NOT_FOUND)
def recommendations(body: RecommendationRequest, store: StoreDep) -> RecommendationOut:
    """Matters, materials (each once), department path, estimate and savings for a position."""
    position = Position(body.industry, body.stage, body.scenario)
    return RecommendationOut.model_validate(recommend(store, position, body.answers))


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
