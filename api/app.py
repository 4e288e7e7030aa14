"""create_app: the FastAPI application over one GraphStore."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from fastapi import FastAPI

from api import problems
from api.routes import catalog, meta, planning, viz
from api.settings import Backend, LoadPolicy, Settings, get_settings
from graph.backends import open_store
from graph.errors import BackendUnavailable, LoadInProgress
from graph.model import Catalog
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


@dataclass(slots=True)
class StartupLoad:
    """The catalog load a serving process owes its backend; retried until the backend takes it.

    The catalog is read and validated up front, so a broken catalog stops the process before it
    serves; a backend that is down only postpones the load (each /v1/ready tries again).
    """

    backend: Backend
    policy: LoadPolicy
    catalog: Catalog | None
    pending: bool

    def attempt(self, store: GraphStore) -> None:
        if not self.pending or self.catalog is None:
            return
        try:
            if self.backend == Backend.NEO4J and self.policy == LoadPolicy.AUTO and store.stats():
                self.pending = False  # the shared database already serves a catalog
                return
            store.replace_catalog(self.catalog)
            self.pending = False
        except BackendUnavailable as exc:
            log.error("catalog not loaded yet, the backend is unavailable: %s", exc)
        except LoadInProgress as exc:
            log.warning("catalog not loaded: %s; serving what that load switches to", exc)
            self.pending = False


def prepare_startup(settings: Settings) -> StartupLoad:
    """What to load at start under the settings' policy (raises CatalogError for a bad one)."""
    loads = settings.backend == Backend.MEMORY or settings.load_on_start != LoadPolicy.NEVER
    catalog = load_catalog(settings.catalog_path()) if loads else None
    return StartupLoad(settings.backend, settings.load_on_start, catalog, pending=loads)


def build_store(settings: Settings) -> GraphStore:
    """Open the configured backend and make the start-up load (benchmarks, scripts)."""
    startup = prepare_startup(settings)
    store = open_configured_store(settings)
    startup.attempt(store)
    return store


def create_app(
    settings: Settings | None = None,
    store: GraphStore | None = None,
    startup: StartupLoad | None = None,
) -> FastAPI:
    """The application.

    Without `store` it opens the configured backend at start and makes the start-up load
    (`startup`, or one prepared from the settings), and closes the backend at shutdown; pass
    `store` to serve an already opened backend (tests, benchmarks).
    """
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        opened = None
        if app.state.store is None:
            plan = startup or prepare_startup(settings)
            opened = app.state.store = open_configured_store(settings)
            app.state.startup = plan
            plan.attempt(opened)
            _warn_if_unreachable(settings, opened)
        yield
        if opened is not None:
            opened.close()

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
    app.state.startup = None
    problems.install(app)
    for router in (meta.router, catalog.router, planning.router, viz.router):
        app.include_router(router, prefix="/v1")
    return app


def _warn_if_unreachable(settings: Settings, store: GraphStore) -> None:
    if settings.backend != Backend.NEO4J:
        return
    try:
        store.ping()
    except BackendUnavailable as exc:
        log.error(
            "Neo4j is not reachable at %s: %s. Serving anyway: /v1/ready answers 503 until it "
            "is back.",
            settings.neo4j_uri,
            exc,
        )
