"""Dependencies shared by routes, declared once: the backend the app serves and its store."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from graph.store import GraphStore
from graph.stores.factory import Backend


def get_backend(request: Request) -> Backend:
    backend: Backend = request.app.state.backend
    return backend


def get_store(backend: Annotated[Backend, Depends(get_backend)]) -> GraphStore:
    return backend.catalog


BackendDep = Annotated[Backend, Depends(get_backend)]
StoreDep = Annotated[GraphStore, Depends(get_store)]
