"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter, Request

from api.deps import BackendDep
from api.schemas import Health, Ready
from graph.errors import BackendUnavailable

router = APIRouter(tags=["meta"])


@router.get("/health", response_model=Health)
async def health() -> Health:
    """The process is up (it does not touch the backend)."""
    return Health(status="ok")


@router.get("/ready", response_model=Ready)
def ready(request: Request, backend: BackendDep) -> Ready:
    """The backend answers and holds a catalog; 503 problem+json otherwise (it only reports)."""
    startup = request.app.state.startup
    if startup is not None and startup.pending:
        raise BackendUnavailable(startup.status())
    backend.catalog.ping()
    counts = backend.catalog.stats()
    if not counts:
        raise BackendUnavailable("the backend holds no catalog yet (see `chainkg load`)")
    return Ready(status="ready", backend=backend.name, counts=counts)
