"""Open a Backend: the only place that knows every kind of backend.

A Backend is what the API, the CLI and the benchmarks hold: the catalog store, and what they
must know of it without asking which kind it is (`shared`, the last load's report).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from graph.errors import BackendUnavailable
from graph.model import Catalog
from graph.store import GraphStore, LoadReport
from graph.stores.memory import MemoryStore

BackendKind = Literal["memory", "neo4j"]
KINDS: tuple[BackendKind, ...] = ("memory", "neo4j")


@dataclass(frozen=True, slots=True)
class BackendConfig:
    """Which backend to open and how to reach it (api.settings.Settings.backend_config())."""

    kind: str = "memory"
    neo4j_uri: str = "bolt://127.0.0.1:7687"
    neo4j_user: str = "neo4j"
    neo4j_password: str = ""
    neo4j_database: str = "neo4j"


@dataclass(slots=True)
class Backend:
    """An opened backend.

    `shared`: the catalog lives outside this process (Neo4j) and outlives it, so other
    processes read what one loads, and every read waits on the network (an async caller runs
    it in a thread); an embedded backend (memory) holds nothing until this process loads a
    catalog into it, and answers from memory without waiting on anything.
    """

    name: str
    catalog: GraphStore
    shared: bool
    last_load: LoadReport | None = None

    def load(
        self, catalog: Catalog, progress: Callable[[int, int], None] | None = None
    ) -> LoadReport:
        """Replace the served catalog atomically (see GraphStore.replace_catalog)."""
        report = self.catalog.replace_catalog(catalog, progress)
        self.last_load = report
        return report

    def holds_catalog(self) -> bool:
        """Whether the backend serves a catalog now (raises BackendUnavailable when down)."""
        return bool(self.catalog.stats())

    def wait_until_ready(self, timeout: float = 60.0) -> None:
        """Block until the backend answers (scripts and tests); BackendUnavailable on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.catalog.ping()
                return
            except BackendUnavailable:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    def close(self) -> None:
        self.catalog.close()


def open_backend(config: BackendConfig) -> Backend:
    """The backend `config` names, with nothing loaded; Neo4j connects lazily, so a server that
    is down is no error here (the first call that needs it raises BackendUnavailable).

    Raises:
        BackendUnavailable: the Neo4j URI cannot be used at all (a bad scheme or option).
        ValueError: an unknown kind.
    """
    if config.kind == "memory":
        return embedded_backend()
    if config.kind == "neo4j":
        # The driver is imported only when Neo4j is used.
        from graph.stores.neo4j.catalog import Neo4jStore
        from graph.stores.neo4j.executor import Executor

        executor = Executor(
            config.neo4j_uri,
            config.neo4j_user,
            config.neo4j_password,
            database=config.neo4j_database,
        )
        return Backend("neo4j", Neo4jStore(executor), shared=True)
    raise ValueError(f"unknown backend '{config.kind}' (expected {' or '.join(KINDS)})")


def embedded_backend(catalog: Catalog | None = None) -> Backend:
    """An in-process backend, holding `catalog` if one is given."""
    backend = Backend("memory", MemoryStore(), shared=False)
    if catalog is not None:
        backend.load(catalog)
    return backend
