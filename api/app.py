"""create_app: the FastAPI application over one GraphStore."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api import problems
from api.routes import catalog, meta, planning, viz
from api.settings import Backend, Settings, get_settings
from graph.backends import open_store
from graph.errors import BackendUnavailable, LoadInProgress
from graph.store import GraphStore
from loaders import load_catalog

log = logging.getLogger("chainkg.api")

DESCRIPTION = """
产业链政务服务知识图谱 API. For an enterprise position in an industry chain (industry, stage,
scenario and the answers to situational questions) it answers which matters (事项), which
materials (each asked once), which departments in what order and in parallel, how long, and what
the integration (一件事) saves. Errors are RFC 9457 `application/problem+json`.
"""


def open_configured_store(settings: Settings) -> GraphStore:
    """The configured backend, empty-handed: nothing is loaded."""
    return open_store(
        settings.backend,
        neo4j_uri=settings.neo4j_uri,
        neo4j_user=settings.neo4j_user,
        neo4j_password=settings.neo4j_password.get_secret_value(),
        neo4j_database=settings.neo4j_database,
    )


def build_store(settings: Settings) -> GraphStore:
    """Open the configured backend and load the catalog into it when asked to."""
    store = open_configured_store(settings)
    if settings.backend == Backend.MEMORY or settings.load_on_start:
        catalog = load_catalog(settings.catalog_path())
        try:
            store.replace_catalog(catalog)
        except BackendUnavailable as exc:
            # The API still starts: /v1/health answers, /v1/ready says 503 until it is back.
            log.error("backend unavailable at start, catalog not loaded: %s", exc)
        except LoadInProgress as exc:
            # Another process is loading the shared catalog: serve what it switches to.
            log.warning("catalog not loaded at start: %s", exc)
    return store


def create_app(settings: Settings | None = None, store: GraphStore | None = None) -> FastAPI:
    """The application; pass `store` to serve an already opened backend (tests, benchmarks)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if getattr(app.state, "store", None) is None:
            app.state.store = build_store(settings)
        yield
        close = getattr(app.state.store, "close", None)
        if close is not None and store is None:
            close()

    app = FastAPI(
        title="chainkg",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        openapi_url="/v1/openapi.json",
        docs_url="/v1/docs",
        redoc_url=None,
    )
    app.state.backend = str(settings.backend)
    app.state.store = store
    problems.install(app)
    for router in (meta.router, catalog.router, planning.router, viz.router):
        app.include_router(router, prefix="/v1")
    return app
