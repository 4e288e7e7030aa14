"""Liveness and readiness."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from api.deps import get_store
from api.schemas import Health, Ready
from graph.errors import BackendUnavailable
from graph.store import GraphStore

router = APIRouter(tags=["meta"])


@router.get("/health", response_model=Health)
def health() -> Health:
    """The process is up (it does not touch the backend)."""
    return Health(status="ok")


@router.get("/ready", response_model=Ready, responses={503: {"description": "Backend down"}})
def ready(request: Request, store: Annotated[GraphStore, Depends(get_store)]) -> Ready:
    """The backend answers and holds a catalog; 503 problem+json otherwise."""
    store.ping()
    startup = request.app.state.startup
    if startup is not None:
        startup.attempt(store)  # a start-up load the backend could not take yet
    counts = store.stats()
    if not counts:
        raise BackendUnavailable("the backend holds no catalog yet (see `chainkg load`)")
    return Ready(status="ready", backend=request.app.state.backend, counts=counts)
